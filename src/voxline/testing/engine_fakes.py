"""Fakes of the offline engine's ports (VAD, STT, TTS, LLM) for tests without model files.

Synthetic audio stands in for speech: a tone is "speech", zeros are silence. `tone` and
`quiet` make such audio at any rate; `pcm16` turns it into wire bytes.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from voxline.core.config import ToolSpec
from voxline.engine.ports import Audio, ChatMessage, LLMOutput, TextChunk, ToolChoice
from voxline.errors import ConfigurationError

__all__ = [
    "HOLD",
    "FakeTTS",
    "FakeVAD",
    "Hold",
    "LLMCall",
    "ScriptedLLM",
    "ScriptedSTT",
    "pcm16",
    "quiet",
    "tone",
]


def tone(ms: int, *, rate: int = 24_000, freq: float = 220.0, level: float = 0.3) -> Audio:
    """`ms` milliseconds of a sine tone: what the fakes treat as speech."""
    t = np.arange(rate * ms // 1000, dtype=np.float32) / rate
    return (level * np.sin(2 * math.pi * freq * t)).astype(np.float32)


def quiet(ms: int, *, rate: int = 24_000) -> Audio:
    """`ms` milliseconds of digital silence."""
    return np.zeros(rate * ms // 1000, dtype=np.float32)


def pcm16(*parts: Audio) -> bytes:
    """Float audio in [-1, 1] as PCM16 little-endian bytes (24 kHz audio gives wire bytes)."""
    audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def _rms(audio: Audio) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0


class _Failing:
    """Lets a test make the next call of a fake raise."""

    def __init__(self) -> None:
        self._fail: BaseException | None = None

    def fail_next(self, error: BaseException) -> None:
        """Make the next call raise `error` (once)."""
        self._fail = error

    def _maybe_fail(self) -> None:
        error, self._fail = self._fail, None
        if error is not None:
            raise error


class FakeVAD(_Failing):
    """Energy-threshold VAD: a frame is speech (1.0) when its RMS reaches `energy_threshold`.

    Attributes:
        frames: How many frames were judged.
    """

    def __init__(
        self, *, sample_rate: int = 16_000, frame_size: int = 512, energy_threshold: float = 0.02
    ) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.frame_size = frame_size
        self.energy_threshold = energy_threshold
        self.frames = 0
        self.resets = 0

    def speech_probability(self, frame: Audio) -> float:
        self._maybe_fail()
        if frame.shape != (self.frame_size,):
            raise ConfigurationError(
                f"FakeVAD expects frames of {self.frame_size} samples, got {frame.shape}"
            )
        self.frames += 1
        return 1.0 if _rms(frame) >= self.energy_threshold else 0.0

    def reset(self) -> None:
        self.resets += 1


class ScriptedSTT(_Failing):
    """Returns scripted transcripts, one per utterance.

    The engine transcribes a growing segment while the user speaks. A call whose audio
    starts like the previous call's audio (one is a prefix of the other) belongs to the same
    utterance; any other audio starts the next entry of the script. Give consecutive
    utterances different audio (another length or tone). An entry that is an exception is
    raised for that utterance. The engine transcribes a turn phrase by phrase once the
    speaker goes on after a pause (`EngineOptions.settle_at_pauses`): each phrase after the
    first is new audio, so script one entry per phrase, or turn that option off.

    Args:
        transcripts: One entry per utterance.
        ms_per_word: If set, a segment of `d` ms reveals only its first `d / ms_per_word`
            words (at least one), so partial transcripts grow as the user speaks.

    Attributes:
        calls: The length in samples of each segment transcribed, in order.
    """

    def __init__(
        self,
        transcripts: Sequence[str | BaseException],
        *,
        sample_rate: int = 16_000,
        ms_per_word: int | None = None,
    ) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.calls: list[int] = []
        self._script = list(transcripts)
        self._ms_per_word = ms_per_word
        self._current: str | BaseException | None = None
        self._previous: Audio | None = None
        self._lock = threading.Lock()

    @property
    def remaining(self) -> int:
        """Utterances the script still has."""
        return len(self._script)

    def transcribe(self, audio: Audio) -> str:
        with self._lock:
            self._maybe_fail()
            self.calls.append(int(audio.size))
            prev = self._previous
            n = min(audio.size, prev.size) if prev is not None else 0
            same = (
                prev is not None
                and self._current is not None
                and np.array_equal(audio[:n], prev[:n])
            )
            if not same:
                if not self._script:
                    raise ConfigurationError("ScriptedSTT has no transcript left for this audio")
                self._current = self._script.pop(0)
            self._previous = audio.copy()
            current = self._current
        if isinstance(current, BaseException):
            raise current
        assert current is not None
        if self._ms_per_word is None:
            return current
        words = current.split()
        ms = audio.size * 1000 // self.sample_rate
        return " ".join(words[: max(1, ms // self._ms_per_word)])


class FakeTTS(_Failing):
    """Speaks each word as a tone `ms_per_char` ms per character (plus one for the space).

    Attributes:
        spoken: Every text synthesized, in order.
        chunks: How many audio chunks were produced.
    """

    def __init__(self, *, sample_rate: int = 22_050, ms_per_char: int = 40) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.ms_per_char = ms_per_char
        self.spoken: list[str] = []
        self.voices: list[str | None] = []
        self.chunks = 0

    def synthesize(self, text: str, *, voice: str | None = None) -> Iterator[Audio]:
        self._maybe_fail()
        self.spoken.append(text)
        self.voices.append(voice)
        for word in text.split():
            self.chunks += 1
            yield tone((len(word) + 1) * self.ms_per_char, rate=self.sample_rate, freq=330.0)


@dataclass(frozen=True, slots=True)
class Hold:
    """In a ScriptedLLM turn: stop here until `release()` or until told to stop."""


HOLD = Hold()

Turn = str | ToolChoice | BaseException | Sequence[str | ToolChoice | Hold]


@dataclass(frozen=True, slots=True)
class LLMCall:
    """What one `generate` call was given."""

    instructions: str
    messages: tuple[ChatMessage, ...]
    tools: tuple[ToolSpec, ...]
    max_tokens: int | None


class ScriptedLLM(_Failing):
    """Plays one scripted turn per `generate` call, honouring `should_stop` between chunks.

    A turn is a reply text (streamed word by word), a ToolChoice, an exception to raise,
    or a sequence of those parts with `HOLD` markers where the reply waits for `release()`
    (so a test can interrupt it mid-reply).

    Attributes:
        calls: What every `generate` call was given.
        prepared: The (instructions, tool names) of every `prepare` call.
        primed: The user's words so far of every `prime` call.
        primed_complete: The same, for calls made at a pause (`complete=True`).
        stopped: How many turns ended early because `should_stop` said so.
    """

    def __init__(self, turns: Sequence[Turn], *, hold_timeout_s: float = 10.0) -> None:
        super().__init__()
        self.calls: list[LLMCall] = []
        self.prepared: list[tuple[str, tuple[str, ...]]] = []
        self.primed: list[str] = []
        self.primed_complete: list[str] = []
        self.stopped = 0
        self._turns = list(turns)
        self._release = threading.Event()
        self._hold_timeout_s = hold_timeout_s

    @property
    def remaining(self) -> int:
        """Turns not played yet."""
        return len(self._turns)

    def release(self) -> None:
        """Let the turn waiting at `HOLD` go on (or the next one to reach a HOLD)."""
        self._release.set()

    def prepare(self, instructions: str, tools: Sequence[ToolSpec]) -> None:
        self._maybe_fail()
        self.prepared.append((instructions, tuple(t.name for t in tools)))

    def prime(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        *,
        complete: bool = False,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        """Record the user's words so far (the last message); nothing is evaluated."""
        self._maybe_fail()
        words = messages[-1].content if messages else ""
        (self.primed_complete if complete else self.primed).append(words)
        return 0

    def generate(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        *,
        max_tokens: int | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Iterator[LLMOutput]:
        self._maybe_fail()
        self.calls.append(LLMCall(instructions, tuple(messages), tuple(tools), max_tokens))
        if not self._turns:
            raise ConfigurationError("ScriptedLLM has no turn left for this call")
        turn = self._turns.pop(0)
        if isinstance(turn, BaseException):
            raise turn
        parts: Sequence[str | ToolChoice | Hold] = (
            [turn] if isinstance(turn, str | ToolChoice) else turn
        )
        stop = should_stop or (lambda: False)
        for part in parts:
            if isinstance(part, Hold):
                if not self._wait(stop):
                    self.stopped += 1
                    return
                continue
            for output in _outputs(part):
                if stop():
                    self.stopped += 1
                    return
                yield output

    def _wait(self, stop: Callable[[], bool]) -> bool:
        waited = 0.0
        while not self._release.wait(0.005):
            waited += 0.005
            if stop():
                return False
            if waited > self._hold_timeout_s:
                raise ConfigurationError("ScriptedLLM waited at HOLD and was never released")
        self._release.clear()
        return not stop()


def _outputs(part: str | ToolChoice) -> Iterator[LLMOutput]:
    if isinstance(part, ToolChoice):
        yield part
        return
    for word in re.findall(r"\s*\S+\s*", part) or ([part] if part else []):
        yield TextChunk(word)
