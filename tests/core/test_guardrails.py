"""Output guardrails in the pure core: debounced checks, tripwire, breadcrumb and retry."""

from __future__ import annotations

from voxline.agents import Agent, GuardrailResult, PolicyRule, keyword_guardrail
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import session_events as se
from voxline.core.effects import RunGuardrails
from voxline.core.inputs import GuardrailVerdict, UserText
from voxline.core.items import GuardrailRecord, ItemStatus, Message, Role
from voxline.testing import reply, silence

from .harness import Harness

POLICY = keyword_guardrail([PolicyRule(r"\bguarantee", "OFF_BRAND", "no guarantees")])
AGENT = Agent(name="seller", instructions="Sell.", output_guardrails=[POLICY])
TRIP = GuardrailResult.trip("OFF_BRAND", "no guarantees")


def test_checks_are_debounced_while_text_streams_and_run_at_the_end() -> None:
    h = Harness(AGENT, guardrail_debounce_chars=10)
    h.feed(ev.ResponseStarted("r1"))
    out = h.feed(ev.OutputTextDelta("r1", "a1", "short"))
    assert not h.of(out, RunGuardrails)
    out = h.feed(ev.OutputTextDelta("r1", "a1", " and longer"))
    checks = h.of(out, RunGuardrails)
    assert [c.text for c in checks] == ["short and longer"]
    assert checks[0].guardrails == (POLICY,)
    out = h.feed(ev.OutputTextDelta("r1", "a1", "!"))
    assert not h.of(out, RunGuardrails)
    out = h.feed(ev.OutputItemDone("r1", "a1", "short and longer!"))
    assert [c.text for c in h.of(out, RunGuardrails)] == ["short and longer!"]


def test_no_guardrails_means_no_checks() -> None:
    h = Harness(Agent(name="free", instructions="x"), guardrail_debounce_chars=1)
    out = h.feed(reply("anything goes here"))
    assert not h.of(out, RunGuardrails)


def test_without_guardrails_a_long_message_is_not_rebuilt_on_every_delta() -> None:
    h = Harness(Agent(name="free", instructions="x"), guardrail_debounce_chars=5)
    h.feed(ev.ResponseStarted("r1"))
    for _ in range(50):
        h.feed(ev.OutputTextDelta("r1", "a1", "ten chars "))
    # far past the debounce, the deltas still wait to be folded in once, when read
    assert "a1" in h.conv._history._streams
    message = h.conv.history[-1]
    assert isinstance(message, Message)
    assert message.text == "ten chars " * 50


def test_a_trip_mid_stream_cancels_truncates_flags_and_retries_within_policy() -> None:
    h = Harness(AGENT, guardrail_debounce_chars=5)
    h.feed(UserText("Will it arrive?"))
    h.feed(ev.ResponseStarted("r1"), ev.OutputItemAdded("r1", "a1"))
    h.feed(
        ev.OutputAudioDelta("r1", "a1", silence(1000)),
        ev.OutputTextDelta("r1", "a1", "I guarantee"),
    )
    h.clock.advance(0.4)
    out = h.feed(GuardrailVerdict("a1", "business_policy", TRIP))
    commands = h.commands(out)
    assert commands == [cmd.CancelResponse("r1"), cmd.TruncateItem("a1", 400)]
    assert h.of(out, se.GuardrailTripped) == [
        se.GuardrailTripped("a1", "business_policy", "OFF_BRAND", "no guarantees")
    ]
    msg = h.conv.history[-2]
    assert isinstance(msg, Message)
    assert msg.flag is not None
    assert (msg.flag.category, msg.status) == ("OFF_BRAND", ItemStatus.INCOMPLETE)
    record = h.conv.history[-1]
    assert isinstance(record, GuardrailRecord)
    assert (record.item_id, record.category, record.rationale) == (
        "a1",
        "OFF_BRAND",
        "no guarantees",
    )
    out = h.feed(ev.ResponseDone("r1", ev.ResponseStatus.CANCELLED))
    retry = h.commands(out)
    assert isinstance(retry[0], cmd.AddMessage)
    assert retry[0].role is Role.SYSTEM
    assert "OFF_BRAND" in retry[0].text
    assert retry[1] == cmd.CreateResponse()


def test_a_second_trip_in_the_same_turn_is_not_retried() -> None:
    h = Harness(AGENT, max_guardrail_retries=1)
    h.feed(UserText("go"))
    h.feed(reply("I guarantee it", response_id="r1", item_id="a1"))
    h.feed(GuardrailVerdict("a1", "business_policy", TRIP))
    h.feed(reply("I guarantee it, really", response_id="r2", item_id="a2"))
    out = h.feed(GuardrailVerdict("a2", "business_policy", TRIP))
    assert h.of(out, se.GuardrailTripped)
    assert h.commands(out) == []
    h.feed(UserText("next turn"), reply("I guarantee again", response_id="r3", item_id="a3"))
    assert cmd.CreateResponse() in h.commands(h.feed(GuardrailVerdict("a3", "p", TRIP)))


def test_a_completed_message_flagged_late_stays_completed() -> None:
    h = Harness(AGENT)
    h.feed(reply("I guarantee it", response_id="r1", item_id="a1"))
    h.feed(GuardrailVerdict("a1", "business_policy", TRIP))
    msg = h.conv.history[0]
    assert isinstance(msg, Message)
    assert msg.status is ItemStatus.COMPLETED
    assert msg.flag is not None


def test_passing_verdicts_unknown_items_and_repeat_trips_change_nothing() -> None:
    h = Harness(AGENT)
    h.feed(reply("Fine words", response_id="r1", item_id="a1"))
    assert h.feed(GuardrailVerdict("a1", "p", GuardrailResult.ok())) == []
    assert h.feed(GuardrailVerdict("zz", "p", TRIP)) == []
    h.feed(GuardrailVerdict("a1", "p", TRIP))
    assert h.feed(GuardrailVerdict("a1", "p", TRIP)) == []
    assert h.of(h.feed(ev.OutputItemDone("r1", "a1", "Fine words, more")), RunGuardrails) == []
