"""Where a tool turn's time goes, on both sides of the socket: a timeline per client.

The transport benchmark times a tool round trip on the server: from sending the function
call's arguments to reading the function output and the next `response.create`. This
script runs the same fake server and one session of each client, and records on both
sides, on the clock the two processes share (`time.monotonic` is system-wide on Linux):

- the server: when it starts and finishes sending each event, and when it reads each
  client event (after its own parsing and validation);
- the client: when each message comes off the socket (`recv` returns), when the client asks
  for the next one (its work on the last one is done), and when it sends.

Each tool turn is lined up from the server's `speech_stopped` to its reading of the
`response.create` that follows the function output. The table gives the median time of
every step per client, then splits the round trip into its legs. The probes wrap the
socket's `recv` and `send` (a list append and a clock read each), the same for every
client. Prints the table and writes JSON.

    python benchmarks/turn_timeline.py --clients voxline,floor --seconds 45 \
        --out benchmarks/results/turn_timeline.json
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import multiprocessing as mp
import statistics
import sys
import time
from collections import Counter
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

from transport.clients import CLIENTS
from transport.traffic import Traffic

Mark = tuple[str, str, float]
"""(what happened, the event type or the raw message, when): one probe reading."""

CALL = "response.function_call_arguments.done"
OUTPUT = "conversation.item.create"
CREATE = "response.create"
LEGS = (
    ("call sent -> client read it", ("s_emit", CALL), ("c_got", CALL)),
    ("client read it -> sent the output", ("c_got", CALL), ("c_send", OUTPUT)),
    ("output sent -> server read it", ("c_send", OUTPUT), ("s_recv", OUTPUT)),
    ("client read response.done -> sent response.create", ("c_got", "response.done"),
     ("c_send", CREATE)),
    ("response.create sent -> server read it", ("c_send", CREATE), ("s_recv", CREATE)),
    ("round trip (call sent -> server read response.create)", ("s_emit", CALL),
     ("s_recv", CREATE)),
)  # fmt: skip


def serve(pipe: Pipe, traffic: Traffic) -> None:
    """Server process: the transport benchmark's server, with its sends and reads noted."""
    from transport import server

    marks: list[Mark] = []
    emit, dispatch, collect = (
        server.BenchConnection.emit,
        server.BenchConnection.dispatch,
        server.BenchServer.collect,
    )

    async def noted_emit(self: Any, kind: str, **fields: Any) -> None:
        marks.append(("s_emit", kind, time.monotonic()))
        await emit(self, kind, **fields)
        marks.append(("s_sent", kind, time.monotonic()))

    async def noted_dispatch(self: Any, event: dict[str, Any]) -> None:
        marks.append(("s_recv", str(event.get("type")), time.monotonic()))
        await dispatch(self, event)

    def collect_marks(self: Any) -> dict[str, Any]:
        stats = collect(self)
        stats["marks"] = marks[:]
        marks.clear()
        return stats

    server.BenchConnection.emit = noted_emit  # type: ignore[method-assign]
    server.BenchConnection.dispatch = noted_dispatch  # type: ignore[method-assign]
    server.BenchServer.collect = collect_marks  # type: ignore[method-assign]
    server.serve_process(pipe, traffic)


class _NotingPipe:
    """The client's end of the pipe: hands the client's marks over with its results."""

    def __init__(self, pipe: Pipe, marks: list[Mark]) -> None:
        self.pipe = pipe
        self.marks = marks

    def recv(self) -> Any:
        return self.pipe.recv()

    def send(self, result: dict[str, Any]) -> None:
        result["marks"] = [(what, _kind(raw), at) for what, raw, at in self.marks]
        self.pipe.send(result)


def client(pipe: Pipe, kind: str, traffic: Traffic) -> None:
    """Client process: one session of `kind`, its socket's reads and sends noted.

    The probes keep a reference to each message and read its type only at the end, so the
    client's own work is not slowed by parsing it twice.
    """
    from transport.clients import client_process
    from websockets.asyncio.connection import Connection

    marks: list[Any] = []
    recv, send = Connection.recv, Connection.send

    async def noted_recv(self: Connection, decode: bool | None = None) -> Any:
        marks.append(("c_read", "", time.monotonic()))
        message = await recv(self, decode)
        marks.append(("c_got", message, time.monotonic()))
        return message

    async def noted_send(self: Connection, message: Any, text: bool | None = None) -> None:
        marks.append(("c_send", message, time.monotonic()))
        await send(self, message, text=text)

    Connection.recv = noted_recv  # type: ignore[method-assign]
    Connection.send = noted_send  # type: ignore[method-assign]
    client_process(_NotingPipe(pipe, marks), kind, 1, traffic)  # type: ignore[arg-type]


def _kind(raw: Any) -> str:
    if not isinstance(raw, str):
        return "" if raw == "" else "binary"
    try:
        return str(json.loads(raw).get("type", "?"))
    except (ValueError, AttributeError):
        return "?"


def turns(marks: list[Mark]) -> list[dict[tuple[str, str, int], float]]:
    """Each tool turn's steps, keyed (what, type, n-th of its kind in the turn), in µs from
    the server's speech_stopped. The first turn is the client's warm-up and is left out."""
    ordered = sorted(marks, key=lambda m: m[2])
    found: list[dict[tuple[str, str, int], float]] = []
    for start, (what, kind, t0) in enumerate(ordered):
        if (what, kind) != ("s_emit", "input_audio_buffer.speech_stopped"):
            continue
        steps: dict[tuple[str, str, int], float] = {}
        seen: Counter[tuple[str, str]] = Counter()
        answered = False
        for what2, kind2, at in ordered[start:]:
            if what2 == "c_read" or kind2 == "input_audio_buffer.append":
                continue
            steps[(what2, kind2, seen[(what2, kind2)])] = (at - t0) * 1e6
            seen[(what2, kind2)] += 1
            answered = answered or (what2, kind2) == ("s_recv", OUTPUT)
            if answered and (what2, kind2) == ("s_recv", CREATE):
                found.append(steps)
                break
    return found[1:]


def work_per_event(marks: list[Mark]) -> dict[str, float]:
    """Median µs from reading each kind of message to asking for the next one."""
    spent: dict[str, list[float]] = {}
    ordered = [m for m in sorted(marks, key=lambda m: m[2]) if m[0] in ("c_got", "c_read")]
    for (what, kind, at), (what2, _kind2, at2) in itertools.pairwise(ordered):
        if what == "c_got" and what2 == "c_read":
            spent.setdefault(kind, []).append((at2 - at) * 1e6)
    return {kind: round(statistics.median(v), 1) for kind, v in spent.items()}


def summarize(marks: list[Mark]) -> dict[str, Any]:
    """Median time of every step of a tool turn, the legs of its round trip, and the
    client's work per kind of message."""
    found = turns(marks)
    keys: dict[tuple[str, str, int], list[float]] = {}
    for turn in found:
        for key, at in turn.items():
            keys.setdefault(key, []).append(at)
    steps = {
        f"{what} {kind}" + (f" #{n + 1}" if n else ""): round(statistics.median(v), 1)
        for (what, kind, n), v in sorted(keys.items(), key=lambda kv: statistics.median(kv[1]))
        if len(v) * 2 > len(found)
    }
    legs: dict[str, float | None] = {}
    for name, a, b in LEGS:
        spans = [s[(*b, 0)] - s[(*a, 0)] for s in found if (*a, 0) in s and (*b, 0) in s]
        legs[name] = round(statistics.median(spans), 1) if spans else None
    return {"turns": len(found), "steps": steps, "legs": legs, "work": work_per_event(marks)}


def run(clients: list[str], traffic: Traffic) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    pipe, child = ctx.Pipe()
    server = ctx.Process(target=serve, args=(child, traffic), daemon=True)
    server.start()
    report: dict[str, Any] = {"traffic": dataclasses.asdict(traffic), "clients": {}}
    try:
        if not pipe.poll(60):
            raise TimeoutError("the fake server process did not start within 60 s")
        url = pipe.recv()
        for kind in clients:
            print(f"running {kind} for {traffic.seconds:g} s ...", file=sys.stderr, flush=True)
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=client, args=(theirs, kind, traffic), daemon=True)
            proc.start()
            mine.send(url)
            result: dict[str, Any] = mine.recv() if mine.poll(traffic.seconds + 120) else {}
            proc.join(30)
            pipe.send("collect")
            stats: dict[str, Any] = pipe.recv()
            if "marks" not in result or "failed" in result:
                report["clients"][kind] = {"failed": result.get("failed", "no result")}
                continue
            summary = summarize(result["marks"] + stats["marks"])
            summary["counts"] = result["counts"]
            report["clients"][kind] = summary
    finally:
        if server.is_alive():
            pipe.send("stop")
            server.join(30)
        if server.is_alive():
            server.kill()
    return report


def print_table(report: dict[str, Any]) -> None:
    clients = {k: v for k, v in report["clients"].items() if "failed" not in v}
    for kind, failed in report["clients"].items():
        if "failed" in failed:
            print(f"{kind}: failed: {failed['failed']}")
    if not clients:
        return
    names = list(clients)
    print("tool turn, medians in µs from the server's speech_stopped")
    print("  turns: " + ", ".join(f"{k} {v['turns']}" for k, v in clients.items()))
    rows: dict[str, float] = {}
    for summary in clients.values():
        for step, at in summary["steps"].items():
            rows.setdefault(step, at)
    print(f"{'step':70}" + "".join(f"{n:>10}" for n in names))
    for step in sorted(rows, key=rows.__getitem__):
        cells = "".join(f"{clients[n]['steps'].get(step, float('nan')):10.0f}" for n in names)
        print(f"{step:70}{cells}")
    print()
    print(f"{'leg':70}" + "".join(f"{n:>10}" for n in names))
    for leg, *_ in LEGS:
        cells = ""
        for n in names:
            value = clients[n]["legs"][leg]
            cells += f"{'-':>10}" if value is None else f"{value:10.0f}"
        print(f"{leg:70}{cells}")
    print()
    print("client work per message (read -> asked for the next), µs")
    for n in names:
        work = clients[n]["work"]
        print(f"  {n}: " + ", ".join(f"{k} {v:.0f}" for k, v in work.items() if k))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="voxline,floor")
    parser.add_argument("--seconds", type=float, default=45.0, help="streaming time per client")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    clients = [c for c in args.clients.split(",") if c]
    unknown = [c for c in clients if c not in CLIENTS]
    if unknown:
        parser.error(f"unknown clients: {', '.join(unknown)} (choose from {', '.join(CLIENTS)})")
    report = run(clients, Traffic(seconds=args.seconds))
    print_table(report)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
        print(f"\nwrote {args.out}")
    return report


if __name__ == "__main__":
    main()
