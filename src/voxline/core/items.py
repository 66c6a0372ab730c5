"""History items: what the conversation remembers, each with a stable id and timestamps."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Who a message is from."""

    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class ItemStatus(StrEnum):
    """Where an item is in its life."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"
    """Cut off: interrupted by the user, stopped by a guardrail, or lost to a dropped connection."""


@dataclass(frozen=True, slots=True)
class GuardrailFlag:
    """A guardrail's verdict attached to the message it judged."""

    guardrail: str
    category: str
    rationale: str


@dataclass(frozen=True, slots=True)
class Message:
    """A user, assistant or system message; `text` is the typed text or the audio transcript."""

    id: str
    role: Role
    text: str
    created_at: float
    updated_at: float
    status: ItemStatus = ItemStatus.COMPLETED
    agent: str | None = None
    from_audio: bool = False
    audio_ms: int = 0
    """Milliseconds of assistant audio received for this message."""
    played_ms: int | None = None
    """Set when the message was cut off: the audio the user actually heard."""
    flag: GuardrailFlag | None = None

    def evolve(self, **changes: Any) -> Message:
        """A copy with `changes` applied: `dataclasses.replace` for the one item that changes.

        A streaming message is copied when it settles, completes or is cut off;
        `dataclasses.replace` walks the eleven field descriptors each time, which costs more
        than building the copy (benchmarks/README.md, "Ninth pass").

        Raises:
            TypeError: a change names no field of Message.
        """
        if not changes.keys() <= _MESSAGE_FIELDS:
            unknown = ", ".join(sorted(changes.keys() - _MESSAGE_FIELDS))
            raise TypeError(f"Message has no field {unknown}")
        get = changes.get
        return Message(
            get("id", self.id),
            get("role", self.role),
            get("text", self.text),
            get("created_at", self.created_at),
            get("updated_at", self.updated_at),
            get("status", self.status),
            get("agent", self.agent),
            get("from_audio", self.from_audio),
            get("audio_ms", self.audio_ms),
            get("played_ms", self.played_ms),
            get("flag", self.flag),
        )


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """The model asked to run a tool (a handoff is a function call too)."""

    id: str
    call_id: str
    name: str
    arguments: str
    created_at: float
    agent: str | None = None


@dataclass(frozen=True, slots=True)
class FunctionCallOutput:
    """What a tool answered, sent back to the model."""

    id: str
    call_id: str
    name: str
    output: str
    created_at: float
    is_error: bool = False
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class HandoffRecord:
    """Breadcrumb: the active agent changed."""

    id: str
    from_agent: str
    to_agent: str
    reason: str | None
    created_at: float


@dataclass(frozen=True, slots=True)
class GuardrailRecord:
    """Breadcrumb: a guardrail tripped on an assistant message."""

    id: str
    item_id: str
    guardrail: str
    category: str
    rationale: str
    created_at: float


@dataclass(frozen=True, slots=True)
class TriggerRecord:
    """Breadcrumb: a trigger phrase (or button) fired an action."""

    id: str
    trigger: str
    action: str
    phrase: str | None
    window: tuple[str, ...] = field(default=())
    """Ids of the messages the action was given as context."""
    created_at: float = 0.0


_MESSAGE_FIELDS = frozenset(f.name for f in fields(Message))

HistoryItem = (
    Message | FunctionCall | FunctionCallOutput | HandoffRecord | GuardrailRecord | TriggerRecord
)
"""Everything that can stand in the conversation's history."""

MODEL_VISIBLE = (Message, FunctionCall, FunctionCallOutput)
"""Item types the model itself sees (breadcrumbs are for people and logs)."""
