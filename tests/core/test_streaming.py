"""Streaming deltas are folded into history lazily and interruptions only check live tracks."""

from __future__ import annotations

from voxline.agents import Agent
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import session_events as se
from voxline.core.config import SessionConfig
from voxline.core.history import History
from voxline.core.inputs import Interrupt, PlaybackProgress
from voxline.core.items import ItemStatus, Message, Role
from voxline.core.playback import AudioTrack
from voxline.testing import silence

from .harness import Harness

AGENT = Agent(name="talker", instructions="Talk.")
PUSH_TO_TALK = SessionConfig(instructions="", turn_detection=None)


def test_history_folds_deltas_in_when_read() -> None:
    history = History()
    history.add(Message("a", Role.ASSISTANT, "He", 1.0, 1.0, ItemStatus.IN_PROGRESS))
    first = history.snapshot()
    assert history.snapshot() is first  # unchanged history: the same tuple
    assert history.append_text("a", "llo", 2.0) == 5
    history.set_audio_ms("a", 300)
    assert history.append_text("a", "!", 3.0) == 6
    msg = history.message("a")
    assert msg is not None
    assert (msg.text, msg.updated_at, msg.audio_ms, msg.created_at) == ("Hello!", 3.0, 300, 1.0)
    history.set_audio_ms("a", 400)  # audio alone keeps the update time and text
    assert [(m.text, m.audio_ms, m.updated_at) for m in history.messages()] == [
        ("Hello!", 400, 3.0)
    ]
    assert history.snapshot() is not first


def test_history_update_applies_pending_deltas_and_changes_at_once() -> None:
    history = History()
    history.add(Message("a", Role.ASSISTANT, "", 1.0, 1.0, ItemStatus.IN_PROGRESS))
    history.append_text("a", "partial", 2.0)
    done = history.update("a", status=ItemStatus.COMPLETED, updated_at=4.0)
    assert (done.text, done.status, done.updated_at) == ("partial", ItemStatus.COMPLETED, 4.0)
    again = history.update("a", text="final")  # nothing pending: a plain copy
    assert (again.text, again.status) == ("final", ItemStatus.COMPLETED)
    assert list(history) == [again]


def test_history_replace_drops_pending_deltas() -> None:
    history = History()
    history.add(Message("u", Role.USER, "", 1.0, 1.0, ItemStatus.IN_PROGRESS))
    history.append_text("u", "draft", 2.0)
    history.replace(Message("u", Role.USER, "final", 1.0, 5.0))
    msg = history.get("u")
    assert isinstance(msg, Message)
    assert msg.text == "final"
    assert history.has_message("u")
    assert not history.has_message("missing")


def test_a_track_without_audio_has_played_nothing() -> None:
    assert AudioTrack().played_ms(10.0) == 0


def test_two_items_of_one_response_finish_and_cut_together() -> None:
    h = Harness(AGENT, config=PUSH_TO_TALK)
    h.feed(
        ev.ResponseStarted("r1"),
        ev.OutputItemAdded("r1", "a1"),
        ev.OutputAudioDelta("r1", "a1", silence(1000)),
        ev.OutputItemAdded("r1", "a2"),
        ev.OutputAudioDelta("r1", "a2", silence(1000)),
        ev.OutputTextDelta("r1", "a2", "second"),
    )
    h.clock.advance(0.2)
    out = h.feed(Interrupt())
    # both tracks count as playing from their first chunk; the older one is cut first
    assert h.commands(out) == [
        cmd.CancelResponse("r1"),
        cmd.TruncateItem("a1", 200),
        cmd.TruncateItem("a2", 200),
    ]
    out = h.feed(ev.ResponseDone("r1", ev.ResponseStatus.CANCELLED))
    statuses = {m.id: m.status for m in h.conv.history if isinstance(m, Message)}
    assert statuses == {"a1": ItemStatus.INCOMPLETE, "a2": ItemStatus.INCOMPLETE}
    texts = {m.id: m.text for m in h.conv.history if isinstance(m, Message)}
    assert texts["a2"] == "second"


def test_a_finished_track_plays_again_after_a_late_report() -> None:
    h = Harness(AGENT, config=PUSH_TO_TALK)
    h.feed(
        ev.ResponseStarted("r1"),
        ev.OutputItemAdded("r1", "a1"),
        ev.OutputAudioDelta("r1", "a1", silence(500)),
        ev.OutputItemDone("r1", "a1", "hi"),
        ev.ResponseDone("r1"),
    )
    h.clock.advance(2.0)
    assert h.commands(h.feed(Interrupt())) == []  # the estimate says it was all heard
    h.feed(PlaybackProgress("a1", 200))  # the player says otherwise
    out = h.feed(Interrupt())
    assert h.commands(out) == [cmd.TruncateItem("a1", 200)]
    assert h.of(out, se.AudioInterrupted) == [se.AudioInterrupted("a1", 200)]
    h.feed(PlaybackProgress("a1", 300))  # a cut track stays cut
    assert h.commands(h.feed(Interrupt())) == []
