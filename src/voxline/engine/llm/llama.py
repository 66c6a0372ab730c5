"""The LLM port on llama.cpp (`llama-cpp-python`): constrained decision, free spoken reply.

One turn goes:

1. The prompt is the agent's system message (cached: prefilled once per agent and saved as a
   llama state), then the conversation, then ``<|im_start|>assistant\\naction:``.
2. If the embedding router is on (`voxline.engine.router`), it first narrows the actions for
   the user's last utterance: small talk can only be answered, a clear handoff competes only
   with "reply" and the agent's own tools, and tools needing an identifier nobody said are
   dropped. The action is then chosen among "reply" and the remaining tool names by walking
   a token trie over the logits: greedy, only valid labels possible, and once the label is
   unique its remaining tokens are evaluated in one batch instead of being sampled one by one.
3. A tool's JSON arguments are sampled under a GBNF grammar built from its schema, so they
   always parse and fit the schema. Values the user must have said are checked (grounding);
   an invented one gets one retry with a hint, then the model asks the user instead.
4. A reply streams as unconstrained text, checking `should_stop` between tokens.

Set ``OMP_WAIT_POLICY=PASSIVE`` before llama.cpp loads (this module does, unless it is set):
on 2 cores spinning OpenMP threads cost a lot of tail latency.
"""

from __future__ import annotations

import codecs
import json
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np

from voxline.core.config import ToolSpec
from voxline.engine.llm.grounding import grounded, retry_hint
from voxline.engine.llm.llama_settings import LlamaSettings, TurnStats
from voxline.engine.llm.prompt import IM_END, REPLY, build_prompt
from voxline.engine.llm.schema import arguments_grammar, validate_arguments
from voxline.engine.llm.states import (
    SavedContext,
    StateCache,
    model_identity,
    restore_context,
    save_context,
)
from voxline.engine.modelfiles.store import data_dir, resolve_llm_model
from voxline.engine.ports import ChatMessage, LLMOutput, TextChunk, ToolChoice
from voxline.engine.router.intent import EmbeddingRouter, RouteDecision
from voxline.errors import ConfigurationError, ModelFileError, ToolArgumentsError

__all__ = ["LlamaCppLLM", "LlamaSettings", "TurnStats"]

HANDOFF_PREFIX = "transfer_to_"
PRIME_STEP = 16
"""Tokens evaluated between checks of `should_stop` while priming."""


@dataclass(slots=True)
class _Label:
    name: str
    tokens: list[int]
    grammar: Any | None  # LlamaGrammar for the arguments after "{", or None (no arguments)


_PLAIN_REPLY = _Label(REPLY, [], None)
"""The reply of an agent with no tools: its prompt has no action line to write."""


@dataclass(slots=True)
class _Turn:
    """What a turn has cost so far: TurnStats' fields as they are filled in, and its start."""

    start: float
    prefix_cached: bool = True
    prefill_s: float = 0.0
    prompt_tokens: int = 0
    decision_s: float = 0.0
    first_output_s: float = 0.0
    generated_tokens: int = 0
    generation_s: float = 0.0
    action: str = REPLY
    retried: bool = False
    route: str = ""
    route_s: float = 0.0

    def stats(self) -> TurnStats:
        return TurnStats(**{f.name: getattr(self, f.name) for f in fields(TurnStats)})


class LlamaCppLLM:
    """The LLM port on a local GGUF model through llama.cpp.

    Thread-safe: calls are serialised (one model, one context). Load it once per process.

    Args:
        settings: How the model is loaded and sampled.
        router: An intent router to use instead of the one `settings.router` asks for.

    Raises:
        ModelFileError: the model file is missing, corrupt, or llama.cpp cannot load it (or
            `settings.router` is "on" and the embedding model is not installed).
        ConfigurationError: llama-cpp-python is not installed.
    """

    def __init__(
        self, settings: LlamaSettings | None = None, *, router: EmbeddingRouter | None = None
    ) -> None:
        self.settings = settings or LlamaSettings()
        self.router = router if router is not None else _load_router(self.settings.router)
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import llama_cpp
        except ImportError as exc:
            raise ConfigurationError(
                "the offline language model needs llama-cpp-python: "
                "pip install 'voxline[local]' (see the Makefile for the build flags)"
            ) from exc
        self._lib = llama_cpp
        path = resolve_llm_model(self.settings.model_path)
        try:
            self._llm = llama_cpp.Llama(
                str(path),
                n_ctx=self.settings.n_ctx,
                n_batch=self.settings.n_batch,
                n_threads=self.settings.n_threads or os.cpu_count() or 1,
                seed=self.settings.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelFileError(f"llama.cpp could not load {path}: {exc}") from exc
        self.model_path = path
        self._lock = threading.Lock()
        self._states: OrderedDict[str, SavedContext] = OrderedDict()
        self._disk: StateCache | None = None
        if self.settings.persist_states:
            directory = self.settings.state_dir or str(data_dir() / "llama-states")
            identity = model_identity(
                path,
                n_ctx=self.settings.n_ctx,
                n_batch=self.settings.n_batch,
                version=str(getattr(llama_cpp, "__version__", "?")),
            )
            self._disk = StateCache(Path(directory).expanduser(), identity)
        self._labels: dict[tuple[str, str, str], _Label] = {}
        vocab = llama_cpp.llama_model_get_vocab(self._llm.model)
        self._is_eog: Callable[[int], bool] = lambda t: bool(llama_cpp.llama_vocab_is_eog(vocab, t))
        self._n_vocab = self._llm.n_vocab()
        self.last_stats: TurnStats | None = None
        self.turn_count = 0
        """`generate` calls that have ended (benchmarks pair them with `recent_stats`)."""
        self.recent_stats: deque[TurnStats] = deque(maxlen=64)
        """The stats of the last 64 `generate` calls, oldest first."""

    # -- the port -------------------------------------------------------------------------

    def prepare(self, instructions: str, tools: Sequence[ToolSpec]) -> None:
        """Prefill the agent's system prompt once and keep it as a saved state."""
        prefix = build_prompt(instructions, tools, []).prefix
        with self._lock:
            self._ensure_prefix(prefix, self._tokens(prefix))
            for tool in tools:
                self._label(tool)

    def prime(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        *,
        complete: bool = False,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        """Evaluate the prompt for `messages` ahead of the turn, while the user still speaks.

        `messages` ends with the user's words so far (a partial transcript): the prompt up
        to that message's last word is put in the context (the last word may still grow).
        With `complete`, the words are likely final (the user paused): the whole prompt, up
        to where the answer starts, is evaluated. A few tokens at a time, stopping early when
        `should_stop` says so; the turn's `generate` then evaluates only what differs.
        Nothing is generated. Returns the tokens evaluated.
        """
        stop = should_stop or (lambda: False)
        if not messages or messages[-1].role != "user":
            return 0
        if complete:
            prompt = build_prompt(instructions, tools, messages)
            conversation = prompt.conversation + prompt.generation
        else:
            last = messages[-1]
            head = last.content.rsplit(" ", 1)[0] if " " in last.content.strip() else ""
            if not head.strip():
                return 0
            opened = (*messages[:-1], ChatMessage("user", head))
            prompt = build_prompt(instructions, tools, opened)
            conversation = prompt.conversation.removesuffix(f"{IM_END}\n")
        with self._lock:
            prefix_tokens = self._tokens(prompt.prefix)
            rest = self._tokens(conversation)
            budget = self.settings.n_ctx - self.settings.max_reply_tokens - len(prefix_tokens)
            if len(rest) > budget or stop():
                return 0
            self._ensure_prefix(prompt.prefix, prefix_tokens)
            wanted = prefix_tokens + rest
            common = self._common_prefix(wanted)
            self._llm.n_tokens = common
            evaluated = 0
            for start in range(common, len(wanted), PRIME_STEP):
                if stop():
                    break
                chunk = wanted[start : start + PRIME_STEP]
                self._llm.eval(chunk)
                evaluated += len(chunk)
            return evaluated

    def generate(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        *,
        max_tokens: int | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Iterator[LLMOutput]:
        """One ToolChoice with schema-valid arguments, or the spoken reply as TextChunks."""
        stop = should_stop or (lambda: False)
        with self._lock:
            turn = _Turn(start=time.perf_counter())
            try:
                yield from self._turn(instructions, messages, tools, max_tokens, stop, turn)
            finally:
                self.last_stats = turn.stats()
                self.recent_stats.append(self.last_stats)
                self.turn_count += 1

    def close(self) -> None:
        """Free the model and the cached states."""
        with self._lock:
            self._states.clear()
            self._llm.close()

    # -- one turn -------------------------------------------------------------------------

    def _turn(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        max_tokens: int | None,
        stop: Callable[[], bool],
        turn: _Turn,
    ) -> Iterator[LLMOutput]:
        user_texts = [m.content for m in messages if m.role == "user"]
        by_name = {t.name: t for t in tools}
        note: str | None = None
        excluded: set[str] = set()
        route = self._route(messages, tools, turn)
        if route is not None:
            excluded.update(t.name for t in tools if t.name not in route.allowed)
        if just_arrived(messages):
            # A small model that has just been handed the caller tends to hand straight
            # back; its first action after arriving is a reply or one of its own tools.
            excluded.update(t.name for t in tools if t.name.startswith(HANDOFF_PREFIX))
        for attempt in range(3):
            force_reply = attempt == 2
            allowed = [] if force_reply else [t for t in tools if t.name not in excluded]
            label = self._decide(instructions, messages, tools, allowed, note, turn)
            if label.name == REPLY:
                yield from self._reply(max_tokens, stop, turn)
                return
            arguments = self._arguments(label, turn)
            tool = by_name[label.name]
            parsed = json.loads(arguments)
            problems = validate_arguments(tool.parameters, parsed)
            if problems:  # the grammar should make this impossible; never pass bad JSON on
                raise ToolArgumentsError(
                    f"the model's arguments for {tool.name} do not fit its schema: "
                    + "; ".join(problems),
                    tool_name=tool.name,
                )
            missing = self._ungrounded(tool, parsed, user_texts)
            if not missing:
                turn.first_output_s = time.perf_counter() - turn.start
                yield ToolChoice(label.name, arguments)
                return
            # Retry once without that tool (the caller may want another action), with a hint;
            # if the model still invents a value, the third pass can only reply (ask).
            note = retry_hint(missing)
            excluded.add(tool.name)
            turn.retried = True

    def _route(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], turn: _Turn
    ) -> RouteDecision | None:
        """The router's narrowing, when there is a router and the user spoke last."""
        if self.router is None or not tools or not messages or messages[-1].role != "user":
            return None
        began = time.perf_counter()
        known = [m.content for m in messages if m.role in ("user", "tool")]
        decision = self.router.decide(messages[-1].content, tools, known)
        turn.route, turn.route_s = decision.kind, time.perf_counter() - began
        return decision

    def _ungrounded(self, tool: ToolSpec, arguments: Any, user_texts: list[str]) -> list[str]:
        if not self.settings.ground_arguments or not isinstance(arguments, dict):
            return []
        fields = self.settings.grounded_fields.get(tool.name)
        return grounded(arguments, user_texts, fields=fields)

    def _decide(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        allowed: Sequence[ToolSpec],
        note: str | None,
        turn: _Turn,
    ) -> _Label:
        """Choose the action; the prompt shows every tool (same cached prefix), but only
        "reply" and the `allowed` tools can be chosen."""
        prompt = build_prompt(instructions, tools, messages, note=note)
        prefix_tokens = self._tokens(prompt.prefix)
        rest = self._tokens(prompt.conversation + prompt.generation)
        budget = self.settings.n_ctx - self.settings.max_reply_tokens - len(prefix_tokens)
        if len(rest) > budget:
            rest = self._trim(instructions, tools, messages, note, budget)
        began = time.perf_counter()
        cached = self._ensure_prefix(prompt.prefix, prefix_tokens)
        if turn.prefill_s == 0.0:
            turn.prefix_cached, turn.prefill_s = cached, time.perf_counter() - began
        if not tools:  # plain ChatML (no action line): the answer is the reply
            labels = [_PLAIN_REPLY]
        else:
            labels = [self._label(None)] + [self._label(t) for t in allowed]
        if len(labels) == 1:  # nothing to choose: the label joins the prompt's batch
            label = labels[0]
            turn.prompt_tokens = self._eval_from_common(prefix_tokens + rest + label.tokens)
        else:
            turn.prompt_tokens = self._eval_from_common(prefix_tokens + rest)
            label = self._walk(labels)
        turn.action = label.name
        turn.decision_s = time.perf_counter() - turn.start
        return label

    def _trim(
        self,
        instructions: str,
        tools: Sequence[ToolSpec],
        messages: Sequence[ChatMessage],
        note: str | None,
        budget: int,
    ) -> list[int]:
        kept = list(messages)
        while kept:
            kept.pop(0)
            prompt = build_prompt(instructions, tools, kept, note=note)
            rest = self._tokens(prompt.conversation + prompt.generation)
            if len(rest) <= budget:
                return rest
        raise ConfigurationError(
            f"the agent's instructions and tools do not fit in n_ctx={self.settings.n_ctx}; "
            "shorten them or raise n_ctx"
        )

    def _walk(self, labels: list[_Label]) -> _Label:
        """Greedy choice among the labels' token sequences.

        Logits are needed only where the candidates part ways, so the tokens up to such a
        point (and a chosen label's tail) are evaluated in one batch: a decode of a few
        tokens costs about what one costs on this CPU.
        """
        candidates = labels
        depth = 0
        pending: list[int] = []
        while len(candidates) > 1:
            options: dict[int, list[_Label]] = {}
            for label in candidates:
                options.setdefault(label.tokens[depth], []).append(label)
            if len(options) > 1:
                if pending:
                    self._llm.eval(pending)
                    pending = []
                logits = self._logits()
                best = max(options, key=lambda token: float(logits[token]))
            else:
                best = next(iter(options))
            candidates = options[best]
            pending.append(best)
            depth += 1
        chosen = candidates[0]
        pending += chosen.tokens[depth:]
        if pending:
            self._llm.eval(pending)
        return chosen

    def _arguments(self, label: _Label, turn: _Turn) -> str:
        if label.grammar is None:
            return "{}"
        began = time.perf_counter()
        text = "{"
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        tokens = self._input()
        for count, token in enumerate(
            self._llm.generate(tokens, temp=0.0, grammar=label.grammar, reset=True), start=1
        ):
            if self._is_eog(token) or count > self.settings.max_argument_tokens:
                break
            text += decoder.decode(self._llm.detokenize([token]))
            turn.generated_tokens = count
        turn.generation_s = time.perf_counter() - began
        try:
            json.loads(text)
        except json.JSONDecodeError:
            raise ToolArgumentsError(
                f"the model's arguments for {label.name} were cut off after "
                f"{self.settings.max_argument_tokens} tokens: {text[:80]!r}",
                tool_name=label.name,
            ) from None
        return text

    def _reply(
        self, max_tokens: int | None, stop: Callable[[], bool], turn: _Turn
    ) -> Iterator[LLMOutput]:
        limit = max_tokens or self.settings.max_reply_tokens
        s = self.settings
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        began = time.perf_counter()
        stream = self._llm.generate(self._input(), temp=s.temperature, top_p=s.top_p, reset=True)
        try:
            for count, token in enumerate(stream, start=1):
                if self._is_eog(token) or stop():
                    break
                text = decoder.decode(self._llm.detokenize([token]))
                turn.generated_tokens = count
                turn.generation_s = time.perf_counter() - began
                if text:
                    if not turn.first_output_s:
                        turn.first_output_s = time.perf_counter() - turn.start
                    yield TextChunk(text)
                if count >= limit or stop():
                    break
        finally:
            stream.close()

    # -- cache and tokens -----------------------------------------------------------------

    def _ensure_prefix(self, prefix: str, tokens: list[int]) -> bool:
        """Put the agent prefix in the context; True when it came from a cache (the context
        itself, memory, or disk), False when it was prefilled now."""
        n = len(tokens)
        if self._llm.n_tokens >= n and self._input()[:n] == tokens:
            self._states.move_to_end(prefix, last=True) if prefix in self._states else None
            return True
        saved = self._states.get(prefix)
        if saved is not None and restore_context(self._llm, self._lib, saved):
            self._states.move_to_end(prefix)
            return True
        if self._disk is not None:
            saved = self._disk.load(prefix, tokens)
            if saved is not None and restore_context(self._llm, self._lib, saved):
                self._remember(prefix, saved)
                return True
        self._llm.reset()  # type: ignore[no-untyped-call]
        self._llm.eval(tokens)
        saved = save_context(self._llm, self._lib)
        self._remember(prefix, saved)
        if self._disk is not None:
            self._disk.save(prefix, saved)
        return False

    def _remember(self, prefix: str, saved: SavedContext) -> None:
        self._states[prefix] = saved
        self._states.move_to_end(prefix)
        while len(self._states) > self.settings.max_cached_agents:
            self._states.popitem(last=False)

    def _eval_from_common(self, tokens: list[int]) -> int:
        """Evaluate what the context lacks of `tokens` (at least the last one, for logits)."""
        common = min(self._common_prefix(tokens), len(tokens) - 1)
        self._llm.n_tokens = common
        self._llm.eval(tokens[common:])
        return len(tokens) - common

    def _common_prefix(self, tokens: list[int]) -> int:
        """How many leading `tokens` the context already holds."""
        common = 0
        for a, b in zip(self._input(), tokens, strict=False):
            if a != b:
                break
            common += 1
        return common

    def _input(self) -> list[int]:
        return [int(t) for t in self._llm.input_ids[: self._llm.n_tokens]]

    def _logits(self) -> np.ndarray[Any, np.dtype[np.float32]]:
        pointer = self._lib.llama_get_logits_ith(self._llm.ctx, -1)
        return np.ctypeslib.as_array(pointer, shape=(self._n_vocab,))

    def _tokens(self, text: str) -> list[int]:
        return list(self._llm.tokenize(text.encode(), add_bos=False, special=True))

    def _label(self, tool: ToolSpec | None) -> _Label:
        if tool is None:
            key = (REPLY, "", "")
        else:
            key = (tool.name, tool.description, json.dumps(tool.parameters, sort_keys=True))
        label = self._labels.get(key)
        if label is not None:
            return label
        if tool is None:
            label = _Label(REPLY, self._tokens(f" {REPLY}\n"), None)
        else:
            include_optional = not tool.name.startswith(HANDOFF_PREFIX)
            rules = arguments_grammar(
                tool.parameters, include_optional=include_optional, open_brace=False
            )
            if rules is None:
                label = _Label(tool.name, self._tokens(f" {tool.name}\n"), None)
            else:
                from llama_cpp.llama_grammar import LlamaGrammar

                grammar = LlamaGrammar.from_string(rules, verbose=False)
                label = _Label(tool.name, self._tokens(f" {tool.name} {{"), grammar)
        self._labels[key] = label
        return label


def _load_router(mode: Literal["auto", "on", "off"]) -> EmbeddingRouter | None:
    """The embedding router `mode` asks for; "auto" is None when its model is not installed."""
    if mode == "off":
        return None
    from voxline.engine.router.embedder import MiniLMEmbedder

    try:
        return EmbeddingRouter(MiniLMEmbedder())
    except ModelFileError:
        if mode == "on":
            raise
        return None


def just_arrived(messages: Sequence[ChatMessage]) -> bool:
    """True when the last thing in the conversation is the answer to a handoff."""
    if not messages or messages[-1].role != "tool":
        return False
    return (messages[-1].tool_name or "").startswith(HANDOFF_PREFIX)
