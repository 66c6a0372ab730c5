"""What the llama.cpp LLM is loaded and sampled with, and what each of its turns cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["LlamaSettings", "TurnStats"]


@dataclass(frozen=True, slots=True)
class LlamaSettings:
    """How the llama.cpp model is loaded and sampled.

    Attributes:
        model_path: A GGUF file; None uses ``$VOXLINE_LLM_MODEL`` or the default model.
        n_ctx: Context length in tokens (conversation is trimmed from the oldest to fit).
        n_threads: CPU threads; None uses every core.
        n_batch: Prompt tokens evaluated per batch.
        temperature: Sampling temperature of the spoken reply (0 is greedy, deterministic).
        top_p: Nucleus sampling of the reply.
        seed: Random seed of the reply sampler.
        max_reply_tokens: Longest spoken reply, unless `generate` gets `max_tokens`.
        max_argument_tokens: Longest JSON arguments.
        max_cached_agents: Agent prefixes kept in memory as saved contexts (~20 MiB each).
        persist_states: Also keep prefilled agent prefixes on disk, so a restarted process
            prepares its agents in about a second instead of ~10 s each.
        state_dir: Where they are kept; None is ``llama-states`` beside the joined models
            (``$VOXLINE_DATA_DIR`` or ~/.cache/voxline/models).
        ground_arguments: Check identifier-like arguments against what the user said.
        grounded_fields: Per tool, the fields that must be grounded (overrides the default
            guess from field names and values).
        router: The embedding intent router: "auto" uses it when its model package is
            installed, "on" requires it (ModelFileError otherwise), "off" never loads it.
    """

    model_path: str | None = None
    n_ctx: int = 4096
    n_threads: int | None = None
    n_batch: int = 256
    temperature: float = 0.6
    top_p: float = 0.9
    seed: int = 0
    max_reply_tokens: int = 200
    max_argument_tokens: int = 96
    max_cached_agents: int = 16
    persist_states: bool = True
    state_dir: str | None = None
    ground_arguments: bool = True
    grounded_fields: Mapping[str, Sequence[str]] = field(default_factory=dict)
    router: Literal["auto", "on", "off"] = "auto"


@dataclass(frozen=True, slots=True)
class TurnStats:
    """What the last `generate` call cost, for benchmarks and logs.

    Attributes:
        prefix_cached: The agent's prefix came from the cache (False: prefilled now).
        prefill_s: Time to get the agent prefix in place (prefill or state restore).
        prompt_tokens: Conversation tokens evaluated after the prefix.
        decision_s: From the call to the chosen action (prompt evaluation included).
        first_output_s: From the call to the first TextChunk or the ToolChoice.
        generated_tokens: Tokens of the reply or arguments.
        generation_s: Time spent producing them.
        action: "reply" or the tool name.
        retried: A grounding retry happened.
        route: What the embedding router found ("small_talk", "handoff", "open"), or "" when
            it did not run.
        route_s: Time the router took (included in decision_s).
    """

    prefix_cached: bool
    prefill_s: float
    prompt_tokens: int
    decision_s: float
    first_output_s: float
    generated_tokens: int
    generation_s: float
    action: str
    retried: bool = False
    route: str = ""
    route_s: float = 0.0

    @property
    def tokens_per_s(self) -> float:
        """Generation speed of the reply or arguments."""
        return self.generated_tokens / self.generation_s if self.generation_s > 0 else 0.0
