"""Plain arguments give exactly what the tool's pydantic model gives, or leave it to pydantic."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pydantic
import pytest

from voxline import function_tool
from voxline.agents.arguments import PlainArguments
from voxline.errors import ToolArgumentsError


@function_tool
def find(
    order_id: str, limit: int = 5, ratio: float = 0.5, urgent: bool = False, note: str | None = None
) -> str:
    """Find orders."""
    return order_id


@function_tool
def constrained(code: Annotated[str, pydantic.Field(max_length=3)], kind: Literal["a", "b"]) -> str:
    """A tool whose arguments need pydantic."""
    return code


PLAIN = find.plain_arguments

TEXTS = [
    '{"order_id": "A1"}',
    '{"order_id": "A1", "limit": 2, "ratio": 1, "urgent": true, "note": null}',
    '{"note": "hi", "order_id": "x", "ratio": 2.5}',
    '{"order_id": "caf\u00e9 \u2603"}',  # raw UTF-8 text, no escape
    '{"order_id": "A1", "ratio": NaN}',
    '{"order_id": "A1", "order_id": "B2"}',  # the last one wins, in both parsers
]
LEFT_TO_PYDANTIC = [
    '{"limit": 2}',  # the required field is missing
    '{"order_id": "A1", "extra": 1}',
    '{"order_id": 5}',
    '{"order_id": "A1", "limit": "5"}',  # pydantic coerces this in lax mode
    '{"order_id": "A1", "limit": 5.0}',
    '{"order_id": "A1", "limit": true}',
    '{"order_id": "A1", "urgent": 1}',
    '{"order_id": null}',
    '{"order_id": "\\u00e9"}',  # an escape: the two parsers differ on lone surrogates
    "[1]",
    "null",
    "{",
    '{"order_id": "A1"} {',
    ' {"order_id": "A1"}',  # surrounding whitespace: pydantic reads it, and decides
    '{"order_id": "A1"}\n',
]


@pytest.mark.parametrize("text", TEXTS)
def test_plain_arguments_equal_pydantic(text: str) -> None:
    assert PLAIN is not None
    got = PLAIN.parse(text)
    assert got is not None
    expected = dict(find.args_model.model_validate_json(text).__dict__)
    assert list(got) == list(expected)  # the field order too
    assert {k: (type(v), v) for k, v in got.items() if v == v} == {
        k: (type(v), v) for k, v in expected.items() if v == v
    }


@pytest.mark.parametrize("text", LEFT_TO_PYDANTIC)
def test_anything_unusual_is_left_to_pydantic(text: str) -> None:
    assert PLAIN is not None
    assert PLAIN.parse(text) is None


@pytest.mark.parametrize("text", LEFT_TO_PYDANTIC)
def test_the_tool_still_answers_as_pydantic_does(text: str) -> None:
    try:
        expected: Any = dict(find.args_model.model_validate_json(text).__dict__)
    except pydantic.ValidationError:
        with pytest.raises(ToolArgumentsError):
            find.parse_arguments(text)
    else:
        assert find.parse_arguments(text) == expected


def test_constrained_or_non_scalar_parameters_always_use_pydantic() -> None:
    assert constrained.plain_arguments is None

    @function_tool
    def listed(ids: list[str]) -> str:
        """Takes a list."""
        return ",".join(ids)

    @function_tool
    def mutable_default(ids: str = "a", tags: dict[str, str] | None = None) -> str:
        """Takes a dict."""
        return ids

    assert listed.plain_arguments is None
    assert mutable_default.plain_arguments is None
    assert PlainArguments.of(find.args_model) is not None
    with pytest.raises(ToolArgumentsError, match="at most 3 characters"):
        constrained.parse_arguments('{"code": "abcd", "kind": "a"}')


def test_a_tool_without_parameters_reads_blank_and_empty_arguments() -> None:
    noop = function_tool(name="noop")(lambda: None)
    assert noop.plain_arguments is not None
    assert noop.parse_arguments("  ") == {}
    assert noop.parse_arguments("{}") == {}
    with pytest.raises(ToolArgumentsError):
        noop.parse_arguments('{"x": 1}')
