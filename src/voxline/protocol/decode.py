"""GA Realtime server events -> voxline ModelEvents. Anything unreadable becomes a ModelError."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from openai._models import BaseModel as OpenAIModel
from openai.types.realtime import (
    ConversationItemInputAudioTranscriptionCompletedEvent,
    ConversationItemInputAudioTranscriptionDeltaEvent,
    ConversationItemInputAudioTranscriptionFailedEvent,
    InputAudioBufferCommittedEvent,
    InputAudioBufferSpeechStartedEvent,
    InputAudioBufferSpeechStoppedEvent,
    RealtimeConversationItemAssistantMessage,
    RealtimeErrorEvent,
    ResponseAudioDeltaEvent,
    ResponseAudioTranscriptDeltaEvent,
    ResponseCreatedEvent,
    ResponseDoneEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseTextDeltaEvent,
    SessionCreatedEvent,
    SessionUpdatedEvent,
)

from voxline.core import events as ev
from voxline.errors import ProtocolError
from voxline.protocol.fast import (
    STATUS,
    NotHandled,
    remember_session,
    translate_fast,
    usage_from_wire,
)
from voxline.protocol.wire import parse_server_event

__all__ = ["decode_event", "translate", "usage_from_wire"]


def _assistant_text(item: RealtimeConversationItemAssistantMessage) -> str:
    return "".join(part.transcript or part.text or "" for part in item.content)


def _audio(event: ResponseAudioDeltaEvent) -> bytes:
    try:
        return base64.b64decode(event.delta, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(
            "response.output_audio.delta carried audio that is not valid base64",
            event_type=event.type,
            code="invalid_event",
            raw=event.to_dict(),
        ) from None


def _missing_id(event: OpenAIModel) -> ProtocolError:
    kind = str(getattr(event, "type", "?"))
    return ProtocolError(
        f"{kind} carried an assistant item without an id",
        event_type=kind,
        code="invalid_event",
        raw=event.to_dict(),
    )


def translate(event: OpenAIModel) -> ev.ModelEvent | None:  # noqa: C901 - one flat match
    """Translate one validated server event; None for events voxline has no use for.

    Raises:
        ProtocolError: an event that validated but cannot be used (audio that is not base64,
            an assistant item without an id).
    """
    match event:
        case ResponseAudioDeltaEvent():
            return ev.OutputAudioDelta(event.response_id, event.item_id, _audio(event))
        case ResponseAudioTranscriptDeltaEvent() | ResponseTextDeltaEvent():
            return ev.OutputTextDelta(event.response_id, event.item_id, event.delta)
        case InputAudioBufferSpeechStartedEvent():
            return ev.SpeechStarted(event.item_id, event.audio_start_ms)
        case InputAudioBufferSpeechStoppedEvent():
            return ev.SpeechStopped(event.item_id, event.audio_end_ms)
        case InputAudioBufferCommittedEvent():
            return ev.AudioCommitted(event.item_id)
        case ConversationItemInputAudioTranscriptionDeltaEvent():
            return ev.InputTranscriptDelta(event.item_id, event.delta or "")
        case ConversationItemInputAudioTranscriptionCompletedEvent():
            return ev.InputTranscriptCompleted(event.item_id, event.transcript)
        case ConversationItemInputAudioTranscriptionFailedEvent():
            return ev.ModelError(
                f"transcription of item {event.item_id} failed: {event.error.message}",
                code=event.error.code or "transcription_failed",
                event_type=event.type,
                raw=event.to_dict(),
            )
        case ResponseCreatedEvent():
            return ev.ResponseStarted(event.response.id or "")
        case ResponseOutputItemAddedEvent(item=RealtimeConversationItemAssistantMessage() as item):
            if item.id is None:
                raise _missing_id(event)
            return ev.OutputItemAdded(event.response_id, item.id)
        case ResponseOutputItemDoneEvent(item=RealtimeConversationItemAssistantMessage() as item):
            if item.id is None:
                raise _missing_id(event)
            return ev.OutputItemDone(event.response_id, item.id, _assistant_text(item))
        case ResponseFunctionCallArgumentsDoneEvent():
            return ev.FunctionCallRequested(
                event.response_id, event.item_id, event.call_id, event.name, event.arguments
            )
        case ResponseDoneEvent(response=response):
            status = STATUS.get(response.status or "completed", ev.ResponseStatus.INCOMPLETE)
            return ev.ResponseDone(response.id or "", status, usage_from_wire(response.usage))
        case RealtimeErrorEvent(error=error):
            return ev.ModelError(
                error.message,
                code=error.code or error.type,
                event_type="error",
                raw=event.to_dict(),
            )
        case _:
            return None


def decode_event(raw: str | bytes | Mapping[str, Any]) -> ev.ModelEvent | None:
    """Parse one server message and translate it; never raises.

    Unknown types, malformed JSON and events that fail the openai models come back as a
    `ModelError` with the raw payload kept, so a bad message never ends a session. The
    frequent events, as JSON text, take the fast paths of `voxline.protocol.fast` (same
    result, decoded in C, no pydantic models built); everything else, and an event given
    as a mapping, is validated against the openai models.
    """
    data: Any = raw
    if not isinstance(raw, Mapping):
        fast = translate_fast(raw)
        if not isinstance(fast, NotHandled):
            return fast
        try:
            data = json.loads(raw)
        except (ValueError, TypeError):
            data = raw  # the typed path reports it, with the text kept
    try:
        event = parse_server_event(data if isinstance(data, Mapping) else raw)
        if isinstance(event, SessionCreatedEvent | SessionUpdatedEvent):
            remember_session(data["session"])
        return translate(event)
    except ProtocolError as exc:
        return ev.ModelError(str(exc), code=exc.code, event_type=exc.event_type, raw=exc.raw)
