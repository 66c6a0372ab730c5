"""In-process and cold: what each server event of a tool turn costs each client.

The transport benchmark's 1-session figures are set by the few server events that end a user
turn and bring a tool call, each met once per turn by code that has gone cold since the last
turn. This script isolates them. After an idle (`--idle-ms`), the twelve events the fake
server sends for that part of a turn (speech stopped .. response.done) arrive at once on an
in-memory socket, and each client runs exactly as it does in the transport benchmark: the
floor's reader, or voxline's `OpenAIRealtimeModel` and `RealtimeSession` read with `async
for` (voxline) or a subscribed listener (push). The socket notes when each client asks for
the next message, so each event's cost is the time from one read to the next; it also notes
when the function output and the next `response.create` are sent. A reply follows each turn
so the conversation goes back to idle.

With `--part reply` it times the start of the reply instead, the path of a reply's first
audio chunk: after the idle, the six events that open a spoken reply (`response.created`,
the assistant item added to the response and to the conversation, its content part, the
first transcript delta, the first audio delta) arrive at once, and each client is timed
until the audio reaches the app (the transport benchmark's first-chunk figure).

No network and no second process: what it measures is the client's own work and one wake-up
of the event loop. Prints a table of medians and writes JSON.

    python benchmarks/cold_turn.py --turns 100 --runs 3 --out benchmarks/results/cold_turn.json
    python benchmarks/cold_turn.py --part reply --out benchmarks/results/cold_reply.json
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import statistics
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from transport.client_floor import FloorSession
from transport.client_voxline import CONFIG, ROUTER, SUPPORT, VoxlineHandle
from transport.traffic import BYTES_PER_MS, Counts, Latencies, stamped_audio
from websockets.exceptions import ConnectionClosedOK

from voxline import RealtimeSession
from voxline.models.openai import OpenAIRealtimeModel

CLIENTS = ("floor", "voxline", "push")
EVENTS = (
    "input_audio_buffer.speech_stopped",
    "input_audio_buffer.committed",
    "conversation.item.added (user)",
    "conversation.item.input_audio_transcription.completed",
    "response.created",
    "response.output_item.added",
    "conversation.item.added (call)",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.output_item.done",
    "conversation.item.done",
    "response.done",
)
"""The burst of one turn, in the order the fake server sends it (a label's words after the
event type say which of two events of one type it is)."""
REPLY_EVENTS = (
    "response.created",
    "response.output_item.added",
    "conversation.item.added",
    "response.content_part.added",
    "response.output_audio_transcript.delta",
    "response.output_audio.delta",
)
"""The start of a spoken reply, up to its first audio delta (`--part reply`)."""
TOTALS = {
    "turn": {"output": "-> function output sent", "create": "-> response.create sent"},
    "reply": {"audio": "-> first audio reached the app"},
}
PARTS = {"turn": EVENTS, "reply": REPLY_EVENTS}


class MemorySocket:
    """A client WebSocket's reading and sending, in memory, with timing marks."""

    def __init__(self) -> None:
        self.inbox: deque[str] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.reads: list[float] = []
        """When the client asked for each message (the end of the previous one's work)."""
        self.output_at = 0.0
        self.create_at = 0.0
        self.created: asyncio.Future[None] | None = None
        self.close_code: int | None = None
        self.close_reason = ""

    def deliver(self, messages: list[str]) -> None:
        self.inbox.extend(messages)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def recv(self, decode: bool | None = None) -> str:
        self.reads.append(time.perf_counter())
        while not self.inbox:
            if self.close_code is not None:
                raise ConnectionClosedOK(None, None)
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        return self.inbox.popleft()

    async def __aiter__(self) -> AsyncIterator[str]:
        while True:
            yield await self.recv()

    async def send(self, message: str) -> None:
        # a substring test, not json.loads: this runs inside the timed work of every client
        if '"conversation.item.create"' in message:
            self.output_at = time.perf_counter()
        elif '"response.create"' in message:
            self.create_at = time.perf_counter()
            if self.created is not None and not self.created.done():
                self.created.set_result(None)

    async def close(self) -> None:
        self.close_code = 1000
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


class HeardLatencies(Latencies):
    """Latencies that note when the app got a reply's first audio chunk, and wake a waiter."""

    heard: asyncio.Future[float] | None = None

    def add(self, audio: bytes, now: float) -> None:
        heard = len(self.first)
        super().add(audio, now)
        if len(self.first) > heard and self.heard is not None and not self.heard.done():
            self.heard.set_result(time.perf_counter())


class MemoryModel(OpenAIRealtimeModel):
    """The OpenAI adapter, unchanged, on a MemorySocket instead of a network connection."""

    def __init__(self, socket: MemorySocket) -> None:
        super().__init__(api_key="bench")
        self.socket = socket

    async def _open(self) -> Any:
        return self.socket


RATE_LIMITS = [
    {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012},
    {"name": "tokens", "limit": 800000, "remaining": 799200, "reset_seconds": 0.06},
]


def _event(label: str, turn: int, **fields: Any) -> str:
    kind = label.split(" ")[0]
    return json.dumps({"type": kind, "event_id": f"event_{turn}_{label}", **fields})


def ga_response(rid: str) -> dict[str, Any]:
    """The response resource of response.created and response.done, every field filled in as
    a GA server (and the transport benchmark's fake server) sends it."""
    audio = {"output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"}}
    return {
        "object": "realtime.response",
        "id": rid,
        "status_details": None,
        "output": [],
        "conversation_id": "conv_bench",
        "output_modalities": ["audio"],
        "max_output_tokens": "inf",
        "audio": audio,
        "usage": None,
        "metadata": None,
    }


def turn_events(turn: int) -> tuple[str, list[str], list[str]]:
    """The speech start, the burst timed here, and a reply that ends the turn."""
    user, rid, item, call = f"item_u{turn}", f"resp_t{turn}", f"item_t{turn}", f"call_{turn}"
    args = json.dumps({"order_id": "A1001"})
    ref = {"response_id": rid, "item_id": item, "output_index": 0, "call_id": call}
    function = {"id": item, "type": "function_call", "call_id": call, "name": "lookup_order"}
    response = ga_response(rid)
    message: dict[str, Any] = {"id": user, "type": "message", "role": "user", "status": "completed"}
    message["content"] = [{"type": "input_audio", "transcript": None}]
    usage: dict[str, Any] = {"total_tokens": 12, "input_tokens": 12, "output_tokens": 0}
    usage["input_token_details"] = {"text_tokens": 12, "audio_tokens": 0, "cached_tokens": 0}
    usage["output_token_details"] = {"text_tokens": 0, "audio_tokens": 0}
    opened = {**function, "arguments": "", "status": "in_progress"}
    closed = {**function, "arguments": args, "status": "completed"}
    started = _event("input_audio_buffer.speech_started", turn, item_id=user, audio_start_ms=0)
    burst = [
        _event(EVENTS[0], turn, item_id=user, audio_end_ms=500),
        _event(EVENTS[1], turn, item_id=user, previous_item_id=None),
        _event(EVENTS[2], turn, item=message, previous_item_id=None),
        _event(
            EVENTS[3],
            turn,
            item_id=user,
            content_index=0,
            transcript="where is my order",
            usage={"type": "duration", "seconds": 1.0},
        ),
        _event(EVENTS[4], turn, response={**response, "status": "in_progress"}),
        _event(EVENTS[5], turn, response_id=rid, output_index=0, item=opened),
        _event(EVENTS[6], turn, item=opened, previous_item_id=None),
        _event(EVENTS[7], turn, delta=args, **ref),
        _event(EVENTS[8], turn, arguments=args, name="lookup_order", **ref),
        _event(EVENTS[9], turn, response_id=rid, output_index=0, item=closed),
        _event(EVENTS[10], turn, item=closed, previous_item_id=None),
        _event(
            EVENTS[11],
            turn,
            response={**response, "status": "completed", "output": [closed], "usage": usage},
        ),
    ]
    return started, burst, reply_events(turn)


def reply_events(turn: int, chunks: int = 5) -> list[str]:
    """A spoken reply of `chunks` audio deltas (stamped, as the transport server sends)."""
    rid, item = f"resp_r{turn}", f"item_r{turn}"
    ref = {"response_id": rid, "item_id": item, "output_index": 0, "content_index": 0}
    response = ga_response(rid)
    message = {"id": item, "type": "message", "role": "assistant"}
    opened = {**message, "status": "in_progress", "content": []}
    events = [
        _event("response.created", turn, response={**response, "status": "in_progress"}),
        _event("response.output_item.added", turn, response_id=rid, output_index=0, item=opened),
        _event("conversation.item.added", turn, item=opened, previous_item_id=None),
        _event(
            "response.content_part.added", turn, part={"type": "audio", "transcript": ""}, **ref
        ),
    ]
    for index in range(chunks):
        audio = stamped_audio(time.monotonic(), index, 100 * BYTES_PER_MS)
        delta = base64.b64encode(audio).decode("ascii")
        events.append(
            _event("response.output_audio_transcript.delta", turn, delta="Shipped. ", **ref)
        )
        events.append(_event("response.output_audio.delta", turn, delta=delta, **ref))
    said = "Shipped. " * chunks
    done: dict[str, Any] = {**message, "status": "completed"}
    done["content"] = [{"type": "output_audio", "transcript": said}]
    events += [
        _event("response.output_audio.done", turn, **ref),
        _event("response.output_audio_transcript.done", turn, transcript=said, **ref),
        _event(
            "response.content_part.done", turn, part={"type": "audio", "transcript": said}, **ref
        ),
        _event("response.output_item.done", turn, response_id=rid, output_index=0, item=done),
        _event("conversation.item.done", turn, item=done, previous_item_id=None),
        _event(
            "response.done", turn, response={**response, "status": "completed", "output": [done]}
        ),
        _event("rate_limits.updated", turn, rate_limits=RATE_LIMITS),
    ]
    return events


async def open_client(
    client: str, socket: MemorySocket, counts: Counts
) -> tuple[Callable[[], Any], HeardLatencies]:
    """Start `client` on `socket`; return the coroutine function that closes it, and where
    it notes the audio it gets."""
    latencies = HeardLatencies()
    if client == "floor":
        floor = FloorSession(socket, latencies, counts)  # type: ignore[arg-type]
        return floor.close, latencies
    session = RealtimeSession(ROUTER, MemoryModel(socket), agents=[SUPPORT], config=CONFIG)
    await session.start()
    handle = VoxlineHandle(session, latencies, counts, push=client == "push")
    return handle.close, latencies


def _cool(idle_s: float) -> None:
    if idle_s:
        # blocking on purpose: nothing else runs in the idle, and the caches go cold
        time.sleep(idle_s)


async def measure(
    client: str, turns: int, idle_s: float, counts: Counts, part: str = "turn"
) -> dict[str, list[float]]:
    """Per-event costs of `turns` turns' timed part and its totals (TOTALS), in us."""
    socket = MemorySocket()
    close, latencies = await open_client(client, socket, counts)
    events = PARTS[part]
    samples: dict[str, list[float]] = {name: [] for name in (*events, *TOTALS[part])}
    await asyncio.sleep(0.01)
    for turn in range(turns + 1):  # the first turn warms up and is not counted
        started, burst, reply = turn_events(turn)
        socket.deliver([started])
        await asyncio.sleep(0.002)
        socket.created = asyncio.get_running_loop().create_future()
        if part == "turn":
            _cool(idle_s)
        socket.reads.clear()
        begin = time.perf_counter()
        socket.deliver(burst)
        await asyncio.wait_for(socket.created, 5.0)
        heard_at = 0.0
        if part == "reply":
            await asyncio.sleep(0.005)
            _cool(idle_s)
            head, reply = reply[: len(REPLY_EVENTS)], reply[len(REPLY_EVENTS) :]
            latencies.heard = asyncio.get_running_loop().create_future()
            socket.reads.clear()
            begin = time.perf_counter()
            socket.deliver(head)
            heard_at = await asyncio.wait_for(latencies.heard, 5.0)
        if turn:
            marks = [begin, *socket.reads]
            for name, start, stop in zip(events, marks, marks[1:], strict=False):
                samples[name].append((stop - start) * 1e6)
            if part == "turn":
                samples["output"].append((socket.output_at - begin) * 1e6)
                samples["create"].append((socket.create_at - begin) * 1e6)
            else:
                samples["audio"].append((heard_at - begin) * 1e6)
        socket.deliver(reply)
        await asyncio.sleep(0.005)
    await close()
    return samples


def run(
    clients: tuple[str, ...], turns: int, runs: int, idle_s: float, part: str = "turn"
) -> dict[str, Any]:
    """Interleaved runs of every client, each in a fresh event loop; medians per run."""
    per_run: dict[str, list[dict[str, float]]] = {client: [] for client in clients}
    counts = {client: Counts() for client in clients}
    for index in range(runs):
        for client in clients:
            print(f"run {index + 1}/{runs}: {client} ...", file=sys.stderr, flush=True)
            gc.collect()
            samples = asyncio.run(measure(client, turns, idle_s, counts[client], part))
            per_run[client].append({k: statistics.median(v) for k, v in samples.items()})
    medians = {
        client: {k: round(statistics.median(r[k] for r in rows), 1) for k in rows[0]}
        for client, rows in per_run.items()
    }
    seen = {
        client: {"tool_calls": c.tool_calls, "replies": c.replies, "errors": c.error_samples}
        for client, c in counts.items()
    }
    return {
        "part": part,
        "turns": turns,
        "runs": runs,
        "idle_ms": idle_s * 1000,
        "medians": medians,
        "counts": seen,
    }


def print_table(report: dict[str, Any]) -> None:
    medians = report["medians"]
    clients = list(medians)
    runs, turns, idle = report["runs"], report["turns"], report["idle_ms"]
    part = report.get("part", "turn")
    totals = TOTALS[part]
    print(f"medians of {runs} run(s) x {turns} turns, us, after a {idle:g} ms idle")
    print(f"{'event':56s}" + "".join(f"{c:>10s}" for c in clients))
    for name in (*PARTS[part], *totals):
        row = "".join(f"{medians[c][name]:10.1f}" for c in clients)
        print(f"{totals.get(name, name):56s}{row}")
    if "floor" in medians:
        for client in clients:
            if client != "floor":
                f, m = medians["floor"], medians[client]
                ratios = ", ".join(f"{totals[k][3:]} {m[k] / f[k]:.2f}" for k in totals)
                print(f"{client} / floor: {ratios}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description="In-process and cold: what each server event of a tool turn costs each client."
    )
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs per client")
    parser.add_argument("--idle-ms", type=float, default=20.0)
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument(
        "--part",
        choices=sorted(PARTS),
        default="turn",
        help="turn: the events that end a user turn and bring a tool call; reply: the start "
        "of a spoken reply, up to its first audio chunk",
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    clients = tuple(c for c in args.clients.split(",") if c)
    unknown = set(clients) - set(CLIENTS)
    if unknown:
        parser.error(f"unknown clients: {', '.join(sorted(unknown))} (known: {CLIENTS})")
    report = run(clients, args.turns, args.runs, args.idle_ms / 1000, args.part)
    print_table(report)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
