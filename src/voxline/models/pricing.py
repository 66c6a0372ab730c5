"""Token prices and cost estimates for realtime sessions; pure functions, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from voxline.core.events import Usage
from voxline.errors import ConfigurationError

__all__ = ["GPT_REALTIME_PRICES", "PriceTable", "estimate_cost"]


@dataclass(frozen=True, slots=True)
class PriceTable:
    """US dollars per 1 million tokens, by kind of token.

    The defaults are OpenAI's published prices for `gpt-realtime`; pass your own table for
    another model, a discount, or when prices change.

    Attributes:
        text_in: Uncached text (and instruction) input tokens.
        audio_in: Uncached audio input tokens.
        cached_in: Cached input tokens of either kind.
        text_out: Text output tokens (transcripts of spoken replies count as audio).
        audio_out: Audio output tokens.
    """

    text_in: float = 4.00
    audio_in: float = 32.00
    cached_in: float = 0.40
    text_out: float = 16.00
    audio_out: float = 64.00

    def __post_init__(self) -> None:
        for name in ("text_in", "audio_in", "cached_in", "text_out", "audio_out"):
            if getattr(self, name) < 0:
                raise ConfigurationError(f"PriceTable.{name} cannot be negative")


GPT_REALTIME_PRICES = PriceTable()
"""Prices of `gpt-realtime` per 1M tokens (text 4/16, audio 32/64, cached input 0.40 USD)."""


def estimate_cost(usage: Usage, prices: PriceTable = GPT_REALTIME_PRICES) -> float:
    """Estimated cost in US dollars of the tokens in `usage`.

    Cached tokens are part of the input counts. `Usage` does not say whether they were text
    or audio, so they are taken from the (cheaper) text input first: the estimate leans high,
    never low.
    """
    cached = min(usage.input_cached_tokens, usage.input_tokens)
    cached_text = min(cached, usage.input_text_tokens)
    cached_audio = cached - cached_text
    dollars = (
        (usage.input_text_tokens - cached_text) * prices.text_in
        + (usage.input_audio_tokens - cached_audio) * prices.audio_in
        + cached * prices.cached_in
        + usage.output_text_tokens * prices.text_out
        + usage.output_audio_tokens * prices.audio_out
    )
    return dollars / 1_000_000
