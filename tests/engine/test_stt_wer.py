"""Word error rate and the text normalization behind it."""

from __future__ import annotations

import pytest

from voxline.engine.stt import normalize_words, word_error_rate
from voxline.engine.stt.wer import word_errors
from voxline.errors import ConfigurationError


def test_normalization_drops_case_punctuation_and_reads_titles() -> None:
    assert normalize_words("And Mr. John's ill-disposed, cold-hearted... MAN!") == [
        "and",
        "mister",
        "john's",
        "ill",
        "disposed",
        "cold",
        "hearted",
        "man",
    ]


def test_word_errors_counts_edits() -> None:
    assert word_errors(["a", "b", "c"], ["a", "b", "c"]) == 0
    assert word_errors(["a", "b", "c"], ["a", "x", "c"]) == 1  # substitution
    assert word_errors(["a", "b", "c"], ["a", "c"]) == 1  # deletion
    assert word_errors(["a", "b"], ["a", "b", "c", "d"]) == 2  # insertions
    assert word_errors([], ["a"]) == 1


def test_corpus_wer_weights_by_reference_words() -> None:
    wer = word_error_rate(["one two three four", "five"], ["one two three four", "six"])
    assert wer == pytest.approx(1 / 5)


def test_wer_refuses_mismatched_or_empty_input() -> None:
    with pytest.raises(ConfigurationError):
        word_error_rate(["a"], [])
    with pytest.raises(ConfigurationError):
        word_error_rate(["..."], ["a"])


def test_a_digit_and_its_word_are_the_same_word() -> None:
    assert word_error_rate(["leaves at seven"], ["leaves at 7"]) == 0.0
    assert word_error_rate(["oh no"], ["0 no"]) > 0.0  # "oh" stays a word
