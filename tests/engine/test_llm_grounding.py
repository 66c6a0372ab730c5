"""Argument grounding: values the user must have said, checked against what they said."""

from __future__ import annotations

import pytest

from voxline.engine.llm.grounding import digits_of, grounded, normalize_spoken, retry_hint


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("(555) 123-4567", "5551234567"),
        ("five five five one two three four", "5551234"),
        ("double five five, one two three, four five six seven", "5551234567"),
        ("five oh one", "501"),
        ("+1 555.123.4567", "15551234567"),
        ("no digits here", ""),
    ],
)
def test_digits_of(text: str, digits: str) -> None:
    assert digits_of(text) == digits


def test_normalize_spoken_email_and_words() -> None:
    assert normalize_spoken("It's John dot Smith at example dot com") == (
        "it's john.smith@example.com"
    )
    assert normalize_spoken("Oh hello, double check that") == "oh hello double check that"


def test_phone_said_in_words_or_digits_is_grounded() -> None:
    args = {"phone": "555-123-4567"}
    assert grounded(args, ["my number is five five five, one two three, four five six seven"]) == []
    assert grounded(args, ["It's (555) 123 4567."]) == []
    assert grounded({"phone": "5551234567"}, ["555", "one two three four five six seven"]) == []


def test_invented_phone_is_caught() -> None:
    # The number from the prompt's example, never said by the user.
    assert grounded({"phone": "555-000-1111"}, ["please verify me"]) == ["phone"]
    assert grounded({"phone": "5551234567"}, ["my number is 555 123 4568"]) == ["phone"]


def test_ids_emails_and_free_text() -> None:
    said = ["my order is A-7731 and email jane dot doe at mail dot com", "I need help"]
    assert grounded({"order_id": "A7731", "email": "jane.doe@mail.com"}, said) == []
    assert grounded({"order_id": "A7732"}, said) == ["order_id"]
    assert grounded({"email": "john@mail.com"}, said) == ["email"]
    # A reason or a summary is the model's own words: not checked.
    assert grounded({"reason": "the internet is down"}, said) == []


def test_nested_arguments_and_explicit_fields() -> None:
    args = {"customer": {"phone": "5559990000", "name": "Ann"}, "plan": "gold"}
    assert grounded(args, ["hi"]) == ["customer.phone"]
    assert grounded(args, ["hi"], fields=["plan"]) == ["plan"]
    assert grounded(args, ["I want gold"], fields=["plan"]) == []
    assert grounded({"flag": True, "none": None}, []) == []


def test_retry_hint_names_the_fields() -> None:
    hint = retry_hint(["phone", "order_id"])
    assert "phone, order_id" in hint
    assert "ask" in hint
