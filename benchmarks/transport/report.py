"""The transport benchmark's analysis: ratios to the floor with intervals, goal check, table."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from transport.stats import ratio_interval

GOAL = {"latency": 1.5, "round_trip": 1.5, "cpu": 1.25}
METRICS = (
    ("first_chunk_ms", "first audio chunk", "latency"),
    ("every_chunk_ms", "every audio chunk", "latency"),
    ("tool_round_trip_ms", "tool round trip", "round_trip"),
    ("handoff_round_trip_ms", "handoff round trip", "round_trip"),
    ("cpu_s_per_session_minute", "CPU s / session-minute", "cpu"),
)
SAMPLED_RAW = ("first_chunk_ms", "tool_round_trip_ms", "handoff_round_trip_ms")
"""Metrics whose every sample goes into the JSON (`samples_ms`): a few dozen per run."""
SAMPLED = ("first_chunk_ms", "tool_round_trip_ms")
"""The metrics --min-samples is about (one of each per turn)."""


def figure(run: dict[str, Any] | None, metric: str, stat: str) -> float | None:
    """One number of a run: a summary's median/p95, or a plain value."""
    if run is None or "failed" in run:
        return None
    value = run[metric]
    if isinstance(value, dict):
        picked = value.get(stat)
        return float(picked) if picked is not None else None
    return float(value)


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b and b > 0 else None


def ratios(
    by: dict[tuple[str, int], dict[str, Any]],
    sessions: int,
    sampled: dict[tuple[str, int], dict[str, list[float]]] | None = None,
) -> dict[str, Any]:
    """voxline/floor, push/floor, voxline/agents and agents/floor for every metric, median
    and p95 ("push": voxline read by a subscribed listener instead of `async for`), with a
    seeded bootstrap 95% interval for each ratio of medians (`interval95`; None for CPU, one
    figure per run, or where a client has no samples)."""
    pairs = (("voxline", "floor"), ("push", "floor"), ("voxline", "agents"), ("agents", "floor"))
    sampled = sampled or {}
    out: dict[str, Any] = {}
    for a, b in pairs:
        ra, rb = by.get((a, sessions)), by.get((b, sessions))
        if ra is None or rb is None:
            continue
        sa, sb = sampled.get((a, sessions), {}), sampled.get((b, sessions), {})
        table: dict[str, Any] = {}
        for metric, _label, _goal in METRICS:
            cell: dict[str, Any] = {
                stat: ratio(figure(ra, metric, stat), figure(rb, metric, stat))
                for stat in ("median", "p95")
            }
            interval = ratio_interval(sa.get(metric, []), sb.get(metric, []))
            cell["interval95"] = None if interval is None else [round(x, 2) for x in interval]
            table[metric] = cell
        out[f"{a}/{b}"] = table
    return out


def round_ratios(
    rounds: dict[tuple[str, int], list[dict[str, Any]]],
    sessions: int,
    sampled: Callable[[dict[str, Any]], dict[str, list[float]]],
) -> dict[str, dict[str, list[float | None]]]:
    """voxline/floor (and push/floor) of every metric in each round on its own.

    Rounds of different clients alternate, so the rounds of one index ran close together in
    time: how far these ratios spread shows how much the machine's state moved the result,
    next to the bootstrap interval, which only covers the sampling within the pooled run.
    """
    out: dict[str, dict[str, list[float | None]]] = {}
    for client in ("voxline", "push"):
        mine, floor = rounds.get((client, sessions), []), rounds.get(("floor", sessions), [])
        pairs = [
            (a, b)
            for a, b in zip(mine, floor, strict=False)
            if "failed" not in a and "failed" not in b
        ]
        if len(pairs) < 2:
            continue  # one round: the pooled ratio says it all
        table: dict[str, list[float | None]] = {}
        for metric, _label, _goal in METRICS:
            row: list[float | None] = []
            for a, b in pairs:
                if metric == "cpu_s_per_session_minute":
                    row.append(ratio(a["cpu_s"] / a["wall_s"], b["cpu_s"] / b["wall_s"]))
                else:
                    row.append(ratio(_median(sampled(a)[metric]), _median(sampled(b)[metric])))
            table[metric] = row
        out[f"{client}/floor"] = table
    return out


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def goal_check(table: dict[str, Any], client: str = "voxline") -> dict[str, bool | None]:
    """Whether `client` (voxline or push) is within the goal of the floor on each metric
    (median)."""
    vs_floor = table.get(f"{client}/floor")
    if vs_floor is None:
        return {}
    checks: dict[str, bool | None] = {}
    for metric, _label, goal in METRICS:
        value = vs_floor[metric]["median"]
        checks[metric] = None if value is None else value <= GOAL[goal]
    return checks


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def fmt_interval(interval: list[float] | None) -> str:
    return "" if interval is None else f" [{interval[0]:.2f}-{interval[1]:.2f}]"


def sample_counts(run: dict[str, Any]) -> str:
    """first chunks / every chunk / tool round trips / handoff round trips of a run."""
    return "/".join(
        str(run[m]["n"])
        for m in ("first_chunk_ms", "every_chunk_ms", "tool_round_trip_ms", "handoff_round_trip_ms")
    )


def few_samples(runs: list[dict[str, Any]], min_samples: int) -> list[str]:
    """The runs with fewer than `min_samples` first chunks or tool round trips."""
    notes = []
    for run in runs:
        if "failed" in run:
            continue
        short = [f"{m} n={run[m]['n']}" for m in SAMPLED if run[m]["n"] < min_samples]
        if short:
            notes.append(f"{run['client']} x{run['sessions']}: {', '.join(short)}")
    return notes


def print_table(runs: list[dict[str, Any]], analysis: dict[str, Any], min_samples: int) -> None:
    head = (
        f"{'client':8} {'sess':>4} | {'first ms med/p95':>17} | {'all ms med/p95':>15} | "
        f"{'tool rt ms':>13} | {'handoff rt ms':>13} | {'cpu s/s-min':>11} | "
        f"{'rss MB':>6} {'KB/sess':>8} | {'n first/all/tool/handoff':>24} | "
        "calls/handoffs/errors"
    )
    print(head)
    print("-" * len(head))
    for run in runs:
        if "failed" in run:
            print(f"{run['client']:8} {run['sessions']:>4} | FAILED: {run['failed']}")
            continue

        def pair(metric: str, run: dict[str, Any] = run) -> str:
            return f"{fmt(figure(run, metric, 'median'))}/{fmt(figure(run, metric, 'p95'))}"

        c = run["counts"]
        print(
            f"{run['client']:8} {run['sessions']:>4} | {pair('first_chunk_ms'):>17} | "
            f"{pair('every_chunk_ms'):>15} | {pair('tool_round_trip_ms'):>13} | "
            f"{pair('handoff_round_trip_ms'):>13} | {run['cpu_s_per_session_minute']:>11.3f} | "
            f"{run['rss_before_mb']:>6.1f} {run['rss_per_session_kb']:>8.1f} | "
            f"{sample_counts(run):>24} | "
            f"{c['tool_calls']}/{c['handoffs']}/{c['errors'] + run['server']['error_count']}"
        )
    for sessions, table in analysis.items():
        print(f"\nratios at {sessions} session(s), median [bootstrap 95% interval] (p95):")
        for pair_name, metrics in table["ratios"].items():
            cells = ", ".join(
                f"{label} {fmt(metrics[m]['median'])}{fmt_interval(metrics[m]['interval95'])} "
                f"({fmt(metrics[m]['p95'])})"
                for m, label, _goal in METRICS
            )
            print(f"  {pair_name:15} {cells}")
        for pair_name, metrics in table.get("round_ratios", {}).items():
            cells = ", ".join(
                f"{label} {' '.join(fmt(x) for x in metrics[m])}" for m, label, _goal in METRICS
            )
            print(f"  {pair_name:15} round by round: {cells}")
        for client in ("voxline", "push"):
            checks = table.get(f"{client}_within_goal")
            if not checks:
                continue
            vs_floor = table["ratios"][f"{client}/floor"]
            verdict = ", ".join(
                f"{m}: {'met' if ok else 'NOT met' if ok is not None else '-'} "
                f"{fmt(vs_floor[m]['median'])}{fmt_interval(vs_floor[m]['interval95'])}"
                for m, ok in checks.items()
            )
            print(
                f"  {client} within goal of floor (latency/round trip <= 1.5x, CPU <= 1.25x; "
                f"met = median ratio <= goal): {verdict}"
            )
    short = few_samples(runs, min_samples)
    if short:
        print(f"\nfewer than {min_samples} samples (wide intervals): " + "; ".join(short))
    print(
        "\nnote: a shared 2-core machine is noisy (other processes may run); the load average "
        "is in the JSON. Compare ratios from one run, not absolute numbers across runs; an "
        "interval that straddles the goal means the run cannot tell."
    )
