"""Tool schemas to GBNF grammars, and the matching argument validator."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from voxline.agents.tool import function_tool
from voxline.engine.llm.schema import arguments_grammar, gbnf_literal, validate_arguments
from voxline.errors import ConfigurationError

PHONE: dict[str, Any] = {
    "type": "object",
    "properties": {"phone": {"type": "string"}, "note": {"type": "string"}},
    "required": ["phone"],
    "additionalProperties": False,
}


def test_required_then_optional_members() -> None:
    grammar = arguments_grammar(PHONE)
    assert grammar is not None
    top = grammar.splitlines()[0]
    assert top.startswith("root ::= root-args-obj")
    obj = next(line for line in grammar.splitlines() if line.startswith("root-args-obj"))
    assert obj.index('"\\"phone\\":"') < obj.index('"\\"note\\":"')
    assert '( "," ws "\\"note\\":"' in obj
    assert "string ::=" in grammar


def test_short_forms() -> None:
    only_required = arguments_grammar(PHONE, include_optional=False)
    assert only_required is not None
    assert "note" not in only_required
    no_brace = arguments_grammar(PHONE, open_brace=False)
    assert no_brace is not None
    assert '"{"' not in no_brace.splitlines()[1]
    handoff = {"type": "object", "properties": {"reason": {"type": "string"}}}
    assert arguments_grammar(handoff, include_optional=False) is None
    assert arguments_grammar({"type": "object", "properties": {}}) is None


def test_function_tool_schema_with_enum_optional_and_list() -> None:
    @function_tool
    def book(day: str, size: int, kind: str = "standard", tags: list[str] | None = None) -> str:
        """Book a table."""
        return "ok"

    grammar = arguments_grammar(book.parameters)
    assert grammar is not None
    assert "integer ::=" in grammar
    assert "-array-" in grammar
    assert validate_arguments(book.parameters, {"day": "mon", "size": 2}) == []
    assert validate_arguments(book.parameters, {"day": "mon", "size": 2, "tags": None}) == []
    problems = validate_arguments(book.parameters, {"size": "two", "extra": 1})
    assert "day: required" in problems
    assert "size: expected integer" in problems
    assert "extra: not allowed" in problems


def test_enum_and_literals() -> None:
    schema = {"type": "object", "properties": {"team": {"enum": ["sales", 'a "b"']}}}
    grammar = arguments_grammar(schema)
    assert grammar is not None
    assert gbnf_literal('"sales"') in grammar
    assert validate_arguments(schema, {"team": "other"}) == [
        "team: 'other' is not one of ['sales', 'a \"b\"']"
    ]


def test_unsupported_schema_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="not supported"):
        arguments_grammar({"type": "object", "properties": {"x": {"type": "tuple"}}})
    with pytest.raises(ConfigurationError, match="points nowhere"):
        arguments_grammar({"type": "object", "properties": {"x": {"$ref": "#/$defs/Nope"}}})


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="needs llama-cpp")
def test_llama_cpp_parses_the_grammars() -> None:
    from llama_cpp.llama_grammar import LlamaGrammar

    @function_tool
    def lookup(order_id: str, verbose: bool = False, limit: float | None = None) -> str:
        """Find an order."""
        return "ok"

    for schema in (PHONE, lookup.parameters):
        for open_brace in (True, False):
            rules = arguments_grammar(schema, open_brace=open_brace)
            assert rules is not None
            LlamaGrammar.from_string(rules, verbose=False)
