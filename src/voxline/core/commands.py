"""Commands: what we tell the model. Imperative names; the protocol layer puts them on the wire."""

from __future__ import annotations

from dataclasses import dataclass

from voxline.core.config import SessionConfig
from voxline.core.items import Message, Role


@dataclass(frozen=True, slots=True)
class UpdateSession:
    """Replace the model's instructions, voice, tools and audio settings."""

    config: SessionConfig


@dataclass(frozen=True, slots=True)
class SendAudio:
    """Append user audio (in the session's input format) to the input buffer."""

    audio: bytes


@dataclass(frozen=True, slots=True)
class CommitAudio:
    """Turn the input buffer into a user message (push-to-talk)."""


@dataclass(frozen=True, slots=True)
class ClearAudio:
    """Drop whatever is in the input buffer."""


@dataclass(frozen=True, slots=True)
class AddMessage:
    """Add a text message to the model's conversation (a user turn, a system note, or a replay)."""

    item_id: str
    role: Role
    text: str


@dataclass(frozen=True, slots=True)
class AddFunctionCall:
    """Replay a function call the model made before a reconnect."""

    item_id: str
    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class AddFunctionOutput:
    """Answer a function call with the tool's output (JSON text)."""

    item_id: str
    call_id: str
    output: str


@dataclass(frozen=True, slots=True)
class CreateResponse:
    """Ask the model to respond.

    With `context` set, the response is out of band: the model sees only those messages and
    `instructions` (used by triggers such as a quick hint from the last 3 messages).
    """

    instructions: str | None = None
    context: tuple[Message, ...] | None = None
    max_output_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class CancelResponse:
    """Stop the response being generated."""

    response_id: str | None = None


@dataclass(frozen=True, slots=True)
class TruncateItem:
    """Cut an assistant message's audio at what the user heard, so the model's memory matches."""

    item_id: str
    audio_end_ms: int
    content_index: int = 0


ModelCommand = (
    UpdateSession
    | SendAudio
    | CommitAudio
    | ClearAudio
    | AddMessage
    | AddFunctionCall
    | AddFunctionOutput
    | CreateResponse
    | CancelResponse
    | TruncateItem
)
"""Every command a RealtimeModel accepts."""
