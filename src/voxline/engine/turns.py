"""The engine's input buffer: audio and VAD scores in, speech start/pause/end out.

Pure: no threads, no clock; time is the count of samples pushed at the VAD's rate. Turn
decisions come from `voxline.engine.vad.turns` (TurnDetector, UtteranceCollector); this
module adds framing, the push-to-talk buffer, and pauses, the moments worth transcribing
ahead of the end of the turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voxline.core.config import SemanticVAD, ServerVAD, TurnDetection
from voxline.engine.audio import Framer
from voxline.engine.ports import Audio
from voxline.engine.vad.turns import (
    SpeechStarted,
    SpeechStopped,
    TurnSettings,
    Utterance,
    UtteranceCollector,
)

SEMANTIC_SILENCE_MS = {"low": 800, "medium": 500, "high": 250, "auto": 500}
"""SemanticVAD has no word-level model here: its eagerness maps to an end-of-turn silence."""


def turn_settings(detection: TurnDetection, *, min_speech_ms: int = 100) -> TurnSettings | None:
    """The turn detector settings a session asks for; None means push-to-talk."""
    match detection:
        case None:
            return None
        case ServerVAD():
            return TurnSettings.from_server_vad(detection, min_speech_ms=min_speech_ms)
        case SemanticVAD():
            silence = SEMANTIC_SILENCE_MS[detection.eagerness]
            return TurnSettings(silence_duration_ms=silence, min_speech_ms=min_speech_ms)


@dataclass(frozen=True, slots=True)
class SpeechBegan:
    """Speech started `start_ms` into the stream."""

    start_ms: int


@dataclass(frozen=True, slots=True)
class SpeechPaused:
    """The speaker paused; `audio` is the turn so far, everything said included."""

    audio: Audio


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """The turn ended: speech stopped `end_ms` into the stream; `audio` is the turn."""

    end_ms: int
    audio: Audio


TurnEvent = SpeechBegan | SpeechPaused | SpeechEnded


class InputTurns:
    """The input audio buffer and its turn detection.

    With settings, every frame is scored and turns start and end on their own. Without
    (push-to-talk), audio only accumulates until `take` or `clear`.

    Args:
        sample_rate: The VAD's rate (all audio pushed is at this rate).
        frame_size: Samples per VAD score.
        settings: Turn detection, or None for push-to-talk.
        pause_ms: Silence inside a turn that counts as a pause (a chance to transcribe).
    """

    def __init__(
        self,
        sample_rate: int,
        frame_size: int,
        settings: TurnSettings | None,
        *,
        pause_ms: int = 100,
    ) -> None:
        self.sample_rate = sample_rate
        self.settings = settings
        self._framer = Framer(frame_size)
        self._collector = UtteranceCollector(settings, sample_rate=sample_rate)
        self._pause = pause_ms * sample_rate // 1000
        self._quiet = 0  # samples of the current silence run inside a turn
        self._paused = False
        self._held: list[Audio] = []  # push-to-talk buffer
        self._turn_samples = 0

    @property
    def speaking(self) -> bool:
        """A turn is in progress."""
        return self._collector.detector.speaking

    @property
    def turn_samples(self) -> int:
        """Samples in the turn in progress (prefix padding included); 0 between turns."""
        return self._turn_samples if self.speaking else 0

    @property
    def voiced(self) -> bool:
        """A turn is in progress and its last frame was speech (not a pause)."""
        return self.speaking and self._quiet == 0

    def segment(self) -> Audio:
        """The current turn's audio so far (with its prefix padding)."""
        return self._collector.current_audio()

    def push(self, audio: Audio, score: Callable[[Audio], float]) -> list[TurnEvent]:
        """Add audio; score each complete frame and return what happened, in order."""
        if self.settings is None:
            self._held.append(audio)
            return []
        events: list[TurnEvent] = []
        release = self.settings.effective_release
        for frame in self._framer.push(audio):
            probability = score(frame)
            for decision in self._collector.push(frame, probability):
                events.extend(self._translate(decision))
            if not self.speaking:
                continue
            self._turn_samples += frame.size
            if probability >= release:
                self._quiet, self._paused = 0, False
                continue
            self._quiet += frame.size
            if not self._paused and self._quiet >= self._pause:
                self._paused = True
                events.append(SpeechPaused(self.segment()))
        return events

    def _translate(self, decision: SpeechStarted | SpeechStopped | Utterance) -> list[TurnEvent]:
        match decision:
            case SpeechStarted(speech_start_ms=start):
                self._quiet, self._paused = 0, False
                self._turn_samples = self.segment().size - self._framer.frame_size
                return [SpeechBegan(start)]
            case Utterance(audio=audio, audio_end_ms=end):
                return [SpeechEnded(end, audio)]
            case SpeechStopped():
                return []

    def take(self) -> Audio:
        """End the turn now (push-to-talk commit, or a manual commit): return its audio."""
        if self.settings is None:
            audio, self._held = _join(self._held), []
            return audio
        audio = self.segment()
        self.clear()
        return audio

    def clear(self) -> None:
        """Drop the buffered audio and any turn in progress (stream time keeps counting)."""
        self._held = []
        position = self._collector.detector.position
        self._collector.reset()
        self._framer.reset()
        self._collector.detector.push(0.0, position)  # keep ms positions monotonic
        self._quiet, self._paused = 0, False


def _join(parts: list[Audio]) -> Audio:
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)
