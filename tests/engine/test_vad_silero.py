"""Silero VAD on real English speech (Debian's pocketsphinx-testdata) versus silence and noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voxline.engine.audio import Framer, read_wav
from voxline.engine.ports import VAD, Audio
from voxline.engine.vad import (
    SileroVAD,
    SpeechStarted,
    SpeechStopped,
    TurnSettings,
    Utterance,
    UtteranceCollector,
)
from voxline.errors import AudioFormatError, ModelFileError

pytestmark = pytest.mark.slow

RECORDINGS = Path("/usr/share/pocketsphinx/test/data/librivox")


@pytest.fixture(scope="module")
def vad() -> SileroVAD:
    return SileroVAD()


@pytest.fixture(autouse=True)
def fresh_stream(vad: SileroVAD) -> None:
    vad.reset()


def speech_files() -> list[Path]:
    files = sorted(RECORDINGS.glob("*.wav"))
    assert files, f"no recordings in {RECORDINGS}: run `apt-get install pocketsphinx-testdata`"
    return files


def probabilities(vad: VAD, audio: Audio) -> list[float]:
    return [vad.speech_probability(frame) for frame in Framer(vad.frame_size).push(audio)]


def test_it_is_a_vad_port(vad: SileroVAD) -> None:
    port: VAD = vad
    assert (port.sample_rate, port.frame_size) == (16_000, 512)


@pytest.mark.parametrize("path", speech_files(), ids=lambda p: p.stem[-4:])
def test_real_speech_scores_high(vad: SileroVAD, path: Path) -> None:
    recording = read_wav(path)
    assert recording.sample_rate == 16_000
    scores = np.array(probabilities(vad, recording.samples))
    assert scores.max() > 0.95
    assert np.mean(scores > 0.5) > 0.5  # these clips are mostly speech


def test_silence_and_noise_score_low(vad: SileroVAD) -> None:
    rng = np.random.default_rng(7)
    white = (rng.standard_normal(16_000 * 2) * 0.05).astype(np.float32)
    brown = np.cumsum(rng.standard_normal(16_000 * 2)).astype(np.float32)
    brown = (brown - brown.mean()) / np.abs(brown).max() * 0.3
    hum = (0.3 * np.sin(2 * np.pi * 50 * np.arange(32_000) / 16_000)).astype(np.float32)
    for audio in (np.zeros(32_000, dtype=np.float32), white, brown, hum):
        vad.reset()
        assert max(probabilities(vad, audio)) < 0.3


def test_state_is_carried_and_reset_restores_a_fresh_stream(vad: SileroVAD) -> None:
    audio = read_wav(speech_files()[1]).samples[:16_000]
    first = probabilities(vad, audio)
    vad.reset()
    assert probabilities(vad, audio) == pytest.approx(first, abs=1e-6)
    fresh = SileroVAD()
    fresh.speech_probability(np.zeros(512, dtype=np.float32))  # a different history...
    assert fresh.speech_probability(audio[:512]) != pytest.approx(first[0], abs=1e-9)


def test_one_turn_is_found_in_a_padded_recording(vad: SileroVAD) -> None:
    speech = read_wav(speech_files()[1]).samples  # "he was not an ill disposed young man"
    silence = np.zeros(16_000, dtype=np.float32)
    audio = np.concatenate([silence, speech, silence])
    collector = UtteranceCollector(TurnSettings(silence_duration_ms=500))
    events: list[object] = []
    for frame in Framer(512).push(audio):
        events += collector.push(frame, vad.speech_probability(frame))
    assert [type(e) for e in events] == [SpeechStarted, SpeechStopped, Utterance]
    started, stopped, utterance = events
    assert isinstance(started, SpeechStarted)
    assert isinstance(stopped, SpeechStopped)
    assert isinstance(utterance, Utterance)
    assert 1000 <= started.speech_start_ms <= 1300
    assert started.audio_start_ms == started.speech_start_ms - 300
    assert 3700 <= stopped.audio_end_ms <= 4100  # the speech ends at 3.99 s
    assert utterance.audio.size == (stopped.audio_end_ms - started.audio_start_ms) * 16


def test_a_wrong_frame_size_is_a_typed_error(vad: SileroVAD) -> None:
    with pytest.raises(AudioFormatError, match="exactly 512"):
        vad.speech_probability(np.zeros(480, dtype=np.float32))


def test_a_missing_model_file_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="does not exist"):
        SileroVAD(tmp_path / "nope.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not onnx")
    with pytest.raises(ModelFileError, match="could not load"):
        SileroVAD(broken)
