"""The benchmark's fake realtime server: voxline's FakeRealtimeServer run in its own process.

Each connection follows its own script (on every user turn a tool call, on odd turns then a
handoff to the other agent, then a spoken reply streamed in real time). Audio deltas carry
their send time inside the audio bytes; function-call round trips are timed here, on the
server's clock.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections import deque
from multiprocessing.connection import Connection as Pipe
from typing import Any

from websockets.asyncio.server import ServerConnection

from transport.traffic import AGENTS, BYTES_PER_MS, Traffic, stamped_audio
from voxline.testing.realtime_connection import Connection, Event, FakeReply, FakeToolCall
from voxline.testing.realtime_server import FakeRealtimeServer


class _Call:
    """One function call in flight: when its arguments were sent, and when it was answered."""

    def __init__(self, call_id: str, name: str) -> None:
        self.call_id = call_id
        self.name = name
        self.sent_at = time.monotonic()
        self.output_s: float | None = None


class BenchConnection(Connection):
    """A fake-server connection with a per-connection script and timing probes."""

    def __init__(self, server: BenchServer, ws: ServerConnection) -> None:
        super().__init__(server, ws)
        self.bench = server
        self.warm_up = server.connections + 1 == server.first_of_run
        """The first connection of a run is the client's warm-up: its timings are left out."""
        self.agent = AGENTS[0]
        self.turn = 0
        self.steps: deque[FakeReply | FakeToolCall] = deque()
        """What the model still does this turn; empty: the next response starts a turn."""
        self.audio_index = 0
        self.call: _Call | None = None

    def start_response(self) -> None:
        self.cancel = asyncio.Event()
        self.release = asyncio.Event()
        self.response = asyncio.create_task(self.respond(self.next_step()), name="bench-response")

    def next_step(self) -> FakeReply | FakeToolCall:
        """The next response: each turn is a tool call, on odd turns then a handoff, and the
        spoken reply."""
        if not self.steps:
            self.turn += 1
            traffic = self.bench.traffic
            self.steps.append(FakeToolCall("lookup_order", {"order_id": "A1001"}))
            if self.turn % 2:
                self.agent = AGENTS[1] if self.agent == AGENTS[0] else AGENTS[0]
                self.steps.append(FakeToolCall(f"transfer_to_{self.agent}", {}))
            self.steps.append(
                FakeReply(
                    text="Your order A1001 shipped with DHL and should arrive on Thursday.",
                    audio_chunks=traffic.reply_chunks,
                    chunk_ms=traffic.output_chunk_ms,
                    chunk_interval_s=traffic.output_chunk_ms / 1000,
                )
            )
        return self.steps.popleft()

    async def emit(self, kind: str, **fields: Any) -> None:
        if kind == "response.output_item.added":
            self.audio_index = 0
        elif kind == "response.output_audio.delta":
            size = self.bench.traffic.output_chunk_ms * BYTES_PER_MS
            audio = stamped_audio(time.monotonic(), self.audio_index, size)
            fields["delta"] = base64.b64encode(audio).decode("ascii")
            self.audio_index += 1
        elif kind == "response.function_call_arguments.done":
            self.call = _Call(fields["call_id"], fields["name"])
        elif kind == "error":
            self.bench.note_error(fields["error"])
        await super().emit(kind, **fields)

    async def dispatch(self, event: Event) -> None:
        now = time.monotonic()
        self.server.received.clear()  # the benchmark keeps only its timings, not every event
        kind = event["type"]
        call = self.call
        if call is not None:
            item = event.get("item") or {}
            if kind == "conversation.item.create" and item.get("type") == "function_call_output":
                if item.get("call_id") == call.call_id:
                    call.output_s = now - call.sent_at
            elif kind == "response.create":
                self.call = None
                if not self.warm_up:
                    what = "handoff" if call.name.startswith("transfer_to_") else "tool"
                    trip = {"kind": what, "output_s": call.output_s, "create_s": now - call.sent_at}
                    self.bench.round_trips.append(trip)
        await super().dispatch(event)


class BenchServer(FakeRealtimeServer):
    """FakeRealtimeServer whose connections run the benchmark script."""

    def __init__(self, traffic: Traffic) -> None:
        super().__init__()
        self.traffic = traffic
        self.round_trips: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.first_of_run = 1

    def collect(self) -> dict[str, Any]:
        """The timings and errors of the run that just ended; start a new run."""
        stats = {
            "round_trips": self.round_trips,
            "connections": self.connections - self.first_of_run + 1,
            "invalid": [str(e) for e in self.invalid[:5]],
            "invalid_count": len(self.invalid),
            "errors": self.errors[:5],
            "error_count": len(self.errors),
        }
        self.round_trips, self.errors = [], []
        self.invalid.clear()
        self.first_of_run = self.connections + 1
        return stats

    def note_error(self, error: dict[str, Any]) -> None:
        self.errors.append(error)

    async def _handle(self, ws: ServerConnection) -> None:
        # The base class builds its own Connection here; this is the one line that differs.
        conn = BenchConnection(self, ws)
        self.connections += 1
        try:
            await conn.run()
        finally:
            await conn.stop()


async def _serve(pipe: Pipe, traffic: Traffic) -> None:
    server = BenchServer(traffic)
    await server.start()
    try:
        pipe.send(server.base_url)
        loop = asyncio.get_running_loop()
        while await loop.run_in_executor(None, pipe.recv) == "collect":
            pipe.send(server.collect())
    finally:
        await server.close()


def serve_process(pipe: Pipe, traffic: Traffic) -> None:
    """Process entry: send the base URL, then answer "collect" with a run's timings until "stop".

    One server serves every run, one client process after another; each run starts with
    the client's warm-up connection.
    """
    asyncio.run(_serve(pipe, traffic))
