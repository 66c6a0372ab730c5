"""Turn detection: per-frame speech probabilities in, speech started / stopped decisions out.

Pure and synchronous. Time is counted in samples, so the same input always gives the same
decisions, in tests and in production alike: the caller says how many samples each
probability covers, and every decision carries its position in the stream in ms.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from voxline.core.config import ServerVAD
from voxline.engine.ports import Audio
from voxline.errors import ConfigurationError

__all__ = [
    "SpeechStarted",
    "SpeechStopped",
    "TurnDecision",
    "TurnDetector",
    "TurnSettings",
    "Utterance",
    "UtteranceCollector",
]


@dataclass(frozen=True, slots=True)
class TurnSettings:
    """How probabilities become turns.

    Attributes:
        threshold: A frame is speech when its probability is at least this.
        release_threshold: While speaking, a frame counts as silence only below this (a
            lower value than `threshold` keeps soft syllables inside the turn). None means
            `threshold - 0.15`, at least 0.01.
        prefix_padding_ms: Audio kept from before the detected start of speech.
        silence_duration_ms: Silence that ends the turn.
        min_speech_ms: Speech shorter than this (a click, a cough) never starts a turn.
    """

    threshold: float = 0.5
    release_threshold: float | None = None
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 300
    min_speech_ms: int = 100

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigurationError(f"threshold must be in (0, 1], got {self.threshold}")
        release = self.release_threshold
        if release is not None and not 0.0 < release <= self.threshold:
            raise ConfigurationError(
                f"release_threshold must be in (0, threshold={self.threshold}], got {release}"
            )
        for name in ("prefix_padding_ms", "silence_duration_ms", "min_speech_ms"):
            value = getattr(self, name)
            if value < 0:
                raise ConfigurationError(f"{name} must not be negative, got {value}")

    @property
    def effective_release(self) -> float:
        """The release threshold in force."""
        if self.release_threshold is not None:
            return self.release_threshold
        return max(self.threshold - 0.15, 0.01)

    @classmethod
    def from_server_vad(cls, vad: ServerVAD, *, min_speech_ms: int = 100) -> TurnSettings:
        """The settings a session's `ServerVAD` turn detection asks for."""
        return cls(
            threshold=vad.threshold,
            prefix_padding_ms=vad.prefix_padding_ms,
            silence_duration_ms=vad.silence_duration_ms,
            min_speech_ms=min_speech_ms,
        )


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The user started speaking.

    Attributes:
        speech_start_ms: Where the first speech frame of the turn begins in the stream.
        audio_start_ms: Where the turn's audio begins: `speech_start_ms` minus the prefix
            padding, never before the stream started.
    """

    speech_start_ms: int
    audio_start_ms: int


@dataclass(frozen=True, slots=True)
class SpeechStopped:
    """The user stopped speaking: the silence after speech lasted long enough.

    Attributes:
        audio_end_ms: Where the last speech frame ends (the silence began there).
    """

    audio_end_ms: int


TurnDecision = SpeechStarted | SpeechStopped


def _ms(samples: int, sample_rate: int) -> int:
    return samples * 1000 // sample_rate


class TurnDetector:
    """Turns per-frame speech probabilities into SpeechStarted / SpeechStopped decisions.

    A turn starts once `min_speech_ms` of consecutive speech frames have been seen (the
    decision is dated back to the first of them) and stops once `silence_duration_ms` of
    consecutive non-speech frames follow. Stream positions advance by the samples each call
    says it covers, so no clock is needed.
    """

    def __init__(self, settings: TurnSettings | None = None, *, sample_rate: int = 16_000) -> None:
        """Create a detector for probabilities computed on audio at `sample_rate` Hz.

        Raises:
            ConfigurationError: `sample_rate` is not positive.
        """
        if sample_rate <= 0:
            raise ConfigurationError(f"sample_rate must be positive, got {sample_rate}")
        self.settings = settings or TurnSettings()
        self.sample_rate = sample_rate
        self._position = 0  # samples seen so far
        self._speaking = False
        self._run_start: int | None = None  # first sample of the current speech run
        self._silence_start: int | None = None  # first sample of the current silence run

    @property
    def speaking(self) -> bool:
        """True between SpeechStarted and SpeechStopped."""
        return self._speaking

    @property
    def position(self) -> int:
        """How far into the stream the detector has seen, in samples."""
        return self._position

    @property
    def position_ms(self) -> int:
        """How far into the stream the detector has seen, in ms."""
        return _ms(self._position, self.sample_rate)

    def push(self, probability: float, samples: int) -> TurnDecision | None:
        """Account for one frame of `samples` samples whose speech probability is given.

        Returns:
            A decision when this frame started or ended a turn, else None.
        """
        start = self._position
        self._position += samples
        settings = self.settings
        if not self._speaking:
            if probability < settings.threshold:
                self._run_start = None
                return None
            if self._run_start is None:
                self._run_start = start
            run_ms = _ms(self._position - self._run_start, self.sample_rate)
            if run_ms < settings.min_speech_ms:
                return None
            self._speaking = True
            self._silence_start = None
            speech_start_ms = _ms(self._run_start, self.sample_rate)
            return SpeechStarted(
                speech_start_ms=speech_start_ms,
                audio_start_ms=max(speech_start_ms - settings.prefix_padding_ms, 0),
            )
        if probability >= settings.effective_release:
            self._silence_start = None
            return None
        if self._silence_start is None:
            self._silence_start = start
        silence_ms = _ms(self._position - self._silence_start, self.sample_rate)
        if silence_ms < settings.silence_duration_ms:
            return None
        self._speaking = False
        self._run_start = None
        return SpeechStopped(audio_end_ms=_ms(self._silence_start, self.sample_rate))

    def reset(self) -> None:
        """Start a new stream: position zero, not speaking."""
        self._position = 0
        self._speaking = False
        self._run_start = None
        self._silence_start = None


@dataclass(frozen=True, slots=True)
class Utterance:
    """A finished turn's audio, prefix padding included.

    Attributes:
        audio: The samples from `audio_start_ms` to `audio_end_ms`.
        audio_start_ms: Where `audio` begins in the stream.
        audio_end_ms: Where speech ended in the stream.
    """

    audio: Audio = field(repr=False)
    audio_start_ms: int
    audio_end_ms: int


class UtteranceCollector:
    """A TurnDetector that also keeps the audio: the prefix padding before a start, and the turn.

    Feed it frames with their probabilities; it returns the detector's decisions, and on
    SpeechStopped also the Utterance. `current_audio` gives the turn so far, for
    transcribing while the user is still speaking. The prefix padding never reaches back
    into the previous turn's audio, so an utterance may start after `audio_start_ms` of
    its SpeechStarted; the Utterance's own `audio_start_ms` is exact.
    """

    def __init__(self, settings: TurnSettings | None = None, *, sample_rate: int = 16_000) -> None:
        """Create a collector for audio at `sample_rate` Hz."""
        self.detector = TurnDetector(settings, sample_rate=sample_rate)
        self.sample_rate = sample_rate
        self._history: deque[Audio] = deque()  # recent frames while not speaking
        self._history_samples = 0
        self._turn: list[Audio] = []
        self._turn_start = 0  # stream sample where the kept audio begins
        self._history_start = 0  # stream sample where the remembered frames begin

    def _keep_samples(self, frame_size: int) -> int:
        """Enough history to reach back over the prefix padding from any start decision."""
        settings = self.detector.settings
        longest_ms = settings.prefix_padding_ms + settings.min_speech_ms
        return (longest_ms * self.sample_rate + 999) // 1000 + frame_size

    def push(self, frame: Audio, probability: float) -> list[TurnDecision | Utterance]:
        """Add one frame and its speech probability; returns what happened, in order."""
        frame_start = self.detector.position
        decision = self.detector.push(probability, int(frame.size))
        if not self.detector.speaking and decision is None:
            self._remember(frame, frame_start)
            return []
        if isinstance(decision, SpeechStarted):
            self._remember(frame, frame_start)
            begin = decision.audio_start_ms * self.sample_rate // 1000
            kept = np.concatenate(list(self._history)) if self._history else frame[:0]
            offset = max(begin - self._history_start, 0)
            self._turn = [kept[offset:]]
            self._turn_start = self._history_start + offset
            self._history.clear()
            self._history_samples = 0
            return [decision]
        if isinstance(decision, SpeechStopped):
            self._turn.append(frame)
            audio = np.concatenate(self._turn)
            cut = max(decision.audio_end_ms * self.sample_rate // 1000 - self._turn_start, 0)
            utterance = Utterance(
                audio=audio[:cut],
                audio_start_ms=_ms(self._turn_start, self.sample_rate),
                audio_end_ms=decision.audio_end_ms,
            )
            self._turn = []
            # the trailing silence becomes history: the next turn's prefix padding may need it
            silence = audio[cut:].copy()
            self._history = deque([silence])
            self._history_samples = int(silence.size)
            self._history_start = self._turn_start + cut
            return [decision, utterance]
        self._turn.append(frame)
        return []

    def _remember(self, frame: Audio, frame_start: int) -> None:
        if not self._history:
            self._history_start = frame_start
        self._history.append(frame)
        self._history_samples += int(frame.size)
        keep = self._keep_samples(int(frame.size))
        while self._history and self._history_samples - self._history[0].size >= keep:
            dropped = self._history.popleft()
            self._history_samples -= int(dropped.size)
            self._history_start += int(dropped.size)

    def current_audio(self) -> Audio:
        """The audio of the turn in progress (empty when the user is not speaking)."""
        if not self.detector.speaking or not self._turn:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(self._turn)

    def reset(self) -> None:
        """Start a new stream, dropping any kept audio."""
        self.detector.reset()
        self._history.clear()
        self._history_samples = 0
        self._turn = []
