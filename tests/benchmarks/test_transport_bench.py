"""The transport benchmark runs end to end with tiny settings, so it cannot rot."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.benchmarks.scripts import run_script

CLIENTS = ("voxline", "push", "agents", "floor")


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    return run_script("transport_bench.py", *args, timeout=240)


def test_one_session_of_each_client_measures_audio_round_trips_cpu_and_memory(
    tmp_path: Path,
) -> None:
    out = tmp_path / "transport.json"
    done = run_bench(
        "--sessions", "1", "--seconds", "2.5", "--reply-chunks", "3", "--out", str(out),
        "--clients", ",".join(CLIENTS),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(out.read_text())
    runs = {run["client"]: run for run in report["runs"]}
    assert sorted(runs) == sorted(CLIENTS)
    for name, run in runs.items():
        assert "failed" not in run, f"{name}: {run.get('failed')}"
        assert run["counts"]["errors"] == 0, run["counts"]["error_samples"]
        assert run["server"]["error_count"] == 0, run["server"]["errors"]
        assert run["server"]["invalid_count"] == 0, run["server"]["invalid"]
        # the warm-up went through a tool call and a handoff, each answered by a reply
        assert run["warm_up_counts"]["tool_calls"] == 1
        assert run["warm_up_counts"]["handoffs"] == 1
        # the measured session spoke once: one tool call, answered, then a streamed reply
        assert run["counts"]["tool_calls"] == 1
        assert run["tool_round_trip_ms"]["n"] == 1
        assert 0 < run["tool_round_trip_ms"]["median"] < 5000
        assert run["first_chunk_ms"]["n"] == 1
        assert run["every_chunk_ms"]["n"] >= 1
        assert run["cpu_s_per_session_minute"] > 0
        assert run["rss_before_mb"] > 0
    ratios = report["analysis"]["1"]["ratios"]
    assert set(ratios) == {"voxline/floor", "push/floor", "voxline/agents", "agents/floor"}
    assert ratios["push/floor"]["first_chunk_ms"]["median"] > 0
    assert ratios["voxline/floor"]["tool_round_trip_ms"]["median"] > 0
    # one sample a side: every resample is that sample, so the interval is the ratio itself
    low, high = ratios["voxline/floor"]["tool_round_trip_ms"]["interval95"]
    assert low == high > 0
    assert ratios["voxline/floor"]["cpu_s_per_session_minute"]["interval95"] is None
    # a 2.5 s run is far below the default 40 samples, and the report says so
    assert report["min_samples"] == 40
    assert any(note.startswith("voxline x1: first_chunk_ms n=1") for note in report["few_samples"])
    assert "fewer than 40 samples" in done.stdout
    assert "n first/all/tool/handoff" in done.stdout
    assert len(runs["voxline"]["samples_ms"]["tool_round_trip_ms"]) == 1
    # what the figures were measured on: the libraries on both sides of the socket
    versions = report["versions"]
    assert set(versions) == {
        "voxline",
        "websockets",
        "msgspec",
        "openai",
        "openai-agents",
        "pydantic",
    }
    assert all(isinstance(v, str) and v[0].isdigit() for v in versions.values()), versions
    assert "voxline within goal of floor" in done.stdout
    assert "push within goal of floor" in done.stdout
    assert "noisy" in done.stdout


def test_an_unknown_client_is_refused_with_the_choices() -> None:
    done = run_bench("--clients", "voxline,livekit", "--seconds", "1")
    assert done.returncode == 2
    assert "unknown client(s) ['livekit']" in done.stderr
