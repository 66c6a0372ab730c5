"""EventChannel: the session's events on their way to the app, cheaper than an asyncio.Queue."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["EventChannel"]


class EventChannel(Generic[T]):
    """An unbounded FIFO with a cheap reader for `async for event in session`.

    `put` appends and wakes a waiting reader; reading an event that is already there costs
    no future and no coroutine of its own (the queue's `get()` coroutine and an async
    generator around it were about a microsecond per event, on every audio chunk). Readers
    that find it empty share one future, made only then. The stream ends at `end`, a
    sentinel that every reader puts back for the next one, as before.

    Unbounded on purpose: the model's events must keep flowing to the session (tools,
    guardrails, barge-in) even while the app is slow to read; what the app has not read
    yet is counted by `len()` (`RealtimeSession.queued_events`).
    """

    __slots__ = ("_end", "_items", "_waiter")

    def __init__(self, end: object) -> None:
        self._items: deque[T | object] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._end = end

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T | object) -> None:
        """Append an item (or the end marker) and wake the readers waiting for one."""
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def get_nowait(self) -> T | object:
        """The next item or the end marker, which stays for the next reader.

        Raises:
            IndexError: nothing is there.
        """
        item = self._items.popleft()
        if item is self._end:
            self._items.append(item)
        return item

    def __aiter__(self) -> EventChannel[T]:
        return self

    async def __anext__(self) -> T:
        items = self._items
        while not items:
            waiter = self._waiter
            if waiter is None:
                waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            except asyncio.CancelledError:
                # another reader, cancelled, took the shared future with it: wait again
                task = asyncio.current_task()
                if task is None or task.cancelling() or not waiter.cancelled():
                    raise
                if self._waiter is waiter:
                    self._waiter = None
        item = items.popleft()
        if item is self._end:
            items.append(item)
            raise StopAsyncIteration
        return item  # type: ignore[return-value]
