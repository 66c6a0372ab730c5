"""The offline engine's knobs (EngineOptions) and what it measured (EngineStats)."""

from __future__ import annotations

from dataclasses import dataclass, field

from voxline.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """How the offline engine trades CPU for latency.

    Attributes:
        partials: Transcribe the growing turn while the user speaks (shown as transcript
            deltas; a transcript made in the final pause is reused as the final one).
        partial_interval_ms: New speech needed before the next partial transcript.
        partial_budget_ms: Skip a partial expected to take longer than this (at the STT
            speed measured so far): one still running when the turn ends delays the final
            transcript. A pause is transcribed regardless: it may be the end.
        min_speech_ms: Speech shorter than this does not start a turn.
        pause_ms: Silence after which the turn so far is transcribed ahead of its end.
        max_tokens: Cap on tokens per response unless the request sets one.
        settle_at_pauses: A pause's transcript is kept once the speaker goes on, and later
            transcripts of the turn read only the audio after it: on long turns the
            transcript at the end of speech costs one phrase, not the whole turn.
        prime: After each partial transcript, let the LLM (if it can) evaluate the prompt
            up to the user's words so far, so the end of the turn leaves little to evaluate.
        first_clause_words: The reply's first spoken piece may end at a clause (comma,
            colon, dash) once it has this many words, or at a sentence end before that.
        first_piece_words: ... and ends at the latest after this many words. Shorter first
            pieces speak sooner (each word is ~1.5 tokens at a few tokens per second on
            2 cores) but may leave a gap before the next piece: on 2 cores, 2 words left
            short gaps in a third of the replies, 3 none (benchmarks/voice_bench.py).
    """

    partials: bool = True
    partial_interval_ms: int = 800
    partial_budget_ms: int = 300
    min_speech_ms: int = 100
    pause_ms: int = 100
    max_tokens: int | None = None
    prime: bool = True
    settle_at_pauses: bool = True
    first_clause_words: int = 1
    first_piece_words: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.first_clause_words <= self.first_piece_words:
            raise ConfigurationError(
                "first_clause_words must be at least 1 and at most first_piece_words"
            )
        if self.partial_interval_ms <= 0:
            raise ConfigurationError("partial_interval_ms must be positive")
        if self.partial_budget_ms < 0:
            raise ConfigurationError("partial_budget_ms cannot be negative")
        if self.max_tokens is not None and self.max_tokens <= 0:
            raise ConfigurationError("max_tokens must be positive")


@dataclass(slots=True)
class EngineStats:
    """What the engine measured (seconds, from the injected clock).

    Attributes:
        first_audio_s: Per answered spoken turn: end of speech to the reply's first audio.
        partials: Partial transcriptions run.
        reused_finals: Turns whose final transcript was ready when the turn ended.
        stt_rtf: Speech to text compute time per second of audio (a moving average).
        primed_tokens: Prompt tokens the LLM evaluated ahead of turns (see `prime`).
    """

    first_audio_s: list[float] = field(default_factory=list)
    partials: int = 0
    reused_finals: int = 0
    stt_rtf: float | None = None
    primed_tokens: int = 0
