"""The clients, each run in its own process: voxline (iterated, or "push": a subscribed
listener), openai-agents and the bare floor.

All three stream the same microphone audio in real time, decode every audio delta, answer
every function call (a handoff also re-configures the session) and stamp each delta's
latency when the application would get it.
"""

from __future__ import annotations

import asyncio
import cProfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from multiprocessing.connection import Connection as Pipe
from typing import Any, Protocol

from transport.traffic import Counts, Latencies, Traffic, mic_chunks, rss_bytes

CLIENTS = ("voxline", "push", "agents", "floor")


class Handle(Protocol):
    """One open session of any client."""

    async def send_audio(self, audio: bytes) -> None: ...

    async def close(self) -> None: ...


Opener = Callable[[str, Latencies, Counts], Awaitable[Handle]]


def ws_url(base_url: str) -> str:
    """`http://127.0.0.1:<port>/v1` -> the realtime WebSocket URL."""
    return base_url.replace("http://", "ws://", 1) + "/realtime?model=gpt-realtime"


def opener(kind: str) -> Opener:
    """The session factory of one client (importing only that client's library)."""
    if kind == "voxline":
        from transport.client_voxline import open_voxline

        return open_voxline
    if kind == "push":
        from transport.client_voxline import open_voxline_push

        return open_voxline_push
    if kind == "agents":
        from transport.client_agents import open_agents

        return open_agents
    if kind == "floor":
        from transport.client_floor import open_floor

        return open_floor
    raise ValueError(f"unknown client {kind!r}; expected one of {', '.join(CLIENTS)}")


async def _stream(
    handle: Handle, traffic: Traffic, start: float, counts: Counts, mic: tuple[bytes, bytes]
) -> None:
    """Send the microphone audio of one session on a fixed real-time schedule."""
    loud, silent = mic
    step = traffic.input_chunk_ms / 1000
    total = int(traffic.seconds * 1000) // traffic.input_chunk_ms
    per_turn, speaking = traffic.chunks_per_turn(), traffic.loud_chunks()
    for i in range(total):
        delay = start + i * step - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            await handle.send_audio(loud if i % per_turn < speaking else silent)
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            counts.error(f"send_audio: {type(exc).__name__}: {exc}")


async def warm_up(open_session: Opener, base_url: str, traffic: Traffic) -> Counts:
    """Run one unmeasured session through one turn: a tool call, a handoff and the reply.

    One-time costs (imports, pydantic schema builds, first-use caches) on either side then
    stay out of the figures. The server's VAD counts audio by its length, not by wall time,
    so the turn's audio is sent at once; only the reply takes real time.
    """
    latencies, counts = Latencies(), Counts()
    handle = await open_session(base_url, latencies, counts)
    loud, silent = mic_chunks(traffic)
    try:
        for _ in range(traffic.loud_chunks()):
            await handle.send_audio(loud)
        for _ in range(traffic.silence_ms // traffic.input_chunk_ms + 2):
            await handle.send_audio(silent)
        deadline = time.monotonic() + 15
        # the tool call and the handoff answered, and every chunk of the reply
        while (
            counts.tool_calls < 1
            or counts.handoffs < 1
            or len(latencies.every) < traffic.reply_chunks
        ):
            if time.monotonic() > deadline:
                raise TimeoutError("the warm-up turn got no full reply within 15 s")
            await asyncio.sleep(0.01)
    finally:
        await handle.close()
    return counts


async def drive(
    kind: str, open_session: Opener, base_url: str, sessions: int, traffic: Traffic
) -> dict[str, Any]:
    """Open `sessions` sessions, stream for `traffic.seconds`, and measure this process."""
    warm = await warm_up(open_session, base_url, traffic)
    latencies, counts = Latencies(), Counts()
    rss_before = rss_bytes()
    handles = await asyncio.gather(
        *(open_session(base_url, latencies, counts) for _ in range(sessions))
    )
    rss_connected = rss_bytes()
    mic = mic_chunks(traffic)
    t0, cpu0 = time.monotonic(), time.process_time()
    await asyncio.gather(
        *(
            _stream(h, traffic, t0 + traffic.offset_s(i, sessions), counts, mic)
            for i, h in enumerate(handles)
        )
    )
    wall, cpu = time.monotonic() - t0, time.process_time() - cpu0
    rss_end = rss_bytes()
    await asyncio.gather(*(h.close() for h in handles), return_exceptions=True)
    return {
        "client": kind,
        "sessions": sessions,
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_before": rss_before,
        "rss_connected": rss_connected,
        "rss_end": rss_end,
        "first": latencies.first,
        "every": latencies.every,
        "counts": asdict(counts),
        "warm_up_counts": asdict(warm),
    }


def client_process(
    pipe: Pipe, kind: str, sessions: int, traffic: Traffic, profile: str | None = None
) -> None:
    """Process entry: import the client, wait for the server's URL, run, send the results.

    The import happens while the server process starts, and before anything is measured.
    With `profile` (a file path) the run is recorded by cProfile (which slows it down: use
    the profile to see where the time goes, not for the figures).
    """
    try:
        open_session = opener(kind)
        base_url: str = pipe.recv()
        run = drive(kind, open_session, base_url, sessions, traffic)
        if profile is None:
            result = asyncio.run(run)
        else:
            with cProfile.Profile() as profiler:
                result = asyncio.run(run)
            profiler.dump_stats(profile)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as a failed run
        result = {"client": kind, "sessions": sessions, "failed": f"{type(exc).__name__}: {exc}"}
    pipe.send(result)
