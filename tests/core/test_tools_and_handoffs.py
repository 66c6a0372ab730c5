"""Function calls and handoffs in the pure core, including every error path."""

from __future__ import annotations

import json

from voxline.agents import Agent, RunContext, function_tool
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import session_events as se
from voxline.core.effects import RunTool
from voxline.core.inputs import ToolResult, UserText
from voxline.core.items import FunctionCall, FunctionCallOutput, HandoffRecord, Message
from voxline.errors import HandoffError
from voxline.testing import call, reply

from .harness import Harness


@function_tool
def lookup_order(order_id: str, verbose: bool = False) -> dict[str, str]:
    """Look up an order.

    Args:
        order_id: The order number.
        verbose: Include the history.
    """
    return {"order_id": order_id}


support = Agent(
    name="Support Desk",
    instructions="You fix problems.",
    voice="sage",
    tools=[lookup_order],
    handoffs=["router"],
)
router = Agent(name="router", instructions="Route the caller.", handoffs=[support])


def error_of(output: str) -> dict[str, str]:
    payload = json.loads(output)
    assert isinstance(payload, dict)
    error = payload["error"]
    assert isinstance(error, dict)
    return error


def test_a_tool_call_runs_the_tool_then_asks_for_a_response_after_the_turn() -> None:
    h = Harness(support, others=[router])
    out = h.feed(call("lookup_order", {"order_id": "A1"}, call_id="c1", response_id="r1")[:2])
    run = h.of(out, RunTool)
    assert len(run) == 1
    assert run[0].arguments == {"order_id": "A1", "verbose": False}
    assert run[0].context.call_id == "c1"
    assert run[0].context.agent_name == "Support Desk"
    assert h.of(out, se.ToolCallStarted)[0].name == "lookup_order"
    requested = h.conv.history[-1]
    assert isinstance(requested, FunctionCall)
    assert h.conv.pending_tool_calls == ("c1",)
    out = h.feed(ToolResult("c1", '{"status": "shipped"}', duration_s=0.25))
    assert h.commands(out)[0] == cmd.AddFunctionOutput("out_1", "c1", '{"status": "shipped"}')
    assert cmd.CreateResponse() not in h.commands(out), "the response is still active"
    finished = h.of(out, se.ToolCallFinished)[0]
    assert (finished.is_error, finished.duration_s) == (False, 0.25)
    output_item = h.conv.history[-1]
    assert isinstance(output_item, FunctionCallOutput)
    assert output_item.output == '{"status": "shipped"}'
    out = h.feed(ev.ResponseDone("r1"))
    assert h.commands(out) == [cmd.CreateResponse()]


def test_two_calls_in_one_response_answer_both_before_responding() -> None:
    h = Harness(support, others=[router])
    h.feed(
        ev.ResponseStarted("r1"),
        ev.FunctionCallRequested("r1", "i1", "c1", "lookup_order", '{"order_id": "1"}'),
        ev.FunctionCallRequested("r1", "i2", "c2", "lookup_order", '{"order_id": "2"}'),
        ev.ResponseDone("r1"),
    )
    assert cmd.CreateResponse() not in h.commands()
    assert cmd.CreateResponse() not in h.commands(h.feed(ToolResult("c1", "one")))
    assert cmd.CreateResponse() in h.commands(h.feed(ToolResult("c2", "two")))


def test_an_unknown_tool_is_answered_with_an_error_at_once() -> None:
    h = Harness(support, others=[router])
    out = h.feed(ev.ResponseStarted("r1"), ev.FunctionCallRequested("r1", "i", "c1", "fly", "{}"))
    sent = h.of(out, cmd.AddFunctionOutput)
    assert len(sent) == 1
    error = error_of(sent[0].output)
    assert error["type"] == "UnknownToolError"
    assert "lookup_order" in error["message"]
    assert h.of(out, se.ToolCallFinished)[0].is_error
    assert not h.of(out, RunTool)


def test_arguments_that_are_not_json_are_answered_with_an_error() -> None:
    h = Harness(support, others=[router])
    out = h.feed(call("lookup_order", "{order_id: 1", call_id="c1"))
    error = error_of(h.of(out, cmd.AddFunctionOutput)[0].output)
    assert error["type"] == "ToolArgumentsError"
    assert "not valid JSON" in error["message"]
    assert cmd.CreateResponse() in h.commands(out)


def test_arguments_that_fail_the_schema_name_the_field() -> None:
    h = Harness(support, others=[router])
    out = h.feed(call("lookup_order", {"verbose": "very"}, call_id="c1"))
    message = error_of(h.of(out, cmd.AddFunctionOutput)[0].output)["message"]
    assert "order_id" in message
    assert "verbose" in message
    out = h.feed(call("lookup_order", "[1, 2]", call_id="c2"))
    assert "JSON object" in error_of(h.of(out, cmd.AddFunctionOutput)[0].output)["message"]


def test_a_tool_result_for_an_unknown_call_is_reported() -> None:
    h = Harness(support, others=[router])
    out = h.feed(ToolResult("ghost", "x"))
    assert len(h.of(out, se.ErrorOccurred)) == 1
    assert h.commands(out) == []


def test_a_handoff_switches_agent_keeps_history_and_reconfigures_the_model() -> None:
    h = Harness(router)
    h.feed(UserText("my router is broken"))
    history_before = h.conv.history
    out = h.feed(call("transfer_to_support_desk", {"reason": "broken router"}, call_id="c1"))
    assert h.conv.agent.name == "Support Desk"
    assert h.conv.history[: len(history_before)] == history_before
    assert h.of(out, se.HandoffCompleted) == [
        se.HandoffCompleted("router", "Support Desk", "broken router")
    ]
    record = [i for i in h.conv.history if isinstance(i, HandoffRecord)]
    assert [(r.from_agent, r.to_agent, r.reason) for r in record] == [
        ("router", "Support Desk", "broken router")
    ]
    update = h.of(out, cmd.UpdateSession)[0].config
    assert update.instructions == "You fix problems."
    assert update.voice == "sage"
    assert {t.name for t in update.tools} == {"lookup_order", "transfer_to_router"}
    output = json.loads(h.of(out, cmd.AddFunctionOutput)[0].output)
    assert output == {"assistant": "Support Desk", "status": "transferred"}
    assert h.commands(out)[-1] == cmd.CreateResponse()


def test_a_handoff_without_readable_reason_has_none() -> None:
    h = Harness(router)
    out = h.feed(call("transfer_to_support_desk", "not json", call_id="c1"))
    assert h.of(out, se.HandoffCompleted)[0].reason is None


def test_a_handoff_to_an_agent_not_in_reach_is_refused_with_an_error_output() -> None:
    h = Harness(router)
    out = h.feed(call("transfer_to_billing", {}, call_id="c1"))
    assert h.conv.agent.name == "router"
    error = error_of(h.of(out, cmd.AddFunctionOutput)[0].output)
    assert error["type"] == "HandoffError"
    assert "Support Desk" in error["message"]
    assert isinstance(h.of(out, se.ErrorOccurred)[0].error, HandoffError)
    assert not h.of(out, cmd.UpdateSession)


def test_a_handoff_to_the_active_agent_itself_is_refused() -> None:
    h = Harness(router)
    out = h.feed(call("transfer_to_router", {}, call_id="c1"))
    error = error_of(h.of(out, cmd.AddFunctionOutput)[0].output)
    assert error["type"] == "HandoffError"
    assert "already the active agent" in error["message"]
    assert h.conv.agent.name == "router"


def test_an_agent_with_no_handoffs_says_so() -> None:
    lone = Agent(name="lone", instructions="alone")
    h = Harness(lone)
    out = h.feed(call("transfer_to_x", {}, call_id="c1"))
    assert "nobody" in error_of(h.of(out, cmd.AddFunctionOutput)[0].output)["message"]


def test_handing_back_uses_the_name_reference() -> None:
    h = Harness(support, others=[router])
    h.feed(call("transfer_to_router", {"reason": "done"}, call_id="c1"))
    assert h.conv.agent.name == "router"
    messages = [i for i in h.conv.history if isinstance(i, Message)]
    assert messages == []


def test_handing_straight_back_in_the_same_turn_is_refused() -> None:
    h = Harness(router)
    h.feed(UserText("my router is broken"))
    h.feed(call("transfer_to_support_desk", {}, call_id="c1"))
    out = h.feed(call("transfer_to_router", {}, call_id="c2"))
    assert h.conv.agent.name == "Support Desk"
    error = error_of(h.of(out, cmd.AddFunctionOutput)[0].output)
    assert error["type"] == "HandoffError"
    assert "must answer the user itself" in error["message"]
    assert isinstance(h.of(out, se.ErrorOccurred)[0].error, HandoffError)


def test_a_new_user_turn_allows_handing_back() -> None:
    h = Harness(router)
    h.feed(UserText("my router is broken"))
    h.feed(call("transfer_to_support_desk", {}, call_id="c1"))
    h.feed(ev.InputTranscriptCompleted("u2", "actually, it is a billing question"))
    h.feed(call("transfer_to_router", {}, call_id="c2"))
    assert h.conv.agent.name == "router"


def test_after_an_answer_handing_back_is_no_loop() -> None:
    h = Harness(router)
    h.feed(UserText("my router is broken"))
    h.feed(call("transfer_to_support_desk", {}, call_id="c1"))
    h.feed(reply("Try turning it off and on again."))
    h.feed(call("transfer_to_router", {}, call_id="c2"))
    assert h.conv.agent.name == "router"


def test_an_empty_answer_does_not_count_as_answering() -> None:
    h = Harness(router)
    h.feed(UserText("my router is broken"))
    h.feed(call("transfer_to_support_desk", {}, call_id="c1"))
    h.feed(ev.ResponseStarted("r5"), ev.OutputItemDone("r5", "a5", ""), ev.ResponseDone("r5"))
    out = h.feed(call("transfer_to_router", {}, call_id="c2"))
    assert h.conv.agent.name == "Support Desk"
    assert error_of(h.of(out, cmd.AddFunctionOutput)[0].output)["type"] == "HandoffError"


def test_a_tool_that_takes_the_context_gets_the_history_up_to_its_call() -> None:
    @function_tool
    def whoami(ctx: RunContext) -> str:
        """Who is talking."""
        return ctx.agent_name

    desk = Agent(name="desk", instructions="x", tools=[whoami, lookup_order])
    h = Harness(desk)
    h.feed(UserText("who am I?"))
    out = h.feed(call("whoami", {}, call_id="c1", response_id="r1")[:2])
    context = h.of(out, RunTool)[0].context
    assert context.history == h.conv.history  # the user's message, then the call itself
    assert isinstance(context.history[0], Message)
    assert isinstance(context.history[-1], FunctionCall)
    assert context.history[-1].call_id == "c1"


def test_a_tool_without_a_context_parameter_is_not_handed_a_copy_of_the_history() -> None:
    h = Harness(support, others=[router])
    h.feed(UserText("where is A1?"))
    out = h.feed(call("lookup_order", {"order_id": "A1"}, call_id="c1", response_id="r1")[:2])
    context = h.of(out, RunTool)[0].context
    assert context.history == ()  # nobody reads it: the tool does not take the context
    assert (context.agent_name, context.call_id) == ("Support Desk", "c1")
