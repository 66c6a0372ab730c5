"""function_tool: schemas from signatures and docstrings, validation, binding, output."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any, Literal

import pydantic
import pytest

from voxline.agents import FunctionTool, RunContext, function_tool, serialize_output
from voxline.agents.tool import parse_docstring
from voxline.errors import ConfigurationError, ToolArgumentsError


@function_tool
def create_ticket(
    issue: str,
    category: Literal["billing", "technical"],
    priority: int = 3,
    user_id: str | None = None,
) -> dict[str, str]:
    """Open a support ticket.

    Longer explanation that the model does not need
    spread over two lines.

    Args:
        issue: What went wrong, in the
            customer's words.
        category: Which team handles it.
        priority (int): 1 is urgent.

    Returns:
        The ticket id.
    """
    return {"id": "T1"}


def test_schema_comes_from_hints_defaults_and_docstring() -> None:
    assert isinstance(create_ticket, FunctionTool)
    assert create_ticket.name == "create_ticket"
    assert create_ticket.description.startswith("Open a support ticket. Longer explanation")
    schema = create_ticket.parameters
    assert schema["type"] == "object"
    assert schema["required"] == ["issue", "category"]
    assert schema["additionalProperties"] is False
    props = schema["properties"]
    assert props["issue"] == {
        "type": "string",
        "description": "What went wrong, in the customer's words.",
    }
    assert props["category"]["enum"] == ["billing", "technical"]
    assert props["priority"]["default"] == 3
    assert props["priority"]["description"] == "1 is urgent."
    assert "title" not in json.dumps(schema)
    spec = create_ticket.spec()
    assert (spec.name, spec.parameters) == ("create_ticket", schema)


def test_arguments_are_validated_and_coerced() -> None:
    args = create_ticket.parse_arguments('{"issue": "no wifi", "category": "technical"}')
    assert args == {"issue": "no wifi", "category": "technical", "priority": 3, "user_id": None}
    assert function_tool(name="noop")(lambda: None).parse_arguments("  ") == {}
    with pytest.raises(ToolArgumentsError, match="category"):
        create_ticket.parse_arguments('{"issue": "x", "category": "sales"}')
    with pytest.raises(ToolArgumentsError, match="pwn: Extra inputs"):
        create_ticket.parse_arguments('{"issue": "x", "category": "billing", "pwn": 1}')
    with pytest.raises(ToolArgumentsError, match="not valid JSON") as info:
        create_ticket.parse_arguments("{")
    assert info.value.tool_name == "create_ticket"
    assert info.value.to_output()["error"]["type"] == "ToolArgumentsError"


def test_a_context_parameter_is_hidden_from_the_model_and_bound() -> None:
    @function_tool(name="whoami", description="Say who is active.", timeout_s=2)
    async def who(ctx: RunContext, loud: bool = False) -> str:
        return ctx.agent_name

    assert who.name == "whoami"
    assert who.description == "Say who is active."
    assert who.timeout_s == 2
    assert who.is_async
    assert "ctx" not in who.parameters["properties"]
    context = RunContext(agent_name="router")
    assert who.bind({"loud": True}, context) == {"loud": True, "ctx": context}
    assert create_ticket.bind({"issue": "x"}, context) == {"issue": "x"}
    assert not create_ticket.is_async


def test_a_function_without_docstring_gets_a_readable_description() -> None:
    def get_weather(city: str) -> str:
        return city

    assert function_tool(get_weather).description == "get weather"


def test_bad_tools_fail_at_definition_with_clear_errors() -> None:
    with pytest.raises(ConfigurationError, match="not valid"):
        function_tool(name="bad name!")(lambda: None)
    with pytest.raises(ConfigurationError, match="positive"):
        function_tool(timeout_s=0)(lambda: None)
    with pytest.raises(ConfigurationError, match="needs a function"):
        function_tool(42)  # type: ignore[call-overload]

    def variadic(*args: int) -> None:
        return None

    with pytest.raises(ConfigurationError, match=r"\*args"):
        function_tool(variadic)

    def unresolved(x: NoSuchType) -> None:  # type: ignore[name-defined]  # noqa: F821
        return None

    with pytest.raises(ConfigurationError, match="could not be resolved"):
        function_tool(unresolved)


def test_outputs_are_serialised_for_the_model() -> None:
    class Model(pydantic.BaseModel):
        a: int

    @dataclasses.dataclass
    class Data:
        b: str

    assert serialize_output("plain") == "plain"
    assert serialize_output(Model(a=1)) == '{"a":1}'
    assert json.loads(serialize_output(Data("x"))) == {"b": "x"}
    assert json.loads(serialize_output({"n": 1, "s": {2}})) == {"n": 1, "s": "{2}"}


def test_docstring_parsing() -> None:
    assert parse_docstring(None) == ("", {})
    summary, args = parse_docstring(
        """Do it.

        Args:
            **kwargs: extra
            x: first
        Raises:
            ValueError: never
        """
    )
    assert summary == "Do it."
    assert args == {"kwargs": "extra", "x": "first"}


def test_arguments_must_be_an_object() -> None:
    with pytest.raises(ToolArgumentsError, match="must be a JSON object, got array"):
        create_ticket.parse_arguments("[1]")
    with pytest.raises(ToolArgumentsError, match="must be a JSON object, got string"):
        create_ticket.parse_arguments('"wifi"')
    with pytest.raises(ToolArgumentsError, match="must be a JSON object, got null"):
        create_ticket.parse_arguments("null")
    with pytest.raises(ToolArgumentsError, match=r"not valid JSON \(trailing characters"):
        create_ticket.parse_arguments('{"issue": "x"} {')


def _make_tools(prefix: str) -> FunctionTool:
    """A tool built as a closure, the way scenarios build theirs on every load."""

    @function_tool
    def lookup(order_id: str, limit: int = 1) -> str:
        """Find an order.

        Args:
            order_id: The order number.
        """
        return f"{prefix}{order_id}{limit}"

    return lookup


def test_building_a_tool_again_reuses_its_argument_model() -> None:
    first, second = _make_tools("a"), _make_tools("b")
    assert first.func is not second.func
    assert first.args_model is second.args_model
    assert first.parameters == second.parameters
    assert first.parameters is not second.parameters  # each tool owns its schema
    assert first.parse_arguments('{"order_id": "7"}') == {"order_id": "7", "limit": 1}


def test_scenario_tools_share_argument_models_across_loads(tmp_path: Path) -> None:
    from voxline.scenarios.customer_service import build_tools
    from voxline.scenarios.store import CustomerStore

    one, two = build_tools(CustomerStore(tmp_path)), build_tools(CustomerStore(tmp_path))
    assert one.keys() == two.keys()
    for name in one:
        assert one[name].args_model is two[name].args_model, name


def test_defaults_that_compare_equal_keep_their_own_model() -> None:
    def flag(value: int | bool = 1) -> str:
        return str(value)

    def other(value: int | bool = True) -> str:
        return str(value)

    as_int = function_tool(name="flag")(flag)
    as_bool = function_tool(name="flag")(other)
    assert as_int.args_model is not as_bool.args_model
    assert as_int.parse_arguments("{}") == {"value": 1}
    assert as_bool.parse_arguments("{}")["value"] is True


def test_an_unhashable_default_still_builds_a_tool() -> None:
    def pick(options: list[str] = ["a"]) -> str:  # noqa: B006 - the point of the test
        return options[0]

    first, second = function_tool(pick), function_tool(pick)
    assert first.parse_arguments("{}") == {"options": ["a"]}
    assert first.args_model is not second.args_model


def test_lists_and_non_ascii_text_are_written_as_json_dumps_writes_them() -> None:
    value = [{"city": "Zürich", "n": 1.5, "none": None}, "é"]
    assert serialize_output(value) == json.dumps(value, default=str, ensure_ascii=False)
    assert serialize_output({"when": Path("/tmp")}) == '{"when": "/tmp"}'


def test_a_partial_of_an_async_function_and_a_method_are_async_tools() -> None:
    async def lookup(order_id: str, verbose: bool) -> str:
        return order_id

    class Desk:
        async def lookup(self, order_id: str) -> str:
            return order_id

    def build(func: Any) -> FunctionTool:
        return FunctionTool("t", "d", {}, func, pydantic.BaseModel)

    assert build(functools.partial(lookup, verbose=True)).is_async
    assert build(Desk().lookup).is_async
    assert not build(functools.partial(print)).is_async


def test_only_an_async_def_without_await_answers_at_once() -> None:
    import asyncio

    async def at_once(order_id: str) -> str:
        return order_id

    async def awaits(order_id: str) -> str:
        await asyncio.sleep(0)
        return order_id

    async def times_out(order_id: str) -> str:
        async with asyncio.timeout(1):  # noqa: ASYNC100 - entering it alone can wait
            return order_id

    async def iterates(order_id: str) -> str:
        async for _ in _letters(order_id):
            pass
        return order_id

    async def in_a_comprehension(order_id: str) -> list[str]:
        return [c async for c in _letters(order_id)]

    def plain(order_id: str) -> str:
        return order_id

    class Desk:
        async def lookup(self, order_id: str) -> str:
            return order_id

        async def __call__(self, order_id: str) -> str:
            return order_id

    def build(func: Any) -> FunctionTool:
        return FunctionTool("t", "d", {}, func, pydantic.BaseModel)

    assert build(at_once).answers_at_once
    assert build(functools.partial(at_once, order_id="A1")).answers_at_once
    assert build(Desk().lookup).answers_at_once
    for waits in (awaits, times_out, iterates, in_a_comprehension, plain, Desk(), print):
        assert not build(waits).answers_at_once, waits


async def _letters(text: str) -> Any:
    for letter in text:
        yield letter


def test_outputs_keep_json_dumps_edge_cases() -> None:
    values: list[Any] = [{1: "int key", "nan": float("nan")}, {"deep": [[{"x": [True]}]]}, []]
    for value in values:
        assert serialize_output(value) == json.dumps(value, default=str, ensure_ascii=False)
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular reference"):
        serialize_output(looped)
    assert serialize_output([1]) == "[1]"  # the check is per call: an error leaves no trace
