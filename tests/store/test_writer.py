"""The write queue on a fake sink: batching, retries after failures, a full queue, stopping."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from voxline.errors import StoreError, StoreRejectedError
from voxline.store import StoreWriter
from voxline.store.records import EndConversation, Write

TIMEOUT_S = 5.0


class FlakySink:
    """Fails the first `failures` batches, then keeps every batch; `gate` holds batches back."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.batches: list[list[Write]] = []
        self.attempts = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def apply(self, writes: Sequence[Write]) -> None:
        self.attempts += 1
        await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise StoreError("the database is down")
        self.batches.append(list(writes))


def write(n: int) -> Write:
    return EndConversation(f"c{n}", float(n), "done")


async def test_writes_arrive_in_order_and_in_batches() -> None:
    sink = FlakySink()
    writer = StoreWriter(sink, linger_s=0.0)
    sink.gate.clear()
    writer.start()
    for n in range(100):
        assert writer.submit(write(n))
    await writer.wait_until(lambda s: s.submitted == 100)
    sink.gate.set()
    await asyncio.wait_for(writer.flushed(), TIMEOUT_S)
    await writer.stop()

    flat = [w for batch in sink.batches for w in batch]
    assert flat == [write(n) for n in range(100)]
    assert len(sink.batches) < 100  # queued writes went out together
    assert writer.stats.written == 100
    assert writer.stats.lost == 0


async def test_a_failed_batch_is_retried_until_it_lands() -> None:
    sink = FlakySink(failures=3)
    writer = StoreWriter(sink, linger_s=0.0, retry_s=0.001, max_retry_s=0.001)
    writer.start()
    writer.submit(write(1))
    writer.submit(write(2))
    await asyncio.wait_for(writer.flushed(), TIMEOUT_S)
    await writer.stop()

    assert [w for batch in sink.batches for w in batch] == [write(1), write(2)]
    assert writer.stats.write_failures == 3
    assert writer.stats.last_error == "the database is down"
    assert writer.stats.written == 2


async def test_a_full_queue_drops_and_counts_without_blocking() -> None:
    sink = FlakySink()
    sink.gate.clear()
    writer = StoreWriter(sink, capacity=3, linger_s=0.0)
    accepted = [writer.submit(write(n)) for n in range(5)]

    assert accepted == [True, True, True, False, False]
    assert writer.stats.dropped == 2
    assert writer.queued == 3
    sink.gate.set()
    writer.start()
    await asyncio.wait_for(writer.flushed(), TIMEOUT_S)
    await writer.stop()
    assert writer.stats.written == 3


async def test_stop_gives_up_on_a_dead_database_and_counts_the_loss() -> None:
    sink = FlakySink(failures=10**9)
    writer = StoreWriter(sink, retry_s=0.001, max_retry_s=0.001)
    writer.start()
    writer.submit(write(1))
    await writer.wait_until(lambda s: s.write_failures >= 1)
    await writer.stop(timeout_s=0.01)

    assert writer.stats.lost == 1
    assert sink.batches == []


class PickySink(FlakySink):
    """Refuses for good any batch holding a write for conversation c13 (a broken constraint)."""

    async def apply(self, writes: Sequence[Write]) -> None:
        self.attempts += 1
        if any(getattr(w, "conversation_id", None) == "c13" for w in writes):
            raise StoreRejectedError("FOREIGN KEY constraint failed")
        self.batches.append(list(writes))


async def test_a_write_the_database_refuses_is_dropped_not_retried_forever() -> None:
    sink = PickySink()
    writer = StoreWriter(sink, linger_s=0.0, retry_s=0.001, max_retry_s=0.001)
    writer.start()
    for n in range(20):
        assert writer.submit(write(n))
    await asyncio.wait_for(writer.wait_until(lambda s: s.written + s.rejected == 20), TIMEOUT_S)
    await writer.stop()
    flat = [w for batch in sink.batches for w in batch]
    assert flat == [write(n) for n in range(20) if n != 13]
    assert (writer.stats.written, writer.stats.rejected) == (19, 1)
    assert "FOREIGN KEY" in (writer.stats.last_error or "")
