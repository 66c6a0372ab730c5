"""Phone numbers as people say them ("five five five, one two three...") to ten digits."""

from __future__ import annotations

import re

from voxline.errors import InputError
from voxline.spoken import DIGIT_WORDS, REPEAT_WORDS

_ZEROS = {"hundred": "00", "thousand": "000"}
_TOKEN = re.compile(r"[a-z]+|\d+")


def spoken_digits(text: str) -> str:
    """Every digit in `text`, in order, whether written ("555") or spoken ("five five five").

    "double five" is "55", "triple oh" is "000", "eight hundred" is "800". Other words
    ("my number is", "dash", "area code") are ignored.
    """
    digits: list[str] = []
    repeat = 1
    for token in _TOKEN.findall(text.lower()):
        if token.isdigit():
            digits.append(token[0] * repeat + token[1:])
            repeat = 1
        elif token in DIGIT_WORDS:
            digits.append(DIGIT_WORDS[token] * repeat)
            repeat = 1
        elif token in REPEAT_WORDS:
            repeat = REPEAT_WORDS[token]
        elif token in _ZEROS and digits:
            digits.append(_ZEROS[token])
    return "".join(digits)


def normalize_phone(text: str) -> str:
    """A North American phone number as ten digits, however it was written or said.

    Accepts "(555) 123-4567", "+1 555 123 4567", "555.123.4567" and spoken forms such as
    "five five five, one two three, four five six seven" or "double five five ...".

    Raises:
        InputError: the text does not hold exactly ten digits (eleven with a leading 1).

    Example:
        >>> normalize_phone("five five five, one two three, four five six seven")
        '5551234567'
    """
    digits = spoken_digits(text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        heard = digits or "no digits"
        raise InputError(
            f"{text!r} is not a phone number: expected 10 digits, heard {heard} "
            f"({len(digits)} digits); ask the caller to repeat it"
        )
    return digits


def format_phone(digits: str) -> str:
    """Ten digits as "(555) 123-4567"."""
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
