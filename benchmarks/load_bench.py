"""Load benchmark: many concurrent conversations through the real server's browser bridge.

Starts `voxline`'s server in a child process on 127.0.0.1 (scripted backend: every turn is
answered at once with text and audio, so the server's own costs are what is measured),
keeps --clients WebSocket conversations open with an API key, and has each of them take a
text turn (after 100 ms of microphone audio) every --think seconds for --seconds. Calls
churn: each lasts a random 30-60 s (--call-s) and is replaced by a new one at once. It
checks that every turn comes back whole (its user item, the agent's text and every byte of
its audio) and samples the server's memory (RSS) and /metrics every --sample-s seconds.
Memory is "flat" when the least-squares RSS slope over the run's second half is under
1 MB/min (FLAT_MB_PER_MIN).

    .venv/bin/python benchmarks/load_bench.py                # 50 clients, 180 s, churn
    .venv/bin/python benchmarks/load_bench.py --call-s 0 0   # one call per client
    .venv/bin/python benchmarks/load_bench.py --seconds 5    # a smoke run

Prints a table and writes JSON to benchmarks/results/load.json (--out). Exits 1 when any
turn was lost or any error was seen. Loopback only: it never binds anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "load.json"
REPLY = "Sure, I have noted that down for you."
AUDIO_MS = 400
AUDIO_CHUNKS = 4
MIC_FRAME = b"\x00\x00" * 2400  # 100 ms of PCM16 24 kHz silence
FLAT_MB_PER_MIN = 1.0  # the verdict's line: a slower rise over the second half is "flat"
IDLE_S = 3.0  # the last sample comes this long after every call closed (idle memory)
KEEP_COMMANDS = 64  # the scripted model's record of commands: bounded, as in any long run


# ------------------------------------------------------------------ the server (child process)


def serve_main(port_file: Path, key: str, data_dir: Path, max_sessions: int) -> None:
    """Run the server with a scripted backend until killed; write its port to `port_file`."""
    import uvicorn
    from pydantic import SecretStr

    from voxline.core import commands as cmd
    from voxline.scenarios.base import Scenario
    from voxline.server.app import create_app
    from voxline.settings import Settings
    from voxline.testing import ScriptedRealtimeModel, reply

    class Answering(ScriptedRealtimeModel):
        """Answers every response request with the same reply, text and audio."""

        async def send(self, command: cmd.ModelCommand) -> None:
            await super().send(command)
            if isinstance(command, cmd.CreateResponse):
                self.emit(*reply(REPLY, audio_ms=AUDIO_MS, chunks=AUDIO_CHUNKS))

    def factory(scenario: Scenario) -> Answering:
        return Answering(keep=KEEP_COMMANDS)

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        host="127.0.0.1",
        data_dir=data_dir,
        api_keys=[SecretStr(key)],
        max_sessions=max_sessions,
        rate_limit=0,  # every client shares 127.0.0.1; the limit is tested in tests/server
    )
    app = create_app(settings, model_factory=factory)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    port_file.write_text(str(sock.getsockname()[1]))
    config = uvicorn.Config(app, log_level="warning", lifespan="on", ws_ping_interval=None)
    uvicorn.Server(config).run(sockets=[sock])


# ------------------------------------------------------------------ the clients


@dataclass
class Tally:
    """What the clients saw."""

    turns: int = 0
    lost: int = 0
    errors: list[str] = field(default_factory=list)
    ack_s: list[float] = field(default_factory=list)  # text sent -> its user item is back
    first_audio_s: list[float] = field(default_factory=list)  # text sent -> first agent audio
    finished_s: list[float] = field(default_factory=list)  # text sent -> response.finished
    connected: int = 0
    refused: int = 0  # too_many_sessions answers (retried)


async def _turn(ws: Any, n: int, who: int, tally: Tally, timeout_s: float) -> None:
    text = f"turn {n} from client {who}"
    await ws.send(MIC_FRAME)
    sent = time.perf_counter()
    await ws.send(json.dumps({"type": "text", "text": text}))
    echoed, deltas, audio, first_audio = False, [], 0, None
    async with asyncio.timeout(timeout_s):
        while True:
            frame = await ws.recv()
            now = time.perf_counter()
            if isinstance(frame, bytes):
                audio += len(frame)
                if first_audio is None:
                    first_audio = now - sent
                continue
            event = json.loads(frame)
            kind = event["type"]
            if kind == "error":
                tally.errors.append(f"client {who}: {event.get('code')}: {event.get('message')}")
            elif kind == "history.added" and event["item"].get("role") == "user":
                echoed = event["item"].get("text") == text
                tally.ack_s.append(now - sent)
            elif kind == "transcript.delta" and event["role"] == "assistant":
                deltas.append(event["delta"])
            elif kind == "response.finished":
                tally.finished_s.append(now - sent)
                break
    if first_audio is not None:
        tally.first_audio_s.append(first_audio)
    whole = echoed and "".join(deltas) == REPLY and audio == AUDIO_MS * 48
    tally.turns += 1
    if not whole:
        tally.lost += 1
        tally.errors.append(
            f"client {who} turn {n}: echoed={echoed} text={''.join(deltas)!r} audio={audio}"
        )


async def client(
    who: int, url: str, stop_at: float, args: argparse.Namespace, tally: Tally, delay_s: float
) -> None:
    """One user: a turn every `args.think` seconds until `stop_at`. With `args.call_s`
    (shortest, longest) each call lasts a random time in that range and is followed at once
    by a new one, so there are always `args.clients` calls open (churn); (0, 0) keeps one
    call for the whole run."""
    await asyncio.sleep(delay_s)
    rng = random.Random(who)  # the same call lengths on every run
    n = 0
    try:
        while time.perf_counter() < stop_at:
            shortest, longest = args.call_s
            hang_up = time.perf_counter() + rng.uniform(shortest, longest) if longest else stop_at
            n = await _call(who, url, min(stop_at, hang_up), args, tally, n)
    except Exception as exc:  # noqa: BLE001  # a benchmark records every failure and goes on
        tally.errors.append(f"client {who}: {type(exc).__name__}: {exc}")


async def _call(
    who: int, url: str, hang_up: float, args: argparse.Namespace, tally: Tally, n: int
) -> int:
    from websockets.asyncio.client import connect

    async with connect(url, max_size=None) as ws:
        ready = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if ready.get("code") == "too_many_sessions":  # the server is still closing our last
            tally.refused += 1  # call (or is full): come back shortly, as the UI would
            await asyncio.sleep(0.5)
            return n
        if ready["type"] != "session.ready":
            raise RuntimeError(f"first event {ready}")
        tally.connected += 1
        while time.perf_counter() < hang_up:
            n += 1
            await _turn(ws, n, who, tally, timeout_s=30)
            await asyncio.sleep(args.think)
    return n


# ------------------------------------------------------------------ sampling the server


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of process `pid` (Linux /proc): VmRSS, RssAnon (heap) or RssFile."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def scrape(base: str, key: str) -> dict[str, float]:
    """The server's /metrics as {name{labels}: value}."""
    import httpx2
    from prometheus_client.parser import text_string_to_metric_families

    async with httpx2.AsyncClient(base_url=base, timeout=10) as http:
        response = await http.get("/metrics", headers={"Authorization": f"Bearer {key}"})
    response.raise_for_status()
    found = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            found[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
    return found


async def health(base: str) -> dict[str, Any]:
    """The server's /api/health."""
    import httpx2

    async with httpx2.AsyncClient(base_url=base, timeout=10) as http:
        found: dict[str, Any] = (await http.get("/api/health")).json()
    return found


async def sampler(
    pid: int, base: str, key: str, every_s: float, stop: asyncio.Event, tally: Tally
) -> list[dict[str, float]]:
    """A row every `every_s` seconds, and a last one at `stop`: time, RSS, sessions, turns."""
    started = time.perf_counter()
    rows = []
    while True:
        last = stop.is_set()
        metrics = await scrape(base, key)
        store = (await health(base)).get("store") or {}
        rows.append(
            {
                "t_s": round(time.perf_counter() - started, 1),
                "rss_mb": rss_mb(pid),
                "anon_mb": rss_mb(pid, "RssAnon"),
                "open_sessions": metrics.get("voxline_active_sessions{kind=bridge}", 0.0),
                "calls": tally.connected,
                "turns": tally.turns,
                "server_cpu_s": round(metrics.get("process_cpu_seconds_total", 0.0), 1),
                "store_pending": store.get("pending", 0),
            }
        )
        if last:
            return rows
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)


# ------------------------------------------------------------------ the run


def pct(values: list[float], q: float) -> float | None:
    """The q-th percentile in milliseconds (None without values)."""
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))
    return round(ordered[index] * 1000, 1)


def quantiles(values: list[float]) -> dict[str, float | None]:
    """p50, p95, p99 and max in milliseconds."""
    return {"p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99),
            "max": pct(values, 100)}  # fmt: skip


def memory_verdict(rows: list[dict[str, float]], seconds: float) -> dict[str, Any]:
    """Memory over the run: the second half (after warm-up) is fitted by least squares.

    Only samples taken while the calls ran count (the last one, after every call closed,
    does not). The verdict is `flat` when the second half's slope is under
    FLAT_MB_PER_MIN, `growing` above it, `too short` with fewer than three samples.
    """
    during = [r for r in rows if r["t_s"] <= seconds]
    half = [r for r in during if r["t_s"] >= seconds / 2]
    rss = [r["rss_mb"] for r in rows]
    found: dict[str, Any] = {"start": rss[0], "peak": max(rss), "idle_after": rss[-1]}
    if len(half) < 3:
        return {**found, "second_half_slope_mb_per_min": None, "growth_after_warm_up_pct": None,
                "verdict": "too short"}  # fmt: skip
    t = [r["t_s"] / 60 for r in half]
    m = [r["rss_mb"] for r in half]
    slope = statistics.linear_regression(t, m).slope
    growth = (half[-1]["rss_mb"] - half[0]["rss_mb"]) / half[0]["rss_mb"] * 100
    return {
        **found,
        "warm_mb": half[0]["rss_mb"],
        "second_half_slope_mb_per_min": round(slope, 2),
        "growth_after_warm_up_pct": round(growth, 1),
        "verdict": "flat" if slope < FLAT_MB_PER_MIN else "growing",
        "criterion": f"least-squares RSS slope over the second half < {FLAT_MB_PER_MIN} MB/min",
    }


def start_server(workdir: Path, key: str, max_sessions: int) -> tuple[subprocess.Popen[str], int]:
    port_file = workdir / "port"
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port_file), key, str(workdir / "data"),
         str(max_sessions)],
        cwd=workdir,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (port_file.exists() and port_file.read_text()):
        if child.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the server did not start")
        time.sleep(0.05)  # a benchmark waits for a child process; no event to wait on
    return child, int(port_file.read_text())


async def run(args: argparse.Namespace) -> dict[str, Any]:
    key = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="voxline-load-") as tmp:
        server, port = start_server(Path(tmp), key, args.clients + 10)
        try:
            return await _drive(args, key, server.pid, port)
        finally:
            server.terminate()
            server.wait(timeout=30)


async def _drive(args: argparse.Namespace, key: str, pid: int, port: int) -> dict[str, Any]:

    base = f"http://127.0.0.1:{port}"
    url = f"ws://127.0.0.1:{port}/ws/session?scenario=customer_service&token={key}"
    tally = Tally()
    load_before = [round(x, 2) for x in os.getloadavg()]
    stop = asyncio.Event()
    stop_at = time.perf_counter() + args.seconds
    sampling = asyncio.create_task(sampler(pid, base, key, args.sample_s, stop, tally))
    ramp = min(2.0, args.seconds / 4)
    await asyncio.gather(
        *(
            client(i, url, stop_at, args, tally, ramp * i / args.clients)
            for i in range(args.clients)
        )
    )
    for _ in range(100):  # the server frees each conversation once its socket closed
        after = await scrape(base, key)
        if after.get("voxline_active_sessions{kind=bridge}", 1) == 0:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(IDLE_S)  # the server trims its heap shortly after calls close
    stop.set()
    rows = await sampling
    final = await health(base)
    return {
        "clients": args.clients,
        "seconds": args.seconds,
        "think_s": args.think,
        "call_s": list(args.call_s),
        "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
        "calls": tally.connected,
        "refused_calls": tally.refused,
        "turns": tally.turns,
        "turns_per_s": round(tally.turns / args.seconds, 1),
        "lost_turns": tally.lost,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:10],
        "latency_ms": {
            "user_item_back": quantiles(tally.ack_s),
            "first_agent_audio": quantiles(tally.first_audio_s),
            "response_finished": quantiles(tally.finished_s),
        },
        "memory_mb": memory_verdict(rows, args.seconds),
        "server_after": {
            "open_sessions": after.get("voxline_active_sessions{kind=bridge}"),
            "sessions_started": after.get("voxline_sessions_total"),
            "turns_completed": after.get("voxline_turns_total{status=completed}"),
            "refusals": {k: v for k, v in after.items() if k.startswith("voxline_refusals")},
            "store": final.get("store"),
        },
        "samples": rows,
    }


def print_table(report: dict[str, Any]) -> None:
    print(f"{'t (s)':>7} {'RSS MB':>8} {'anon MB':>8} {'open':>5} {'calls':>6} {'turns':>7} "
          f"{'cpu s':>7} {'store q':>8}")  # fmt: skip
    for row in report["samples"]:
        print(f"{row['t_s']:>7} {row['rss_mb']:>8} {row['anon_mb']:>8} "
              f"{int(row['open_sessions']):>5} {row['calls']:>6} {row['turns']:>7} "
              f"{row['server_cpu_s']:>7} {row['store_pending']:>8}")  # fmt: skip
    print()
    print(f"{'latency (ms)':<20} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    for name, q in report["latency_ms"].items():
        print(f"{name:<20} {q['p50']!s:>8} {q['p95']!s:>8} {q['p99']!s:>8} {q['max']!s:>8}")
    mem = report["memory_mb"]
    print()
    print(f"clients {report['clients']} ({report['calls']} calls, {report['refused_calls']} "
          f"refused and retried), {report['seconds']} s, "
          f"turns {report['turns']} ({report['turns_per_s']}/s), lost {report['lost_turns']}, "
          f"errors {report['errors']}")  # fmt: skip
    print(f"memory (MB): start {mem['start']}, warm {mem.get('warm_mb')}, peak {mem['peak']}, "
          f"idle after the calls {mem['idle_after']}")  # fmt: skip
    print(f"second half: {mem['second_half_slope_mb_per_min']} MB/min, "
          f"{mem['growth_after_warm_up_pct']}% -> {mem['verdict']}")  # fmt: skip
    print(f"  criterion: {mem.get('criterion')}")
    load = report["load_average"]
    print(f"load average (1, 5, 15 min): before {load['before']}, after {load['after']}")
    print(f"server after: {report['server_after']}")
    for line in report["error_samples"]:
        print(f"  error: {line}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        port_file, key, data_dir, max_sessions = sys.argv[2:6]
        serve_main(Path(port_file), key, Path(data_dir), int(max_sessions))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent conversations")
    parser.add_argument("--seconds", type=float, default=180.0, help="how long they talk")
    parser.add_argument("--think", type=float, default=1.0, help="pause between turns (s)")
    parser.add_argument(
        "--call-s",
        type=float,
        nargs=2,
        default=(30.0, 60.0),
        metavar=("SHORTEST", "LONGEST"),
        help="each call lasts a random time in this range, then the client calls again "
        "(0 0: one call per client for the whole run)",
    )
    parser.add_argument("--sample-s", type=float, default=5.0, help="memory sample period")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    args = parser.parse_args()
    if args.clients < 1 or args.seconds <= 0 or args.think < 0 or args.sample_s <= 0:
        parser.error("--clients must be >= 1, --seconds and --sample-s > 0, --think >= 0")
    if not 0 <= args.call_s[0] <= args.call_s[1]:
        parser.error("--call-s needs 0 <= SHORTEST <= LONGEST")
    report = asyncio.run(run(args))
    print_table(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    if report["lost_turns"] or report["errors"] or report["calls"] < report["clients"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
