"""Benchmark the OpenAI Realtime transport: voxline vs openai-agents vs a bare floor client.

Every configuration (client x number of sessions) runs against voxline's fake realtime
server on 127.0.0.1, started in its own process so the client's CPU is measured alone. Each
session streams microphone audio in real time; on every user turn the model calls a function
(a tool or, every other turn, a handoff to the other agent), the client answers it, and the
model speaks a reply streamed in real time as audio deltas. Measured:

- added latency per audio delta: the server's send time (time.monotonic, carried inside the
  audio bytes) to the moment the application gets the audio; the first chunk of each reply
  and every chunk;
- tool and handoff round trip: function call sent -> function output, and -> the next
  response.create, both received by the server (server clock);
- CPU seconds of the client process per session-minute of streaming;
- client process memory before the sessions and per session.

voxline is reported as ratios to the floor (the protocol work any framework must do) and to
openai-agents, read two ways: "voxline" iterates the session (`async for event in session`),
"push" subscribes a listener (`session.subscribe`). The machine may be shared and is noisy:
compare ratios from one run. Every ratio of medians comes with a seeded bootstrap 95%
interval, and each metric's sample count is reported; by default each run streams long
enough for 40 first chunks and 40 tool round trips per client (--min-samples).

Run: .venv/bin/python benchmarks/transport_bench.py [--sessions 1,10,50] [--min-samples 40]
        [--seconds S] [--clients voxline,agents,floor (add push)] [--out PATH]
Prints a table and writes the JSON.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from transport.clients import CLIENTS, client_process
from transport.report import (
    GOAL,
    SAMPLED_RAW,
    few_samples,
    goal_check,
    print_table,
    ratios,
    round_ratios,
)
from transport.traffic import Traffic, summary

RESULTS = Path(__file__).parent / "results" / "transport.json"
DEFAULT_CLIENTS = ("voxline", "agents", "floor")
"""The goal's pair; push and agents are opt-in (each adds a run per session count)."""
MIN_SAMPLES = 40
"""Default first chunks and tool round trips per client per session count (sets --seconds)."""


class Server:
    """The fake server's process, shared by every run (one client process at a time)."""

    def __init__(self, traffic: Traffic) -> None:
        from transport.server import serve_process  # imports voxline: keep it out of clients

        self.ctx = mp.get_context("spawn")
        self.pipe, child = self.ctx.Pipe()
        self.process = self.ctx.Process(target=serve_process, args=(child, traffic), daemon=True)
        self.process.start()
        self.base_url: str | None = None

    def url(self) -> str:
        if self.base_url is None:
            if not self.pipe.poll(60):
                raise TimeoutError("the fake server process did not start within 60 s")
            self.base_url = self.pipe.recv()
        return self.base_url

    def collect(self) -> dict[str, Any]:
        """The server's timings of the run that just ended."""
        self.pipe.send("collect")
        if not self.pipe.poll(30):
            raise TimeoutError("the fake server process did not report its timings")
        stats: dict[str, Any] = self.pipe.recv()
        return stats

    def stop(self) -> None:
        if self.process.is_alive():
            self.pipe.send("stop")
            self.process.join(30)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run_one(
    server: Server, kind: str, sessions: int, traffic: Traffic, profile_dir: Path | None = None
) -> dict[str, Any]:
    """Run one client process with `sessions` sessions against the server.

    The client is spawned (not forked) and this module imports neither voxline nor
    openai-agents at the top, so the client process holds only its own libraries. It imports
    them while the server starts, before anything is measured.
    """
    client_end, client_pipe = server.ctx.Pipe()
    profile = None if profile_dir is None else str(profile_dir / f"{kind}-{sessions}.prof")
    client = server.ctx.Process(
        target=client_process, args=(client_pipe, kind, sessions, traffic, profile), daemon=True
    )
    client.start()
    try:
        client_end.send(server.url())
        limit = traffic.seconds + 120
        raw: dict[str, Any]
        if client_end.poll(limit):
            raw = client_end.recv()
            client.join(30)
        else:
            raw = {"client": kind, "sessions": sessions, "failed": f"no result in {limit:g} s"}
    finally:
        if client.is_alive():
            client.kill()
            client.join()
    raw["server"] = server.collect()
    return raw


def merge(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Pool the samples of repeated runs of one configuration (failed rounds are dropped)."""
    good = [r for r in rounds if "failed" not in r]
    if not good:
        return rounds[0]
    merged = {**good[0], "rounds": len(good), "failed_rounds": len(rounds) - len(good)}
    for key in ("first", "every"):
        merged[key] = [x for r in good for x in r[key]]
    for key in ("wall_s", "cpu_s"):
        merged[key] = sum(r[key] for r in good)
    for key in ("rss_before", "rss_connected", "rss_end"):
        merged[key] = statistics.median(r[key] for r in good)
    for key in ("counts", "warm_up_counts"):
        merged[key] = {
            k: sum(r[key][k] for r in good) if isinstance(v, int) else v
            for k, v in good[0][key].items()
        }
    server = {**good[0]["server"]}
    server["round_trips"] = [t for r in good for t in r["server"]["round_trips"]]
    for key in ("invalid_count", "error_count"):
        server[key] = sum(r["server"][key] for r in good)
    merged["server"] = server
    return merged


def samples(raw: dict[str, Any]) -> dict[str, list[float]]:
    """The raw samples (seconds) behind each latency and round-trip metric of a pooled run."""
    if "failed" in raw:
        return {}
    trips = raw["server"]["round_trips"]

    def trip(kind: str) -> list[float]:
        return [t["create_s"] for t in trips if t["kind"] == kind and t["create_s"] is not None]

    return {
        "first_chunk_ms": raw["first"],
        "every_chunk_ms": raw["every"],
        "tool_round_trip_ms": trip("tool"),
        "handoff_round_trip_ms": trip("handoff"),
    }


def digest(raw: dict[str, Any]) -> dict[str, Any]:
    """Turn one configuration's raw samples into medians, p95s and per-session figures."""
    stats = raw["server"]
    if "failed" in raw:
        return raw
    n = raw["sessions"]
    trips = stats["round_trips"]

    def trip(kind: str, key: str) -> list[float]:
        return [t[key] for t in trips if t["kind"] == kind and t[key] is not None]

    minutes = n * raw["wall_s"] / 60
    return {
        "client": raw["client"],
        "sessions": n,
        "rounds": raw.get("rounds", 1),
        "failed_rounds": raw.get("failed_rounds", 0),
        "first_chunk_ms": summary(raw["first"]),
        "every_chunk_ms": summary(raw["every"]),
        "tool_round_trip_ms": summary(trip("tool", "create_s")),
        "handoff_round_trip_ms": summary(trip("handoff", "create_s")),
        "tool_output_ms": summary(trip("tool", "output_s")),
        "handoff_output_ms": summary(trip("handoff", "output_s")),
        "cpu_s": round(raw["cpu_s"], 3),
        "wall_s": round(raw["wall_s"], 3),
        "cpu_s_per_session_minute": round(raw["cpu_s"] / minutes, 4),
        "rss_before_mb": round(raw["rss_before"] / 2**20, 1),
        "rss_per_session_kb": round((raw["rss_end"] - raw["rss_before"]) / n / 1024, 1),
        "counts": raw["counts"],
        "warm_up_counts": raw["warm_up_counts"],
        "server": {k: v for k, v in stats.items() if k != "round_trips"},
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,10,50", help="comma-separated session counts")
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="streaming time per run (default: at least 20 s, longer where needed for "
        "--min-samples)",
    )
    parser.add_argument(
        "--min-samples",
        type=int,
        default=MIN_SAMPLES,
        help="first chunks and tool round trips per client per session count, over all "
        "rounds; sets the streaming time unless --seconds is given (then only reported)",
    )
    parser.add_argument(
        "--clients", default=",".join(DEFAULT_CLIENTS), help="some of voxline,push,agents,floor"
    )
    parser.add_argument("--input-chunk-ms", type=int, default=50, help="microphone chunk")
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="rounds per configuration, interleaved, pooled (default: 2, or as many as keep "
        "each run to at most 60 s when --min-samples needs longer)",
    )
    parser.add_argument("--reply-chunks", type=int, default=10, help="audio deltas per reply")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="directory for a cProfile file per run (slows the clients: figures are not "
        "comparable with an unprofiled run)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(argv)
    clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    unknown = sorted(set(clients) - set(CLIENTS))
    if unknown:
        parser.error(f"unknown client(s) {unknown}; expected some of {list(CLIENTS)}")
    try:
        args.session_counts = [int(s) for s in args.sessions.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sessions must be comma-separated integers, not {args.sessions!r}")
    if not args.session_counts or min(args.session_counts) < 1:
        parser.error("--sessions needs at least one count, each 1 or more")
    if args.seconds is not None and args.seconds <= 0:
        parser.error("--seconds must be positive")
    if args.min_samples < 0:
        parser.error("--min-samples must be 0 or more")
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    if args.reply_chunks < 1 or args.input_chunk_ms < 10:
        parser.error("--reply-chunks must be 1 or more and --input-chunk-ms 10 or more")
    args.client_list = clients
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    return args


def traffic_of(args: argparse.Namespace) -> Traffic:
    """The traffic the flags ask for (its `seconds`: `--seconds`, or the 20 s minimum)."""
    return Traffic(
        seconds=args.seconds or Traffic.seconds,
        input_chunk_ms=args.input_chunk_ms,
        reply_chunks=args.reply_chunks,
    )


ROUND_S = 60.0
"""The longest run --repeat's default allows: a longer stretch is split into interleaved
rounds, so a change in the machine's load hits every client alike."""


MIN_ROUNDS = 2
"""Rounds per session count unless --repeat says otherwise: with two or more, the report
gives each round's ratio too, which shows how much the machine's state moved the result."""


def plan(args: argparse.Namespace, traffic: Traffic) -> dict[int, tuple[Traffic, int]]:
    """The traffic and rounds of each session count: `--seconds` as given, or long enough
    that the rounds together give every client `--min-samples` turns (one first chunk and one
    tool round trip each), in at least two rounds of at most a minute unless `--repeat` is
    given."""
    plans: dict[int, tuple[Traffic, int]] = {}
    for n in args.session_counts:
        if args.seconds is not None:
            plans[n] = (traffic, args.repeat or 1)
            continue
        rounds = args.repeat
        if rounds is None:
            needed = math.ceil(traffic.seconds_for(args.min_samples, n) / ROUND_S)
            rounds = max(MIN_ROUNDS, needed)
        per_round = -(-args.min_samples // rounds)
        plans[n] = (replace(traffic, seconds=traffic.seconds_for(per_round, n)), rounds)
    return plans


def run_order(clients: list[str], round_index: int) -> list[str]:
    """The clients in the order round `round_index` (from 0) runs them: as given in even
    rounds, reversed in odd ones. The host's speed drifts over a run (a quiet stretch after a
    loaded one, or the reverse); in a fixed order the last client would always get the later
    machine. Alternating gives each client the same average place over every two rounds."""
    return list(clients) if round_index % 2 == 0 else list(reversed(clients))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    traffic = traffic_of(args)
    plans = plan(args, traffic)
    total = sum(t.seconds * r for t, r in plans.values()) * len(args.client_list)
    print(f"streaming {total / 60:.1f} min in all (plus about 5 s per run to start)", flush=True)
    load_before = os.getloadavg()
    rounds: dict[tuple[str, int], list[dict[str, Any]]] = {}
    server = Server(traffic)
    try:
        for sessions, (planned, repeat) in plans.items():
            for round_ in range(repeat):
                for kind in run_order(args.client_list, round_):
                    print(
                        f"running {kind} x{sessions} for {planned.seconds:g} s "
                        f"(round {round_ + 1}/{repeat}) ...",
                        flush=True,
                    )
                    raw = run_one(server, kind, sessions, planned, args.profile)
                    rounds.setdefault((kind, sessions), []).append(raw)
    finally:
        server.stop()
    pooled = {key: merge(r) for key, r in rounds.items()}
    sampled = {key: samples(raw) for key, raw in pooled.items()}
    runs = [digest(raw) for raw in pooled.values()]
    for run in runs:  # the samples behind the few-per-run metrics, to pool runs later
        if "failed" not in run:
            sampled_ms = sampled[(run["client"], run["sessions"])]
            run["samples_ms"] = {
                m: [round(x * 1000, 4) for x in sampled_ms[m]] for m in SAMPLED_RAW
            }
    by = {(r["client"], r["sessions"]): r for r in runs}
    analysis = {
        str(n): {
            "ratios": (table := ratios(by, n, sampled)),
            "round_ratios": round_ratios(rounds, n, samples),
            "voxline_within_goal": goal_check(table),
            "push_within_goal": goal_check(table, "push"),
        }
        for n in args.session_counts
    }
    report = {
        "benchmark": "transport",
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "cpu": _cpu_model(),
        },
        "versions": package_versions(),
        "traffic": vars(traffic),
        "seconds_per_round": {str(n): t.seconds for n, (t, _r) in plans.items()},
        "rounds": {str(n): r for n, (_t, r) in plans.items()},
        "min_samples": args.min_samples,
        "few_samples": few_samples(runs, args.min_samples),
        "goal": GOAL,
        "runs": runs,
        "analysis": analysis,
    }
    print_table(runs, analysis, args.min_samples)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return report


PACKAGES = ("voxline", "websockets", "msgspec", "openai", "openai-agents", "pydantic")
"""What the clients and the fake server run on: a new release of one moves the figures (the
floor's among them), so runs from different days compare only with these alongside."""


def package_versions() -> dict[str, str | None]:
    """The installed version of each of PACKAGES (None: not installed)."""
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return None


if __name__ == "__main__":
    main()
