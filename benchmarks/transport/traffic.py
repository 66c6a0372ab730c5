"""The traffic every client runs, the stamped audio that carries send times, and the results."""

from __future__ import annotations

import math
import os
import statistics
import struct
from dataclasses import dataclass, field, replace
from typing import Any

MAGIC = 0x56584C42  # "VXLB": marks a stamped audio delta
_STAMP = struct.Struct("<dII")
"""send time (time.monotonic, system-wide on Linux), chunk index in its reply, magic."""

BYTES_PER_MS = 48  # PCM16 mono at 24 kHz
AGENTS = ("router", "support")
INSTRUCTIONS = {
    "router": "Greet the caller and transfer them to the right specialist.",
    "support": "Help with orders; look them up before answering.",
}
ORDER = {"order_id": "A1001", "status": "shipped", "carrier": "DHL"}
TOOL_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"order_id": {"type": "string", "description": "The order number."}},
    "required": ["order_id"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Traffic:
    """What one session does, the same for every client.

    The user speaks for `speech_ms` then stays silent for the rest of a `turn_ms` cycle,
    sending microphone chunks of `input_chunk_ms` in real time. The server's VAD ends the turn
    after `silence_ms`; the model then calls a tool and, on odd turns, once the client has
    answered it, hands off to the other agent; once the client answers the last call, the
    model speaks a reply of `reply_chunks` audio deltas of `output_chunk_ms`, streamed in
    real time. Every turn gives one tool round trip and one reply (first chunk).
    """

    seconds: float = 20.0
    speech_ms: int = 500
    turn_ms: int = 3000
    silence_ms: int = 500
    input_chunk_ms: int = 50
    output_chunk_ms: int = 100
    reply_chunks: int = 10

    def chunks_per_turn(self) -> int:
        return self.turn_ms // self.input_chunk_ms

    def loud_chunks(self) -> int:
        return self.speech_ms // self.input_chunk_ms

    def offset_s(self, index: int, sessions: int) -> float:
        """When session `index` starts talking: spread evenly over one turn."""
        return index * self.turn_ms / 1000 / max(1, sessions)

    def turn_s(self) -> float:
        """How long one turn takes up to its reply's last chunk (plus 0.2 s of slack)."""
        reply_ms = self.reply_chunks * self.output_chunk_ms
        return (self.speech_ms + self.silence_ms + reply_ms + 200) / 1000

    def turns(self, sessions: int) -> int:
        """How many turns of `sessions` sessions finish within `seconds` (each gives a tool
        round trip and a reply)."""
        total = 0
        for i in range(sessions):
            room = self.seconds - self.offset_s(i, sessions) - self.turn_s()
            if room >= 0:
                total += int(room * 1000 // self.turn_ms) + 1
        return total

    def seconds_for(self, turns: int, sessions: int) -> float:
        """The shortest streaming time (in 0.5 s steps, at least `seconds`) in which
        `sessions` sessions finish `turns` turns."""
        seconds = self.seconds
        while replace(self, seconds=seconds).turns(sessions) < turns:
            seconds += 0.5
        return seconds


def mic_chunks(traffic: Traffic) -> tuple[bytes, bytes]:
    """A loud chunk (a 440 Hz tone, well above the VAD threshold) and a silent one."""
    samples = traffic.input_chunk_ms * 24
    tone = b"".join(
        struct.pack("<h", int(6000 * math.sin(2 * math.pi * 440 * i / 24000)))
        for i in range(samples)
    )
    return tone, bytes(samples * 2)


def stamped_audio(sent_at: float, index: int, size: int) -> bytes:
    """`size` bytes of silence whose first bytes carry the send time and chunk index."""
    return _STAMP.pack(sent_at, index, MAGIC) + bytes(max(0, size - _STAMP.size))


def read_stamp(audio: bytes) -> tuple[float, int] | None:
    """The (send time, chunk index) of a stamped delta, or None for other audio."""
    if len(audio) < _STAMP.size:
        return None
    sent_at, index, magic = _STAMP.unpack_from(audio)
    return (sent_at, index) if magic == MAGIC else None


@dataclass
class Latencies:
    """Audio delta latencies seen by one client process, in seconds."""

    first: list[float] = field(default_factory=list)
    every: list[float] = field(default_factory=list)

    def add(self, audio: bytes, now: float) -> None:
        stamp = read_stamp(audio)
        if stamp is None:
            return
        latency = now - stamp[0]
        self.every.append(latency)
        if stamp[1] == 0:
            self.first.append(latency)


@dataclass
class Counts:
    """What the client saw, to check every client did the same work."""

    tool_calls: int = 0
    handoffs: int = 0
    replies: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text[:300])


def rss_bytes() -> int:
    """Resident memory of this process."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def summary(values: list[float], scale: float = 1000.0) -> dict[str, float | int | None]:
    """Count, median, p95 and max (in ms by default) of a sample."""
    if not values:
        return {"n": 0, "median": None, "p95": None, "max": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "n": len(ordered),
        "median": round(statistics.median(ordered) * scale, 3),
        "p95": round(p95 * scale, 3),
        "max": round(ordered[-1] * scale, 3),
    }
