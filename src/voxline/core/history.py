"""The conversation's history: items in order, by id, replaced (never mutated) on update."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from voxline.core.items import HistoryItem, Message, Role


class _Stream:
    """Deltas of a streaming message not yet folded into a new frozen Message.

    Rebuilding a frozen Message on every text or audio delta costs more than the rest of the
    delta's work; the deltas are kept here and folded in once, when someone reads the message.
    """

    __slots__ = ("audio_ms", "length", "parts", "updated_at")

    def __init__(self, length: int) -> None:
        self.parts: list[str] = []
        self.length = length
        self.updated_at: float | None = None
        self.audio_ms: int | None = None


class History:
    """Ordered history items. Items are frozen; an update replaces the item in place.

    Streaming messages grow by `append_text` and `set_audio_ms` without building a new
    Message per delta; every read (`get`, `message`, iteration, `snapshot`) sees them whole.
    """

    def __init__(self) -> None:
        self._items: dict[str, HistoryItem] = {}
        self._streams: dict[str, _Stream] = {}
        self._snapshot: tuple[HistoryItem, ...] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[HistoryItem]:
        return iter(self.snapshot())

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def replace(self, item: HistoryItem) -> HistoryItem:
        """Put the new version of an existing item where the old one stood."""
        self._streams.pop(item.id, None)
        self._items[item.id] = item
        self._snapshot = None
        return item

    add = replace
    """Add a new item at the end (the same step as replacing one: a call fewer per item)."""

    def get(self, item_id: str) -> HistoryItem | None:
        if item_id in self._streams:
            self._settle(item_id)
        return self._items.get(item_id)

    def message(self, item_id: str) -> Message | None:
        item = self.get(item_id)
        return item if isinstance(item, Message) else None

    def has_message(self, item_id: str) -> bool:
        """True if `item_id` is a message (without folding in its pending deltas)."""
        return isinstance(self._items.get(item_id), Message)

    def append_text(self, item_id: str, delta: str, now: float) -> int:
        """Add a delta to the text of message `item_id`; return the text's new length."""
        stream = self._streams.get(item_id)
        if stream is None:
            message: Any = self._items[item_id]
            stream = self._streams[item_id] = _Stream(len(message.text))
        stream.parts.append(delta)
        stream.length += len(delta)
        stream.updated_at = now
        self._snapshot = None
        return stream.length

    def set_audio_ms(self, item_id: str, audio_ms: int) -> None:
        """Set how much audio message `item_id` has received (its update time stays)."""
        stream = self._streams.get(item_id)
        if stream is None:
            message: Any = self._items[item_id]
            stream = self._streams[item_id] = _Stream(len(message.text))
        stream.audio_ms = audio_ms
        self._snapshot = None

    def update(self, item_id: str, **changes: Any) -> Message:
        """Replace message `item_id` by a copy with its pending deltas and `changes` applied.

        One copy instead of two (fold the deltas in, then change the result).
        """
        if item_id in self._streams:
            return self._settle(item_id, changes)
        message: Any = self._items[item_id]
        new: Message = message.evolve(**changes)
        self.replace(new)
        return new

    def _settle(self, item_id: str, overrides: dict[str, Any] | None = None) -> Message:
        stream = self._streams.pop(item_id)
        message: Any = self._items[item_id]
        changes: dict[str, Any] = {}
        if stream.parts:
            changes["text"] = message.text + "".join(stream.parts)
        if stream.updated_at is not None:
            changes["updated_at"] = stream.updated_at
        if stream.audio_ms is not None:
            changes["audio_ms"] = stream.audio_ms
        if overrides:
            changes.update(overrides)
        new: Message = message.evolve(**changes)
        self._items[item_id] = new
        self._snapshot = None
        return new

    def snapshot(self) -> tuple[HistoryItem, ...]:
        """Every item, oldest first (the same tuple until the history changes)."""
        if self._snapshot is None:
            for item_id in list(self._streams):
                self._settle(item_id)
            self._snapshot = tuple(self._items.values())
        return self._snapshot

    def messages(self, last: int | None = None) -> tuple[Message, ...]:
        """User and assistant messages with text, oldest first; the last `last` if given."""
        found = tuple(
            m
            for m in self.snapshot()
            if isinstance(m, Message) and m.role is not Role.SYSTEM and m.text.strip()
        )
        if last is None:
            return found
        return found[-last:] if last > 0 else ()
