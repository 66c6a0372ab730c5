"""Conversation items both ways: client items and response requests -> commands; wire items."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openai.types.realtime import (
    RealtimeConversationItemAssistantMessage,
    RealtimeConversationItemFunctionCall,
    RealtimeConversationItemFunctionCallOutput,
    RealtimeConversationItemSystemMessage,
    RealtimeConversationItemUserMessage,
    RealtimeResponseCreateParams,
)
from openai.types.realtime import (
    realtime_conversation_item_assistant_message as assistant_msg,
)
from openai.types.realtime import (
    realtime_conversation_item_user_message as user_msg,
)
from openai.types.realtime.conversation_item import ConversationItem

from voxline.core import commands as cmd
from voxline.core.items import Message, Role
from voxline.errors import InvalidRequestError
from voxline.protocol.server_side.session import max_tokens

__all__ = [
    "ItemStatus",
    "RequestedResponse",
    "WireItem",
    "assistant_item",
    "client_item",
    "function_call_item",
    "response_request",
    "user_audio_item",
]

WireItem = ConversationItem
"""Any conversation item of the GA protocol (the openai union)."""

ItemStatus = Literal["completed", "incomplete", "in_progress"]

_CREATE = "conversation.item.create"
_RESPONSE = "response.create"


def _unsupported(param: str, what: str, event_type: str = _CREATE) -> InvalidRequestError:
    return InvalidRequestError(
        f"{what} is not supported by this server",
        event_type=event_type,
        code="unsupported",
        param=param,
    )


def _message_text(item: WireItem, param: str, event_type: str) -> tuple[Role, str]:
    """The role and the text of a text message item."""
    match item:
        case RealtimeConversationItemUserMessage():
            parts: list[str] = []
            for i, part in enumerate(item.content):
                if part.type in ("input_audio", "input_image"):
                    raise _unsupported(
                        f"{param}.content[{i}].type", f"{part.type} content", event_type
                    )
                parts.append(part.text or "")
            return Role.USER, "".join(parts)
        case RealtimeConversationItemAssistantMessage():
            for i, a in enumerate(item.content):
                if a.audio:
                    raise _unsupported(f"{param}.content[{i}].audio", "assistant audio", event_type)
            return Role.ASSISTANT, "".join(a.text or a.transcript or "" for a in item.content)
        case RealtimeConversationItemSystemMessage():
            return Role.SYSTEM, "".join(s.text or "" for s in item.content)
        case _:
            kind = getattr(item, "type", type(item).__name__)
            raise _unsupported(f"{param}.type", f"a {kind} item here", event_type)


def _stored(item: WireItem, item_id: str) -> WireItem:
    """The item as the server shows it: with its id, object and status."""
    return item.model_copy(update={"id": item_id, "object": "realtime.item", "status": "completed"})


def client_item(item: WireItem, item_id: str) -> tuple[cmd.ModelCommand, WireItem]:
    """A `conversation.item.create` item as the command that adds it, and as it is stored.

    A function call output is not checked against the known calls here (the caller knows
    them).

    Raises:
        InvalidRequestError: audio or image content, MCP items, a function call without a
            call_id.
    """
    match item:
        case RealtimeConversationItemFunctionCall():
            if not item.call_id:
                raise InvalidRequestError(
                    "a function_call item needs a call_id",
                    event_type=_CREATE,
                    code="missing_required_parameter",
                    param="item.call_id",
                )
            command: cmd.ModelCommand = cmd.AddFunctionCall(
                item_id, item.call_id, item.name, item.arguments
            )
        case RealtimeConversationItemFunctionCallOutput():
            command = cmd.AddFunctionOutput(item_id, item.call_id, item.output)
        case _:
            role, text = _message_text(item, "item", _CREATE)
            command = cmd.AddMessage(item_id, role, text)
    return command, _stored(item, item_id)


@dataclass(frozen=True, slots=True)
class RequestedResponse:
    """A `response.create` as the endpoint remembers it until the model starts it.

    Attributes:
        command: What the model is asked.
        in_conversation: False for `conversation: "none"` (out of band).
        metadata: Echoed in the response object.
        event_id: The client's event id, for errors about this request.
    """

    command: cmd.CreateResponse
    in_conversation: bool = True
    metadata: dict[str, str] | None = None
    event_id: str | None = None


def _check_overrides(params: RealtimeResponseCreateParams, modalities: tuple[str, ...]) -> None:
    for name in ("tools", "tool_choice", "prompt", "audio"):
        if getattr(params, name) is not None:
            raise _unsupported(f"response.{name}", f"a per-response {name}", _RESPONSE)
    wanted = params.output_modalities
    if wanted is not None and tuple(wanted) != modalities:
        raise _unsupported(
            "response.output_modalities",
            "output modalities that differ from the session's (change them with session.update)",
            _RESPONSE,
        )


def response_request(
    params: RealtimeResponseCreateParams | None,
    *,
    modalities: tuple[str, ...],
    session_max_tokens: int | None,
    event_id: str | None,
    new_id: str,
) -> RequestedResponse:
    """A `response.create` as a CreateResponse.

    `input` items become the response's own context; `conversation: "none"` keeps the
    reply out of the conversation. `new_id` names the input messages (they need ids).

    Raises:
        InvalidRequestError: per-response tools, prompt or audio settings, other output
            modalities than the session's, a named conversation, or non-message input.
    """
    if params is None:
        return RequestedResponse(
            cmd.CreateResponse(max_output_tokens=session_max_tokens), event_id=event_id
        )
    _check_overrides(params, modalities)
    conversation = params.conversation
    if conversation not in (None, "auto", "none"):
        raise _unsupported("response.conversation", f"conversation {conversation!r}", _RESPONSE)
    context: tuple[Message, ...] | None = None
    if params.input is not None:
        messages: list[Message] = []
        for i, item in enumerate(params.input):
            role, text = _message_text(item, f"response.input[{i}]", _RESPONSE)
            messages.append(Message(item.id or f"{new_id}_{i}", role, text, 0.0, 0.0))
        context = tuple(messages)
    cap = session_max_tokens
    if "max_output_tokens" in params.model_fields_set:
        cap = max_tokens(params.max_output_tokens, "response.max_output_tokens", _RESPONSE)
    command = cmd.CreateResponse(
        instructions=params.instructions, context=context, max_output_tokens=cap
    )
    return RequestedResponse(command, conversation != "none", params.metadata, event_id)


def assistant_item(
    item_id: str, text: str, *, audio: bool, status: ItemStatus
) -> RealtimeConversationItemAssistantMessage:
    """An assistant message as the server shows it; no content while it is in progress."""
    content: list[assistant_msg.Content] = []
    if status != "in_progress":
        part = (
            assistant_msg.Content(type="output_audio", transcript=text)
            if audio
            else assistant_msg.Content(type="output_text", text=text)
        )
        content.append(part)
    return RealtimeConversationItemAssistantMessage(
        type="message",
        role="assistant",
        id=item_id,
        object="realtime.item",
        status=status,
        content=content,
    )


def function_call_item(
    item_id: str, call_id: str, name: str, arguments: str, *, status: ItemStatus
) -> RealtimeConversationItemFunctionCall:
    """A function call the model made, as the server shows it."""
    return RealtimeConversationItemFunctionCall(
        type="function_call",
        id=item_id,
        object="realtime.item",
        status=status,
        call_id=call_id,
        name=name,
        arguments=arguments,
    )


def user_audio_item(item_id: str, transcript: str | None) -> RealtimeConversationItemUserMessage:
    """A spoken user turn; the transcript is null until (and unless) it is transcribed."""
    return RealtimeConversationItemUserMessage(
        type="message",
        role="user",
        id=item_id,
        object="realtime.item",
        status="completed",
        content=[user_msg.Content(type="input_audio", transcript=transcript)],
    )
