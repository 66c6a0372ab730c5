"""EventChannel: order, the end marker, waiting readers, and a cancelled reader among several."""

from __future__ import annotations

import asyncio

import pytest

from voxline.session.channel import EventChannel

END = object()


async def read_all(channel: EventChannel[int]) -> list[int]:
    return [item async for item in channel]


async def test_items_come_out_in_order_and_the_end_marker_ends_every_reader() -> None:
    channel: EventChannel[int] = EventChannel(END)
    for n in (1, 2, 3):
        channel.put(n)
    channel.put(END)
    assert len(channel) == 4
    assert await read_all(channel) == [1, 2, 3]
    assert await read_all(channel) == []  # the marker stays for the next reader
    assert channel.get_nowait() is END
    assert len(channel) == 1


async def test_get_nowait_hands_out_items_and_raises_when_empty() -> None:
    channel: EventChannel[int] = EventChannel(END)
    channel.put(7)
    assert channel.get_nowait() == 7
    with pytest.raises(IndexError):
        channel.get_nowait()


async def test_a_waiting_reader_wakes_on_put() -> None:
    channel: EventChannel[int] = EventChannel(END)
    reader = asyncio.create_task(read_all(channel))
    await asyncio.sleep(0)
    assert not reader.done()
    channel.put(1)
    channel.put(2)
    await asyncio.sleep(0)
    channel.put(END)
    assert await reader == [1, 2]


async def test_two_waiting_readers_share_the_items() -> None:
    channel: EventChannel[int] = EventChannel(END)
    readers = [asyncio.create_task(read_all(channel)) for _ in range(2)]
    await asyncio.sleep(0)
    for n in range(6):
        channel.put(n)
        await asyncio.sleep(0)
    channel.put(END)
    got = await asyncio.gather(*readers)
    assert sorted(got[0] + got[1]) == list(range(6))


async def test_a_cancelled_reader_leaves_the_others_waiting() -> None:
    channel: EventChannel[int] = EventChannel(END)
    cancelled = asyncio.create_task(read_all(channel))
    waiting = asyncio.create_task(read_all(channel))
    await asyncio.sleep(0)  # both wait on the shared future
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert not waiting.done()
    channel.put(5)
    channel.put(END)
    assert await waiting == [5]
