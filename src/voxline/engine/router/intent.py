"""Embedding intent routing: which of an agent's actions an utterance can lead to, before the LLM.

A small sentence-embedding model compares the user's last utterance with

- each handoff's description, split into its phrases ("Bills, charges, payments and refunds"
  gives "Bills", "charges", ...), plus any example utterances configured for it, and
- built-in small talk (greetings, thanks, "can you hear me?"), which never needs an action.

The result narrows what the language model may choose, it does not replace it:

- small talk, clearly: only "reply" (so "Hello there!" never triggers a handoff);
- one handoff, clearly ahead of the others: that handoff, the agent's other tools, or "reply"
  (the LLM still decides whether to act, so a specialist agent keeps answering on-topic
  questions itself);
- otherwise: every action, as without a router.

Tools whose required identifier-like arguments (phone, order id, ...) the user has not said at
all are dropped in every case: the model could only invent them. Pure logic over an injected
`Embedder`; the real one is `voxline.engine.router.embedder.MiniLMEmbedder`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from voxline.core.config import ToolSpec
from voxline.engine.llm.grounding import GROUNDED_NAME, digits_of
from voxline.errors import ConfigurationError

__all__ = [
    "HANDOFF_PREFIX",
    "SMALL_TALK",
    "Embedder",
    "EmbeddingRouter",
    "RouteDecision",
    "RouterSettings",
    "description_phrases",
    "needs_said_value",
]

HANDOFF_PREFIX = "transfer_to_"
_DEFAULT_HANDOFF = re.compile(r"^transfer the conversation to \S+\.?$", re.IGNORECASE)
_QUOTED = re.compile(r'"([^"]+)"')
_EXAMPLES = re.compile(r"\b(for example|e\.g\.|such as)\s*:?", re.IGNORECASE)
_EMAILISH = re.compile(r"\S+@\S+|\bat\b.+\bdot\b", re.IGNORECASE)

SMALL_TALK: tuple[str, ...] = (
    "Hello.",
    "Hello there!",
    "Hi!",
    "Hey, how are you?",
    "Good morning.",
    "Good afternoon.",
    "Can you hear me?",
    "Is anyone there?",
    "Hello? Are you there?",
    "Thank you.",
    "Thanks, that's all.",
    "Goodbye.",
    "Bye, have a nice day.",
    "How are you today?",
)
"""Utterances that need no action: a greeting, a thank-you, a sound check, a goodbye."""


class Embedder(Protocol):
    """Turns texts into unit-length vectors (one row per text)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """The embeddings, shape (len(texts), dimensions)."""
        ...


@dataclass(frozen=True, slots=True)
class RouterSettings:
    """Thresholds of the embedding router (cosine similarities, all-MiniLM-L6-v2 scale).

    Attributes:
        handoff_threshold: A handoff is "clear" when its score reaches this ...
        handoff_margin: ... and beats every other handoff and small talk by this much.
        small_talk_threshold: Small talk is "clear" when it scores this ...
        small_talk_margin: ... and beats every handoff by this much.
        examples: Per tool name, example utterances that should lead to it (added to the
            phrases of its description).
    """

    handoff_threshold: float = 0.33
    handoff_margin: float = 0.1
    small_talk_threshold: float = 0.6
    small_talk_margin: float = 0.2
    examples: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("handoff_threshold", "handoff_margin", "small_talk_threshold"):
            value = getattr(self, name)
            if not -1.0 <= value <= 1.0:
                raise ConfigurationError(f"RouterSettings.{name} must be in [-1, 1], got {value}")


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """What the router found for one utterance.

    Attributes:
        allowed: Names of the tools the LLM may choose (it may always reply).
        kind: "small_talk", "handoff" (one clear handoff) or "open" (no clear winner).
        best: The best-scoring handoff, or None when the agent has none.
        best_score: Its similarity.
        runner_up: The next best similarity (another handoff or small talk).
        small_talk: The best small-talk similarity.
    """

    allowed: tuple[str, ...]
    kind: str
    best: str | None
    best_score: float
    runner_up: float
    small_talk: float


def description_phrases(description: str) -> list[str]:
    """The description, its quoted examples, and its other phrases split at punctuation and
    "and"/"or" (an agent's routing examples arrive quoted: 'For example: "...", "...".')."""
    text = description.strip()
    quoted = [q.strip() for q in _QUOTED.findall(text) if q.strip()]
    rest = _EXAMPLES.sub(" ", _QUOTED.sub(" ", text))
    parts = [p.strip() for p in re.split(r"[.,;:!?()]|\band\b|\bor\b", rest)]
    phrases = [text] if text else []
    phrases += quoted
    phrases += [p for p in parts if len(p) > 2 and p != text]
    return phrases


def needs_said_value(tool: ToolSpec) -> bool:
    """True when a required argument must be a value the user says (phone, id, email...)."""
    required = tool.parameters.get("required", [])
    return any(GROUNDED_NAME.search(str(name)) for name in required)


def _value_present(texts: Sequence[str]) -> bool:
    """Something a required identifier could be is known: 3+ digits or an email."""
    text = " ".join(texts)
    return len(digits_of(text)) >= 3 or bool(_EMAILISH.search(text))


class EmbeddingRouter:
    """Narrows an agent's actions for the user's last utterance (see the module docstring).

    Phrase embeddings are cached per text, so each description is embedded once per process.
    """

    def __init__(self, embedder: Embedder, settings: RouterSettings | None = None) -> None:
        self.embedder = embedder
        self.settings = settings or RouterSettings()
        self._cache: dict[str, np.ndarray[Any, np.dtype[np.float32]]] = {}
        self._small_talk = self._vectors(SMALL_TALK)

    def decide(
        self, utterance: str, tools: Sequence[ToolSpec], known_texts: Sequence[str]
    ) -> RouteDecision:
        """The actions the LLM may choose after the user said `utterance`.

        Args:
            utterance: The user's last message.
            tools: The agent's tools and handoffs.
            known_texts: What the user said so far and what tools returned: where a required
                identifier could come from.
        """
        s = self.settings
        said = _value_present(known_texts)
        usable = [t.name for t in tools if said or not needs_said_value(t)]
        handoffs = [t for t in tools if t.name.startswith(HANDOFF_PREFIX)]
        query = self.embedder.embed([utterance])[0]
        small = float((self._small_talk @ query).max()) if utterance.strip() else 1.0
        scores = sorted(
            ((self._score(t, query), t.name) for t in handoffs if self._routable(t)),
            reverse=True,
        )
        best_score, best = scores[0] if scores else (-1.0, None)
        other = scores[1][0] if len(scores) > 1 else -1.0
        tools_only = tuple(n for n in usable if not n.startswith(HANDOFF_PREFIX))
        if small >= s.small_talk_threshold and small >= best_score + s.small_talk_margin:
            return RouteDecision((), "small_talk", best, best_score, max(other, small), small)
        runner_up = max(other, small)
        if (
            best is not None
            and best_score >= s.handoff_threshold
            and (best_score - runner_up >= s.handoff_margin)
        ):
            return RouteDecision((best, *tools_only), "handoff", best, best_score, runner_up, small)
        return RouteDecision(tuple(usable), "open", best, best_score, runner_up, small)

    def _routable(self, tool: ToolSpec) -> bool:
        """A handoff with a real description (not the generated default) or examples."""
        if tool.name in self.settings.examples:
            return True
        return not _DEFAULT_HANDOFF.match(tool.description.strip())

    def _score(self, tool: ToolSpec, query: np.ndarray[Any, np.dtype[np.float32]]) -> float:
        texts = description_phrases(tool.description)
        texts += list(self.settings.examples.get(tool.name, ()))
        return float((self._vectors(texts) @ query).max())

    def _vectors(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, row in zip(missing, self.embedder.embed(missing), strict=True):
                self._cache[text] = row
        return np.stack([self._cache[t] for t in texts])
