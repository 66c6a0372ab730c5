"""Phone numbers written or spoken are normalised to ten digits."""

from __future__ import annotations

import pytest

from voxline.errors import InputError
from voxline.scenarios.phone import format_phone, normalize_phone, spoken_digits


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("(555) 123-4567", "5551234567"),
        ("555.123.4567", "5551234567"),
        ("+1 555 123 4567", "5551234567"),
        ("1-555-123-4567", "5551234567"),
        ("five five five, one two three, four five six seven", "5551234567"),
        ("Five-five-five one-two-three four-five-six-seven", "5551234567"),
        ("my number is double five five, one two three, four five six seven", "5551234567"),
        ("four one five, five five five, oh one nine nine", "4155550199"),
        ("555 one two three 4567", "5551234567"),
        ("eight hundred, five five five, one two one two", "8005551212"),
        ("two one two triple five zero one four eight", "2125550148"),
    ],
)
def test_normalize_phone_accepts_what_people_say(said: str, digits: str) -> None:
    assert normalize_phone(said) == digits


@pytest.mark.parametrize("said", ["", "call me maybe", "555 1234", "555 123 4567 8901"])
def test_normalize_phone_rejects_what_is_not_a_number(said: str) -> None:
    with pytest.raises(InputError, match="expected 10 digits"):
        normalize_phone(said)


def test_spoken_digits_ignores_filler_words() -> None:
    assert spoken_digits("area code four one five, dash, that is it") == "415"


def test_format_phone() -> None:
    assert format_phone("5551234567") == "(555) 123-4567"
