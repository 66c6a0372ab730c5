"""The one error tree of voxline: every failure a caller can meet is a subclass of VoxlineError.

    VoxlineError
    ├── ConfigurationError        a setting, agent graph or argument that cannot work
    │   ├── AudioFormatError      audio of a shape, sample width or rate that cannot be read
    │   ├── ModelFileError        a model file is missing, corrupt or unreadable
    │   └── ConversationFileError a conversation test file is malformed (path and line)
    ├── InputError                a value a person gave (a phone number, ...) cannot be read
    ├── SessionStateError         the session was used out of order (closed, not started)
    ├── ToolError                 a tool call failed; the model reads it as the tool's output
    │   ├── UnknownToolError      the model called a tool the active agent does not have
    │   ├── ToolArgumentsError    arguments that are not JSON or fail the tool's schema
    │   ├── ToolTimeoutError      the tool did not answer within its timeout
    │   └── ToolExecutionError    the tool raised
    ├── HandoffError              a handoff to an unknown agent or to the active agent itself
    ├── GuardrailError            a guardrail itself failed (not a tripwire: a crash)
    ├── ProtocolError             a malformed, unknown or out-of-order event
    │   └── InvalidRequestError   a client's request a server cannot carry out (`param` says where)
    ├── TransportError            the connection to the model failed or dropped
    │   └── ConnectionClosedError the connection closed and could not be restored
    └── StoreError                the conversation store cannot be reached or written

Messages say what happened and what to do about it, and never carry secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "AudioFormatError",
    "ConfigurationError",
    "ConnectionClosedError",
    "ConversationFileError",
    "GuardrailError",
    "HandoffError",
    "InputError",
    "InvalidRequestError",
    "ModelFileError",
    "ProtocolError",
    "SessionStateError",
    "StoreError",
    "StoreRejectedError",
    "ToolArgumentsError",
    "ToolError",
    "ToolExecutionError",
    "ToolTimeoutError",
    "TransportError",
    "UnknownToolError",
    "VoxlineError",
]


class VoxlineError(Exception):
    """Root of every error voxline raises on purpose."""


class ConfigurationError(VoxlineError):
    """A setting, an agent graph or an argument that cannot work; fix the configuration."""


class AudioFormatError(ConfigurationError):
    """Audio that cannot be read: a cut PCM16 sample, stereo where mono is needed, a bad rate."""


class ModelFileError(ConfigurationError):
    """A model file is missing, corrupt or unreadable."""


class ConversationFileError(ConfigurationError):
    """A conversation test file is malformed; `path` and `line` (1-based) say where."""

    def __init__(self, message: str, *, path: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.detail = message


class InputError(VoxlineError):
    """A value a person gave (a phone number, an email, ...) cannot be understood."""


class SessionStateError(VoxlineError):
    """The session was used out of order, for example after it was closed."""


class ToolError(VoxlineError):
    """A tool call failed. The model receives the message as the tool's output."""

    def __init__(self, message: str, *, tool_name: str, call_id: str | None = None) -> None:
        super().__init__(message)
        self.tool_name = tool_name
        self.call_id = call_id

    def to_output(self) -> dict[str, Any]:
        """The JSON-able payload sent to the model as the function call's output."""
        return {"error": {"type": type(self).__name__, "message": str(self)}}


class UnknownToolError(ToolError):
    """The model called a tool the active agent does not have."""


class ToolArgumentsError(ToolError):
    """The model's arguments were not JSON or did not match the tool's schema."""


class ToolTimeoutError(ToolError):
    """The tool did not answer within its timeout."""


class ToolExecutionError(ToolError):
    """The tool raised an exception."""


class HandoffError(VoxlineError):
    """A handoff that cannot happen: an unknown target or the active agent itself."""


class GuardrailError(VoxlineError):
    """A guardrail function itself failed; the text was let through and the failure logged."""


class ProtocolError(VoxlineError):
    """A malformed, unknown or out-of-order event. The raw payload is kept for the event log."""

    def __init__(
        self,
        message: str,
        *,
        event_type: str | None = None,
        code: str | None = None,
        raw: Mapping[str, Any] | str | None = None,
    ) -> None:
        super().__init__(message)
        self.event_type = event_type
        self.code = code
        self.raw = raw


class InvalidRequestError(ProtocolError):
    """A client's request that a server cannot carry out: a bad value or a missing feature.

    Raised by voxline's own `/v1/realtime` endpoint; `param` names the offending field
    (such as `session.tools[0].type`), as the `error` event's `param` does.
    """

    def __init__(
        self,
        message: str,
        *,
        event_type: str | None = None,
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message, event_type=event_type, code=code)
        self.param = param


class TransportError(VoxlineError):
    """The connection to the model failed or dropped."""


class ConnectionClosedError(TransportError):
    """The connection closed and could not be restored."""


class StoreError(VoxlineError):
    """The conversation store cannot be reached, migrated or written; conversations go on."""


class StoreRejectedError(StoreError):
    """The database refused a write (a constraint it breaks); retrying cannot help."""
