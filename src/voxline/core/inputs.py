"""Inputs from the application and from the adapters that ran an effect."""

from __future__ import annotations

from dataclasses import dataclass

from voxline.agents.guardrail import GuardrailResult
from voxline.core.events import FunctionCallRequested


@dataclass(frozen=True, slots=True)
class UserText:
    """The user typed a message."""

    text: str


@dataclass(frozen=True, slots=True)
class UserAudio:
    """A chunk of microphone audio in the session's input format."""

    audio: bytes


@dataclass(frozen=True, slots=True)
class CommitUserAudio:
    """Push-to-talk released: the buffered audio is the user's turn."""


@dataclass(frozen=True, slots=True)
class ClearUserAudio:
    """Drop the buffered audio."""


@dataclass(frozen=True, slots=True)
class RequestResponse:
    """Ask the agent to answer now (push-to-talk, or after adding context)."""


@dataclass(frozen=True, slots=True)
class Interrupt:
    """Stop the agent: cancel the response and cut its audio at what was played."""


@dataclass(frozen=True, slots=True)
class FireTrigger:
    """Fire a trigger by name, as a button would."""

    name: str


@dataclass(frozen=True, slots=True)
class PlaybackProgress:
    """The player reports how much of an assistant message's audio has actually been played."""

    item_id: str
    played_ms: int


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A tool finished (or failed, or timed out); `output` is the text for the model.

    `sent_as`: the id of the item under which the session already sent `output` to the
    model (an instant call, `Conversation.instant_call`); the conversation then records the
    answer without sending it again. None (the rule): the conversation sends it.
    """

    call_id: str
    output: str
    is_error: bool = False
    duration_s: float = 0.0
    sent_as: str | None = None


@dataclass(frozen=True, slots=True)
class ToolStarted:
    """The session started this call's tool itself, before feeding the call: an instant
    call (`Conversation.instant_call`). The conversation records the call as it records any
    other, without asking for the tool to run again; its ToolResult follows."""

    call: FunctionCallRequested


@dataclass(frozen=True, slots=True)
class GuardrailVerdict:
    """A guardrail judged an assistant message's text."""

    item_id: str
    guardrail: str
    result: GuardrailResult


UserInput = (
    UserText
    | UserAudio
    | CommitUserAudio
    | ClearUserAudio
    | RequestResponse
    | Interrupt
    | FireTrigger
    | PlaybackProgress
    | ToolResult
    | ToolStarted
    | GuardrailVerdict
)
"""Everything fed to the conversation that is not a model event."""
