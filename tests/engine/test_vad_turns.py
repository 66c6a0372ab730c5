"""The pure turn detector and utterance collector, driven by synthetic probability sequences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from voxline.core.config import ServerVAD
from voxline.engine.vad import (
    SpeechStarted,
    SpeechStopped,
    TurnDecision,
    TurnDetector,
    TurnSettings,
    Utterance,
    UtteranceCollector,
)
from voxline.errors import ConfigurationError

FRAME = 512  # 32 ms at 16 kHz
RATE = 16_000


def run(probabilities: Sequence[float], settings: TurnSettings) -> list[tuple[int, TurnDecision]]:
    """Feed one probability per 32 ms frame; return (frame index, decision) pairs."""
    detector = TurnDetector(settings, sample_rate=RATE)
    out = []
    for index, probability in enumerate(probabilities):
        decision = detector.push(probability, FRAME)
        if decision is not None:
            out.append((index, decision))
    return out


def ms(frames: int) -> int:
    return frames * FRAME * 1000 // RATE


def test_silence_decides_nothing() -> None:
    assert run([0.0, 0.1, 0.3, 0.49] * 20, TurnSettings()) == []


def test_a_turn_starts_after_min_speech_and_is_dated_back() -> None:
    settings = TurnSettings(min_speech_ms=96, prefix_padding_ms=100, silence_duration_ms=300)
    probabilities = [0.0] * 20 + [0.9] * 10 + [0.0] * 20
    decisions = run(probabilities, settings)
    # 96 ms is three frames: the start is decided on the third speech frame (index 22)
    assert decisions[0] == (
        22,
        SpeechStarted(speech_start_ms=ms(20), audio_start_ms=ms(20) - 100),
    )
    # 300 ms of silence is 9.4 frames: decided on the tenth silent frame (index 39)
    assert decisions[1] == (39, SpeechStopped(audio_end_ms=ms(30)))
    assert len(decisions) == 2


def test_a_click_shorter_than_min_speech_is_ignored() -> None:
    settings = TurnSettings(min_speech_ms=100)
    assert run([0.0] * 5 + [1.0] * 3 + [0.0] * 30, settings) == []  # 96 ms of "speech"


def test_prefix_padding_never_reaches_before_the_stream() -> None:
    decisions = run([1.0] * 10, TurnSettings(min_speech_ms=0, prefix_padding_ms=300))
    assert decisions == [(0, SpeechStarted(speech_start_ms=0, audio_start_ms=0))]


def test_a_short_pause_does_not_end_the_turn() -> None:
    settings = TurnSettings(min_speech_ms=0, silence_duration_ms=300)
    probabilities = [0.9] * 10 + [0.0] * 8 + [0.9] * 10 + [0.0] * 10  # 256 ms pause
    decisions = run(probabilities, settings)
    assert [type(d) for _, d in decisions] == [SpeechStarted, SpeechStopped]
    assert decisions[1][1] == SpeechStopped(audio_end_ms=ms(28))


def test_hysteresis_keeps_soft_syllables_inside_the_turn() -> None:
    settings = TurnSettings(threshold=0.5, min_speech_ms=0, silence_duration_ms=100)
    soft = [0.9] * 5 + [0.4] * 20 + [0.1] * 5  # 0.4 is above the default release of 0.35
    assert [type(d) for _, d in run(soft, settings)] == [SpeechStarted, SpeechStopped]
    assert run(soft, settings)[1][1] == SpeechStopped(audio_end_ms=ms(25))
    strict = TurnSettings(
        threshold=0.5, release_threshold=0.5, min_speech_ms=0, silence_duration_ms=100
    )
    assert run(soft, strict)[1][1] == SpeechStopped(audio_end_ms=ms(5))


def test_a_below_threshold_start_run_is_broken_by_silence() -> None:
    settings = TurnSettings(min_speech_ms=96)
    assert run([0.9, 0.9, 0.1, 0.9, 0.9, 0.1] * 5, settings) == []


def test_several_turns_in_one_stream() -> None:
    settings = TurnSettings(min_speech_ms=0, silence_duration_ms=64)
    probabilities = ([0.9] * 3 + [0.0] * 3) * 3
    kinds = [type(d) for _, d in run(probabilities, settings)]
    assert kinds == [SpeechStarted, SpeechStopped] * 3


def test_reset_starts_a_new_stream() -> None:
    detector = TurnDetector(TurnSettings(min_speech_ms=0))
    assert isinstance(detector.push(1.0, FRAME), SpeechStarted)
    assert (detector.speaking, detector.position_ms) == (True, 32)
    detector.reset()
    assert (detector.speaking, detector.position) == (False, 0)
    assert detector.push(1.0, FRAME) == SpeechStarted(speech_start_ms=0, audio_start_ms=0)


def test_settings_follow_the_sessions_server_vad() -> None:
    vad = ServerVAD(threshold=0.6, prefix_padding_ms=200, silence_duration_ms=500)
    settings = TurnSettings.from_server_vad(vad, min_speech_ms=50)
    assert settings == TurnSettings(
        threshold=0.6, prefix_padding_ms=200, silence_duration_ms=500, min_speech_ms=50
    )
    assert settings.effective_release == pytest.approx(0.45)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 0.0},
        {"threshold": 1.5},
        {"threshold": 0.5, "release_threshold": 0.7},
        {"silence_duration_ms": -1},
        {"prefix_padding_ms": -5},
        {"min_speech_ms": -1},
    ],
)
def test_bad_settings_are_configuration_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        TurnSettings(**kwargs)  # type: ignore[arg-type]


def test_bad_sample_rate_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="sample_rate"):
        TurnDetector(sample_rate=0)


def frames_numbered(count: int) -> list[np.ndarray]:
    """Frames whose samples hold their own stream position, so cuts can be checked exactly."""
    return [np.arange(i * FRAME, (i + 1) * FRAME, dtype=np.float32) for i in range(count)]


def collect(probabilities: Sequence[float], settings: TurnSettings) -> list[object]:
    collector = UtteranceCollector(settings, sample_rate=RATE)
    out: list[object] = []
    for frame, probability in zip(frames_numbered(len(probabilities)), probabilities, strict=True):
        out += collector.push(frame, probability)
    return out


def test_the_utterance_keeps_the_prefix_padding_and_ends_with_speech() -> None:
    settings = TurnSettings(min_speech_ms=64, prefix_padding_ms=100, silence_duration_ms=200)
    probabilities = [0.0] * 30 + [0.9] * 20 + [0.0] * 10
    events = collect(probabilities, settings)
    assert [type(e) for e in events] == [SpeechStarted, SpeechStopped, Utterance]
    utterance = events[2]
    assert isinstance(utterance, Utterance)
    start = (ms(30) - 100) * RATE // 1000
    end = 50 * FRAME
    assert utterance.audio_start_ms == ms(30) - 100
    assert utterance.audio_end_ms == ms(50)
    assert np.array_equal(utterance.audio, np.arange(start, end, dtype=np.float32))


def test_the_turn_so_far_is_available_while_speaking() -> None:
    collector = UtteranceCollector(TurnSettings(min_speech_ms=0, prefix_padding_ms=0))
    frames = frames_numbered(6)
    assert collector.current_audio().size == 0
    for frame in frames[:3]:
        collector.push(frame, 0.0)
    for frame in frames[3:]:
        collector.push(frame, 0.9)
    assert np.array_equal(collector.current_audio(), np.concatenate(frames[3:]))
    collector.reset()
    assert collector.current_audio().size == 0


def test_prefix_padding_at_the_very_start_takes_what_there_is() -> None:
    settings = TurnSettings(min_speech_ms=0, prefix_padding_ms=300, silence_duration_ms=32)
    events = collect([0.0, 0.9, 0.9, 0.0, 0.0], settings)
    utterance = events[-1]
    assert isinstance(utterance, Utterance)
    assert utterance.audio_start_ms == 0
    assert np.array_equal(utterance.audio, np.arange(0, 3 * FRAME, dtype=np.float32))


def test_a_quick_second_turn_still_gets_its_prefix_padding() -> None:
    settings = TurnSettings(min_speech_ms=0, prefix_padding_ms=128, silence_duration_ms=96)
    probabilities = [0.9] * 5 + [0.0] * 3 + [0.9] * 5 + [0.0] * 3
    events = collect(probabilities, settings)
    utterances = [e for e in events if isinstance(e, Utterance)]
    assert len(utterances) == 2
    second = utterances[1]
    # speech restarts at frame 8; its 128 ms of padding reaches back into the silence that
    # ended the first turn, but not into the first turn's own audio (which ended at frame 5)
    assert utterances[0].audio_end_ms == ms(5)
    assert second.audio_start_ms == ms(5)
    assert np.array_equal(second.audio, np.arange(5 * FRAME, 13 * FRAME, dtype=np.float32))
