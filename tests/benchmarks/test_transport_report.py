"""The transport report's round-by-round ratios: how far the machine's state moved a result."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest

from tests.benchmarks.scripts import BENCHMARKS


@pytest.fixture
def report(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the `transport` package lives there
    return importlib.import_module("transport.report")


def raw(first: list[float], tool: list[float], cpu_s: float) -> dict[str, Any]:
    """One round of one client, as `run_one` returns it (seconds)."""
    trips = [{"kind": "tool", "create_s": t} for t in tool]
    return {"first": first, "every": first, "cpu_s": cpu_s, "wall_s": 60.0,
            "server": {"round_trips": trips}}  # fmt: skip


def samples(data: dict[str, Any]) -> dict[str, list[float]]:
    trips = data["server"]["round_trips"]
    return {
        "first_chunk_ms": data["first"],
        "every_chunk_ms": data["every"],
        "tool_round_trip_ms": [t["create_s"] for t in trips],
        "handoff_round_trip_ms": [],
    }


def test_each_round_gets_its_own_ratio_of_medians(report: ModuleType) -> None:
    rounds = {
        ("voxline", 1): [raw([2, 3, 4], [6], 1.2), raw([4, 5, 6], [8], 1.1)],
        ("floor", 1): [raw([1, 2, 3], [4], 1.0), raw([2], [4], 1.0)],
    }
    got = report.round_ratios(rounds, 1, samples)
    assert set(got) == {"voxline/floor"}  # no push rounds
    table = got["voxline/floor"]
    assert table["first_chunk_ms"] == [1.5, 2.5]
    assert table["tool_round_trip_ms"] == [1.5, 2.0]
    assert table["handoff_round_trip_ms"] == [None, None]  # no samples: no ratio
    assert table["cpu_s_per_session_minute"] == [1.2, 1.1]


def test_one_round_or_a_failed_round_leaves_nothing_to_compare(report: ModuleType) -> None:
    one = {("voxline", 1): [raw([2], [6], 1.0)], ("floor", 1): [raw([1], [4], 1.0)]}
    assert report.round_ratios(one, 1, samples) == {}
    failed = {
        ("voxline", 1): [raw([2], [6], 1.0), {"failed": "boom"}],
        ("floor", 1): [raw([1], [4], 1.0), raw([1], [4], 1.0)],
    }
    assert report.round_ratios(failed, 1, samples) == {}
