"""`session.update` -> SessionConfig (the reverse of protocol.session), and the echoed session."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

from openai.types.realtime import (
    RealtimeFunctionTool,
    RealtimeSessionCreateRequest,
    RealtimeTranscriptionSessionCreateRequest,
)
from openai.types.realtime.realtime_audio_formats import (
    AudioPCM,
    AudioPCMA,
    AudioPCMU,
    RealtimeAudioFormats,
)
from openai.types.realtime.realtime_audio_input_turn_detection import SemanticVad, ServerVad

from voxline.core.config import AudioFormat, SemanticVAD, ServerVAD, SessionConfig, ToolSpec
from voxline.core.config import TurnDetection as VoxlineTurnDetection
from voxline.errors import InvalidRequestError
from voxline.protocol.session import session_request

__all__ = ["ServedSession", "apply_session_update", "max_tokens", "wire_format_of"]

_EVENT = "session.update"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ServedSession:
    """What one endpoint connection is configured to do.

    Attributes:
        config: What the model behind the endpoint is told.
        model: The model name the client asked for (`?model=` or `session.model`).
        max_output_tokens: The session's cap on tokens per response; None means "inf".
    """

    config: SessionConfig
    model: str | None = None
    max_output_tokens: int | None = None

    def wire(self) -> RealtimeSessionCreateRequest:
        """The session as `session.created` and `session.updated` show it.

        Only what is in effect is shown: settings the engine accepts but cannot honour
        (noise reduction, tracing, speed) are left out, so a client can see they were not
        applied.
        """
        session = session_request(self.config)
        if self.model is not None:
            session.model = self.model
        session.max_output_tokens = (
            "inf" if self.max_output_tokens is None else self.max_output_tokens
        )
        return session


def _unsupported(param: str, what: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"{what} is not supported by this server",
        event_type=_EVENT,
        code="unsupported",
        param=param,
    )


def max_tokens(value: int | Literal["inf"] | None, param: str, event_type: str) -> int | None:
    """A wire token cap as voxline's: a positive int, or None for "inf".

    Raises:
        InvalidRequestError: zero or a negative number.
    """
    if value is None or value == "inf":
        return None
    if value < 1:
        raise InvalidRequestError(
            f"{param} must be a positive integer or 'inf', got {value}",
            event_type=event_type,
            code="invalid_value",
            param=param,
        )
    return value


def wire_format_of(fmt: RealtimeAudioFormats, param: str) -> AudioFormat:
    """The voxline audio format of a wire format object (the openai model checks the rate)."""
    match fmt:
        case AudioPCM():
            return AudioFormat.PCM16
        case AudioPCMU():
            return AudioFormat.G711_ULAW
        case AudioPCMA():
            return AudioFormat.G711_ALAW
        case _:  # pragma: no cover - the openai union has exactly these three
            raise _unsupported(param, f"audio format {fmt!r}")


def _turn_detection(td: ServerVad | SemanticVad | None) -> VoxlineTurnDetection:
    match td:
        case None:
            return None
        case ServerVad():
            default = ServerVAD()
            return ServerVAD(
                threshold=td.threshold if td.threshold is not None else default.threshold,
                prefix_padding_ms=_or(td.prefix_padding_ms, default.prefix_padding_ms),
                silence_duration_ms=_or(td.silence_duration_ms, default.silence_duration_ms),
                create_response=_or(td.create_response, default.create_response),
                interrupt_response=_or(td.interrupt_response, default.interrupt_response),
            )
        case SemanticVad():
            return SemanticVAD(
                eagerness=td.eagerness or "auto",
                create_response=_or(td.create_response, True),
                interrupt_response=_or(td.interrupt_response, True),
            )
        case _:  # pragma: no cover - the openai union has exactly these
            raise _unsupported("session.audio.input.turn_detection", f"turn detection {td!r}")


def _or(value: T | None, default: T) -> T:
    return default if value is None else value


def _tools(tools: list[Any]) -> tuple[ToolSpec, ...]:
    specs: list[ToolSpec] = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, RealtimeFunctionTool):
            raise _unsupported(f"session.tools[{i}]", "a tool that is not a function (MCP)")
        if not tool.name:
            raise InvalidRequestError(
                f"session.tools[{i}] has no name",
                event_type=_EVENT,
                code="missing_required_parameter",
                param=f"session.tools[{i}].name",
            )
        parameters = tool.parameters if tool.parameters is not None else {"type": "object"}
        if not isinstance(parameters, dict):
            raise InvalidRequestError(
                f"session.tools[{i}].parameters must be a JSON Schema object",
                event_type=_EVENT,
                code="invalid_value",
                param=f"session.tools[{i}].parameters",
            )
        specs.append(ToolSpec(tool.name, tool.description or "", parameters))
    return tuple(specs)


def _audio(config: SessionConfig, request: RealtimeSessionCreateRequest) -> SessionConfig:
    audio = request.audio
    if audio is None:
        return config
    changes: dict[str, Any] = {}
    inp, out = audio.input, audio.output
    if inp is not None:
        fields = inp.model_fields_set
        if "format" in fields and inp.format is not None:
            changes["input_format"] = wire_format_of(inp.format, "session.audio.input.format")
        if "transcription" in fields:
            t = inp.transcription
            changes["transcription_model"] = (t.model or "default") if t is not None else None
        if "turn_detection" in fields:
            changes["turn_detection"] = _turn_detection(inp.turn_detection)
    if out is not None:
        fields = out.model_fields_set
        if "format" in fields and out.format is not None:
            changes["output_format"] = wire_format_of(out.format, "session.audio.output.format")
        if "voice" in fields:
            voice = out.voice
            changes["voice"] = voice if isinstance(voice, str) or voice is None else voice.id
    return replace(config, **changes)


def apply_session_update(
    served: ServedSession,
    request: RealtimeSessionCreateRequest | RealtimeTranscriptionSessionCreateRequest,
) -> ServedSession:
    """Apply a `session.update` as the API does: fields present are replaced, others kept.

    A field sent as null is reset (turn detection or transcription off, no voice).

    Raises:
        InvalidRequestError: a transcription-only session, MCP tools, a reusable prompt or a
            tool choice naming one function: things the engine cannot do. Nothing is applied.
    """
    if isinstance(request, RealtimeTranscriptionSessionCreateRequest):
        raise _unsupported("session.type", "a transcription session")
    fields = request.model_fields_set
    if request.prompt is not None:
        raise _unsupported("session.prompt", "a reusable prompt")
    config = served.config
    changes: dict[str, Any] = {}
    if "instructions" in fields:
        changes["instructions"] = request.instructions or ""
    if "tools" in fields:
        changes["tools"] = _tools(list(request.tools or []))
    if "tool_choice" in fields:
        choice = request.tool_choice or "auto"
        if not isinstance(choice, str):
            raise _unsupported("session.tool_choice", "forcing one function or MCP tool")
        changes["tool_choice"] = choice
    if "output_modalities" in fields:
        modalities = request.output_modalities or ["audio"]
        changes["modalities"] = ("text",) if modalities == ["text"] else ("audio",)
    config = _audio(replace(config, **changes), request)
    model = served.model
    if "model" in fields and request.model is not None:
        model = str(request.model)
        config = replace(config, model=model)
    cap = served.max_output_tokens
    if "max_output_tokens" in fields:
        cap = max_tokens(request.max_output_tokens, "session.max_output_tokens", _EVENT)
    return ServedSession(config, model, cap)
