"""Barge-in and app interruptions: cancel, and truncate audio at what the user heard."""

from __future__ import annotations

from voxline.agents import Agent
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import session_events as se
from voxline.core.config import SessionConfig
from voxline.core.inputs import Interrupt, PlaybackProgress, UserText
from voxline.core.items import ItemStatus, Message
from voxline.testing import reply, silence

from .harness import Harness

AGENT = Agent(name="talker", instructions="Talk.")
PUSH_TO_TALK = SessionConfig(instructions="", turn_detection=None)


def speaking(h: Harness, *, audio_ms: int = 2000, done: bool = False) -> None:
    h.feed(reply("A long answer", response_id="r1", item_id="a1", audio_ms=audio_ms, done=done))


def test_speech_over_the_agent_truncates_at_the_audio_played() -> None:
    h = Harness(AGENT)  # server VAD interrupts by itself: we only truncate
    speaking(h)
    h.clock.advance(0.5)
    out = h.feed(ev.SpeechStarted("u1"))
    assert h.commands(out) == [cmd.TruncateItem("a1", 500)]
    assert h.of(out, se.AudioInterrupted) == [se.AudioInterrupted("a1", 500)]
    msg = h.conv.history[-1]
    assert isinstance(msg, Message)
    assert (msg.status, msg.played_ms) == (ItemStatus.INCOMPLETE, 500)


def test_without_server_interruption_the_response_is_cancelled_too() -> None:
    h = Harness(AGENT, config=PUSH_TO_TALK)
    speaking(h)
    h.clock.advance(0.25)
    out = h.feed(ev.SpeechStarted("u1"))
    assert h.commands(out) == [cmd.CancelResponse("r1"), cmd.TruncateItem("a1", 250)]


def test_the_players_report_beats_the_estimate() -> None:
    h = Harness(AGENT, config=PUSH_TO_TALK)
    speaking(h)
    h.clock.advance(1.5)
    h.feed(PlaybackProgress("a1", 300), PlaybackProgress("unknown", 10))
    out = h.feed(Interrupt())
    assert cmd.TruncateItem("a1", 300) in h.commands(out)


def test_audio_after_the_cut_is_dropped() -> None:
    h = Harness(AGENT, config=PUSH_TO_TALK)
    speaking(h)
    h.feed(Interrupt())
    out = h.feed(
        ev.OutputAudioDelta("r1", "a1", silence(100)),
        ev.OutputTextDelta("r1", "a1", " more"),
        ev.OutputItemDone("r1", "a1", "A long answer more"),
    )
    assert not h.of(out, se.AudioReceived)
    assert not h.of(out, se.TranscriptDelta)
    msg = h.conv.history[-1]
    assert isinstance(msg, Message)
    assert (msg.text, msg.status) == ("A long answer", ItemStatus.INCOMPLETE)
    out = h.feed(ev.ResponseDone("r1", ev.ResponseStatus.CANCELLED))
    assert not h.of(out, se.HistoryItemUpdated)


def test_audio_fully_played_is_not_truncated() -> None:
    h = Harness(AGENT, config=PUSH_TO_TALK)
    speaking(h, audio_ms=400, done=True)
    h.clock.advance(1.0)
    out = h.feed(Interrupt())
    assert h.commands(out) == []
    assert not h.of(out, se.AudioInterrupted)


def test_interrupting_a_text_only_response_cancels_and_marks_it() -> None:
    h = Harness(AGENT, config=PUSH_TO_TALK)
    h.feed(reply("Typing along", response_id="r1", item_id="a1", done=False))
    out = h.feed(Interrupt())
    assert h.commands(out) == [cmd.CancelResponse("r1")]
    msg = h.conv.history[-1]
    assert isinstance(msg, Message)
    assert msg.status is ItemStatus.INCOMPLETE


def test_typing_over_the_agent_interrupts_it_and_answers_after() -> None:
    h = Harness(AGENT, config=PUSH_TO_TALK)
    speaking(h)
    out = h.feed(UserText("stop, I meant the other one"))
    commands = h.commands(out)
    assert commands[0] == cmd.CancelResponse("r1")
    assert isinstance(commands[1], cmd.TruncateItem)
    assert isinstance(commands[2], cmd.AddMessage)
    assert cmd.CreateResponse() not in commands
    out = h.feed(ev.ResponseDone("r1", ev.ResponseStatus.CANCELLED))
    assert h.commands(out) == [cmd.CreateResponse()]


def test_cancel_is_sent_once_per_response() -> None:
    h = Harness(AGENT, config=PUSH_TO_TALK)
    speaking(h)
    h.feed(Interrupt())
    assert h.commands(h.feed(Interrupt())) == []


def test_nothing_playing_means_nothing_to_interrupt() -> None:
    h = Harness(AGENT)
    out = h.feed(Interrupt())
    assert h.commands(out) == []
