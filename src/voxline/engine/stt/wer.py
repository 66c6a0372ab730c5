"""Word error rate, for judging transcripts against references (tests and benchmarks)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from voxline.errors import ConfigurationError
from voxline.spoken import DIGIT_WORDS

__all__ = ["normalize_words", "word_error_rate", "word_errors"]

_SPOKEN: Final = {
    "mr": "mister",
    "mrs": "missus",
    "dr": "doctor",
    "st": "saint",
    # a digit and its word are the same word ("7" and "seven"); "oh" and "o" stay words
    **{word: digit for word, digit in DIGIT_WORDS.items() if word not in ("oh", "o")},
}
_NOT_A_WORD: Final = re.compile(r"[^a-z0-9']+")


def normalize_words(text: str) -> list[str]:
    """Lower-case words without punctuation; hyphens split words; `Mr.` reads as `mister`;
    digit words are digits (`seven` reads as `7`)."""
    words = _NOT_A_WORD.sub(" ", text.lower().replace("-", " ")).split()
    return [_SPOKEN.get(word, word) for word in (w.strip("'") for w in words) if word]


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Substitutions + deletions + insertions turning `reference` into `hypothesis`."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(
                min(
                    previous[j] + 1,  # deletion
                    current[j - 1] + 1,  # insertion
                    previous[j - 1] + (ref_word != hyp_word),  # substitution or match
                )
            )
        previous = current
    return previous[-1]


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus WER: total word errors over total reference words, after `normalize_words`.

    Raises:
        ConfigurationError: The two sequences differ in length or the references hold no words.
    """
    if len(references) != len(hypotheses):
        raise ConfigurationError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    errors = 0
    words = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        ref = normalize_words(reference)
        errors += word_errors(ref, normalize_words(hypothesis))
        words += len(ref)
    if words == 0:
        raise ConfigurationError("the references hold no words")
    return errors / words
