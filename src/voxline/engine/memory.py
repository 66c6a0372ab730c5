"""The engine's memory of the conversation: items by id, as the language model sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, assert_never

from voxline.core.items import Message, Role
from voxline.engine.ports import ChatMessage
from voxline.engine.spoken import SpokenText
from voxline.errors import ProtocolError

ChatRole = Literal["system", "user", "assistant", "tool"]


@dataclass(slots=True)
class _Text:
    role: ChatRole
    text: str
    spoken: SpokenText | None = None
    """For an assistant reply that was voiced: what was said when."""


@dataclass(slots=True)
class _Call:
    call_id: str
    name: str
    arguments: str


@dataclass(slots=True)
class _Output:
    call_id: str
    name: str
    output: str


@dataclass(slots=True)
class Dialogue:
    """Every model-visible item in order, keyed by item id (no I/O, no clock).

    Adding an id that exists replaces the item in place, the way a replay after a reconnect
    resends the same ids.
    """

    _items: dict[str, _Text | _Call | _Output] = field(default_factory=dict)

    def add_message(self, item_id: str, role: Role, text: str) -> None:
        """A typed message, a system note or a replayed turn."""
        self._items[item_id] = _Text(_chat_role(role), text)

    def add_user_audio(self, item_id: str) -> None:
        """A spoken user turn whose transcript is still being made (invisible while empty)."""
        self._items[item_id] = _Text("user", "")

    def add_function_call(self, item_id: str, call_id: str, name: str, arguments: str) -> None:
        """The model called a tool (its own decision, or a replay)."""
        self._items[item_id] = _Call(call_id, name, arguments)

    def add_function_output(self, item_id: str, call_id: str, output: str) -> None:
        """A tool's answer.

        Raises:
            ProtocolError: no function call with this `call_id` is known.
        """
        name = next(
            (i.name for i in self._items.values() if isinstance(i, _Call) and i.call_id == call_id),
            None,
        )
        if name is None:
            raise ProtocolError(
                f"function output for call {call_id!r}, but no such call was made",
                event_type="conversation.item.create",
                code="unknown_call",
            )
        self._items[item_id] = _Output(call_id, name, output)

    def add_assistant(self, item_id: str, spoken: SpokenText | None) -> None:
        """An assistant reply starts; its text is set as it streams."""
        self._items[item_id] = _Text("assistant", "", spoken)

    def set_text(self, item_id: str, text: str) -> None:
        """Replace the text of a message (a finished transcript or reply)."""
        item = self._items.get(item_id)
        if isinstance(item, _Text):
            item.text = text

    def remove(self, item_id: str) -> None:
        """Forget an item (a spoken turn that produced no words)."""
        self._items.pop(item_id, None)

    def truncate(self, item_id: str, audio_end_ms: int) -> str:
        """Cut an assistant reply to the words voiced within its first `audio_end_ms` ms.

        Returns:
            The text kept.

        Raises:
            ProtocolError: the item is unknown or is not a voiced assistant reply.
        """
        item = self._items.get(item_id)
        if not isinstance(item, _Text) or item.role != "assistant":
            raise ProtocolError(
                f"cannot truncate {item_id!r}: no assistant message with that id",
                event_type="conversation.item.truncate",
                code="item_not_found",
            )
        if item.spoken is None:
            raise ProtocolError(
                f"cannot truncate {item_id!r}: the message has no audio (text-only reply)",
                event_type="conversation.item.truncate",
                code="no_audio",
            )
        item.text = item.spoken.heard(audio_end_ms)
        return item.text

    def text_of(self, item_id: str) -> str | None:
        """The text of a message, if it is one."""
        item = self._items.get(item_id)
        return item.text if isinstance(item, _Text) else None

    def messages(self) -> tuple[ChatMessage, ...]:
        """The conversation for the language model; empty messages are left out."""
        out: list[ChatMessage] = []
        for item in self._items.values():
            match item:
                case _Text(role=role, text=text) if text.strip():
                    out.append(ChatMessage(role, text))
                case _Call():
                    out.append(
                        ChatMessage(
                            "assistant",
                            "",
                            tool_name=item.name,
                            tool_arguments=item.arguments,
                            call_id=item.call_id,
                        )
                    )
                case _Output():
                    out.append(
                        ChatMessage("tool", item.output, tool_name=item.name, call_id=item.call_id)
                    )
                case _:
                    pass
        return tuple(out)


def context_messages(context: tuple[Message, ...]) -> tuple[ChatMessage, ...]:
    """An out-of-band response's own context as chat messages."""
    return tuple(ChatMessage(_chat_role(m.role), m.text) for m in context if m.text.strip())


def _chat_role(role: Role) -> ChatRole:
    match role:
        case Role.USER:
            return "user"
        case Role.ASSISTANT:
            return "assistant"
        case Role.SYSTEM:
            return "system"
        case _:
            assert_never(role)
