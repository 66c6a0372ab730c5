"""function_tool: schemas from signatures and docstrings, validation, binding, output."""

from __future__ import annotations

import dataclasses
import json
from typing import Literal

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
    with pytest.raises(ToolArgumentsError, match="must be a JSON object, got list"):
        create_ticket.parse_arguments("[1]")
