"""The conversation's history: items in order, by id, replaced (never mutated) on update."""

from __future__ import annotations

from collections.abc import Iterator

from voxline.core.items import HistoryItem, Message, Role


class History:
    """Ordered history items. Items are frozen; an update replaces the item in place."""

    def __init__(self) -> None:
        self._items: dict[str, HistoryItem] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[HistoryItem]:
        return iter(self._items.values())

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def add(self, item: HistoryItem) -> HistoryItem:
        self._items[item.id] = item
        return item

    def replace(self, item: HistoryItem) -> HistoryItem:
        """Put the new version of an existing item where the old one stood."""
        self._items[item.id] = item
        return item

    def get(self, item_id: str) -> HistoryItem | None:
        return self._items.get(item_id)

    def message(self, item_id: str) -> Message | None:
        item = self._items.get(item_id)
        return item if isinstance(item, Message) else None

    def snapshot(self) -> tuple[HistoryItem, ...]:
        return tuple(self._items.values())

    def messages(self, last: int | None = None) -> tuple[Message, ...]:
        """User and assistant messages with text, oldest first; the last `last` if given."""
        found = tuple(
            m
            for m in self._items.values()
            if isinstance(m, Message) and m.role is not Role.SYSTEM and m.text.strip()
        )
        if last is None:
            return found
        return found[-last:] if last > 0 else ()
