"""The cold-turn benchmark runs end to end with tiny settings, so it cannot rot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.benchmarks.scripts import run_script

EVENTS = 12


def test_every_client_answers_each_tool_call_and_every_event_is_timed(tmp_path: Path) -> None:
    out = tmp_path / "cold_turn.json"
    done = run_script(
        "cold_turn.py", "--turns", "2", "--runs", "1", "--idle-ms", "1", "--out", str(out),
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(out.read_text())
    assert set(report["medians"]) == {"floor", "voxline", "push"}
    for client, seen in report["counts"].items():
        # the warm-up turn and two timed turns: each a tool call answered, then a reply
        assert seen == {"tool_calls": 3, "replies": 6, "errors": []}, client
    for client, medians in report["medians"].items():
        assert len(medians) == EVENTS + 2, client
        assert all(value > 0 for value in medians.values()), (client, medians)
        # the function output goes out before the next response is asked for
        assert medians["output"] < medians["create"], client
    assert "voxline / floor" in done.stdout
    assert "response.function_call_arguments.done" in done.stdout


def test_the_reply_part_times_each_client_until_the_first_audio_reaches_the_app(
    tmp_path: Path,
) -> None:
    out = tmp_path / "cold_reply.json"
    done = run_script(
        "cold_turn.py", "--part", "reply", "--turns", "2", "--runs", "1", "--idle-ms", "1",
        "--out", str(out), timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(out.read_text())
    assert report["part"] == "reply"
    for client, medians in report["medians"].items():
        assert list(medians) == [
            "response.created",
            "response.output_item.added",
            "conversation.item.added",
            "response.content_part.added",
            "response.output_audio_transcript.delta",
            "response.output_audio.delta",
            "audio",
        ], client
        assert all(value > 0 for value in medians.values()), (client, medians)
        # the audio reached the app once the last of the six events was read
        assert medians["audio"] >= medians["response.output_audio.delta"], client
    assert "first audio reached the app" in done.stdout


def test_an_unknown_client_is_refused(tmp_path: Path) -> None:
    done = run_script("cold_turn.py", "--clients", "floor,nobody", timeout=60)
    assert done.returncode == 2
    assert "unknown clients: nobody" in done.stderr
