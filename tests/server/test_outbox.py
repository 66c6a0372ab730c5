"""The bounded send queue: drop-oldest-audio, one slow_consumer per episode, never events."""

from __future__ import annotations

import pytest

from voxline.errors import ConfigurationError
from voxline.server.outbox import Outbox, SlowConsumerError
from voxline.server.wire import AudioChunk, Json


def chunk(n: int, item: str = "a") -> AudioChunk:
    return AudioChunk(item, bytes([n]) * 4)


async def drain(box: Outbox) -> list[Json | AudioChunk]:
    box.close()
    out = []
    while (frame := await box.get()) is not None:
        out.append(frame)
    return out


async def test_markers_precede_audio_of_each_item() -> None:
    box = Outbox(16)
    box.put(chunk(1))
    box.put(chunk(2))
    box.put({"type": "transcript.delta"})
    box.put(chunk(3, "b"))
    frames = await drain(box)
    assert frames == [
        {"type": "audio.item", "item_id": "a"},
        chunk(1),
        chunk(2),
        {"type": "transcript.delta"},
        {"type": "audio.item", "item_id": "b"},
        chunk(3, "b"),
    ]


async def test_a_full_queue_drops_the_oldest_audio_and_says_so_once() -> None:
    box = Outbox(4)
    for n in range(10):
        box.put(chunk(n))
        if n == 5:
            box.put({"type": "event", "n": n})
    assert len(box) <= 4
    assert box.stats.slow_consumer_errors == 1
    frames = await drain(box)
    audio = [f for f in frames if isinstance(f, AudioChunk)]
    assert audio == [chunk(9)]  # the marker, the event and the error take the other places
    events = [f for f in frames if isinstance(f, dict)]
    assert {"type": "event", "n": 5} in events
    assert {"type": "audio.item", "item_id": "a"} in events
    assert [e["code"] for e in events if e["type"] == "error"] == ["slow_consumer"]
    assert box.stats.dropped_audio_frames == 9
    assert box.slowed.is_set()


async def test_an_episode_ends_when_the_queue_drains() -> None:
    box = Outbox(4)
    for n in range(6):
        box.put(chunk(n))
    while len(box) > 2:
        await box.get()
    for n in range(6):
        box.put(chunk(n))
    assert box.stats.slow_consumer_errors == 2


async def test_audio_bytes_are_bounded_too() -> None:
    box = Outbox(100, max_audio_bytes=10)
    for n in range(5):
        box.put(chunk(n))
    assert box.audio_bytes <= 10
    assert box.stats.dropped_audio_frames == 3


async def test_events_are_never_dropped_but_a_flood_is_an_error() -> None:
    box = Outbox(4)
    for n in range(7):
        box.put({"type": "event", "n": n})
    with pytest.raises(SlowConsumerError, match="stopped reading"):
        box.put({"type": "event", "n": 7})
    events = await drain(box)
    assert [e["n"] for e in events if isinstance(e, dict) and "n" in e] == list(range(8))
    assert len(events) == 9  # eight events and the slow_consumer error: none dropped


async def test_interrupted_audio_is_flushed() -> None:
    box = Outbox(16)
    box.put(chunk(1))
    box.put(chunk(2, "b"))
    box.put(chunk(3))
    assert box.flush_audio("a") == 2
    assert box.stats.flushed_audio_frames == 2
    frames = await drain(box)
    assert [f for f in frames if isinstance(f, AudioChunk)] == [chunk(2, "b")]
    assert box.audio_bytes == 0


async def test_closed_boxes_take_nothing() -> None:
    box = Outbox(4)
    box.close()
    box.put({"type": "late"})
    assert await box.get() is None
    with pytest.raises(ConfigurationError):
        Outbox(1)
