"""The pure recorder: which writes each session event causes, and turn latency."""

from __future__ import annotations

from voxline.core import session_events as se
from voxline.core.events import Usage
from voxline.core.items import Message, Role
from voxline.store import Recorder
from voxline.store.records import AddEvent, AddTurn, PutItem, SetUsage


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def user(text: str, *, spoken: bool = False, item_id: str = "u1") -> se.HistoryItemAdded:
    return se.HistoryItemAdded(Message(item_id, Role.USER, text, 1.0, 1.0, from_audio=spoken))


def test_latency_runs_from_a_typed_message_to_the_first_assistant_output() -> None:
    clock = Clock()
    recorder = Recorder("c", "local", clock)
    recorder.observe(user("hi"))
    clock.now = 100.8
    writes = recorder.observe(se.TranscriptDelta("a1", Role.ASSISTANT, "Hel"))
    clock.now = 101.0
    later = recorder.observe(se.AudioReceived("a1", b"\x00\x00"))

    turns = [w for w in writes if isinstance(w, AddTurn)]
    assert len(turns) == 1
    assert turns[0].latency_ms == 800
    assert turns[0].user_item_id == "u1"
    assert later == []  # only the first output of a turn counts; audio is never sampled


def test_latency_of_speech_runs_from_speech_stopped() -> None:
    clock = Clock()
    recorder = Recorder("c", "local", clock)
    recorder.observe(se.UserSpeechStopped())
    clock.now = 100.5
    recorder.observe(user("(speech)", spoken=True, item_id="u9"))
    clock.now = 101.25
    turns = [w for w in recorder.observe(se.AudioReceived("a", b"")) if isinstance(w, AddTurn)]

    assert [(t.user_item_id, t.latency_ms) for t in turns] == [("u9", 1250)]


def test_items_keep_their_first_place_and_events_are_bounded() -> None:
    recorder = Recorder("c", "local", Clock(), event_sample=3)
    first = recorder.observe(user("a", item_id="x"))
    recorder.observe(user("b", item_id="y"))
    again = recorder.observe(se.HistoryItemUpdated(Message("x", Role.USER, "a!", 1.0, 2.0)))
    extra = recorder.observe(user("c", item_id="z"))

    seqs = [w.seq for w in [*first, *again] if isinstance(w, PutItem)]
    assert seqs == [0, 0]
    assert not any(isinstance(w, AddEvent) for w in extra)  # the sample of 3 is full


def test_the_stored_cost_is_the_sessions_estimate() -> None:
    usage = Usage(input_audio_tokens=1000, output_audio_tokens=1000)
    priced = se.UsageUpdated(usage, usage + usage, 0.1, 0.2)
    free = se.UsageUpdated(usage, usage)
    (paid,) = [
        w for w in Recorder("c", "openai", Clock()).observe(priced) if isinstance(w, SetUsage)
    ]
    (local,) = [w for w in Recorder("c", "local", Clock()).observe(free) if isinstance(w, SetUsage)]

    assert (paid.usage, paid.cost_usd) == (usage + usage, 0.2)
    assert (local.usage, local.cost_usd) == (usage, 0.0)
