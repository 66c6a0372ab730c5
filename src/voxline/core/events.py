"""Inbound events: what the model tells us, already translated from its wire format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ConnectionState(StrEnum):
    """The state of the link to the model."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"


class ResponseStatus(StrEnum):
    """How a response ended."""

    COMPLETED = "completed"
    CANCELLED = "cancelled"
    INCOMPLETE = "incomplete"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one response."""

    input_text_tokens: int = 0
    input_audio_tokens: int = 0
    input_cached_tokens: int = 0
    output_text_tokens: int = 0
    output_audio_tokens: int = 0

    @property
    def input_tokens(self) -> int:
        """Input tokens of either kind (the cached ones are among them)."""
        return self.input_text_tokens + self.input_audio_tokens

    @property
    def output_tokens(self) -> int:
        """Output tokens of either kind."""
        return self.output_text_tokens + self.output_audio_tokens

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_text_tokens + other.input_text_tokens,
            self.input_audio_tokens + other.input_audio_tokens,
            self.input_cached_tokens + other.input_cached_tokens,
            self.output_text_tokens + other.output_text_tokens,
            self.output_audio_tokens + other.output_audio_tokens,
        )


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    """The link to the model changed state (also re-emitted to the app as a session event)."""

    state: ConnectionState
    attempt: int = 0
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The model's voice activity detection heard the user start speaking."""

    item_id: str | None = None
    audio_start_ms: int = 0


@dataclass(frozen=True, slots=True)
class SpeechStopped:
    """The user stopped speaking."""

    item_id: str | None = None
    audio_end_ms: int = 0


@dataclass(frozen=True, slots=True)
class AudioCommitted:
    """The input audio buffer became a user message with this id."""

    item_id: str


@dataclass(frozen=True, slots=True)
class InputTranscriptDelta:
    """Part of the transcript of the user's speech."""

    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class InputTranscriptCompleted:
    """The final transcript of the user's speech."""

    item_id: str
    transcript: str


@dataclass(frozen=True, slots=True)
class ResponseStarted:
    """The model began a response."""

    response_id: str


@dataclass(frozen=True, slots=True)
class OutputItemAdded:
    """The model began an assistant message within a response."""

    response_id: str
    item_id: str


@dataclass(frozen=True, slots=True)
class OutputTextDelta:
    """Part of the assistant's text or audio transcript."""

    response_id: str
    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class OutputAudioDelta:
    """A chunk of the assistant's audio in the session's output format."""

    response_id: str
    item_id: str
    audio: bytes


@dataclass(frozen=True, slots=True)
class OutputItemDone:
    """An assistant message is complete; `text` is its whole text or transcript."""

    response_id: str
    item_id: str
    text: str


@dataclass(frozen=True, slots=True)
class FunctionCallRequested:
    """The model wants a tool run; `arguments` is the raw JSON text it produced."""

    response_id: str
    item_id: str
    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ResponseDone:
    """A response ended."""

    response_id: str
    status: ResponseStatus = ResponseStatus.COMPLETED
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class ModelError:
    """The model reported an error, or sent something we could not read."""

    message: str
    code: str | None = None
    event_type: str | None = None
    raw: Mapping[str, Any] | str | None = field(default=None, compare=False)


ModelEvent = (
    ConnectionChanged
    | SpeechStarted
    | SpeechStopped
    | AudioCommitted
    | InputTranscriptDelta
    | InputTranscriptCompleted
    | ResponseStarted
    | OutputItemAdded
    | OutputTextDelta
    | OutputAudioDelta
    | OutputItemDone
    | FunctionCallRequested
    | ResponseDone
    | ModelError
)
"""Every event a RealtimeModel can produce."""
