"""Sentence splitting of streamed reply text, for speaking each sentence as soon as it is whole."""

from __future__ import annotations

import pytest

from voxline.engine.tts import SentenceSplitter, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Hello there. How are you? I am fine!", ["Hello there.", "How are you?", "I am fine!"]),
        ("The total is 3.50 dollars. Thanks.", ["The total is 3.50 dollars.", "Thanks."]),
        ("Dr. Lee and Mr. Smith met.", ["Dr. Lee and Mr. Smith met."]),
        ("Take e.g. apples. Or pears.", ["Take e.g. apples.", "Or pears."]),
        ("Call at 5 p.m. tomorrow. Bye.", ["Call at 5 p.m. tomorrow.", "Bye."]),
        ("J. K. Rowling wrote it. Yes.", ["J. K. Rowling wrote it.", "Yes."]),
        ("The U.S. Army is here. Ok.", ["The U.S. Army is here.", "Ok."]),
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        ("Wait... What?! No.", ["Wait...", "What?!", "No."]),
        ("It was in 2024. Then it ended.", ["It was in 2024.", "Then it ended."]),
        ("Options:\n- one\n- two", ["Options:", "- one", "- two"]),
        ("  spaced   out  ", ["spaced out"]),
        ("", []),
        ("No stop at the end", ["No stop at the end"]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_sentences_come_out_as_soon_as_the_next_word_confirms_them() -> None:
    splitter = SentenceSplitter()
    text = "Sure. Your order 12.5 is ready! Anything else?"
    seen: list[tuple[int, list[str]]] = []
    for index, char in enumerate(text):
        out = splitter.push(char)
        if out:
            seen.append((index, out))
    # "Sure." is confirmed by the capital Y; "ready!" by the space after it.
    assert seen == [(6, ["Sure."]), (31, ["Your order 12.5 is ready!"])]
    assert splitter.flush() == ["Anything else?"]
    assert splitter.flush() == []


def test_token_sized_deltas_give_the_same_sentences_as_whole_text() -> None:
    text = "I booked Dr. Adams for 3 p.m. today. Your reference is AB-12. Anything else?"
    splitter = SentenceSplitter()
    streamed: list[str] = []
    for start in range(0, len(text), 3):
        streamed += splitter.push(text[start : start + 3])
    streamed += splitter.flush()
    assert streamed == split_sentences(text)
    assert streamed == [
        "I booked Dr. Adams for 3 p.m. today.",
        "Your reference is AB-12.",
        "Anything else?",
    ]


def test_a_long_sentence_is_cut_at_a_comma_to_start_speaking_early() -> None:
    clause = "this clause goes on and on without an end"
    text = ", ".join([clause] * 10) + "."
    pieces = split_sentences(text, max_chars=100)
    assert all(len(piece) <= 100 for piece in pieces)
    assert pieces[0].endswith(",")
    assert " ".join(pieces) == text


def test_a_long_run_without_commas_is_cut_at_a_space() -> None:
    text = " ".join(["word"] * 100)
    pieces = split_sentences(text, max_chars=50)
    assert all(len(piece) <= 50 for piece in pieces)
    assert " ".join(pieces) == text
