"""Digits as people say them: the word tables shared by phone parsing and argument grounding."""

from __future__ import annotations

from types import MappingProxyType

DIGIT_WORDS = MappingProxyType(
    {
        "zero": "0",
        "oh": "0",
        "o": "0",
        "nought": "0",
        "one": "1",
        "two": "2",
        "three": "3",
        "four": "4",
        "five": "5",
        "six": "6",
        "seven": "7",
        "eight": "8",
        "nine": "9",
    }
)
"""Spoken digit words to digits ("oh" and "o" are zero, as in phone numbers)."""

REPEAT_WORDS = MappingProxyType({"double": 2, "triple": 3})
"""Words that repeat the next digit ("double five" is "55")."""
