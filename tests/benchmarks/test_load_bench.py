"""The load benchmark runs end to end for a few seconds, so it cannot rot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.benchmarks.scripts import run_script


def test_a_short_run_loses_nothing_and_reports_memory_and_latency(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    done = run_script(
        "load_bench.py", "--clients", "5", "--seconds", "5", "--think", "0.5",
        "--call-s", "1", "2", "--sample-s", "0.5", "--out", str(out), timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "RSS MB" in done.stdout
    report: dict[str, Any] = json.loads(out.read_text())
    assert report["calls"] > 5  # calls of 1-2 s were replaced by new ones
    assert report["turns"] >= 5
    assert (report["lost_turns"], report["errors"]) == (0, 0)
    assert report["latency_ms"]["response_finished"]["p95"] > 0
    assert len(report["samples"]) >= 3
    memory = report["memory_mb"]
    assert memory["peak"] >= memory["idle_after"] > 0
    assert memory["verdict"] in ("flat", "growing")
    assert memory["second_half_slope_mb_per_min"] is not None
    assert len(report["load_average"]["before"]) == 3
    after = report["server_after"]
    assert after["open_sessions"] == 0
    assert after["sessions_started"] == report["calls"]
    assert after["turns_completed"] == report["turns"]
    assert after["store"]["state"] == "ok"
