"""Text and spoken turns, replies, usage and the response lifecycle in the pure core."""

from __future__ import annotations

from voxline.agents import Agent, RunContext
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import inputs as inp
from voxline.core import session_events as se
from voxline.core.config import SessionConfig
from voxline.core.inputs import UserText
from voxline.core.items import ItemStatus, Message, Role
from voxline.core.state import ResponsePhase
from voxline.errors import ConfigurationError, ProtocolError
from voxline.testing import reply, user_speech

from .harness import Harness

AGENT = Agent(name="helper", instructions="Be brief.", voice="alloy")


def phase_of(h: Harness) -> ResponsePhase:
    return h.conv.phase


def test_session_config_comes_from_the_active_agent() -> None:
    h = Harness(AGENT, config=SessionConfig(instructions="", voice="ash"))
    config = h.conv.session_config()
    assert config.instructions == "Be brief."
    assert config.voice == "alloy"
    assert config.tools == ()


def test_agent_without_voice_keeps_the_base_voice() -> None:
    h = Harness(
        Agent(name="a", instructions="x"), config=SessionConfig(instructions="", voice="ash")
    )
    assert h.conv.session_config().voice == "ash"


def test_dynamic_instructions_see_the_run_context() -> None:
    def instructions(ctx: RunContext) -> str:
        return f"{ctx.agent_name} serving {ctx.metadata['user']} after {len(ctx.history)} items"

    h = Harness(Agent(name="dyn", instructions=instructions), metadata={"user": "ada"})
    assert h.conv.session_config().instructions == "dyn serving ada after 0 items"
    h.feed(ev.ResponseStarted("r0"), ev.ResponseDone("r0"))
    h.feed(user_speech("hello", item_id="u1"))
    assert h.conv.session_config().instructions == "dyn serving ada after 1 items"


def test_user_text_adds_a_message_and_asks_for_a_response() -> None:
    h = Harness(AGENT)
    out = h.feed(UserText("Hi there"))
    added = h.of(out, se.HistoryItemAdded)
    assert len(added) == 1
    msg = added[0].item
    assert isinstance(msg, Message)
    assert (msg.role, msg.text, msg.status) == (Role.USER, "Hi there", ItemStatus.COMPLETED)
    assert h.commands(out) == [cmd.AddMessage(msg.id, Role.USER, "Hi there"), cmd.CreateResponse()]
    assert phase_of(h) is ResponsePhase.REQUESTED


def test_empty_text_is_refused_with_a_typed_error() -> None:
    h = Harness(AGENT)
    out = h.feed(UserText("   "))
    errors = h.of(out, se.ErrorOccurred)
    assert len(errors) == 1
    assert isinstance(errors[0].error, ConfigurationError)
    assert h.commands(out) == []


def test_a_reply_streams_into_history_and_completes() -> None:
    h = Harness(AGENT)
    h.feed(UserText("Hi"))
    usage = ev.Usage(input_text_tokens=10, output_text_tokens=4, output_audio_tokens=20)
    out = h.feed(reply("Hello there friend", response_id="r1", item_id="a1", usage=usage))
    deltas = h.of(out, se.TranscriptDelta)
    assert "".join(d.delta for d in deltas) == "Hello there friend"
    assert all(d.role is Role.ASSISTANT and d.item_id == "a1" for d in deltas)
    final = h.conv.history[-1]
    assert isinstance(final, Message)
    assert (final.text, final.status, final.agent) == (
        "Hello there friend",
        ItemStatus.COMPLETED,
        "helper",
    )
    assert h.of(out, se.ResponseFinished) == [
        se.ResponseFinished("r1", ev.ResponseStatus.COMPLETED)
    ]
    assert h.of(out, se.UsageUpdated) == [se.UsageUpdated(usage, usage)]
    h.feed(UserText("again"), reply("Sure", usage=usage))
    assert h.conv.usage == usage + usage
    assert h.conv.usage.total_tokens == 68
    assert (h.conv.usage.input_tokens, h.conv.usage.output_tokens) == (20, 48)
    assert phase_of(h) is ResponsePhase.IDLE


def test_usage_carries_the_estimated_cost_of_the_response_and_the_session() -> None:
    h = Harness(AGENT, estimate_cost=lambda usage: usage.total_tokens / 1000)
    usage = ev.Usage(input_text_tokens=10, output_audio_tokens=20)
    h.feed(UserText("Hi"))
    first = h.of(h.feed(reply("Hello", usage=usage)), se.UsageUpdated)
    h.feed(UserText("again"))
    second = h.of(h.feed(reply("Sure", usage=usage)), se.UsageUpdated)
    assert first == [se.UsageUpdated(usage, usage, 0.03, 0.03)]
    assert second == [se.UsageUpdated(usage, usage + usage, 0.03, 0.06)]
    assert h.conv.cost == 0.06


def test_usage_costs_nothing_without_an_estimate() -> None:
    h = Harness(AGENT)
    h.feed(UserText("Hi"))
    (updated,) = h.of(
        h.feed(reply("Hello", usage=ev.Usage(output_audio_tokens=50))), se.UsageUpdated
    )
    assert (updated.cost, updated.total_cost, h.conv.cost) == (0.0, 0.0, 0.0)


def test_a_cancelled_response_leaves_its_message_incomplete() -> None:
    h = Harness(AGENT)
    h.feed(
        ev.ResponseStarted("r1"),
        ev.OutputItemAdded("r1", "a1"),
        ev.OutputTextDelta("r1", "a1", "Hel"),
    )
    out = h.feed(ev.ResponseDone("r1", ev.ResponseStatus.CANCELLED))
    updated = h.of(out, se.HistoryItemUpdated)
    assert isinstance(updated[0].item, Message)
    assert updated[0].item.status is ItemStatus.INCOMPLETE


def test_audio_only_deltas_create_the_assistant_item_lazily() -> None:
    h = Harness(AGENT)
    h.feed(ev.ResponseStarted("r1"))
    out = h.feed(ev.OutputAudioDelta("r1", "a9", b"\x00" * 480))
    assert h.of(out, se.AudioReceived) == [se.AudioReceived("a9", b"\x00" * 480)]
    msg = h.conv.history[-1]
    assert isinstance(msg, Message)
    assert msg.audio_ms == 10
    assert msg.from_audio


def test_item_done_without_text_keeps_the_streamed_text() -> None:
    h = Harness(AGENT)
    h.feed(ev.ResponseStarted("r1"), ev.OutputTextDelta("r1", "a1", "streamed"))
    h.feed(ev.OutputItemDone("r1", "a1", ""))
    msg = h.conv.history[-1]
    assert isinstance(msg, Message)
    assert msg.text == "streamed"


def test_a_spoken_turn_fills_in_as_it_is_transcribed() -> None:
    h = Harness(AGENT)
    out = h.feed(ev.SpeechStarted("u1"), ev.AudioCommitted("u1"))
    assert h.of(out, se.UserSpeechStarted)
    msg = h.of(out, se.HistoryItemAdded)[0].item
    assert isinstance(msg, Message)
    assert (msg.status, msg.from_audio, msg.text) == (ItemStatus.IN_PROGRESS, True, "")
    out = h.feed(ev.InputTranscriptDelta("u1", "where is "), ev.InputTranscriptDelta("u1", "it"))
    assert [d.delta for d in h.of(out, se.TranscriptDelta)] == ["where is ", "it"]
    out = h.feed(ev.InputTranscriptCompleted("u1", "Where is it?"))
    done = h.of(out, se.HistoryItemUpdated)[0].item
    assert isinstance(done, Message)
    assert (done.text, done.status) == ("Where is it?", ItemStatus.COMPLETED)
    assert len(h.conv.history) == 1


def test_a_transcript_for_an_unseen_item_creates_it() -> None:
    h = Harness(AGENT)
    h.feed(ev.InputTranscriptCompleted("u7", "hello"))
    msg = h.conv.history[0]
    assert isinstance(msg, Message)
    assert (msg.id, msg.text) == ("u7", "hello")


def test_audio_and_push_to_talk_commands_pass_through() -> None:
    h = Harness(AGENT)
    out = h.feed(inp.UserAudio(b"\x01\x02"), inp.CommitUserAudio(), inp.ClearUserAudio())
    assert h.commands(out) == [cmd.SendAudio(b"\x01\x02"), cmd.CommitAudio(), cmd.ClearAudio()]
    out = h.feed(inp.RequestResponse())
    assert h.commands(out) == [cmd.CreateResponse()]


def test_a_second_request_waits_for_the_active_response() -> None:
    h = Harness(AGENT)
    h.feed(ev.ResponseStarted("r1"))  # server-initiated (VAD)
    assert h.commands(h.feed(inp.RequestResponse())) == []
    out = h.feed(ev.ResponseDone("r1"))
    assert h.commands(out) == [cmd.CreateResponse()]


def test_model_errors_surface_and_release_a_failed_request() -> None:
    h = Harness(AGENT)
    h.feed(inp.RequestResponse())
    assert phase_of(h) is ResponsePhase.REQUESTED
    out = h.feed(ev.ModelError("bad thing", code="invalid", event_type="error", raw={"x": 1}))
    error = h.of(out, se.ErrorOccurred)[0].error
    assert isinstance(error, ProtocolError)
    assert (str(error), error.code, error.event_type, error.raw) == (
        "bad thing",
        "invalid",
        "error",
        {"x": 1},
    )
    assert phase_of(h) is ResponsePhase.IDLE


def test_a_model_error_during_a_response_keeps_it_active() -> None:
    h = Harness(AGENT)
    h.feed(ev.ResponseStarted("r1"))
    h.feed(ev.ModelError("rate limited"))
    assert phase_of(h) is ResponsePhase.ACTIVE


def test_out_of_order_events_become_errors_not_crashes() -> None:
    h = Harness(AGENT)
    out = h.feed(ev.ResponseDone("nope"))
    error = h.of(out, se.ErrorOccurred)[0].error
    assert isinstance(error, ProtocolError)
    assert error.code == "unknown_response"
    h.feed(ev.ResponseStarted("r1"))
    out = h.feed(ev.ResponseStarted("r2"))
    error = h.of(out, se.ErrorOccurred)[0].error
    assert isinstance(error, ProtocolError)
    assert error.code == "illegal_state"
    out = h.feed(ev.ResponseDone("r2"))
    assert isinstance(h.of(out, se.ErrorOccurred)[0].error, ProtocolError)
    h.feed(ev.ResponseDone("r1"))
    assert phase_of(h) is ResponsePhase.IDLE


def test_history_messages_skip_system_and_empty_items() -> None:
    from voxline.core.history import History

    history = History()
    history.add(Message("s", Role.SYSTEM, "rules", 0, 0))
    history.add(Message("e", Role.USER, "  ", 0, 0))
    history.add(Message("u", Role.USER, "hi", 0, 0))
    assert [m.id for m in history.messages()] == ["u"]
    assert history.messages(0) == ()
    assert "u" in history
    assert len(history) == 3
    assert history.get("missing") is None
    assert [i.id for i in history] == ["s", "e", "u"]


def test_busy_until_the_turn_and_its_tools_are_done() -> None:
    h = Harness(AGENT)
    busy: list[bool] = [h.conv.busy]
    h.feed(UserText("hi"))
    busy.append(h.conv.busy)
    h.feed(reply("hello"))
    busy.append(h.conv.busy)
    h.feed(ev.ResponseStarted("r9"), inp.RequestResponse(), ev.ResponseDone("r9"))
    busy.append(h.conv.busy)  # the queued request went out
    assert busy == [False, True, False, True]
