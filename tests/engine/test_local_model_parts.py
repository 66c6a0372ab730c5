"""The engine's parts: spoken timeline, dialogue memory, input buffer, component locks."""

from __future__ import annotations

import numpy as np
import pytest

from voxline.core.config import SemanticVAD, ServerVAD
from voxline.core.items import Message, Role
from voxline.engine.locks import component_lock
from voxline.engine.memory import Dialogue, context_messages
from voxline.engine.ports import Audio, ChatMessage
from voxline.engine.spoken import SpokenText
from voxline.engine.turns import (
    InputTurns,
    SpeechBegan,
    SpeechEnded,
    SpeechPaused,
    TurnEvent,
    turn_settings,
)
from voxline.errors import ProtocolError
from voxline.testing.engine_fakes import ScriptedSTT, quiet, tone

RATE = 16_000


def loud(frame: Audio) -> float:
    return 1.0 if float(np.abs(frame).max(initial=0.0)) > 0.01 else 0.0


# ----------------------------------------------------------------- SpokenText


def test_heard_keeps_whole_words_within_the_played_audio() -> None:
    spoken = SpokenText()
    first = spoken.add_sentence("One two three four.")  # 19 chars
    spoken.add_audio(first, 950.0)
    spoken.add_audio(first, 950.0)
    spoken.finish(first)
    second = spoken.add_sentence("Five six.")
    spoken.add_audio(second, 900.0)
    spoken.finish(second)
    assert spoken.audio_ms == 2800.0
    assert spoken.heard(0) == ""
    assert spoken.heard(400) == "One"  # "One" ends at 3/19 of 1900 ms = 300 ms
    assert spoken.heard(1000) == "One two"
    assert spoken.heard(1900) == "One two three four."
    assert spoken.heard(2400) == "One two three four. Five"
    assert spoken.heard(10_000) == "One two three four. Five six."
    assert spoken.voiced() == "One two three four. Five six."


def test_an_unfinished_sentence_is_timed_at_the_observed_rate() -> None:
    spoken = SpokenText()
    done = spoken.add_sentence("abcd efgh.")  # 10 chars in 1000 ms: 100 ms per char
    spoken.add_audio(done, 1000.0)
    spoken.finish(done)
    going = spoken.add_sentence("ijkl mnop qrst.")  # expected 1500 ms, 300 ms so far
    spoken.add_audio(going, 300.0)
    spoken.add_sentence("never voiced.")
    assert spoken.heard(1300) == "abcd efgh."
    assert spoken.heard(1500) == "abcd efgh. ijkl"
    assert spoken.voiced() == "abcd efgh. ijkl mnop qrst."


def test_before_any_sentence_is_finished_a_default_rate_applies() -> None:
    spoken = SpokenText()
    index = spoken.add_sentence("Hello there friend.")
    spoken.add_audio(index, 100.0)
    assert spoken.heard(400) == "Hello"  # about 65 ms per character


# ----------------------------------------------------------------- Dialogue


def test_dialogue_orders_items_and_maps_them_to_chat_messages() -> None:
    d = Dialogue()
    d.add_message("s1", Role.SYSTEM, "note")
    d.add_user_audio("u1")
    d.add_message("m1", Role.USER, "typed")
    d.add_function_call("f1", "c1", "lookup", '{"id": 1}')
    d.add_function_output("o1", "c1", '{"ok": true}')
    d.add_assistant("a1", None)
    assert [m.role for m in d.messages()] == ["system", "user", "assistant", "tool"]
    d.set_text("u1", "spoken")
    d.set_text("a1", "answer")
    d.set_text("f1", "ignored: not a message")
    assert d.messages() == (
        ChatMessage("system", "note"),
        ChatMessage("user", "spoken"),
        ChatMessage("user", "typed"),
        ChatMessage("assistant", "", tool_name="lookup", tool_arguments='{"id": 1}', call_id="c1"),
        ChatMessage("tool", '{"ok": true}', tool_name="lookup", call_id="c1"),
        ChatMessage("assistant", "answer"),
    )
    assert d.text_of("u1") == "spoken"
    assert d.text_of("f1") is None
    d.add_message("m1", Role.USER, "replayed")  # same id: replaced in place
    d.remove("u1")
    d.remove("unknown")
    assert [m.content for m in d.messages()][:2] == ["note", "replayed"]


def test_dialogue_truncates_a_voiced_reply_and_refuses_others() -> None:
    d = Dialogue()
    spoken = SpokenText()
    index = spoken.add_sentence("Hello there.")
    spoken.add_audio(index, 1200.0)
    spoken.finish(index)
    d.add_assistant("a1", spoken)
    d.set_text("a1", "Hello there. And more text never voiced.")
    assert d.truncate("a1", 600) == "Hello"
    assert d.text_of("a1") == "Hello"
    d.add_assistant("a2", None)
    d.add_message("u1", Role.USER, "hi")
    with pytest.raises(ProtocolError) as no_audio:
        d.truncate("a2", 100)
    assert no_audio.value.code == "no_audio"
    for item in ("u1", "nope"):
        with pytest.raises(ProtocolError) as missing:
            d.truncate(item, 100)
        assert missing.value.code == "item_not_found"
    with pytest.raises(ProtocolError):
        d.add_function_output("o1", "no-such-call", "{}")


def test_context_messages_skip_empty_ones() -> None:
    context = (
        Message("1", Role.USER, "hi", 0, 0),
        Message("2", Role.ASSISTANT, "  ", 0, 0),
        Message("3", Role.SYSTEM, "note", 0, 0),
    )
    assert context_messages(context) == (
        ChatMessage("user", "hi"),
        ChatMessage("system", "note"),
    )


# ----------------------------------------------------------------- InputTurns


def feed(turns: InputTurns, *parts: Audio, chunk: int = 320) -> list[TurnEvent]:
    audio = np.concatenate(parts)
    events: list[TurnEvent] = []
    for i in range(0, audio.size, chunk):
        events += turns.push(audio[i : i + chunk], loud)
    return events


def test_turn_settings_follow_the_session() -> None:
    assert turn_settings(None) is None
    server = turn_settings(ServerVAD(threshold=0.7, silence_duration_ms=400), min_speech_ms=50)
    assert server is not None
    assert (server.threshold, server.silence_duration_ms, server.min_speech_ms) == (0.7, 400, 50)
    semantic = turn_settings(SemanticVAD(eagerness="low"))
    assert semantic is not None
    assert semantic.silence_duration_ms == 800


def test_a_turn_begins_pauses_and_ends_with_its_padded_audio() -> None:
    settings = turn_settings(ServerVAD(prefix_padding_ms=100, silence_duration_ms=300))
    turns = InputTurns(RATE, 512, settings, pause_ms=100)
    events = feed(turns, quiet(500, rate=RATE), tone(1000, rate=RATE), quiet(400, rate=RATE))
    assert [type(e) for e in events] == [SpeechBegan, SpeechPaused, SpeechEnded]
    began, paused, ended = events
    assert isinstance(began, SpeechBegan)
    assert isinstance(paused, SpeechPaused)
    assert isinstance(ended, SpeechEnded)
    assert began.start_ms == pytest.approx(500, abs=32)
    assert ended.end_ms == pytest.approx(1500, abs=32)
    # 100 ms of padding, the speech, and the pause heard everything the turn holds
    assert ended.audio.size == pytest.approx(1100 * RATE // 1000, abs=512)
    assert paused.audio.size >= ended.audio.size
    assert np.array_equal(paused.audio[: ended.audio.size], ended.audio)
    assert not turns.speaking
    assert turns.turn_samples == 0


def test_voiced_and_turn_samples_track_the_turn_in_progress() -> None:
    turns = InputTurns(RATE, 512, turn_settings(ServerVAD()), pause_ms=100)
    feed(turns, quiet(200, rate=RATE), tone(600, rate=RATE))
    assert (turns.speaking, turns.voiced) == (True, True)
    assert turns.turn_samples == turns.segment().size
    feed(turns, quiet(150, rate=RATE))
    assert (turns.speaking, turns.voiced) == (True, False)  # a pause, not the end
    assert turns.turn_samples == turns.segment().size


def test_a_manual_commit_takes_the_turn_and_clear_drops_it() -> None:
    turns = InputTurns(RATE, 512, turn_settings(ServerVAD()))
    feed(turns, tone(500, rate=RATE))
    audio = turns.take()
    assert audio.size > 400 * RATE // 1000
    assert not turns.speaking
    assert turns.take().size == 0
    feed(turns, tone(500, rate=RATE))
    turns.clear()
    assert not turns.speaking
    events = feed(turns, quiet(100, rate=RATE), tone(400, rate=RATE))
    began = events[0]
    assert isinstance(began, SpeechBegan)
    assert began.start_ms > 1000  # stream time kept counting across the clear


def test_push_to_talk_only_buffers() -> None:
    turns = InputTurns(RATE, 512, None)
    assert feed(turns, tone(300, rate=RATE), quiet(300, rate=RATE)) == []
    assert turns.take().size == 600 * RATE // 1000
    feed(turns, tone(300, rate=RATE))
    turns.clear()
    assert turns.take().size == 0


# ----------------------------------------------------------------- component locks


class Slotted:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def test_each_component_has_one_lock_shared_by_every_model() -> None:
    stt, other = ScriptedSTT([]), ScriptedSTT([])
    assert component_lock(stt) is component_lock(stt)
    assert component_lock(stt) is not component_lock(other)
    slotted = Slotted("no weakrefs")
    assert component_lock(slotted) is component_lock(slotted)
    assert component_lock(slotted) is not component_lock(Slotted("another"))
