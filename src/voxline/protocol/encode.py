"""voxline commands -> typed GA Realtime client events (openai models, validated on creation)."""

from __future__ import annotations

import base64
import copy
from json.encoder import encode_basestring_ascii
from typing import assert_never

from openai.types.realtime import (
    ConversationItemCreateEvent,
    ConversationItemTruncateEvent,
    InputAudioBufferAppendEvent,
    InputAudioBufferClearEvent,
    InputAudioBufferCommitEvent,
    RealtimeClientEvent,
    RealtimeConversationItemAssistantMessage,
    RealtimeConversationItemFunctionCall,
    RealtimeConversationItemFunctionCallOutput,
    RealtimeConversationItemSystemMessage,
    RealtimeConversationItemUserMessage,
    RealtimeResponseCreateParams,
    ResponseCancelEvent,
    ResponseCreateEvent,
    SessionUpdateEvent,
)
from openai.types.realtime import (
    realtime_conversation_item_assistant_message as assistant_msg,
)
from openai.types.realtime import (
    realtime_conversation_item_system_message as system_msg,
)
from openai.types.realtime import (
    realtime_conversation_item_user_message as user_msg,
)

from voxline.core import commands as cmd
from voxline.core.config import SessionConfig
from voxline.core.items import Role
from voxline.protocol.session import session_request
from voxline.protocol.wire import dumps

__all__ = ["MessageItem", "SessionUpdates", "encode_command", "encode_command_json", "message_item"]

MessageItem = (
    RealtimeConversationItemUserMessage
    | RealtimeConversationItemAssistantMessage
    | RealtimeConversationItemSystemMessage
)


def message_item(role: Role, text: str, item_id: str | None = None) -> MessageItem:
    """A text message item; assistant text is `output_text`, user and system text `input_text`."""
    item: MessageItem
    match role:
        case Role.USER:
            item = RealtimeConversationItemUserMessage(
                type="message",
                role="user",
                content=[user_msg.Content(type="input_text", text=text)],
            )
        case Role.ASSISTANT:
            item = RealtimeConversationItemAssistantMessage(
                type="message",
                role="assistant",
                content=[assistant_msg.Content(type="output_text", text=text)],
            )
        case Role.SYSTEM:
            item = RealtimeConversationItemSystemMessage(
                type="message",
                role="system",
                content=[system_msg.Content(type="input_text", text=text)],
            )
        case _:
            assert_never(role)
    if item_id is not None:
        item.id = item_id
    return item


def _response(command: cmd.CreateResponse) -> ResponseCreateEvent:
    params = RealtimeResponseCreateParams()
    if command.context is not None:
        params.conversation = "none"
        params.input = [message_item(m.role, m.text) for m in command.context]
    if command.instructions is not None:
        params.instructions = command.instructions
    if command.max_output_tokens is not None:
        params.max_output_tokens = command.max_output_tokens
    if params.model_fields_set:
        return ResponseCreateEvent(type="response.create", response=params)
    return ResponseCreateEvent(type="response.create")


def encode_command(command: cmd.ModelCommand) -> RealtimeClientEvent:
    """Translate one command to the client event that carries it.

    A CreateResponse with `context` becomes an out-of-band response (`conversation: "none"`)
    that sees only those messages and its own instructions.
    """
    match command:
        case cmd.UpdateSession(config=config):
            return SessionUpdateEvent(type="session.update", session=session_request(config))
        case cmd.SendAudio(audio=audio):
            return InputAudioBufferAppendEvent(
                type="input_audio_buffer.append", audio=base64.b64encode(audio).decode("ascii")
            )
        case cmd.CommitAudio():
            return InputAudioBufferCommitEvent(type="input_audio_buffer.commit")
        case cmd.ClearAudio():
            return InputAudioBufferClearEvent(type="input_audio_buffer.clear")
        case cmd.AddMessage(item_id=item_id, role=role, text=text):
            return ConversationItemCreateEvent(
                type="conversation.item.create", item=message_item(role, text, item_id)
            )
        case cmd.AddFunctionCall():
            return ConversationItemCreateEvent(
                type="conversation.item.create",
                item=RealtimeConversationItemFunctionCall(
                    type="function_call",
                    id=command.item_id,
                    call_id=command.call_id,
                    name=command.name,
                    arguments=command.arguments,
                ),
            )
        case cmd.AddFunctionOutput():
            return ConversationItemCreateEvent(
                type="conversation.item.create",
                item=RealtimeConversationItemFunctionCallOutput(
                    type="function_call_output",
                    id=command.item_id,
                    call_id=command.call_id,
                    output=command.output,
                ),
            )
        case cmd.CreateResponse():
            return _response(command)
        case cmd.CancelResponse(response_id=response_id):
            if response_id is None:
                return ResponseCancelEvent(type="response.cancel")
            return ResponseCancelEvent(type="response.cancel", response_id=response_id)
        case cmd.TruncateItem():
            return ConversationItemTruncateEvent(
                type="conversation.item.truncate",
                item_id=command.item_id,
                content_index=command.content_index,
                audio_end_ms=max(0, command.audio_end_ms),
            )
        case _:
            assert_never(command)


def encode_command_json(command: cmd.ModelCommand) -> str:
    """`encode_command` serialised to JSON text, ready for the socket.

    The commands of every turn (microphone audio, commit, a function's output, a plain
    response request, cancel) are written directly; each is the same JSON its typed event
    serialises to (`tests/protocol/test_fast_paths.py` pins this). The rest go through the
    typed events.
    """
    match command:
        case cmd.SendAudio(audio=audio):
            data = base64.b64encode(audio).decode("ascii")
            return f'{{"type":"input_audio_buffer.append","audio":"{data}"}}'
        case cmd.AddFunctionOutput(item_id=item_id, call_id=call_id, output=output):
            # three escaped strings in a fixed frame: what json.dumps writes, without
            # building the dicts or walking them through the encoder
            return (
                '{"type":"conversation.item.create","item":{"type":"function_call_output",'
                f'"id":{_string(item_id)},"call_id":{_string(call_id)},'
                f'"output":{_string(output)}}}}}'
            )
        case cmd.CreateResponse(context=None, instructions=None, max_output_tokens=None):
            return '{"type":"response.create"}'
        case cmd.CommitAudio():
            return '{"type":"input_audio_buffer.commit"}'
        case cmd.ClearAudio():
            return '{"type":"input_audio_buffer.clear"}'
        case cmd.CancelResponse(response_id=None):
            return '{"type":"response.cancel"}'
        case _:
            return dumps(encode_command(command))


_string = encode_basestring_ascii
"""A JSON string literal, escaped as json.dumps escapes it (ASCII only)."""


class SessionUpdates:
    """Remembers the JSON of the last few session updates, so a handoff back is not rebuilt.

    Building `session.update` through the typed models takes about a millisecond (tools,
    audio formats, turn detection); a conversation switches between a few agents, so the
    same few configurations come back. Configurations are compared by value.

    Args:
        size: How many configurations to remember.
    """

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._known: list[tuple[SessionConfig, str]] = []

    def json(self, config: SessionConfig) -> str:
        """The `session.update` event for `config`, as JSON text."""
        for i, (known, text) in enumerate(self._known):
            if known == config:
                if i:
                    self._known.insert(0, self._known.pop(i))
                return text
        text = dumps(encode_command(cmd.UpdateSession(config)))
        try:
            key = copy.deepcopy(config)  # a tool schema changed later must not hit this entry
        except (TypeError, copy.Error):  # a schema that cannot be copied is not remembered
            return text
        self._known.insert(0, (key, text))
        del self._known[self._size :]
        return text
