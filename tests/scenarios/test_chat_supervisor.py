"""The chat-supervisor tool: history in, the supervisor's answer (and its latency) out."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from voxline import scenarios
from voxline.agents.context import RunContext
from voxline.core.config import ToolSpec
from voxline.core.items import FunctionCall, FunctionCallOutput, Message, Role
from voxline.engine.ports import ChatMessage, LLMOutput, TextChunk, ToolChoice
from voxline.errors import ConfigurationError
from voxline.scenarios.chat_supervisor import SUPERVISOR_TOOL, history_for_supervisor


class StepLLM:
    """A supervisor that plays back one list of outputs per call and records what it saw."""

    def __init__(self, *turns: list[LLMOutput]) -> None:
        self.turns = list(turns)
        self.seen: list[list[ChatMessage]] = []

    def prepare(self, instructions: str, tools: Sequence[ToolSpec]) -> None:
        return None

    def generate(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        *,
        max_tokens: int | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Iterator[LLMOutput]:
        self.seen.append(list(messages))
        yield from self.turns.pop(0)


def _context() -> RunContext:
    history = (
        Message("m1", Role.USER, "Hi, what is my balance? I'm 555 987 6543.", 0.0, 0.0),
        Message("m2", Role.ASSISTANT, "Let me check.", 0.0, 0.0),
        FunctionCall("f1", "c1", SUPERVISOR_TOOL, "{}", 0.0),
    )
    return RunContext("chat_agent", history)


def _tool(scenario: scenarios.Scenario) -> Callable[..., dict[str, object]]:
    tool = scenario.agent.tools[0]
    assert tool.name == SUPERVISOR_TOOL

    def run(**arguments: object) -> dict[str, object]:
        parsed = tool.parse_arguments(json.dumps(arguments))
        result: dict[str, object] = tool.func(**tool.bind(parsed, _context()))
        return result

    return run


def test_the_supervisor_uses_tools_and_returns_the_next_response(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    llm = StepLLM(
        [ToolChoice("authenticate_user", json.dumps({"phone": "555 987 6543"}))],
        [ToolChoice("lookup_user_profile", json.dumps({"user_id": "U1002"}))],
        [TextChunk("James, your balance "), TextChunk("is $49.99.")],
    )
    scenario = scenarios.load("chat_supervisor", data_dir=tmp_path, supervisor=llm)
    with caplog.at_level(logging.INFO, logger="voxline.scenarios.supervisor"):
        out = _tool(scenario)(relevant_context="caller asks for their balance")
    assert out["next_response"] == "James, your balance is $49.99."
    metadata = out["metadata"]
    assert isinstance(metadata, dict)
    assert metadata["supervisor_latency_ms"] >= 0
    assert "supervisor answered in" in caplog.text
    first, _, last = llm.seen
    assert [m.role for m in first] == ["user", "assistant", "user"]
    assert "balance" in first[-1].content
    tool_answers = [m for m in last if m.role == "tool"]
    assert "$49.99" in tool_answers[-1].content


def test_a_bad_tool_call_by_the_supervisor_is_reported_back_to_it(tmp_path: Path) -> None:
    llm = StepLLM(
        [ToolChoice("lookup_user_profile", "{not json")],
        [ToolChoice("no_such_tool", "{}")],
        [TextChunk("Sorry, I could not find that.")],
    )
    scenario = scenarios.load("chat_supervisor", data_dir=tmp_path, supervisor=llm)
    out = _tool(scenario)(relevant_context="profile")
    assert out["next_response"] == "Sorry, I could not find that."
    errors = [m.content for m in llm.seen[-1] if m.role == "tool"]
    assert "ToolArgumentsError" in errors[0]
    assert "no tool named no_such_tool" in errors[1]


def test_a_supervisor_that_never_answers_is_an_error(tmp_path: Path) -> None:
    again: list[LLMOutput] = [ToolChoice("lookup_user_profile", '{"user_id": "U1001"}')]
    llm = StepLLM(again, again, again, again)
    scenario = scenarios.load("chat_supervisor", data_dir=tmp_path, supervisor=llm)
    with pytest.raises(ConfigurationError, match="without answering"):
        _tool(scenario)(relevant_context="loop")


def test_without_a_supervisor_the_tool_fails_with_a_clear_message(tmp_path: Path) -> None:
    scenario = scenarios.load("chat_supervisor", data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="no supervisor model is configured"):
        _tool(scenario)(relevant_context="anything")


def test_history_skips_the_supervisor_call_and_keeps_other_tools() -> None:
    context = RunContext(
        "chat_agent",
        (
            Message("m1", Role.USER, "hello", 0.0, 0.0),
            FunctionCall("f1", "c1", "lookup_user_profile", '{"user_id": "U1"}', 0.0),
            FunctionCallOutput("o1", "c1", "lookup_user_profile", '{"found": false}', 0.0),
            FunctionCall("f2", "c2", SUPERVISOR_TOOL, "{}", 0.0),
            Message("m2", Role.SYSTEM, "note", 0.0, 0.0),
        ),
    )
    messages = history_for_supervisor(context, "what now?")
    assert [(m.role, m.tool_name) for m in messages] == [
        ("user", None),
        ("assistant", "lookup_user_profile"),
        ("tool", "lookup_user_profile"),
        ("user", None),
    ]
