"""A conversation's WAV recording: stereo PCM16 24 kHz, microphone left and agent right."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

from voxline.errors import AudioFormatError

__all__ = ["RATE", "WavRecording"]

RATE = 24_000
"""Samples per second of both sides (the bridge's audio rate)."""

_SLACK_S = 0.25
"""Audio arriving later than its channel's end by more than this leaves silence before it."""

_FLUSH_S = 1.0
"""Audio is written to the file once both channels are this far behind the clock."""

_UNKNOWN = 0xFFFFFFFF
"""Header sizes of a file still being written (fixed when it is closed)."""


def _header(data_bytes: int) -> bytes:
    riff = _UNKNOWN if data_bytes == _UNKNOWN else 36 + data_bytes
    return (
        b"RIFF"
        + struct.pack("<I", riff)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 2, RATE, RATE * 4, 4, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class _Channel:
    """One side: samples not yet written, placed on the conversation's timeline."""

    def __init__(self) -> None:
        self.pending = bytearray()
        self.end = 0
        """Timeline position (in samples) just after the last sample of this side."""

    def add(self, pcm: bytes, at: int) -> None:
        gap = at - self.end
        if gap > _SLACK_S * RATE:
            self.pad_to(at)
        self.pending += pcm
        self.end += len(pcm) // 2

    def pad_to(self, position: int) -> None:
        if position > self.end:
            self.pending += bytes(2 * (position - self.end))
            self.end = position

    def take(self, samples: int) -> bytes:
        out = bytes(self.pending[: 2 * samples])
        del self.pending[: 2 * samples]
        return out


def _interleave(left: bytes, right: bytes) -> bytes:
    both = np.empty((len(left) // 2, 2), dtype="<i2")
    both[:, 0] = np.frombuffer(left, dtype="<i2")
    both[:, 1] = np.frombuffer(right, dtype="<i2")
    return both.tobytes()


class WavRecording:
    """Writes both sides of a conversation to one WAV file as the audio arrives.

    Each side is placed by the clock: audio that comes after a pause starts after silence,
    audio that streams faster than real time (the agent's) follows on without gaps. Audio
    is written about once a second; `close` writes the rest and the final header.

    Args:
        path: The WAV file to create.
        clock: Seconds (monotonic) now.
    """

    def __init__(self, path: Path, clock: Callable[[], float]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._clock = clock
        self._start = clock()
        self._mic = _Channel()
        self._agent = _Channel()
        self._written = 0
        self._file = path.open("wb")
        self._file.write(_header(_UNKNOWN))

    @property
    def closed(self) -> bool:
        """True once `close` ran."""
        return self._file.closed

    def _now(self) -> int:
        return round((self._clock() - self._start) * RATE)

    def mic(self, pcm: bytes) -> None:
        """Microphone audio (PCM16 24 kHz mono) as it arrives."""
        self._add(self._mic, pcm)

    def agent(self, pcm: bytes) -> None:
        """Agent audio (PCM16 24 kHz mono) as it arrives."""
        self._add(self._agent, pcm)

    def _add(self, channel: _Channel, pcm: bytes) -> None:
        if len(pcm) % 2:
            raise AudioFormatError(f"{len(pcm)} bytes of audio cut a PCM16 sample")
        if self.closed or not pcm:
            return
        channel.add(pcm, self._now())
        ready = self._now() - round(_FLUSH_S * RATE)
        if ready > self._written + _FLUSH_S * RATE:
            self._flush(ready)

    def _flush(self, upto: int) -> None:
        upto = min(upto, max(self._mic.end, self._agent.end))
        count = upto - self._written
        if count <= 0:
            return
        self._mic.pad_to(upto)
        self._agent.pad_to(upto)
        self._file.write(_interleave(self._mic.take(count), self._agent.take(count)))
        self._file.flush()
        self._written = upto

    def close(self) -> None:
        """Write what is buffered and the final header; idempotent."""
        if self.closed:
            return
        self._flush(max(self._mic.end, self._agent.end))
        self._file.seek(0)
        self._file.write(_header(self._written * 4))
        self._file.close()
