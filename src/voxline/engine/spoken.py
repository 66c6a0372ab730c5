"""Which words of an assistant reply were voiced when, so a truncation keeps what was heard."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MS_PER_CHAR = 65.0
"""Speaking rate assumed before any sentence has been fully synthesized (~15 chars/s)."""


@dataclass(slots=True)
class _Segment:
    text: str
    start_ms: float
    audio_ms: float = 0.0
    done: bool = False


class SpokenText:
    """A timeline of the sentences sent to TTS and the audio each one produced.

    Segments are the reply's sentences in order, as sent to TTS (joined by one space).
    Audio lengths come from the samples the TTS produced, so the timeline
    needs no clock. Within a sentence, words are assumed evenly spread over its audio.
    """

    def __init__(self) -> None:
        self._segments: list[_Segment] = []

    @property
    def audio_ms(self) -> float:
        """Milliseconds of audio produced so far."""
        return sum(s.audio_ms for s in self._segments)

    def add_sentence(self, text: str) -> int:
        """Start a sentence at the end of the audio produced so far; returns its index."""
        self._segments.append(_Segment(text, self.audio_ms))
        return len(self._segments) - 1

    def add_audio(self, index: int, ms: float) -> None:
        """Record `ms` more audio for sentence `index` (sentences are voiced in order)."""
        self._segments[index].audio_ms += ms

    def finish(self, index: int) -> None:
        """Sentence `index` has all its audio."""
        self._segments[index].done = True

    def voiced(self) -> str:
        """The text of every sentence that produced any audio (the most the user can have heard)."""
        return " ".join(s.text for s in self._segments if s.audio_ms > 0)

    def heard(self, audio_end_ms: float) -> str:
        """The text whose audio lies within the first `audio_end_ms` ms: whole words only."""
        rate = self._ms_per_char()
        kept: list[str] = []
        for seg in self._segments:
            if seg.audio_ms <= 0 or seg.start_ms >= audio_end_ms:
                break
            duration = seg.audio_ms if seg.done else max(seg.audio_ms, len(seg.text) * rate)
            if seg.start_ms + duration <= audio_end_ms:
                kept.append(seg.text)
                continue
            kept.append(_words_within(seg.text, (audio_end_ms - seg.start_ms) / duration))
            break
        return " ".join(k for k in kept if k)

    def _ms_per_char(self) -> float:
        done = [s for s in self._segments if s.done and s.text.strip()]
        chars = sum(len(s.text) for s in done)
        return sum(s.audio_ms for s in done) / chars if chars else DEFAULT_MS_PER_CHAR


def _words_within(text: str, fraction: float) -> str:
    """The leading whole words of `text` that end within `fraction` of its length."""
    limit = fraction * len(text)
    end = 0
    pos = 0
    for word in text.split(" "):
        stop = pos + len(word)
        if word and stop <= limit:
            end = stop
        pos = stop + 1
        if pos > limit:
            break
    return text[:end]
