"""Session events: what a RealtimeSession tells the application (`async for event in session`)."""

from __future__ import annotations

from dataclasses import dataclass

from voxline.core.events import ConnectionChanged, ResponseStatus, Usage
from voxline.core.items import HistoryItem, Message, Role
from voxline.errors import VoxlineError


@dataclass(frozen=True, slots=True)
class HistoryItemAdded:
    """A new item joined the history."""

    item: HistoryItem


@dataclass(frozen=True, slots=True)
class HistoryItemUpdated:
    """An item changed: a transcript completed, a message was cut off or flagged."""

    item: HistoryItem


@dataclass(frozen=True, slots=True)
class TranscriptDelta:
    """More text of a message as it streams (user transcript or assistant text)."""

    item_id: str
    role: Role
    delta: str


@dataclass(frozen=True, slots=True)
class AudioReceived:
    """A chunk of assistant audio to play, in the session's output format."""

    item_id: str
    audio: bytes


@dataclass(frozen=True, slots=True)
class AudioInterrupted:
    """Stop playback now and drop what is buffered: the response was cut off at `played_ms`."""

    item_id: str
    played_ms: int


@dataclass(frozen=True, slots=True)
class UserSpeechStarted:
    """The user began speaking."""


@dataclass(frozen=True, slots=True)
class UserSpeechStopped:
    """The user stopped speaking."""


@dataclass(frozen=True, slots=True)
class ResponseFinished:
    """A response ended."""

    response_id: str
    status: ResponseStatus


@dataclass(frozen=True, slots=True)
class HandoffCompleted:
    """The active agent changed."""

    from_agent: str
    to_agent: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    """A tool began running."""

    call_id: str
    name: str
    arguments: str
    agent: str


@dataclass(frozen=True, slots=True)
class ToolCallFinished:
    """A tool answered (or failed: `is_error`)."""

    call_id: str
    name: str
    output: str
    is_error: bool
    duration_s: float


@dataclass(frozen=True, slots=True)
class GuardrailTripped:
    """A guardrail stopped an assistant message."""

    item_id: str
    guardrail: str
    category: str
    rationale: str


@dataclass(frozen=True, slots=True)
class TriggerFired:
    """A trigger fired; `window` is exactly the messages the action was given."""

    trigger: str
    action: str
    phrase: str | None
    window: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class UsageUpdated:
    """Token usage of the last response and the session's running total, with their
    estimated cost in US dollars (0.0 on a backend without prices, such as the offline
    engine)."""

    response: Usage
    total: Usage
    cost: float = 0.0
    total_cost: float = 0.0


@dataclass(frozen=True, slots=True)
class ErrorOccurred:
    """Something went wrong that the session survived."""

    error: VoxlineError


SessionEvent = (
    HistoryItemAdded
    | HistoryItemUpdated
    | TranscriptDelta
    | AudioReceived
    | AudioInterrupted
    | UserSpeechStarted
    | UserSpeechStopped
    | ResponseFinished
    | HandoffCompleted
    | ToolCallStarted
    | ToolCallFinished
    | GuardrailTripped
    | TriggerFired
    | UsageUpdated
    | ErrorOccurred
    | ConnectionChanged
)
"""Everything `async for event in session` can yield."""
