"""Trigger phrases and buttons: quick hint, full guidance, interrupt."""

from __future__ import annotations

import pytest

from voxline.agents import Agent
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import session_events as se
from voxline.core.config import ServerVAD, SessionConfig
from voxline.core.inputs import FireTrigger, UserText
from voxline.core.items import Message, Role, TriggerRecord
from voxline.core.triggers import Trigger, TriggerAction, TriggerSet, normalize_text
from voxline.errors import ConfigurationError
from voxline.testing import reply, user_speech

from .harness import Harness

COACH = Agent(name="coach", instructions="Coach quietly.")
LISTEN_ONLY = SessionConfig(instructions="", turn_detection=ServerVAD(create_response=False))


def coach(**kwargs: object) -> Harness:
    return Harness(
        COACH,
        config=LISTEN_ONLY,
        triggers=TriggerSet.coach(**kwargs),  # type: ignore[arg-type]
        auto_respond=False,
    )


def converse(h: Harness, turns: int) -> list[str]:
    """Alternate user and assistant messages; return their texts in order."""
    texts = []
    for i in range(turns):
        if i % 2 == 0:
            h.feed(user_speech(f"user says {i}", item_id=f"u{i}"))
        else:
            h.feed(reply(f"agent says {i}", response_id=f"r{i}", item_id=f"a{i}"))
        texts.append(f"{'user' if i % 2 == 0 else 'agent'} says {i}")
    return texts


def test_a_quick_hint_uses_exactly_the_last_three_messages() -> None:
    h = coach()
    converse(h, 6)
    out = h.feed(user_speech("Hmm, good question.", item_id="u_trigger"))
    fired = h.of(out, se.TriggerFired)
    assert len(fired) == 1
    assert (fired[0].trigger, fired[0].phrase) == ("quick_hint", "good question")
    assert [m.text for m in fired[0].window] == [
        "user says 4",
        "agent says 5",
        "Hmm, good question.",
    ]
    create = h.of(out, cmd.CreateResponse)
    assert len(create) == 1
    assert create[0].context == fired[0].window
    assert create[0].instructions is not None
    assert "hint" in create[0].instructions
    assert create[0].max_output_tokens == 150
    record = next(i for i in h.conv.history if isinstance(i, TriggerRecord))
    assert record.window == tuple(m.id for m in fired[0].window)


def test_full_guidance_uses_exactly_the_last_ten_messages() -> None:
    h = coach()
    texts = converse(h, 14)
    out = h.feed(FireTrigger("full_guidance"))
    window = h.of(out, se.TriggerFired)[0].window
    assert [m.text for m in window] == texts[-10:]
    assert h.of(out, se.TriggerFired)[0].phrase is None
    assert h.of(out, cmd.CreateResponse)[0].max_output_tokens == 450


def test_windows_are_settings() -> None:
    h = coach(quick_window=2, full_window=4, max_output_tokens=None)
    texts = converse(h, 8)
    out = h.feed(FireTrigger("quick_hint"))
    assert [m.text for m in h.of(out, se.TriggerFired)[0].window] == texts[-2:]
    assert h.of(out, cmd.CreateResponse)[0].max_output_tokens is None


def test_fewer_messages_than_the_window_uses_all_of_them() -> None:
    h = coach()
    converse(h, 1)
    out = h.feed(FireTrigger("full_guidance"))
    assert [m.text for m in h.of(out, se.TriggerFired)[0].window] == ["user says 0"]


def test_got_it_cuts_the_coach_off_and_cancels_a_pending_hint() -> None:
    h = coach()
    converse(h, 2)
    h.feed(FireTrigger("quick_hint"))
    h.feed(reply("Try asking about", response_id="rh", item_id="ah", audio_ms=2000, done=False))
    h.clock.advance(0.3)
    out = h.feed(UserText("Got it, thanks!"))
    assert cmd.CancelResponse("rh") in h.commands(out)
    assert cmd.TruncateItem("ah", 300) in h.commands(out)
    assert h.of(out, se.TriggerFired)[0].action == TriggerAction.INTERRUPT.value
    out = h.feed(ev.ResponseDone("rh", ev.ResponseStatus.CANCELLED))
    assert not h.of(out, cmd.CreateResponse)


def test_a_hint_during_a_reply_waits_for_the_reply_to_end() -> None:
    h = coach()
    converse(h, 2)
    h.feed(reply("talking", response_id="r9", item_id="a9", done=False))
    out = h.feed(FireTrigger("quick_hint"))
    assert cmd.CancelResponse("r9") in h.commands(out)
    assert not h.of(out, cmd.CreateResponse)
    out = h.feed(ev.ResponseDone("r9", ev.ResponseStatus.CANCELLED))
    assert len(h.of(out, cmd.CreateResponse)) == 1


def test_without_a_trigger_a_listen_only_agent_stays_silent() -> None:
    h = coach()
    out = h.feed(UserText("just chatting"))
    assert h.commands(out) == [cmd.AddMessage("msg_1", Role.USER, "just chatting")]


def test_phrases_match_whole_words_only() -> None:
    h = coach()
    out = h.feed(UserText("I got itineraries"))
    assert not h.of(out, se.TriggerFired)


def test_unknown_or_unconfigured_triggers_are_errors_not_crashes() -> None:
    h = coach()
    error = h.of(h.feed(FireTrigger("dance")), se.ErrorOccurred)[0].error
    assert "quick_hint" in str(error)
    plain = Harness(COACH)
    error = plain.of(plain.feed(FireTrigger("quick_hint")), se.ErrorOccurred)[0].error
    assert isinstance(error, ConfigurationError)


def test_trigger_validation() -> None:
    with pytest.raises(ConfigurationError, match="name"):
        Trigger("", TriggerAction.INTERRUPT)
    with pytest.raises(ConfigurationError, match="window"):
        Trigger("t", TriggerAction.QUICK_HINT, ("x",), window=0)
    with pytest.raises(ConfigurationError, match="max_output_tokens"):
        Trigger("t", TriggerAction.QUICK_HINT, ("x",), window=1, max_output_tokens=0)
    with pytest.raises(ConfigurationError, match="empty"):
        Trigger("t", TriggerAction.INTERRUPT, ("?!",))
    with pytest.raises(ConfigurationError, match="unique"):
        TriggerSet((Trigger("a", TriggerAction.INTERRUPT), Trigger("a", TriggerAction.INTERRUPT)))
    assert TriggerSet(()).match("anything") is None
    with pytest.raises(ConfigurationError, match="known: none"):
        TriggerSet(()).get("x")


def test_normalisation() -> None:
    assert normalize_text("  Good   QUESTION!! ") == "good question"
    trigger = Trigger("t", TriggerAction.INTERRUPT, ("Got it!",))
    assert trigger.phrases == ("got it",)
    assert trigger.matches("ok got it") == "got it"
    messages = [m for m in Harness(COACH).conv.history if isinstance(m, Message)]
    assert messages == []
