"""Reconnects: a cut-off response is marked, the history replayed, no user turn lost."""

from __future__ import annotations

from voxline.agents import Agent, function_tool
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import session_events as se
from voxline.core.inputs import ToolResult, UserText
from voxline.core.items import ItemStatus, Message, Role
from voxline.core.state import ResponsePhase
from voxline.testing import call, reply

from .harness import Harness


@function_tool
def ping() -> str:
    """Ping."""
    return "pong"


AGENT = Agent(name="a", instructions="Hi.", tools=[ping])
CONNECTED = ev.ConnectionChanged(ev.ConnectionState.CONNECTED)
RECONNECTING = ev.ConnectionChanged(ev.ConnectionState.RECONNECTING, attempt=1, reason="closed")


def test_connection_events_reach_the_app_and_the_first_connect_replays_nothing() -> None:
    h = Harness(AGENT)
    out = h.feed(CONNECTED)
    assert out == [CONNECTED]


def test_a_drop_mid_response_marks_it_cut_off_then_replays_and_asks_again() -> None:
    h = Harness(AGENT)
    h.feed(CONNECTED, UserText("tell me a story"))
    h.feed(call("ping", {}, call_id="c1", response_id="r0"), ToolResult("c1", "pong"))
    h.feed(reply("Once upon", response_id="r1", item_id="a1", audio_ms=1000, done=False))
    out = h.feed(RECONNECTING)
    assert h.of(out, ev.ConnectionChanged) == [RECONNECTING]
    assert h.conv.phase is ResponsePhase.IDLE
    cut = h.conv.history[-1]
    assert isinstance(cut, Message)
    assert cut.status is ItemStatus.INCOMPLETE
    out = h.feed(CONNECTED)
    commands = h.commands(out)
    assert isinstance(commands[0], cmd.UpdateSession)
    assert commands[0].config.instructions == "Hi."
    replayed = commands[1:-1]
    assert [type(c).__name__ for c in replayed] == [
        "AddMessage",
        "AddFunctionCall",
        "AddFunctionOutput",
        "AddMessage",
    ]
    assert replayed[0] == cmd.AddMessage("msg_1", Role.USER, "tell me a story")
    assert commands[-1] == cmd.CreateResponse()
    assert h.of(out, se.HistoryItemAdded) == []


def test_an_unanswered_user_turn_is_answered_after_reconnect() -> None:
    h = Harness(AGENT)
    h.feed(CONNECTED, ev.ResponseStarted("r0"), ev.ResponseDone("r0"))
    h.feed(ev.InputTranscriptCompleted("u1", "hello?"))
    h.feed(RECONNECTING)
    out = h.feed(CONNECTED)
    assert h.commands(out)[-1] == cmd.CreateResponse()


def test_a_finished_conversation_is_replayed_without_a_new_response() -> None:
    h = Harness(AGENT)
    h.feed(CONNECTED, UserText("hi"), reply("hello", response_id="r1", item_id="a1"))
    h.feed(RECONNECTING)
    commands = h.commands(h.feed(CONNECTED))
    assert cmd.CreateResponse() not in commands
    assert commands[-1] == cmd.AddMessage("a1", Role.ASSISTANT, "hello")


def test_a_request_lost_in_the_drop_is_made_again() -> None:
    h = Harness(AGENT)
    h.feed(CONNECTED, UserText("hi"))
    assert h.conv.phase is ResponsePhase.REQUESTED
    h.feed(RECONNECTING)
    assert h.commands(h.feed(CONNECTED))[-1] == cmd.CreateResponse()
