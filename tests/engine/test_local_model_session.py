"""A full RealtimeSession on the offline engine (with fakes): it runs as it does on OpenAI."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from voxline import Agent, RealtimeSession, SessionConfig, function_tool
from voxline.core import session_events as se
from voxline.core.events import ResponseStatus
from voxline.core.items import FunctionCallOutput, ItemStatus, Message, Role
from voxline.engine.local_model import LocalRealtimeModel
from voxline.engine.ports import ToolChoice
from voxline.testing import ManualClock, collect_until
from voxline.testing.engine_fakes import (
    HOLD,
    FakeTTS,
    FakeVAD,
    ScriptedLLM,
    ScriptedSTT,
    Turn,
    pcm16,
    quiet,
    tone,
)

CHUNK = 48 * 20  # 20 ms of PCM16 24 kHz


def utterance(ms: int, *, freq: float = 220.0) -> list[bytes]:
    data = pcm16(quiet(100), tone(ms, freq=freq), quiet(500))
    return [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]


class Rig:
    """A session on a LocalRealtimeModel with scripted STT and LLM."""

    def __init__(
        self,
        agent: Agent,
        transcripts: Sequence[str | BaseException],
        turns: Sequence[Turn],
        *,
        agents: Sequence[Agent] = (),
        config: SessionConfig | None = None,
    ) -> None:
        self.clock = ManualClock()
        self.stt = ScriptedSTT(transcripts)
        self.llm = ScriptedLLM(turns)
        self.tts = FakeTTS()
        self.model = LocalRealtimeModel(FakeVAD(), self.stt, self.llm, self.tts, clock=self.clock)
        self.session = RealtimeSession(
            agent, self.model, agents=agents, config=config, clock=self.clock
        )

    async def say(self, ms: int = 600, *, freq: float = 220.0) -> None:
        for chunk in utterance(ms, freq=freq):
            await self.session.send_audio(chunk)

    def messages(self, role: Role) -> list[Message]:
        return [m for m in self.session.history if isinstance(m, Message) and m.role is role]


def done(status: ResponseStatus = ResponseStatus.COMPLETED) -> Callable[[se.SessionEvent], bool]:
    """Matches the end of a response with this status."""

    def match(event: se.SessionEvent) -> bool:
        return isinstance(event, se.ResponseFinished) and event.status is status

    return match


def nth_done(n: int) -> Callable[[se.SessionEvent], bool]:
    """Matches the end of the n-th response from now."""
    seen = 0

    def match(event: se.SessionEvent) -> bool:
        nonlocal seen
        seen += isinstance(event, se.ResponseFinished)
        return seen == n

    return match


HELPER = Agent(name="helper", instructions="You help with the shop.")


async def test_a_spoken_turn_gets_a_transcript_and_a_voiced_reply() -> None:
    rig = Rig(HELPER, ["when do you open"], ["We open at nine. See you then!"])
    async with rig.session as session:
        await rig.say()
        events = await collect_until(session, done())
        assert any(isinstance(e, se.UserSpeechStarted) for e in events)
        assert any(isinstance(e, se.AudioReceived) for e in events)
        (user,) = rig.messages(Role.USER)
        assert (user.text, user.status, user.from_audio) == (
            "when do you open",
            ItemStatus.COMPLETED,
            True,
        )
        (assistant,) = rig.messages(Role.ASSISTANT)
        assert assistant.text == "We open at nine. See you then!"
        assert assistant.status is ItemStatus.COMPLETED
        assert assistant.audio_ms > 1000
        assert assistant.agent == "helper"
        assert session.usage.total_tokens > 0
        assert rig.llm.calls[0].instructions == "You help with the shop."


async def test_a_tool_call_runs_and_its_answer_is_spoken() -> None:
    @function_tool
    def lookup_order(order_id: str) -> dict[str, str]:
        """Look up an order.

        Args:
            order_id: The order number.
        """
        return {"order": order_id, "status": "shipped"}

    agent = Agent(name="orders", instructions="Look orders up.", tools=[lookup_order])
    rig = Rig(
        agent,
        ["where is order A1"],
        [ToolChoice("lookup_order", '{"order_id": "A1"}'), "Order A1 has shipped."],
    )
    async with rig.session as session:
        await rig.say()
        await collect_until(session, nth_done(2))
        outputs = [i for i in session.history if isinstance(i, FunctionCallOutput)]
        assert json.loads(outputs[0].output) == {"order": "A1", "status": "shipped"}
        second = rig.llm.calls[1]
        assert [m.role for m in second.messages] == ["user", "assistant", "tool"]
        assert rig.messages(Role.ASSISTANT)[-1].text == "Order A1 has shipped."
        assert rig.tts.spoken == ["Order A1 has", "shipped."]  # a short first piece


async def test_a_handoff_changes_the_instructions_the_llm_sees() -> None:
    support = Agent(name="support", instructions="You are support.", voice="calm")
    router = Agent(name="router", instructions="Route the caller.", handoffs=[support])
    rig = Rig(
        router,
        ["my order is late"],
        [ToolChoice("transfer_to_support", '{"reason": "late order"}'), "Support here."],
    )
    async with rig.session as session:
        await rig.say()
        events = await collect_until(session, nth_done(2))
        assert any(isinstance(e, se.HandoffCompleted) for e in events)
        assert session.agent.name == "support"
        assert rig.llm.calls[0].instructions == "Route the caller."
        assert rig.llm.calls[1].instructions == "You are support."
        assert ("You are support.", ()) in rig.llm.prepared
        assert rig.tts.voices[-1] == "calm"
        assert rig.messages(Role.ASSISTANT)[-1].agent == "support"


async def test_barge_in_cancels_the_reply_and_memory_keeps_what_was_heard() -> None:
    reply = "Our opening hours are nine to five. We are closed on Sundays. Anything"
    rig = Rig(HELPER, ["when are you open", "thanks"], [[reply, HOLD, " else?"], "Bye."])
    async with rig.session as session:
        await rig.say()

        def heard_two_sentences(event: se.SessionEvent) -> bool:
            said = rig.messages(Role.ASSISTANT)
            return isinstance(event, se.AudioReceived) and bool(said) and said[0].audio_ms > 2000

        await collect_until(session, heard_two_sentences)
        rig.clock.advance(1.0)  # the player has played one second of the reply
        await rig.say(700, freq=300.0)
        events = await collect_until(session, done(ResponseStatus.CANCELLED))
        cut = [e for e in events if isinstance(e, se.AudioInterrupted)]
        assert cut[0].played_ms == 1000
        await collect_until(session, done())
        first = rig.messages(Role.ASSISTANT)[0]
        assert first.status is ItemStatus.INCOMPLETE
        assert first.played_ms == 1000
        memory = [(m.role, m.content) for m in rig.llm.calls[1].messages]
        assert memory == [
            ("user", "when are you open"),
            ("assistant", "Our opening hours are"),
            ("user", "thanks"),
        ]


async def test_push_to_talk_and_text_only() -> None:
    config = SessionConfig(instructions="", modalities=("text",), turn_detection=None)
    rig = Rig(HELPER, ["hello there"], ["Hi!"], config=config)
    async with rig.session as session:
        for chunk in utterance(500):
            await session.send_audio(chunk)
        await session.commit_audio()
        await session.create_response()
        await collect_until(session, done())
        assert rig.messages(Role.USER)[0].text == "hello there"
        assert rig.messages(Role.ASSISTANT)[0].text == "Hi!"
        assert rig.tts.spoken == []


async def test_a_failing_component_is_reported_and_the_session_goes_on() -> None:
    rig = Rig(HELPER, ["first", "second"], [RuntimeError("out of memory"), "Working again."])
    async with rig.session as session:
        await rig.say()
        events = await collect_until(session, done(ResponseStatus.FAILED))
        errors = [e for e in events if isinstance(e, se.ErrorOccurred)]
        assert "out of memory" in str(errors[0].error)
        await rig.say(700, freq=300.0)
        await collect_until(session, done())
        assert rig.messages(Role.ASSISTANT)[-1].text == "Working again."
        assert not session.closed
