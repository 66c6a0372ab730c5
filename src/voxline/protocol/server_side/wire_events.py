"""Builds each GA Realtime server event (typed openai models), each with a fresh event id."""

from __future__ import annotations

import base64
from typing import Any

from openai._models import BaseModel as OpenAIModel
from openai.types.realtime import (
    ConversationItemAdded,
    ConversationItemDone,
    ConversationItemInputAudioTranscriptionCompletedEvent,
    ConversationItemInputAudioTranscriptionDeltaEvent,
    ConversationItemTruncatedEvent,
    InputAudioBufferClearedEvent,
    InputAudioBufferCommittedEvent,
    InputAudioBufferSpeechStartedEvent,
    InputAudioBufferSpeechStoppedEvent,
    RealtimeError,
    RealtimeErrorEvent,
    RealtimeSessionCreateRequest,
    ResponseAudioDeltaEvent,
    ResponseAudioDoneEvent,
    ResponseAudioTranscriptDeltaEvent,
    ResponseAudioTranscriptDoneEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseDoneEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    SessionCreatedEvent,
    SessionUpdatedEvent,
)
from openai.types.realtime import (
    conversation_item_input_audio_transcription_completed_event as transcription,
)
from openai.types.realtime import response_content_part_added_event as part_added
from openai.types.realtime import response_content_part_done_event as part_done
from openai.types.realtime.realtime_server_event import ConversationItemRetrieved

from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.core.ids import IdFactory
from voxline.protocol.server_side.items import WireItem
from voxline.protocol.server_side.responses import (
    OpenItem,
    ResponseState,
    ServedResponse,
    response_object,
    usage_object,
)

__all__ = ["Builder"]


class Builder:
    """Makes server events; `conversation_id` names the connection's one conversation."""

    def __init__(self, ids: IdFactory, conversation_id: str) -> None:
        self._ids = ids
        self.conversation_id = conversation_id

    def _id(self) -> str:
        return self._ids("event")

    # ----------------------------------------------------------------- session and input

    def session_created(self, session: RealtimeSessionCreateRequest) -> OpenAIModel:
        return SessionCreatedEvent(type="session.created", event_id=self._id(), session=session)

    def session_updated(self, session: RealtimeSessionCreateRequest) -> OpenAIModel:
        return SessionUpdatedEvent(type="session.updated", event_id=self._id(), session=session)

    def error(self, error: RealtimeError) -> OpenAIModel:
        return RealtimeErrorEvent(type="error", event_id=self._id(), error=error)

    def buffer_cleared(self) -> OpenAIModel:
        return InputAudioBufferClearedEvent(type="input_audio_buffer.cleared", event_id=self._id())

    def buffer_committed(self, item_id: str, previous: str | None) -> OpenAIModel:
        return InputAudioBufferCommittedEvent(
            type="input_audio_buffer.committed",
            event_id=self._id(),
            item_id=item_id,
            previous_item_id=previous,
        )

    def speech_started(self, item_id: str, ms: int) -> OpenAIModel:
        return InputAudioBufferSpeechStartedEvent(
            type="input_audio_buffer.speech_started",
            event_id=self._id(),
            item_id=item_id,
            audio_start_ms=ms,
        )

    def speech_stopped(self, item_id: str, ms: int) -> OpenAIModel:
        return InputAudioBufferSpeechStoppedEvent(
            type="input_audio_buffer.speech_stopped",
            event_id=self._id(),
            item_id=item_id,
            audio_end_ms=ms,
        )

    def transcript_delta(self, item_id: str, delta: str) -> OpenAIModel:
        return ConversationItemInputAudioTranscriptionDeltaEvent(
            type="conversation.item.input_audio_transcription.delta",
            event_id=self._id(),
            item_id=item_id,
            content_index=0,
            delta=delta,
        )

    def transcript_completed(self, item_id: str, text: str, seconds: float) -> OpenAIModel:
        return ConversationItemInputAudioTranscriptionCompletedEvent(
            type="conversation.item.input_audio_transcription.completed",
            event_id=self._id(),
            item_id=item_id,
            content_index=0,
            transcript=text,
            usage=transcription.UsageTranscriptTextUsageDuration(type="duration", seconds=seconds),
        )

    # ----------------------------------------------------------------- conversation items

    def item_added(self, previous: str | None, item: WireItem) -> OpenAIModel:
        return ConversationItemAdded(
            type="conversation.item.added",
            event_id=self._id(),
            previous_item_id=previous,
            item=item,
        )

    def item_done(self, previous: str | None, item: WireItem) -> OpenAIModel:
        return ConversationItemDone(
            type="conversation.item.done",
            event_id=self._id(),
            previous_item_id=previous,
            item=item,
        )

    def item_retrieved(self, item: WireItem) -> OpenAIModel:
        return ConversationItemRetrieved(
            type="conversation.item.retrieved", event_id=self._id(), item=item
        )

    def item_truncated(self, item_id: str, audio_end_ms: int) -> OpenAIModel:
        return ConversationItemTruncatedEvent(
            type="conversation.item.truncated",
            event_id=self._id(),
            item_id=item_id,
            content_index=0,
            audio_end_ms=audio_end_ms,
        )

    # ----------------------------------------------------------------- responses

    def response_created(self, response: ServedResponse, config: SessionConfig) -> OpenAIModel:
        obj = response_object(
            response, config, conversation_id=self.conversation_id, status="in_progress"
        )
        return ResponseCreatedEvent(type="response.created", event_id=self._id(), response=obj)

    def response_done(
        self,
        response: ServedResponse,
        config: SessionConfig,
        status: ResponseState,
        usage: ev.Usage | None,
    ) -> OpenAIModel:
        obj = response_object(
            response,
            config,
            conversation_id=self.conversation_id,
            status=status,
            usage=usage_object(usage),
        )
        return ResponseDoneEvent(type="response.done", event_id=self._id(), response=obj)

    def output_item_added(self, response_id: str, index: int, item: WireItem) -> OpenAIModel:
        return ResponseOutputItemAddedEvent(
            type="response.output_item.added",
            event_id=self._id(),
            response_id=response_id,
            output_index=index,
            item=item,
        )

    def output_item_done(self, response_id: str, index: int, item: WireItem) -> OpenAIModel:
        return ResponseOutputItemDoneEvent(
            type="response.output_item.done",
            event_id=self._id(),
            response_id=response_id,
            output_index=index,
            item=item,
        )

    def part_added(self, response: ServedResponse, item: OpenItem) -> OpenAIModel:
        part = (
            part_added.Part(type="audio", transcript="")
            if response.audio
            else part_added.Part(type="text", text="")
        )
        return ResponseContentPartAddedEvent(
            type="response.content_part.added",
            event_id=self._id(),
            response_id=response.id,
            item_id=item.item_id,
            output_index=item.output_index,
            content_index=0,
            part=part,
        )

    def text_delta(self, response: ServedResponse, item: OpenItem, delta: str) -> OpenAIModel:
        """A transcript delta for a spoken reply, a text delta for a text one."""
        common: dict[str, Any] = {
            "event_id": self._id(),
            "response_id": response.id,
            "item_id": item.item_id,
            "output_index": item.output_index,
            "content_index": 0,
            "delta": delta,
        }
        if response.audio:
            return ResponseAudioTranscriptDeltaEvent(
                type="response.output_audio_transcript.delta", **common
            )
        return ResponseTextDeltaEvent(type="response.output_text.delta", **common)

    def audio_delta(self, response: ServedResponse, item: OpenItem, audio: bytes) -> OpenAIModel:
        return ResponseAudioDeltaEvent(
            type="response.output_audio.delta",
            event_id=self._id(),
            response_id=response.id,
            item_id=item.item_id,
            output_index=item.output_index,
            content_index=0,
            delta=base64.b64encode(audio).decode("ascii"),
        )

    def part_done(self, response: ServedResponse, item: OpenItem) -> list[OpenAIModel]:
        """The events that close an assistant message's content: audio, transcript, part."""
        rid, iid, index = response.id, item.item_id, item.output_index
        out: list[OpenAIModel] = []
        if response.audio:
            out.append(
                ResponseAudioDoneEvent(
                    type="response.output_audio.done",
                    event_id=self._id(),
                    response_id=rid,
                    item_id=iid,
                    output_index=index,
                    content_index=0,
                )
            )
            out.append(
                ResponseAudioTranscriptDoneEvent(
                    type="response.output_audio_transcript.done",
                    event_id=self._id(),
                    response_id=rid,
                    item_id=iid,
                    output_index=index,
                    content_index=0,
                    transcript=item.text,
                )
            )
            part = part_done.Part(type="audio", transcript=item.text)
        else:
            out.append(
                ResponseTextDoneEvent(
                    type="response.output_text.done",
                    event_id=self._id(),
                    response_id=rid,
                    item_id=iid,
                    output_index=index,
                    content_index=0,
                    text=item.text,
                )
            )
            part = part_done.Part(type="text", text=item.text)
        out.append(
            ResponseContentPartDoneEvent(
                type="response.content_part.done",
                event_id=self._id(),
                response_id=rid,
                item_id=iid,
                output_index=index,
                content_index=0,
                part=part,
            )
        )
        return out

    def arguments(self, call: ev.FunctionCallRequested, index: int) -> list[OpenAIModel]:
        """The arguments of a function call: all in one delta (the engine makes them whole)."""
        common: dict[str, Any] = {
            "response_id": call.response_id,
            "item_id": call.item_id,
            "output_index": index,
            "call_id": call.call_id,
        }
        return [
            ResponseFunctionCallArgumentsDeltaEvent(
                type="response.function_call_arguments.delta",
                event_id=self._id(),
                delta=call.arguments,
                **common,
            ),
            ResponseFunctionCallArgumentsDoneEvent(
                type="response.function_call_arguments.done",
                event_id=self._id(),
                name=call.name,
                arguments=call.arguments,
                **common,
            ),
        ]
