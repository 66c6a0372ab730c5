"""The voice benchmark: its playback-stall measure (pure), and a short run on real components
with a scripted language model, so the script cannot rot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks.scripts import load_script, run_script

RECORDINGS = Path("/usr/share/pocketsphinx/test/data/librivox")
SECOND = b"\0\0" * 24_000  # one second of 24 kHz PCM16


def test_audio_that_arrives_ahead_of_playback_never_stalls() -> None:
    playback = load_script("voice_bench.py").Playback()
    for at in (0.0, 0.1, 0.5, 1.9):  # each second of audio arrives before the last one ends
        playback.add(at, SECOND)
    assert (playback.stalls, playback.stall_s) == (0, 0.0)
    assert playback.ends_at == pytest.approx(4.0)


def test_a_late_piece_counts_the_time_the_player_ran_dry() -> None:
    playback = load_script("voice_bench.py").Playback()
    playback.add(10.0, SECOND)  # plays 10.0 -> 11.0
    playback.add(11.25, SECOND[: len(SECOND) // 2])  # 0.25 s gap, then plays -> 11.75
    playback.add(11.5, SECOND)  # queued behind it: -> 12.75
    playback.add(13.0, SECOND)  # 0.25 s gap again
    assert playback.stalls == 2
    assert playback.stall_s == pytest.approx(0.5)
    assert playback.ends_at == pytest.approx(14.0)


@pytest.mark.slow
@pytest.mark.skipif(not RECORDINGS.is_dir(), reason="needs Debian's pocketsphinx-testdata")
def test_a_scripted_round_without_barge_in_reports_voice_to_voice_and_stalls(
    tmp_path: Path,
) -> None:
    out = tmp_path / "voice.json"
    done = run_script(
        "voice_bench.py", "--rounds", "1", "--scripted-llm", "--tts", "espeak", "--no-barge",
        "--out", str(out), timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "voice to voice" in done.stdout
    report: dict[str, Any] = json.loads(out.read_text())
    (round_,) = report["rounds"]
    assert report["summary"]["barge_in"] is False
    # a transcript made in the final pause is ready as the turn ends (equal to the ms)
    assert 0 < round_["stopped"] <= round_["transcript"] <= round_["audio"]
    assert round_["completed"] >= round_["audio"]  # the reply played to its end
    assert round_["stall_s"] >= 0
    assert "barge_started" not in round_
