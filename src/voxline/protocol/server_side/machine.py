"""ServerProtocol: the server half of the GA Realtime protocol over any RealtimeModel, sans I/O.

Client events go in as raw JSON and come out as voxline commands for the model plus the
server events answering them at once (`session.updated`, `conversation.item.added`, ...).
The model's events go in and come out as the server events a real Realtime server would
send, with item ids, output indexes, content parts and previous item ids filled in.
Every bad client event becomes an `error` event carrying its `event_id`; nothing raises.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, assert_never

from openai._models import BaseModel as OpenAIModel
from openai.types.realtime import (
    ConversationItemCreateEvent,
    ConversationItemRetrieveEvent,
    ConversationItemTruncateEvent,
    InputAudioBufferAppendEvent,
    InputAudioBufferClearEvent,
    InputAudioBufferCommitEvent,
    RealtimeConversationItemAssistantMessage,
    RealtimeError,
    ResponseCancelEvent,
    ResponseCreateEvent,
    SessionUpdateEvent,
)

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.core.ids import IdFactory, random_id
from voxline.errors import InvalidRequestError, ProtocolError, VoxlineError
from voxline.protocol.server_side import wire_events as we
from voxline.protocol.server_side.items import (
    ItemStatus,
    RequestedResponse,
    WireItem,
    assistant_item,
    client_item,
    function_call_item,
    response_request,
    user_audio_item,
)
from voxline.protocol.server_side.responses import OpenItem, ResponseState, ServedResponse
from voxline.protocol.server_side.session import ServedSession, apply_session_update
from voxline.protocol.wire import CLIENT_EVENT_TYPES, parse_client_event

__all__ = ["ServerProtocol", "Step"]


@dataclass(frozen=True, slots=True)
class Step:
    """What one client event leads to.

    Attributes:
        commands: To send to the model, in order.
        events: To send to the client, in order (after the commands were sent).
    """

    commands: tuple[cmd.ModelCommand, ...] = ()
    events: tuple[OpenAIModel, ...] = ()


_STATE: dict[ev.ResponseStatus, ResponseState] = {
    ev.ResponseStatus.COMPLETED: "completed",
    ev.ResponseStatus.CANCELLED: "cancelled",
    ev.ResponseStatus.INCOMPLETE: "incomplete",
    ev.ResponseStatus.FAILED: "failed",
}


def _event_id_of(raw: object) -> str | None:
    if isinstance(raw, Mapping):
        value = raw.get("event_id")
        return value if isinstance(value, str) else None
    return None


class ServerProtocol:
    """One client connection's protocol state: the session, the conversation, the response.

    Args:
        config: The session before the client changes it (what `session.created` shows and
            what the model is connected with).
        model: The model name from the connection URL, echoed in the session.
        ids: Makes event, item and conversation ids (`CountingIds` in tests).
    """

    def __init__(
        self, config: SessionConfig, *, model: str | None = None, ids: IdFactory = random_id
    ) -> None:
        if model is not None:
            config = replace(config, model=model)
        self._served = ServedSession(config, model)
        self._ids = ids
        self._build = we.Builder(ids, ids("conv"))
        self._items: dict[str, WireItem] = {}
        self._audio_ms: dict[str, float] = {}
        self._calls: set[str] = set()
        self._speech: dict[str, tuple[int, int]] = {}
        self._pending: deque[RequestedResponse] = deque()
        self._response: ServedResponse | None = None
        self._last_event_ids: dict[str, str] = {}

    @property
    def config(self) -> SessionConfig:
        """The session configuration in effect (connect the model with it)."""
        return self._served.config

    @property
    def conversation(self) -> tuple[WireItem, ...]:
        """The conversation's items in order, as the client was shown them."""
        return tuple(self._items.values())

    def start(self) -> OpenAIModel:
        """The `session.created` event that opens the connection."""
        return self._build.session_created(self._served.wire())

    # ----------------------------------------------------------------- client events

    def receive_client(self, raw: str | bytes | Mapping[str, Any]) -> Step:
        """Handle one client message; a bad one gets an `error` event and changes nothing."""
        try:
            event = parse_client_event(raw)
        except ProtocolError as exc:
            return Step(events=(self._error(exc, _event_id_of(exc.raw)),))
        kind = str(getattr(event, "type", ""))
        event_id = getattr(event, "event_id", None)
        if event_id is not None:
            self._last_event_ids[kind] = event_id
        try:
            return self._dispatch(event)
        except ProtocolError as exc:
            return Step(events=(self._error(exc, event_id),))

    def _dispatch(self, event: OpenAIModel) -> Step:
        b = self._build
        match event:
            case SessionUpdateEvent(session=session):
                self._served = apply_session_update(self._served, session)
                return Step(
                    (cmd.UpdateSession(self.config),), (b.session_updated(self._served.wire()),)
                )
            case InputAudioBufferAppendEvent(audio=audio):
                return Step((cmd.SendAudio(_decode_audio(audio)),))
            case InputAudioBufferCommitEvent():
                return Step((cmd.CommitAudio(),))
            case InputAudioBufferClearEvent():
                return Step((cmd.ClearAudio(),), (b.buffer_cleared(),))
            case ConversationItemCreateEvent():
                return self._create_item(event)
            case ResponseCreateEvent():
                request = response_request(
                    event.response,
                    modalities=self.config.modalities,
                    session_max_tokens=self._served.max_output_tokens,
                    event_id=event.event_id,
                    new_id=self._ids("item"),
                )
                self._pending.append(request)
                return Step((request.command,))
            case ResponseCancelEvent():
                return self._cancel(event)
            case ConversationItemTruncateEvent():
                return self._truncate(event)
            case ConversationItemRetrieveEvent(item_id=item_id):
                return Step(events=(b.item_retrieved(self._item(item_id, event.type)),))
            case _:
                kind = str(getattr(event, "type", "?"))
                raise InvalidRequestError(
                    f"{kind} is not supported by this server",
                    event_type=kind,
                    code="unsupported_event",
                    param="type",
                )

    def _item(self, item_id: str, event_type: str) -> WireItem:
        item = self._items.get(item_id)
        if item is None:
            raise InvalidRequestError(
                f"no item with id {item_id!r} in the conversation",
                event_type=event_type,
                code="item_not_found",
                param="item_id",
            )
        return item

    def _last(self) -> str | None:
        return next(reversed(self._items), None)

    def _previous(self, item_id: str) -> str | None:
        previous = None
        for key in self._items:
            if key == item_id:
                return previous
            previous = key
        return previous

    def _create_item(self, event: ConversationItemCreateEvent) -> Step:
        item_id = event.item.id or self._ids("item")
        if item_id in self._items:
            raise InvalidRequestError(
                f"an item with id {item_id!r} is already in the conversation",
                event_type=event.type,
                code="item_already_exists",
                param="item.id",
            )
        last = self._last()
        previous = event.previous_item_id
        if previous is not None and previous != last and not (previous == "root" and not last):
            raise InvalidRequestError(
                "items can only be added at the end of the conversation: previous_item_id "
                f"must be the last item ({last!r}) or left out",
                event_type=event.type,
                code="unsupported",
                param="previous_item_id",
            )
        command, stored = client_item(event.item, item_id)
        match command:
            case cmd.AddFunctionOutput(call_id=call_id) if call_id not in self._calls:
                raise InvalidRequestError(
                    f"function_call_output for call_id {call_id!r}, but no function call "
                    "with that call_id is in the conversation",
                    event_type=event.type,
                    code="invalid_call_id",
                    param="item.call_id",
                )
            case cmd.AddFunctionCall(call_id=call_id):
                self._calls.add(call_id)
            case _:
                pass
        self._items[item_id] = stored
        b = self._build
        return Step((command,), (b.item_added(last, stored), b.item_done(last, stored)))

    def _cancel(self, event: ResponseCancelEvent) -> Step:
        active, wanted = self._response, event.response_id
        if (active is None and not self._pending) or (
            wanted is not None and (active is None or wanted != active.id)
        ):
            what = f"response {wanted!r} is" if wanted is not None else "no response is"
            raise InvalidRequestError(
                f"cannot cancel: {what} in progress",
                event_type=event.type,
                code="response_cancel_not_active",
                param="response_id" if wanted is not None else None,
            )
        if active is not None:
            active.cancel_reason = "client_cancelled"
        return Step((cmd.CancelResponse(wanted),))

    def _truncate(self, event: ConversationItemTruncateEvent) -> Step:
        item = self._item(event.item_id, event.type)
        if not isinstance(item, RealtimeConversationItemAssistantMessage):
            raise InvalidRequestError(
                f"only assistant messages can be truncated; {event.item_id!r} is not one",
                event_type=event.type,
                code="invalid_value",
                param="item_id",
            )
        if event.content_index != 0:
            raise InvalidRequestError(
                "an assistant message has one content part: content_index must be 0",
                event_type=event.type,
                code="invalid_value",
                param="content_index",
            )
        heard = math.ceil(self._audio_ms.get(event.item_id, 0.0))
        if event.audio_end_ms < 0 or event.audio_end_ms > heard:
            raise InvalidRequestError(
                f"audio_end_ms {event.audio_end_ms} is outside the {heard} ms of audio item "
                f"{event.item_id!r} has",
                event_type=event.type,
                code="invalid_value",
                param="audio_end_ms",
            )
        return Step(
            (cmd.TruncateItem(event.item_id, event.audio_end_ms, 0),),
            (self._build.item_truncated(event.item_id, event.audio_end_ms),),
        )

    def model_failure(self, exc: VoxlineError) -> OpenAIModel:
        """An `error` event for a failure of the model itself: no connection, a refusal."""
        code = exc.code if isinstance(exc, ProtocolError) else None
        return self._build.error(
            RealtimeError(type="server_error", code=code or "model_unavailable", message=str(exc))
        )

    def _error(self, exc: ProtocolError, event_id: str | None) -> OpenAIModel:
        return self._build.error(
            RealtimeError(
                type="invalid_request_error",
                code=exc.code,
                message=str(exc),
                param=exc.param if isinstance(exc, InvalidRequestError) else None,
                event_id=event_id,
            )
        )

    # ----------------------------------------------------------------- model events

    def receive_model(self, event: ev.ModelEvent) -> list[OpenAIModel]:  # noqa: C901 - one match
        """The server events that tell the client about one model event."""
        b = self._build
        match event:
            case ev.ConnectionChanged():
                return []
            case ev.SpeechStarted(item_id=item_id, audio_start_ms=ms):
                item_id = item_id or self._ids("item")
                self._speech[item_id] = (ms, ms)
                if self._response is not None and self.config.server_interrupts:
                    self._response.cancel_reason = "turn_detected"
                return [b.speech_started(item_id, ms)]
            case ev.SpeechStopped(item_id=item_id, audio_end_ms=ms):
                item_id = item_id or self._ids("item")
                start = self._speech.get(item_id, (ms, ms))[0]
                self._speech[item_id] = (start, ms)
                return [b.speech_stopped(item_id, ms)]
            case ev.AudioCommitted(item_id=item_id):
                last, item = self._last(), user_audio_item(item_id, None)
                self._items[item_id] = item
                return [b.buffer_committed(item_id, last), b.item_added(last, item)]
            case ev.InputTranscriptDelta(item_id=item_id, delta=delta):
                return [b.transcript_delta(item_id, delta)] if self._transcribing else []
            case ev.InputTranscriptCompleted(item_id=item_id, transcript=text):
                return self._transcribed(item_id, text)
            case ev.ResponseStarted(response_id=rid):
                return self._ensure(rid)
            case ev.OutputItemAdded(response_id=rid, item_id=item_id):
                out = self._ensure(rid)
                return out + self._open_message(self._active, item_id)
            case ev.OutputTextDelta() | ev.OutputAudioDelta():
                return self._ensure(event.response_id) + self._delta(event)
            case ev.OutputItemDone(response_id=rid, text=text):
                return self._ensure(rid) + self._close_message(self._active, "completed", text)
            case ev.FunctionCallRequested():
                return self._ensure(event.response_id) + self._function_call(event)
            case ev.ResponseDone(response_id=rid, status=status, usage=usage):
                out = self._ensure(rid)
                response = self._active
                out += self._close_message(response, "incomplete", None)
                self._response = None
                return [*out, b.response_done(response, self.config, _STATE[status], usage)]
            case ev.ModelError():
                return [self._model_error(event)]
            case _:
                assert_never(event)

    @property
    def _transcribing(self) -> bool:
        return self.config.transcription_model is not None

    @property
    def _active(self) -> ServedResponse:
        assert self._response is not None, "_ensure runs first"
        return self._response

    def _transcribed(self, item_id: str, text: str) -> list[OpenAIModel]:
        b = self._build
        item = user_audio_item(item_id, text if self._transcribing else None)
        out: list[OpenAIModel] = []
        if self._transcribing:
            start, end = self._speech.pop(item_id, (0, 0))
            out.append(b.transcript_completed(item_id, text, max(0, end - start) / 1000))
        if item_id in self._items:
            self._items[item_id] = item
        out.append(b.item_done(self._previous(item_id), item))
        return out

    def _ensure(self, response_id: str) -> list[OpenAIModel]:
        """Start the response if this is the first the client hears of it."""
        if self._response is not None and self._response.id == response_id:
            return []
        out: list[OpenAIModel] = []
        if self._response is not None:  # a response that never said it was done
            out += self._close_message(self._response, "incomplete", None)
            out.append(self._build.response_done(self._response, self.config, "incomplete", None))
        request = (
            self._pending.popleft()
            if self._pending
            else RequestedResponse(
                cmd.CreateResponse(max_output_tokens=self._served.max_output_tokens)
            )
        )
        audio = "audio" in self.config.modalities
        self._response = ServedResponse(response_id, request, audio)
        out.append(self._build.response_created(self._response, self.config))
        return out

    def _add_output(self, response: ServedResponse, item: WireItem) -> list[OpenAIModel]:
        b, index = self._build, len(response.output)
        response.output.append(item)
        out = [b.output_item_added(response.id, index, item)]
        if response.in_conversation:
            last = self._last()
            self._items[str(item.id)] = item
            out.append(b.item_added(last, item))
        return out

    def _finish_output(
        self, response: ServedResponse, index: int, item: WireItem
    ) -> list[OpenAIModel]:
        b = self._build
        response.output[index] = item
        out = [b.output_item_done(response.id, index, item)]
        if response.in_conversation:
            item_id = str(item.id)
            self._items[item_id] = item
            out.append(b.item_done(self._previous(item_id), item))
        return out

    def _open_message(self, response: ServedResponse, item_id: str) -> list[OpenAIModel]:
        out = self._close_message(response, "incomplete", None)
        item = assistant_item(item_id, "", audio=response.audio, status="in_progress")
        index = len(response.output)
        out += self._add_output(response, item)
        response.open = OpenItem(item_id, index)
        out.append(self._build.part_added(response, response.open))
        return out

    def _delta(self, event: ev.OutputTextDelta | ev.OutputAudioDelta) -> list[OpenAIModel]:
        response = self._active
        if response.open is None or response.open.item_id != event.item_id:
            out = self._open_message(response, event.item_id)
        else:
            out = []
        assert response.open is not None
        match event:
            case ev.OutputTextDelta(delta=delta):
                response.open.text += delta
                out.append(self._build.text_delta(response, response.open, delta))
            case ev.OutputAudioDelta(audio=audio):
                ms = len(audio) / self.config.output_format.bytes_per_ms
                self._audio_ms[event.item_id] = self._audio_ms.get(event.item_id, 0.0) + ms
                out.append(self._build.audio_delta(response, response.open, audio))
        return out

    def _close_message(
        self, response: ServedResponse, status: ItemStatus, text: str | None
    ) -> list[OpenAIModel]:
        item = response.open
        if item is None:
            return []
        response.open = None
        if text is not None:
            item.text = text
        out = self._build.part_done(response, item)
        done = assistant_item(item.item_id, item.text, audio=response.audio, status=status)
        return out + self._finish_output(response, item.output_index, done)

    def _function_call(self, event: ev.FunctionCallRequested) -> list[OpenAIModel]:
        response = self._active
        out = self._close_message(response, "incomplete", None)
        index = len(response.output)
        self._calls.add(event.call_id)
        started = _call_item(event, "", "in_progress")
        out += self._add_output(response, started)
        out += self._build.arguments(event, index)
        return out + self._finish_output(
            response, index, _call_item(event, event.arguments, "completed")
        )

    def _model_error(self, error: ev.ModelError) -> OpenAIModel:
        kind = error.event_type
        about_client = kind is not None and kind in CLIENT_EVENT_TYPES
        event_id = self._last_event_ids.get(kind) if about_client and kind else None
        if error.code == "conversation_already_has_active_response" and self._pending:
            event_id = self._pending.pop().event_id
        if self._response is not None and kind == "response":
            self._response.error = (error.code, error.message)
        return self._build.error(
            RealtimeError(
                type="invalid_request_error" if about_client else "server_error",
                code=error.code,
                message=error.message,
                event_id=event_id,
            )
        )


def _call_item(event: ev.FunctionCallRequested, arguments: str, status: ItemStatus) -> WireItem:
    return function_call_item(event.item_id, event.call_id, event.name, arguments, status=status)


def _decode_audio(audio: str) -> bytes:
    try:
        return base64.b64decode(audio, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequestError(
            "input_audio_buffer.append carried audio that is not valid base64",
            event_type="input_audio_buffer.append",
            code="invalid_value",
            param="audio",
        ) from None
