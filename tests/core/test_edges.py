"""Edge cases of options, clocks, ids, configs and the state table."""

from __future__ import annotations

import os
from dataclasses import fields, replace
from typing import Any

import pytest

from voxline.agents import Agent, PolicyRule, keyword_guardrail
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import ids as id_module
from voxline.core import session_events as se
from voxline.core.clock import SystemClock
from voxline.core.config import AudioFormat, SemanticVAD, ServerVAD, SessionConfig, ToolSpec
from voxline.core.effects import RunGuardrails
from voxline.core.ids import CountingIds, random_id
from voxline.core.inputs import Interrupt, UserText
from voxline.core.items import GuardrailFlag, ItemStatus, Message, Role
from voxline.core.options import ConversationOptions
from voxline.core.state import ResponseMove, ResponsePhase, transition
from voxline.errors import ConfigurationError, ProtocolError
from voxline.testing import ManualClock, call, reply

from .harness import Harness

AGENT = Agent(name="a", instructions="x")


def test_options_are_validated() -> None:
    with pytest.raises(ConfigurationError, match="debounce"):
        ConversationOptions(guardrail_debounce_chars=0)
    with pytest.raises(ConfigurationError, match="negative"):
        ConversationOptions(max_guardrail_retries=-1)


def test_clocks_and_ids() -> None:
    clock = SystemClock()
    assert clock.now() <= clock.now()
    assert clock.wall() > 1_600_000_000
    manual = ManualClock(start=10.0)
    manual.advance(1.5)
    assert (manual.now(), manual.wall()) == (1.5, 11.5)
    with pytest.raises(ConfigurationError):
        manual.advance(-1)
    ids = CountingIds()
    assert [ids("msg"), ids("call")] == ["msg_1", "call_2"]
    first, second = random_id("msg"), random_id("msg")
    assert first != second
    assert first.startswith("msg_")
    assert len(first) <= 32


def test_random_ids_of_a_forked_child_do_not_repeat_the_parents() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: same counter value as the parent, but a new salt
        os.write(write, random_id("msg").encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    os.close(read)
    parent = random_id("msg")
    assert child.startswith("msg_")
    assert child[:20] != parent[:20]  # "msg_" and the 16 hex digits of the salt


def test_a_new_salt_starts_a_new_id_prefix() -> None:
    before = random_id("out")
    id_module._new_salt()  # what the fork hook runs in the child (coverage does not follow forks)
    assert random_id("out")[:20] != before[:20]


def test_a_long_prefix_is_shortened_and_ids_stay_unique() -> None:
    made = {random_id("a_very_long_prefix_for_items_of_a_plugin") for _ in range(100)}
    assert len(made) == 100
    assert all(len(i) <= 32 and i.startswith("a_very") for i in made)


def test_config_properties() -> None:
    assert AudioFormat.PCM16.bytes_per_ms == 48
    assert AudioFormat.G711_ULAW.bytes_per_ms == 8
    push = SessionConfig(instructions="", turn_detection=None)
    assert not push.server_interrupts
    assert not push.server_creates_responses
    quiet = SessionConfig(instructions="", turn_detection=ServerVAD(create_response=False))
    assert quiet.server_interrupts
    assert not quiet.server_creates_responses
    assert SessionConfig(instructions="", turn_detection=SemanticVAD()).server_creates_responses


def test_the_state_table_refuses_illegal_moves() -> None:
    assert transition(ResponsePhase.IDLE, ResponseMove.REQUEST) is ResponsePhase.REQUESTED
    assert transition(ResponsePhase.ACTIVE, ResponseMove.FINISH) is ResponsePhase.IDLE
    with pytest.raises(ProtocolError, match="cannot request while active"):
        transition(ResponsePhase.ACTIVE, ResponseMove.REQUEST)
    with pytest.raises(ProtocolError, match="cannot finish while idle"):
        transition(ResponsePhase.IDLE, ResponseMove.FINISH)


def test_audio_in_several_chunks_adds_up() -> None:
    h = Harness(AGENT)
    h.feed(reply("hi", item_id="a1", audio_ms=600, chunks=3))
    msg = h.conv.history[0]
    assert isinstance(msg, Message)
    assert msg.audio_ms == 600


def test_interrupting_after_the_text_completed_keeps_it_completed() -> None:
    h = Harness(AGENT, config=SessionConfig(instructions="", turn_detection=None))
    events = reply("done talking", response_id="r1", item_id="a1", done=False)
    h.feed(events, ev.OutputItemDone("r1", "a1", "done talking"))
    out = h.feed(Interrupt())
    assert h.commands(out) == [cmd.CancelResponse("r1")]
    msg = h.conv.history[0]
    assert isinstance(msg, Message)
    assert msg.status is ItemStatus.COMPLETED


def test_a_final_text_already_checked_is_not_checked_again() -> None:
    policy = keyword_guardrail([PolicyRule("x", "C", "r")])
    h = Harness(
        Agent(name="g", instructions="x", output_guardrails=[policy]), guardrail_debounce_chars=4
    )
    h.feed(ev.ResponseStarted("r1"), ev.OutputTextDelta("r1", "a1", "abcd"))
    assert len(h.all(RunGuardrails)) == 1
    h.feed(ev.OutputItemDone("r1", "a1", "abcd"))
    assert len(h.all(RunGuardrails)) == 1


def test_other_connection_states_only_reach_the_app() -> None:
    h = Harness(AGENT)
    for state in (ev.ConnectionState.CONNECTING, ev.ConnectionState.DISCONNECTED):
        event = ev.ConnectionChanged(state, reason="bye")
        assert h.feed(event) == [event]


def test_breadcrumbs_are_not_replayed_to_the_model() -> None:
    support = Agent(name="support", instructions="s")
    router = Agent(name="router", instructions="r", handoffs=[support])
    h = Harness(router)
    connected = ev.ConnectionChanged(ev.ConnectionState.CONNECTED)
    h.feed(connected, UserText("help"), call("transfer_to_support", {}, call_id="c1"))
    h.feed(ev.ConnectionChanged(ev.ConnectionState.RECONNECTING))
    commands = h.commands(h.feed(connected))
    kinds = [type(c).__name__ for c in commands]
    assert kinds == [
        "UpdateSession",
        "AddMessage",
        "AddFunctionCall",
        "AddFunctionOutput",
        "CreateResponse",
    ]
    assert h.of(h.outputs, se.HandoffCompleted)


def test_a_config_offers_no_tools_when_tool_choice_is_none() -> None:
    spec = ToolSpec("lookup", "Look up.", {"type": "object", "properties": {}})
    assert SessionConfig(instructions="", tools=(spec,)).offered_tools == (spec,)
    assert SessionConfig(instructions="", tools=(spec,), tool_choice="none").offered_tools == ()


def test_message_evolve_is_dataclasses_replace() -> None:
    msg = Message("m1", Role.ASSISTANT, "hi", 1.0, 2.0, ItemStatus.IN_PROGRESS, "a", True, 40)
    every: dict[str, Any] = {
        "id": "m2",
        "role": Role.USER,
        "text": "bye",
        "created_at": 3.0,
        "updated_at": 4.0,
        "status": ItemStatus.INCOMPLETE,
        "agent": None,
        "from_audio": False,
        "audio_ms": 80,
        "played_ms": 20,
        "flag": GuardrailFlag("g", "c", "r"),
    }
    assert set(every) == {f.name for f in fields(Message)}
    assert msg.evolve() == msg
    assert msg.evolve(**every) == replace(msg, **every)
    for name, value in every.items():
        assert msg.evolve(**{name: value}) == replace(msg, **{name: value})
    with pytest.raises(TypeError, match="no field colour, size"):
        msg.evolve(text="x", size=1, colour="red")
