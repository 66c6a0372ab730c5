"""What the store reads back: conversation summaries, pages and details (plain dataclasses)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ConversationDetail", "ConversationPage", "ConversationSummary", "Turn"]

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One stored conversation, without its items.

    Attributes:
        id: The conversation's id (the bridge's session id).
        scenario: The scenario's name.
        backend: `local`, `openai`, or the name of an injected backend.
        started_at: Epoch seconds.
        ended_at: Epoch seconds; None while running or when the server died mid-conversation.
        end_reason: Why it ended, in words.
        cost_usd: Estimated cost (openai only; zero for the local engine).
        recording: Path of the WAV recording, if one was kept.
        item_count: History items stored.
    """

    id: str
    scenario: str
    backend: str
    started_at: float
    ended_at: float | None
    end_reason: str | None
    input_text_tokens: int = 0
    input_audio_tokens: int = 0
    input_cached_tokens: int = 0
    output_text_tokens: int = 0
    output_audio_tokens: int = 0
    cost_usd: float = 0.0
    recording: str | None = None
    item_count: int = 0

    @property
    def total_tokens(self) -> int:
        """Input and output tokens together."""
        return (
            self.input_text_tokens
            + self.input_audio_tokens
            + self.output_text_tokens
            + self.output_audio_tokens
        )

    def to_json(self) -> Json:
        """A JSON object (the recording's path is reduced to whether there is one)."""
        out = asdict(self)
        out.pop("recording")
        out["has_recording"] = self.recording is not None
        out["total_tokens"] = self.total_tokens
        return out


@dataclass(frozen=True, slots=True)
class Turn:
    """One user turn's latency: its end to the first assistant output."""

    seq: int
    user_item_id: str | None
    ended_at: float
    first_output_at: float
    latency_ms: int


@dataclass(frozen=True, slots=True)
class ConversationPage:
    """One page of `ConversationStore.list`, newest first; `total` counts every match."""

    total: int
    limit: int
    offset: int
    conversations: list[ConversationSummary] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ConversationDetail:
    """A whole conversation: summary, items in order (the bridge's JSON form), turns, events."""

    summary: ConversationSummary
    items: list[Json]
    turns: list[Turn]
    events: list[Json]

    def to_json(self) -> Json:
        """The JSON export of the conversation."""
        return {
            "conversation": self.summary.to_json(),
            "items": self.items,
            "turns": [asdict(turn) for turn in self.turns],
            "events": self.events,
        }
