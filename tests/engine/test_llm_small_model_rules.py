"""Prompt rules for the small local model: no caller lines to parrot, no hand-back on arrival."""

from __future__ import annotations

from voxline.core.config import ToolSpec
from voxline.engine.llm.llama import just_arrived
from voxline.engine.llm.prompt import describe_tool
from voxline.engine.ports import ChatMessage

EMPTY = {"type": "object", "properties": {}}


def test_quoted_caller_examples_are_kept_out_of_the_prompt() -> None:
    tool = ToolSpec(
        "transfer_to_human_agent",
        'Upset callers. For example: "This is unacceptable."; "Get me a person.".',
        EMPTY,
    )
    assert describe_tool(tool) == "- transfer_to_human_agent: Upset callers."
    plain = ToolSpec("lookup", 'Find orders by "order id".', EMPTY)
    assert describe_tool(plain) == '- lookup: Find orders by "order id".'


def test_an_agent_that_was_just_handed_the_caller_is_recognised() -> None:
    arrived = [
        ChatMessage("user", "my internet is down"),
        ChatMessage("assistant", "", tool_name="transfer_to_support", call_id="c1"),
        ChatMessage("tool", '{"assistant": "support"}', tool_name="transfer_to_support"),
    ]
    assert just_arrived(arrived)
    assert not just_arrived(arrived[:1])
    assert not just_arrived([ChatMessage("tool", "{}", tool_name="lookup_order")])
    assert not just_arrived([])
