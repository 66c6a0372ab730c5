"""Several transport benchmark runs read together: each run's ratios, their median and spread.

One run of `transport_bench.py` on a shared machine can land on a quiet or a loaded stretch:
its 1-session tool round trip ratio moves by about 0.2 from run to run, more than its own
bootstrap interval says. This script reads the JSON of several runs (of the same code) and,
for every session count, pair of clients and metric, prints each run's ratio of medians, the
median of those ratios, and a seeded bootstrap interval of that median over the runs: the
spread between runs, which no single run can show. Beside each ratio it gives the
denominator's own median in that run (for the floor: its tool round trip in ms), since how
loaded the host was moves the ratio as well as the figures. Nothing is re-measured.

    python benchmarks/transport_pool.py run1.json run2.json ... [--out pooled.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from transport.report import GOAL, METRICS
from transport.stats import RESAMPLES, SEED

PAIRS = ("voxline/floor", "push/floor", "agents/floor", "voxline/agents")
GOALS = {metric: GOAL[kind] for metric, _label, kind in METRICS}


class PoolError(ValueError):
    """A file that is not a transport benchmark result."""


def load_run(path: Path) -> dict[str, Any]:
    """One result file of `transport_bench.py`.

    Raises:
        PoolError: the file is missing, not JSON, or not a transport benchmark result.
    """
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PoolError(f"{path}: cannot read it as JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("analysis"), dict):
        raise PoolError(f"{path}: not a transport_bench.py result (no 'analysis')")
    return data


Measured = tuple[float, float | None]
"""One run's ratio of medians, and the denominator client's own median (None if absent)."""


def _denominator(run: dict[str, Any], pair: str, sessions: str, metric: str) -> float | None:
    client = pair.split("/")[-1]
    for row in run.get("runs") or ():
        if row.get("client") == client and str(row.get("sessions")) == sessions:
            value = row.get(metric)
            value = value.get("median") if isinstance(value, dict) else value
            return float(value) if isinstance(value, int | float) else None
    return None


def run_ratios(runs: Sequence[dict[str, Any]]) -> dict[str, dict[str, dict[str, list[Measured]]]]:
    """session count -> pair -> metric -> (ratio of medians, the denominator's median) of
    every run that has the ratio."""
    found: dict[str, dict[str, dict[str, list[Measured]]]] = {}
    for run in runs:
        for sessions, analysis in run["analysis"].items():
            for pair, table in (analysis.get("ratios") or {}).items():
                for metric, cell in table.items():
                    value = cell.get("median") if isinstance(cell, dict) else None
                    if isinstance(value, int | float):
                        by_pair = found.setdefault(sessions, {}).setdefault(pair, {})
                        below = _denominator(run, pair, sessions, metric)
                        by_pair.setdefault(metric, []).append((float(value), below))
    return found


def median_interval(
    values: Sequence[float], *, level: float = 0.95, resamples: int = RESAMPLES, seed: int = SEED
) -> tuple[float, float] | None:
    """A percentile bootstrap interval for the median of `values` (runs resampled with
    replacement); None with fewer than two values."""
    if len(values) < 2:
        return None
    rng = np.random.default_rng(seed)
    data = np.asarray(values, dtype=np.float64)
    picks = rng.integers(0, len(data), size=(resamples, len(data)))
    medians = np.median(data[picks], axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(medians, [tail, 100 - tail])
    return float(low), float(high)


def pool(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each run's ratio, the median over runs, its interval and how many runs met the goal."""
    out: dict[str, Any] = {}
    for sessions, pairs in sorted(run_ratios(runs).items(), key=lambda kv: int(kv[0])):
        for pair, metrics in pairs.items():
            for metric, measured in metrics.items():
                goal = GOALS.get(metric)
                values = [ratio for ratio, _ in measured]
                interval = median_interval(values)
                out.setdefault(sessions, {}).setdefault(pair, {})[metric] = {
                    "runs": values,
                    "denominators": [below for _, below in measured],
                    "median": round(statistics.median(values), 2),
                    "interval95": None if interval is None else [round(x, 2) for x in interval],
                    "met_in": None if goal is None else sum(v <= goal for v in values),
                    "goal": goal,
                }
    return out


def print_table(pooled: dict[str, Any], files: int) -> None:
    print(f"{files} run(s); per metric: median of the runs' ratios [bootstrap 95% over runs]")
    print("runs: each run's ratio @ the denominator's own median in it, by that median")
    for sessions, pairs in pooled.items():
        for pair in (p for p in PAIRS if p in pairs):
            print(f"\n{pair} at {sessions} session(s)")
            for metric, label, _kind in METRICS:
                cell = pairs[pair].get(metric)
                if cell is None:
                    continue
                low_high = cell["interval95"]
                interval = "" if low_high is None else f" [{low_high[0]:.2f}-{low_high[1]:.2f}]"
                ordered = sorted(
                    zip(cell["runs"], cell["denominators"], strict=True),
                    key=lambda rd: (rd[1] is None, rd[1] or 0.0, rd[0]),
                )
                runs = " ".join(f"{r:.2f}" + ("" if d is None else f"@{d:g}") for r, d in ordered)
                met = f"goal {cell['goal']:g}x met in {cell['met_in']}/{len(cell['runs'])}"
                print(f"  {label:24s} {cell['median']:.2f}{interval:14s} {met:22s} runs: {runs}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="transport_bench.py JSON results")
    parser.add_argument("--out", type=Path, default=None, help="where to write the JSON")
    args = parser.parse_args(argv)
    try:
        runs = [load_run(path) for path in args.files]
    except PoolError as exc:
        parser.exit(2, f"transport_pool.py: error: {exc}\n")
    pooled = pool(runs)
    print_table(pooled, len(runs))
    report = {"files": [str(p) for p in args.files], "pooled": pooled}
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
        print(f"\nwrote {args.out}", file=sys.stderr)
    return report


if __name__ == "__main__":
    main()
