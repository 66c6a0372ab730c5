"""One response as the server streams it: items, content parts and the response object."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from openai.types.realtime import (
    RealtimeResponse,
    RealtimeResponseStatus,
    RealtimeResponseUsage,
    RealtimeResponseUsageInputTokenDetails,
    RealtimeResponseUsageOutputTokenDetails,
)
from openai.types.realtime import realtime_response as rr
from openai.types.realtime import realtime_response_status as rs

from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.protocol.server_side.items import RequestedResponse, WireItem
from voxline.protocol.session import audio_format

__all__ = ["OpenItem", "ServedResponse", "response_object", "usage_object"]

ResponseState = Literal["in_progress", "completed", "cancelled", "failed", "incomplete"]
CancelReason = Literal["turn_detected", "client_cancelled"]


@dataclass(slots=True)
class OpenItem:
    """The assistant message being streamed: its place in the output and its text so far."""

    item_id: str
    output_index: int
    text: str = ""


@dataclass(slots=True)
class ServedResponse:
    """A response from `response.created` to `response.done`.

    Attributes:
        id: The response id (the model's).
        request: What the client asked (a default request for a server VAD reply).
        audio: The reply is spoken (else text only), fixed when it starts.
        output: Every output item so far, in order.
        open: The assistant message still streaming, if any.
        cancel_reason: Why it was cancelled, once known.
        error: The (code, message) of a failure the model reported during it.
    """

    id: str
    request: RequestedResponse
    audio: bool
    output: list[WireItem] = field(default_factory=list)
    open: OpenItem | None = None
    cancel_reason: CancelReason | None = None
    error: tuple[str | None, str] | None = None

    @property
    def in_conversation(self) -> bool:
        """False for an out-of-band response (`conversation: "none"`)."""
        return self.request.in_conversation


def usage_object(usage: ev.Usage | None) -> RealtimeResponseUsage:
    """voxline's token counts in the wire shape (zeros when the model counted nothing)."""
    u = usage or ev.Usage()
    return RealtimeResponseUsage(
        total_tokens=u.total_tokens,
        input_tokens=u.input_tokens,
        output_tokens=u.output_tokens,
        input_token_details=RealtimeResponseUsageInputTokenDetails(
            text_tokens=u.input_text_tokens,
            audio_tokens=u.input_audio_tokens,
            cached_tokens=u.input_cached_tokens,
        ),
        output_token_details=RealtimeResponseUsageOutputTokenDetails(
            text_tokens=u.output_text_tokens, audio_tokens=u.output_audio_tokens
        ),
    )


def _details(response: ServedResponse, status: ResponseState) -> RealtimeResponseStatus | None:
    match status:
        case "cancelled":
            return RealtimeResponseStatus(
                type="cancelled", reason=response.cancel_reason or "client_cancelled"
            )
        case "failed":
            code, message = response.error or (None, "the model failed")
            return RealtimeResponseStatus(
                type="failed", error=rs.Error(type="server_error", code=code, message=message)
            )
        case "incomplete":
            return RealtimeResponseStatus(type="incomplete", reason="max_output_tokens")
        case _:
            return None


def response_object(
    response: ServedResponse,
    config: SessionConfig,
    *,
    conversation_id: str,
    status: ResponseState,
    usage: RealtimeResponseUsage | None = None,
) -> RealtimeResponse:
    """The `response` object of `response.created` (in progress) and `response.done`."""
    cap = response.request.command.max_output_tokens
    return RealtimeResponse(
        id=response.id,
        object="realtime.response",
        status=status,
        status_details=_details(response, status),
        output=list(response.output),
        conversation_id=conversation_id if response.in_conversation else None,
        output_modalities=["audio"] if response.audio else ["text"],
        audio=rr.Audio(
            output=rr.AudioOutput(format=audio_format(config.output_format), voice=config.voice)
        ),
        max_output_tokens="inf" if cap is None else cap,
        metadata=response.request.metadata,
        usage=usage,
    )
