"""ChatML prompts: a cacheable agent prefix, the conversation, the action line."""

from __future__ import annotations

import pytest

from voxline.core.config import ToolSpec
from voxline.engine.llm.prompt import build_prompt, describe_tool, system_prompt, tool_call_line
from voxline.engine.ports import ChatMessage
from voxline.errors import ConfigurationError

AUTH = ToolSpec(
    "authenticate_user",
    "Verify the caller.",
    {
        "type": "object",
        "properties": {"phone": {"type": "string", "description": "digits only"}},
        "required": ["phone"],
    },
)
SALES = ToolSpec(
    "transfer_to_sales",
    "Sales team.",
    {"type": "object", "properties": {"reason": {"type": "string"}}},
)


def test_system_prompt_lists_tools_then_reply_last() -> None:
    text = system_prompt("You are the front desk.", [AUTH, SALES])
    assert text.startswith("You are the front desk.")
    assert text.index("- authenticate_user:") < text.index("- transfer_to_sales:")
    assert text.index("- transfer_to_sales:") < text.index("- reply:")
    assert 'action: authenticate_user {"phone": "..."}' in text
    assert describe_tool(AUTH).endswith("Arguments: phone (string): digits only.")
    assert "reason (string, optional)" in describe_tool(SALES)


def test_prefix_is_stable_and_conversation_is_chatml() -> None:
    messages = [
        ChatMessage("user", "my number is 555 123 4567"),
        ChatMessage(
            "assistant", "", tool_name="authenticate_user", tool_arguments='{"phone":"5551234567"}'
        ),
        ChatMessage("tool", '{"ok": true}', tool_name="authenticate_user"),
        ChatMessage("assistant", "You are verified."),
    ]
    first = build_prompt("Be kind.", [AUTH], messages[:1])
    later = build_prompt("Be kind.", [AUTH], messages, note="Ask for the order id.")
    assert first.prefix == later.prefix
    assert first.prefix.startswith("<|im_start|>system\nBe kind.")
    assert first.prefix.endswith("<|im_end|>\n")
    assert later.conversation == (
        "<|im_start|>user\nmy number is 555 123 4567<|im_end|>\n"
        '<|im_start|>assistant\naction: authenticate_user {"phone": "5551234567"}<|im_end|>\n'
        '<|im_start|>user\n<tool_response>\nauthenticate_user: {"ok": true}\n</tool_response>'
        "<|im_end|>\n"
        "<|im_start|>assistant\naction: reply\nYou are verified.<|im_end|>\n"
        "<|im_start|>system\nAsk for the order id.<|im_end|>\n"
    )
    assert later.generation == "<|im_start|>assistant\naction:"
    assert later.text == later.prefix + later.conversation + later.generation


def test_an_agent_with_no_tools_gets_plain_chatml_without_action_lines() -> None:
    """Nothing to choose: no actions section, no action line to evaluate at every turn."""
    messages = [
        ChatMessage("user", "hello"),
        ChatMessage("assistant", "", tool_name="transfer_to_poet", tool_arguments="{}"),
        ChatMessage("tool", '{"ok": true}', tool_name="transfer_to_poet"),
        ChatMessage("assistant", "Hi, pick a topic."),
        ChatMessage("user", "the sea"),
    ]
    prompt = build_prompt("  Write haiku.  ", [], messages)
    assert prompt.prefix == "<|im_start|>system\nWrite haiku.<|im_end|>\n"
    assert prompt.conversation.endswith(
        "<|im_start|>assistant\nHi, pick a topic.<|im_end|>\n<|im_start|>user\nthe sea<|im_end|>\n"
    )
    # what happened before the handoff is still shown as it was
    assert "action: transfer_to_poet<|im_end|>" in prompt.conversation
    assert prompt.generation == "<|im_start|>assistant\n"


def test_tool_call_line_without_arguments() -> None:
    assert tool_call_line("transfer_to_sales", "{}") == "action: transfer_to_sales"
    assert tool_call_line("transfer_to_sales", "") == "action: transfer_to_sales"


def test_duplicate_or_reserved_tool_names_are_rejected() -> None:
    with pytest.raises(ConfigurationError, match="unique"):
        system_prompt("x", [AUTH, AUTH])
    with pytest.raises(ConfigurationError, match="reply"):
        system_prompt("x", [ToolSpec("reply", "no", {"type": "object"})])
