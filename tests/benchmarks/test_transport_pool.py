"""Reading several transport benchmark runs together (benchmarks/transport_pool.py)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.benchmarks.scripts import BENCHMARKS, load_script, run_script


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the `transport` package lives there
    return load_script("transport_pool.py")


def result(tool: float, first: float, *, tens: float | None = None) -> dict[str, Any]:
    """A transport_bench.py result with voxline/floor medians at 1 (and maybe 10) sessions."""

    def cell(value: float) -> dict[str, Any]:
        return {"median": value, "p95": value * 1.2, "interval95": [value - 0.1, value + 0.1]}

    analysis: dict[str, Any] = {
        "1": {"ratios": {"voxline/floor": {
            "tool_round_trip_ms": cell(tool),
            "first_chunk_ms": cell(first),
            "cpu_s_per_session_minute": {"median": 1.05, "p95": 1.05, "interval95": None},
        }}},
    }  # fmt: skip
    if tens is not None:
        analysis["10"] = {"ratios": {"voxline/floor": {"tool_round_trip_ms": cell(tens)}}}
    floor = {"client": "floor", "sessions": 1, "tool_round_trip_ms": {"median": 0.8 / tool},
             "first_chunk_ms": {"median": 0.3}, "cpu_s_per_session_minute": 0.9}  # fmt: skip
    return {"benchmark": "transport", "analysis": analysis, "runs": [floor]}


def test_each_runs_ratio_is_kept_and_the_median_and_goal_count_are_over_runs(
    pool: ModuleType,
) -> None:
    runs = [result(1.6, 1.2), result(1.4, 1.3, tens=1.2), result(1.45, 1.7)]
    pooled = pool.pool(runs)
    tool = pooled["1"]["voxline/floor"]["tool_round_trip_ms"]
    assert tool["runs"] == [1.6, 1.4, 1.45]
    assert tool["median"] == 1.45
    assert tool["goal"] == 1.5
    assert tool["met_in"] == 2
    # beside each ratio, the floor's own median in that run (how loaded the host was)
    assert tool["denominators"] == [pytest.approx(0.8 / t) for t in (1.6, 1.4, 1.45)]
    first = pooled["1"]["voxline/floor"]["first_chunk_ms"]
    assert first["median"] == 1.3
    assert first["met_in"] == 2
    cpu = pooled["1"]["voxline/floor"]["cpu_s_per_session_minute"]
    assert cpu["goal"] == 1.25
    assert cpu["met_in"] == 3
    assert cpu["denominators"] == [0.9, 0.9, 0.9]
    # a session count only some runs have is pooled over those runs alone
    assert pooled["10"]["voxline/floor"]["tool_round_trip_ms"]["runs"] == [1.2]
    assert pooled["10"]["voxline/floor"]["tool_round_trip_ms"]["denominators"] == [None]
    assert pooled["10"]["voxline/floor"]["tool_round_trip_ms"]["interval95"] is None


def test_the_interval_over_runs_holds_the_median_and_is_seeded(pool: ModuleType) -> None:
    values = [1.18, 1.25, 1.47, 1.51, 1.51, 1.53, 1.58, 1.64]
    interval = pool.median_interval(values)
    assert interval is not None
    assert interval[0] <= 1.51 <= interval[1]
    assert interval[0] >= 1.18
    assert interval[1] <= 1.64
    assert pool.median_interval(values) == interval
    assert pool.median_interval([1.5]) is None


def test_a_missing_or_foreign_file_is_a_clear_error(pool: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(pool.PoolError, match="cannot read it as JSON"):
        pool.load_run(tmp_path / "missing.json")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"benchmark": "voice"}))
    with pytest.raises(pool.PoolError, match=r"not a transport_bench\.py result"):
        pool.load_run(other)


def test_the_script_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    files = []
    for index, tool in enumerate((1.6, 1.4, 1.45)):
        path = tmp_path / f"run{index}.json"
        path.write_text(json.dumps(result(tool, 1.2)))
        files.append(str(path))
    out = tmp_path / "pooled.json"
    done = run_script("transport_pool.py", *files, "--out", str(out), timeout=60)
    assert done.returncode == 0, done.stderr
    assert "voxline/floor at 1 session(s)" in done.stdout
    assert "tool round trip" in done.stdout
    assert "met in 2/3" in done.stdout
    assert "1.60@0.5 1.45@0.551724 1.40@0.571429" in done.stdout  # by the floor's median
    written = json.loads(out.read_text())
    assert written["pooled"]["1"]["voxline/floor"]["tool_round_trip_ms"]["median"] == 1.45
    bad = run_script("transport_pool.py", str(tmp_path / "nope.json"), timeout=60)
    assert bad.returncode == 2
    assert "cannot read it as JSON" in bad.stderr
