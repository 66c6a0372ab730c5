"""Instant calls: the session runs the tool and sends its answer before the call is recorded.

`Conversation.instant_call` says which calls qualify (and changes nothing); `ToolStarted`
and a `ToolResult` with `sent_as` then record the call and its answer exactly as the usual
path does, without asking for the tool to run or for the answer to be sent again.
"""

from __future__ import annotations

import asyncio

from voxline.agents import Agent, RunContext, function_tool
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import session_events as se
from voxline.core.effects import RunTool
from voxline.core.inputs import ToolResult, ToolStarted
from voxline.core.items import FunctionCall, FunctionCallOutput

from .harness import Harness


@function_tool
async def lookup(order_id: str, verbose: bool = False) -> dict[str, str]:
    """Look an order up from memory.

    Args:
        order_id: The order number.
        verbose: Say more.
    """
    return {"order_id": order_id}


@function_tool
async def slow(order_id: str) -> str:
    """Look an order up, waiting for it."""
    await asyncio.sleep(0)
    return order_id


@function_tool
async def nosy(order_id: str, ctx: RunContext) -> str:
    """Read the conversation."""
    return str(len(ctx.history))


@function_tool
def plain(order_id: str) -> str:
    """A sync tool: it runs in a thread."""
    return order_id


DESK = Agent(name="desk", instructions="x", tools=[lookup, slow, nosy, plain], handoffs=["router"])
ROUTER = Agent(name="router", instructions="y", handoffs=[DESK])


def requested(name: str, arguments: str = '{"order_id": "A1"}') -> ev.FunctionCallRequested:
    return ev.FunctionCallRequested("r1", "i1", "c1", name, arguments)


def started() -> Harness:
    h = Harness(DESK, others=[ROUTER], metadata={"user": "u1"})
    h.feed(ev.ResponseStarted("r1"))
    return h


def test_an_async_tool_without_await_and_without_context_is_instant() -> None:
    h = started()
    effect = h.conv.instant_call(requested("lookup"))
    assert isinstance(effect, RunTool)
    assert (effect.call_id, effect.tool) == ("c1", lookup)
    assert effect.arguments == {"order_id": "A1", "verbose": False}
    context = effect.context
    assert (context.agent_name, context.call_id, context.history) == ("desk", "c1", ())
    assert context.metadata == {"user": "u1"}
    assert h.conv.history == ()
    assert h.conv.pending_tool_calls == ()


def test_every_other_call_goes_the_usual_way() -> None:
    h = started()
    for call in (
        requested("slow"),  # waits
        requested("nosy"),  # reads the context
        requested("plain"),  # sync: a worker thread
        requested("lookup", '{"order_id": 7}'),  # arguments that do not fit: refused
        requested("lookup", "not json"),
        requested("transfer_to_router", "{}"),  # a handoff
        requested("fly"),  # no such tool
    ):
        assert h.conv.instant_call(call) is None, call.name
    assert h.outputs == []
    assert h.conv.history == ()


def test_a_started_call_and_its_sent_answer_are_recorded_like_any_other() -> None:
    usual, instant = started(), started()
    usual.feed(requested("lookup"))
    usual.feed(ToolResult("c1", '{"order_id": "A1"}', duration_s=0.5))

    out = instant.feed(ToolStarted(requested("lookup")))
    assert [type(o) for o in out] == [se.HistoryItemAdded, se.ToolCallStarted]
    assert list(instant.conv.pending_tool_calls) == ["c1"]
    out = instant.feed(ToolResult("c1", '{"order_id": "A1"}', duration_s=0.5, sent_as="out_9"))
    assert [type(o) for o in out] == [se.HistoryItemAdded, se.ToolCallFinished]
    assert not instant.conv.pending_tool_calls

    call, answer = instant.conv.history
    assert isinstance(call, FunctionCall)
    assert isinstance(answer, FunctionCallOutput)
    assert answer.id == "out_9", "recorded under the id it was sent with"
    assert (answer.call_id, answer.output, answer.duration_s) == ("c1", '{"order_id": "A1"}', 0.5)
    assert [type(i) for i in usual.conv.history] == [FunctionCall, FunctionCallOutput]
    assert call == usual.conv.history[0]
    # the same events as the usual path, without RunTool and without the answer's command
    kinds = [type(o) for o in usual.outputs if not isinstance(o, RunTool | cmd.AddFunctionOutput)]
    assert kinds == [type(o) for o in instant.outputs]


def test_the_follow_up_response_is_asked_for_once_the_response_is_done() -> None:
    h = started()
    h.feed(ToolStarted(requested("lookup")), ToolResult("c1", "{}", sent_as="out_9"))
    assert cmd.CreateResponse() not in h.commands(), "the response is still active"
    assert h.commands(h.feed(ev.ResponseDone("r1"))) == [cmd.CreateResponse()]
    assert not h.all(cmd.AddFunctionOutput)
