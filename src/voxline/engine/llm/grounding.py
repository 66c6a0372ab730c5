"""Argument grounding: values the user must have said (phone, order id, email) must appear in
what the user said, so a model cannot invent one or copy it from an example in its prompt.

Pure functions, no I/O. Spoken digits are understood ("five five five one two three four",
"double five", "oh"), and punctuation in phone numbers is ignored ("(555) 123-4567").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from voxline.spoken import DIGIT_WORDS, REPEAT_WORDS

__all__ = [
    "GROUNDED_NAME",
    "digits_of",
    "grounded",
    "normalize_spoken",
    "retry_hint",
]

GROUNDED_NAME = re.compile(
    r"(phone|mobile|cell|email|e_?mail|(^|_)id$|_id_|number|code|account|order|zip|postcode"
    r"|postal|ssn|pin|card|reference|ref$|iban|ticket|invoice|tracking)",
    re.IGNORECASE,
)
"""Argument names whose values must come from the user."""

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d|[@.+_-]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_spoken(text: str) -> str:
    """Lower-case `text`, turn spoken digits into digits and spoken email parts into symbols.

    "double five" becomes "55", "oh" between digits becomes "0", " at " becomes "@" and
    " dot " becomes ".". Words that are not digits are kept, separated by spaces; digits
    spoken or written one after another are joined ("five 5 5" -> "555").
    """
    words = _WORD.findall(text.lower())
    out: list[str] = []
    repeat = 1
    for word in words:
        if word in REPEAT_WORDS:
            repeat = REPEAT_WORDS[word]
            continue
        digit = word if word.isdigit() else DIGIT_WORDS.get(word)
        if digit is not None and (word not in ("o", "oh") or _near_digit(out)):
            out.append(digit * repeat)
        elif word == "at":
            out.append("@")
        elif word in ("dot", "period"):
            out.append(".")
        else:
            if repeat > 1:
                out.append({2: "double", 3: "triple"}[repeat])
            out.append(word)
        repeat = 1
    return _join_tokens(out)


def _near_digit(out: list[str]) -> bool:
    return bool(out) and out[-1].isdigit()


def _join_tokens(tokens: list[str]) -> str:
    text = ""
    for token in tokens:
        glue = (token.isdigit() and text[-1:].isdigit()) or token in "@.-_" or text[-1:] in "@.-_"
        text += token if glue or not text else " " + token
    return text


def digits_of(text: str) -> str:
    """Only the digits of `text`, with spoken digits converted: "(555) 123-4567" -> 5551234567."""
    return re.sub(r"\D", "", normalize_spoken(text))


def _flatten(arguments: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, str, Any]]:
    for key, value in arguments.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            yield from _flatten(value, path)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _flatten(item, f"{path}[{i}]")
                else:
                    yield path, key, item
        else:
            yield path, key, value


def _must_ground(name: str, value: Any, fields: Sequence[str] | None, path: str) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if fields is not None:
        return path in fields or name in fields
    text = str(value)
    if GROUNDED_NAME.search(name):
        return True
    return bool(_EMAIL.match(text)) or sum(c.isdigit() for c in text) >= 4


def _value_said(value: Any, heard: str, heard_digits: Sequence[str]) -> bool:
    text = str(value).strip()
    if not text:
        return True
    if _EMAIL.match(text):
        compact = heard.replace(" ", "")
        return text.lower() in compact
    digits = re.sub(r"\D", "", text)
    letters = re.sub(r"[^a-z]", "", text.lower())
    if digits and len(digits) >= 0.5 * len(re.sub(r"\W", "", text)):
        # Mostly digits (a phone number, an order number): the digits must have been said in
        # order, separators and spoken form ignored; letters (a prefix like "A-") must appear too.
        if not any(digits in said for said in heard_digits):
            return False
        return not letters or letters in re.sub(r"[^a-z]", "", heard)
    compact_value = re.sub(r"[^a-z0-9@.]", "", normalize_spoken(text))
    compact_heard = re.sub(r"[^a-z0-9@.]", "", heard)
    return compact_value in compact_heard


def grounded(
    arguments: Mapping[str, Any],
    user_texts: Sequence[str],
    *,
    fields: Sequence[str] | None = None,
) -> list[str]:
    """The argument fields whose values the user never said (empty when all are grounded).

    Args:
        arguments: The tool call's parsed arguments.
        user_texts: Everything the user said so far (transcripts of user turns).
        fields: The fields that must be grounded (names or dotted paths). By default: fields
            whose name looks like an identifier (phone, email, ..._id, order, account, code,
            number, ...), and any value that is an email address or has four or more digits.

    Returns:
        Dotted paths of the ungrounded fields, in argument order.
    """
    heard_parts = [normalize_spoken(t) for t in user_texts]
    heard = " ".join(heard_parts)
    # Digits per utterance, and of all utterances in a row (a number said in two turns).
    heard_digits = [re.sub(r"\D", "", h) for h in heard_parts]
    heard_digits.append("".join(heard_digits))
    missing: list[str] = []
    for path, name, value in _flatten(arguments):
        if _must_ground(name, value, fields, path) and not _value_said(value, heard, heard_digits):
            missing.append(path)
    return missing


def retry_hint(ungrounded: Sequence[str]) -> str:
    """A note for the model after it used values the user never said: ask instead of guessing."""
    names = ", ".join(ungrounded)
    return (
        f"The user has not said the value of {names}. Do not guess or copy an example: "
        "reply and ask the user for it."
    )
