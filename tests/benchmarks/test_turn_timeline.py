"""The turn timeline runs end to end on a short run, so it cannot rot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.benchmarks.scripts import run_script


def test_each_client_gets_the_steps_and_legs_of_its_tool_turn(tmp_path: Path) -> None:
    out = tmp_path / "turn_timeline.json"
    done = run_script(
        "turn_timeline.py", "--clients", "voxline,floor", "--seconds", "2.5", "--out", str(out),
        timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(out.read_text())
    assert set(report["clients"]) == {"voxline", "floor"}
    for client, summary in report["clients"].items():
        assert summary["turns"] == 1, (client, summary)
        assert summary["counts"]["tool_calls"] == 1, client
        steps = summary["steps"]
        # the server's view and the client's, on one clock, in causal order
        assert (
            steps["s_emit response.function_call_arguments.done"]
            < steps["c_got response.function_call_arguments.done"]
            < steps["c_send conversation.item.create"]
            < steps["s_recv conversation.item.create"]
        ), (client, steps)
        legs = summary["legs"]
        assert all(value is not None and value > 0 for value in legs.values()), (client, legs)
        trip = legs["round trip (call sent -> server read response.create)"]
        assert trip < 5_000_000, (client, legs)  # under 5 s, in µs
        assert summary["work"]["response.function_call_arguments.done"] > 0
    assert "client read it -> sent the output" in done.stdout


def test_an_unknown_client_is_refused() -> None:
    done = run_script("turn_timeline.py", "--clients", "floor,nobody", timeout=60)
    assert done.returncode == 2
    assert "unknown clients: nobody" in done.stderr
