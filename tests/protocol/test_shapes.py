"""Compiled shapes accept exactly the objects their fields describe."""

from __future__ import annotations

from typing import Any

import pytest

from voxline.protocol.shapes import (
    INT,
    NONE,
    NUMBER,
    OPT_INT,
    OPT_NUMBER,
    OPT_STR,
    STR,
    ListOf,
    Maybe,
    one_of,
    shape,
)

INNER = shape({"n": INT})
EVENT = shape(
    {"type": one_of("ping"), "id": STR, "inner": INNER},
    {"note": OPT_STR, "count": OPT_INT, "gone": NONE, "x": NUMBER, "y": OPT_NUMBER},
)
GOOD: dict[str, Any] = {"type": "ping", "id": "e1", "inner": {"n": 1}}


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"note": None},
        {"note": "hi", "count": 3},
        {"gone": None},
        {"x": 1.5, "y": None},
        {"x": 2},
    ],
)
def test_a_fitting_object_passes(extra: dict[str, Any]) -> None:
    assert EVENT({**GOOD, **extra})


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "pong"},  # not one of the allowed strings
        {"type": ["ping"]},  # unhashable: must not reach the set lookup
        {"id": 5},
        {"id": None},  # present but null, and the spec does not allow null
        {"inner": {"n": "1"}},  # the nested shape fails
        {"inner": {"n": 1, "m": 2}},
        {"count": 1.0},  # no coercion: a float is not an int
        {"count": True},  # nor is a bool
        {"gone": 0},
        {"x": "1"},
        {"surprise": 1},  # an unknown field
    ],
)
def test_a_wrong_field_fails(changes: dict[str, Any]) -> None:
    assert not EVENT({**GOOD, **changes})


@pytest.mark.parametrize("missing", ["type", "id", "inner"])
def test_every_required_field_must_be_there(missing: str) -> None:
    assert not EVENT({k: v for k, v in GOOD.items() if k != missing})


@pytest.mark.parametrize("value", [None, [], "ping", 3, ("type", "ping")])
def test_anything_but_a_dict_fails(value: object) -> None:
    assert not EVENT(value)


def test_a_shape_without_optional_fields_counts_exactly() -> None:
    assert INNER({"n": 0})
    assert not INNER({})
    assert not INNER({"n": 0, "extra": None})
    assert shape({})({})
    assert not shape({})({"a": 1})


def test_a_field_both_required_and_optional_is_required() -> None:
    fits = shape({"a": STR}, {"a": OPT_STR, "b": INT})
    assert fits({"a": "x", "b": 1})
    assert not fits({"b": 1})
    assert not fits({"a": None})


def test_maybe_and_list_of_check_what_they_hold() -> None:
    fits = shape(
        {"items": ListOf(INNER)},
        {"note": Maybe(INNER), "tags": ListOf(INNER, nullable=True)},
    )
    assert fits({"items": []})
    assert fits({"items": [{"n": 1}, {"n": 2}], "note": None, "tags": None})
    assert fits({"items": [{"n": 1}], "note": {"n": 3}, "tags": [{"n": 4}]})
    assert not fits({"items": None})  # not nullable
    assert not fits({"items": ({"n": 1},)})  # a tuple is not a JSON array
    assert not fits({"items": [{"n": 1}, {"n": "2"}]})  # one bad element is enough
    assert not fits({"items": [], "note": {"n": "3"}})
    assert not fits({"items": [], "tags": [None]})
