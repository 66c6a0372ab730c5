"""The response's first piece of speech may end at a clause, so first audio comes sooner; the
pieces after it grow to whole sentences, so the listener does not wait on a long one."""

from __future__ import annotations

import pytest

from voxline.engine.pipeline import FirstClauseSplitter


def _stream(text: str, splitter: FirstClauseSplitter | None = None) -> list[str]:
    splitter = splitter or FirstClauseSplitter()
    out: list[str] = []
    for char in text:  # the LLM streams a few characters at a time
        out += splitter.push(char)
    return out + splitter.flush()


def test_the_first_piece_ends_at_a_clause_then_sentences_follow() -> None:
    text = "Sure, I can help with that, just a moment. Your bill is 1,000 dollars, due today."
    assert _stream(text) == [
        "Sure, I can help with that,",
        "just a moment.",
        "Your bill is 1,000 dollars, due today.",
    ]


def test_a_sentence_that_ends_first_is_the_first_piece() -> None:
    assert _stream("Hi! Well, I can help you with that today.") == [
        "Hi!",
        "Well,",  # the second piece is short (at most 20 characters after "Hi!")
        "I can help you with that today.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Yes, of course.",  # too few words before the comma
        "The total is 1,000 dollars and 50 cents",  # a comma inside a number
    ],
)
def test_no_clause_cut_without_enough_words(text: str) -> None:
    assert _stream(text, FirstClauseSplitter(min_words=4, max_words=12)) == [text]


def test_min_words_is_configurable() -> None:
    assert _stream("Yes, of course.", FirstClauseSplitter(min_words=1)) == [
        "Yes,",
        "of course.",
    ]


def test_everything_is_kept_in_order() -> None:
    text = "Okay then; let me check your account right now: it shows two charges. Done."
    pieces = _stream(text, FirstClauseSplitter(min_words=4, max_words=12))
    assert pieces[0] == "Okay then; let me check your account right now:"
    assert " ".join(pieces) == text


def test_a_long_first_sentence_is_cut_after_max_words_at_a_space() -> None:
    text = "What a lovely line from the book that you have just read to me. Yes."
    assert _stream(text) == [
        "What a lovely line from the",
        "book that you have just",  # no longer than the first piece
        "read to me.",
        "Yes.",
    ]
    assert _stream(text, FirstClauseSplitter(max_words=4)) == [
        "What a lovely line",
        "from the book that",
        "you have just read to me.",
        "Yes.",
    ]


def test_pieces_grow_twice_as_long_each_time_up_to_the_longest() -> None:
    words = " ".join(f"word{n}" for n in range(60))  # one long sentence, no clause
    pieces = _stream(words + ".", FirstClauseSplitter(min_words=1, max_words=2, longest=100))
    assert pieces[0] == "word0 word1"
    caps = [20, 40, 80, 100, 100]  # the first piece is shorter than the floor of 20
    cut = [len(p) for p in pieces[1:-1]]  # every piece but the first and the sentence's end
    assert len(cut) == len(caps)
    for length, cap in zip(cut, caps, strict=True):
        assert cap - len(" word99") < length <= cap  # cut at the last space within the cap
    assert " ".join(pieces) == words + "."


def test_a_piece_cut_for_length_ends_at_its_last_clause() -> None:
    text = "Sure thing. Well, it says here, in your file, that the order left on Monday."
    assert _stream(text, FirstClauseSplitter(min_words=1, max_words=4)) == [
        "Sure thing.",
        "Well, it says here,",  # cut within 20 characters, at its last comma
        "in your file,",  # within 40
        "that the order left on Monday.",
    ]
