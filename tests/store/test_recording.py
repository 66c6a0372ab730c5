"""WAV recordings: both sides on one timeline, readable by the standard library."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from voxline.errors import AudioFormatError
from voxline.store import WavRecording
from voxline.store.recording import RATE


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def tone(ms: int, value: int) -> bytes:
    return np.full(RATE * ms // 1000, value, dtype="<i2").tobytes()


def test_mic_left_agent_right_with_silence_for_pauses(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "r.wav"
    recording = WavRecording(path, clock)
    for _ in range(10):  # one second of microphone audio, in real time
        recording.mic(tone(100, 1000))
        clock.now += 0.1
    clock.now = 2.0  # a pause, then the agent streams two seconds at once
    recording.agent(tone(2000, -2000))
    clock.now = 6.0  # long after: buffered audio is written as the clock moves
    recording.mic(tone(100, 1000))
    recording.close()
    recording.close()

    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, RATE)
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    left, right = frames[:, 0], frames[:, 1]
    assert len(frames) == 6 * RATE + RATE // 10
    assert (left[:RATE] == 1000).all()
    assert (right[: 2 * RATE] == 0).all()
    assert (right[2 * RATE : 4 * RATE] == -2000).all()
    assert (left[RATE : 6 * RATE] == 0).all()


def test_a_cut_sample_is_refused(tmp_path: Path) -> None:
    recording = WavRecording(tmp_path / "r.wav", Clock())
    with pytest.raises(AudioFormatError):
        recording.mic(b"\x00")
    recording.close()
