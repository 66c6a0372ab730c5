"""The write queue: callers put writes without waiting; one task applies them in batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from voxline.errors import StoreRejectedError
from voxline.store.records import Write

__all__ = ["Sink", "StoreStats", "StoreWriter"]

log = logging.getLogger("voxline.store")


class Sink(Protocol):
    """Where batches of writes go (the ConversationStore; a fake in tests)."""

    async def apply(self, writes: Sequence[Write]) -> None:
        """Apply `writes` in order, all or nothing; raise on failure (the batch is retried)."""
        ...


@dataclass(slots=True)
class StoreStats:
    """Counters of the write queue, for logs and metrics.

    Attributes:
        submitted: Writes accepted into the queue.
        written: Writes that reached the database.
        batches: Batches applied.
        write_failures: Failed batch attempts (each is retried).
        dropped: Writes refused because the queue was full (the database was down too long).
        lost: Writes still unwritten when the writer was stopped.
        rejected: Writes the database refused for good (a broken constraint); dropped.
        last_error: The latest failure, in words.
    """

    submitted: int = 0
    written: int = 0
    batches: int = 0
    write_failures: int = 0
    dropped: int = 0
    lost: int = 0
    rejected: int = 0
    last_error: str | None = None


class StoreWriter:
    """A bounded queue of writes and the task that drains it into a Sink.

    `submit` never blocks: a full queue drops the write and counts it. The task takes what
    is queued (up to `batch_size`), waits at most `linger_s` for more, and applies the batch;
    a failed batch is kept and retried, with a growing pause, until it lands. Batches follow
    one another without delay, so a write reaches the database within about `linger_s` plus
    one transaction while the database is up.

    Args:
        sink: Where batches go.
        capacity: Writes the queue holds while the database is slow or down.
        batch_size: The most writes per transaction.
        linger_s: How long to gather a batch after its first write.
        retry_s: First pause after a failure; it doubles up to `max_retry_s`.
    """

    def __init__(
        self,
        sink: Sink,
        *,
        capacity: int = 20_000,
        batch_size: int = 500,
        linger_s: float = 0.05,
        retry_s: float = 0.1,
        max_retry_s: float = 2.0,
    ) -> None:
        self.sink = sink
        self.stats = StoreStats()
        self.batch_size = batch_size
        self.linger_s = linger_s
        self.retry_s = retry_s
        self.max_retry_s = max_retry_s
        self._queue: asyncio.Queue[Write] = asyncio.Queue(capacity)
        self._stopping = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._pending: list[Write] = []
        self._tick = asyncio.Event()

    @property
    def queued(self) -> int:
        """Writes waiting, including a batch being retried."""
        return self._queue.qsize() + len(self._pending)

    def submit(self, write: Write) -> bool:
        """Queue one write; False (and counted in `stats.dropped`) when the queue is full."""
        try:
            self._queue.put_nowait(write)
        except asyncio.QueueFull:
            self.stats.dropped += 1
            if self.stats.dropped == 1 or self.stats.dropped % 1000 == 0:
                log.error("the store's write queue is full: %d writes dropped", self.stats.dropped)
            return False
        self.stats.submitted += 1
        self._idle.clear()
        return True

    def start(self) -> None:
        """Start the writer task (once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="voxline-store-writer")

    async def flushed(self) -> None:
        """Wait until everything submitted so far is written (or dropped)."""
        await self._idle.wait()

    async def wait_until(self, predicate: Callable[[StoreStats], bool]) -> None:
        """Wait until `predicate(stats)` holds (checked after every batch attempt)."""
        while not predicate(self.stats):
            self._tick.clear()
            await self._tick.wait()

    async def stop(self, timeout_s: float = 5.0) -> None:
        """Write what is queued (for at most `timeout_s`), then end the task."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.flushed(), timeout_s)
        self._stopping.set()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        self.stats.lost += self.queued
        if self.stats.lost:
            log.error("the store writer stopped with %d writes unwritten", self.stats.lost)

    async def _gather(self) -> list[Write]:
        batch = [await self._queue.get()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.linger_s
        while len(batch) < self.batch_size:
            try:
                batch.append(self._queue.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            left = deadline - loop.time()
            if left <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), left))
            except TimeoutError:
                break
        return batch

    async def _isolate(self) -> None:
        while self._pending:
            write = self._pending[0]
            try:
                await self.sink.apply([write])
            except StoreRejectedError as exc:
                self.stats.rejected += 1
                self.stats.last_error = str(exc)
                log.warning("store refused a %s write; dropped: %s", type(write).__name__, exc)
            except Exception:  # noqa: BLE001  # transient: the main loop retries from here
                return
            else:
                self.stats.written += 1
            self._pending.pop(0)

    async def _run(self) -> None:
        pause = self.retry_s
        while not self._stopping.is_set():  # a driver may swallow the cancel of `stop`
            if not self._pending:
                if self._queue.empty():
                    self._idle.set()
                self._pending = await self._gather()
            try:
                await self.sink.apply(self._pending)
            except StoreRejectedError:
                # One write the database will never take must not hold up the rest: apply
                # the batch write by write, drop the refused ones, retry from a failure.
                await self._isolate()
                self._tick.set()
                continue
            except Exception as exc:  # noqa: BLE001  # any database failure: keep and retry
                self.stats.write_failures += 1
                self.stats.last_error = str(exc) or type(exc).__name__
                log.warning(
                    "store write failed (%d writes kept, retry in %.1f s): %s",
                    len(self._pending), pause, self.stats.last_error,
                )  # fmt: skip
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), pause)
                pause = min(pause * 2, self.max_retry_s)
                self._tick.set()
                continue
            self.stats.written += len(self._pending)
            self.stats.batches += 1
            self._pending = []
            pause = self.retry_s
            self._tick.set()
