"""The bounded per-browser send queue: drops the oldest agent audio first, never events."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from voxline.errors import ConfigurationError, TransportError
from voxline.server import wire
from voxline.server.wire import AudioChunk, Json

__all__ = ["Frame", "Outbox", "OutboxStats", "SlowConsumerError"]

Frame = Json | AudioChunk
"""What the sender writes: a JSON text frame or a binary audio frame."""

DEFAULT_MAX_AUDIO_BYTES = 60 * 24_000 * 2
"""A minute of PCM16 24 kHz audio."""


class SlowConsumerError(TransportError):
    """The browser stopped reading and only events (no audio) are left to drop."""


@dataclass(slots=True)
class OutboxStats:
    """What the queue went through, for logs, health and tests.

    Attributes:
        peak_frames: The most frames queued at once.
        dropped_audio_frames: Agent audio frames dropped because the browser read too slowly.
        flushed_audio_frames: Queued audio dropped because its item was interrupted.
        slow_consumer_errors: `slow_consumer` error events sent.
    """

    peak_frames: int = 0
    dropped_audio_frames: int = 0
    flushed_audio_frames: int = 0
    slow_consumer_errors: int = 0


class Outbox:
    """Frames waiting for one browser, bounded in frames and in audio bytes.

    `put` never blocks. When the queue is full it drops the oldest audio frames first and
    queues one `slow_consumer` error per congestion episode (an episode ends once the queue
    has drained to half). Events (transcripts, tools, history) are never dropped: if the
    browser lets twice `capacity` events pile up, `put` raises SlowConsumerError and the
    bridge closes the connection. An `audio.item` marker is queued before audio whenever the
    item changes, so dropped frames never make audio land on the wrong item.

    Args:
        capacity: Frames (events plus audio) queued before audio is dropped.
        max_audio_bytes: Audio bytes queued before audio is dropped.
    """

    def __init__(self, capacity: int, *, max_audio_bytes: int = DEFAULT_MAX_AUDIO_BYTES) -> None:
        if capacity < 2 or max_audio_bytes < 1:
            raise ConfigurationError("an Outbox needs capacity >= 2 and max_audio_bytes >= 1")
        self.capacity = capacity
        self.max_audio_bytes = max_audio_bytes
        self.stats = OutboxStats()
        self._frames: deque[Frame] = deque()
        self._audio_bytes = 0
        self._audio_item: str | None = None
        self._congested = False
        self._ready = asyncio.Event()
        self._closed = False
        self.slowed = asyncio.Event()
        """Set the first time the browser fell behind and audio was dropped."""

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def audio_bytes(self) -> int:
        """Bytes of agent audio queued."""
        return self._audio_bytes

    def put(self, frame: Frame) -> None:
        """Queue a frame, dropping old audio if the browser is behind.

        Raises:
            SlowConsumerError: only events are queued and there are twice `capacity` of them.
        """
        if self._closed:
            return
        if isinstance(frame, AudioChunk):
            if frame.item_id != self._audio_item:
                self._append({"type": "audio.item", "item_id": frame.item_id})
                self._audio_item = frame.item_id
            self._audio_bytes += len(frame.audio)
        self._append(frame)
        self._relieve()

    def flush_audio(self, item_id: str) -> int:
        """Drop the queued audio of an interrupted item; returns how many frames went."""
        kept: deque[Frame] = deque()
        gone = 0
        for frame in self._frames:
            if isinstance(frame, AudioChunk) and frame.item_id == item_id:
                self._audio_bytes -= len(frame.audio)
                gone += 1
            else:
                kept.append(frame)
        self._frames = kept
        self.stats.flushed_audio_frames += gone
        return gone

    async def get(self) -> Frame | None:
        """The next frame to send, waiting for one; None once closed and drained."""
        while not self._frames:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        frame = self._frames.popleft()
        if isinstance(frame, AudioChunk):
            self._audio_bytes -= len(frame.audio)
        if self._congested and len(self._frames) <= self.capacity // 2:
            self._congested = False
        return frame

    def close(self) -> None:
        """Accept no more frames; `get` returns None once the queue is empty."""
        self._closed = True
        self._ready.set()

    def _append(self, frame: Frame) -> None:
        self._frames.append(frame)
        self.stats.peak_frames = max(self.stats.peak_frames, len(self._frames))
        self._ready.set()

    def _over(self) -> bool:
        return len(self._frames) > self.capacity or self._audio_bytes > self.max_audio_bytes

    def _relieve(self) -> None:
        if not self._over():
            return
        while self._over() and self._drop_oldest_audio():
            pass
        if not self._congested:
            self._congested = True
            self.stats.slow_consumer_errors += 1
            self.slowed.set()
            self._append(
                wire.error(
                    "slow_consumer",
                    "the browser is reading too slowly: the oldest agent audio was dropped",
                )
            )
        if len(self._frames) > 2 * self.capacity:
            raise SlowConsumerError(
                f"the browser stopped reading: {len(self._frames)} events are waiting"
            )

    def _drop_oldest_audio(self) -> bool:
        for index, frame in enumerate(self._frames):
            if isinstance(frame, AudioChunk):
                del self._frames[index]
                self._audio_bytes -= len(frame.audio)
                self.stats.dropped_audio_frames += 1
                return True
        return False
