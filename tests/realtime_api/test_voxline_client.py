"""voxline on the OpenAI protocol on the voxline engine: RealtimeSession -> OpenAIRealtimeModel ->
/v1/realtime -> LocalRealtimeModel (fakes), with a built-in scenario's agents."""

from __future__ import annotations

import pytest

from tests.realtime_api.conftest import Endpoint
from voxline import ItemStatus, RealtimeSession
from voxline.core import session_events as se
from voxline.core.events import ResponseStatus
from voxline.core.items import FunctionCall, FunctionCallOutput, Message, Role
from voxline.engine.ports import ToolChoice
from voxline.models.openai import OpenAIRealtimeModel, RetryPolicy
from voxline.scenarios import Scenario, simple_handoff
from voxline.testing import ManualClock, collect_until
from voxline.testing.engine_fakes import HOLD, pcm16, quiet, tone

TIMEOUT_S = 10.0


def model_for(endpoint: Endpoint) -> OpenAIRealtimeModel:
    return OpenAIRealtimeModel(
        api_key="x",
        base_url=endpoint.base_url,
        model="voxline-local",
        retry=RetryPolicy(attempts=1),
    )


def finished(event: se.SessionEvent) -> bool:
    return isinstance(event, se.ResponseFinished) and event.status is ResponseStatus.COMPLETED


def replied(session: RealtimeSession) -> bool:
    return any(isinstance(m, Message) and m.role is Role.ASSISTANT for m in session.history)


@pytest.fixture
def scenario() -> Scenario:
    return simple_handoff.build()


async def test_a_spoken_turn_a_handoff_and_the_new_agents_reply(
    endpoint: Endpoint, scenario: Scenario
) -> None:
    llm = endpoint.engines.script(
        ToolChoice("transfer_to_haiku_writer", "{}"),
        "Rain on the window.",
        transcripts=("a haiku about rain please",),
    )
    session = RealtimeSession(scenario.agent, model_for(endpoint), agents=scenario.agents)
    async with session:
        await session.send_audio(pcm16(quiet(100), tone(600), quiet(900)))
        await collect_until(session, se.HandoffCompleted, timeout_s=TIMEOUT_S)
        await collect_until(
            session, lambda e: finished(e) and replied(session), timeout_s=TIMEOUT_S
        )
        assert session.agent.name == "haiku_writer"
        history = session.history
    user = [m for m in history if isinstance(m, Message) and m.role is Role.USER]
    assert [m.text for m in user] == ["a haiku about rain please"]
    assert [i.name for i in history if isinstance(i, FunctionCall)] == ["transfer_to_haiku_writer"]
    assert any(isinstance(i, FunctionCallOutput) for i in history)
    [reply] = [m for m in history if isinstance(m, Message) and m.role is Role.ASSISTANT]
    assert (reply.text, reply.status, reply.agent) == (
        "Rain on the window.",
        ItemStatus.COMPLETED,
        "haiku_writer",
    )
    assert reply.audio_ms > 0
    first, second = llm.calls
    assert first.instructions.startswith("Greet the user in one sentence")
    assert "transfer_to_haiku_writer" in [t.name for t in first.tools]
    assert second.instructions.startswith("Ask the user for a topic")
    assert second.messages[-1].role == "tool"


async def test_a_typed_turn_and_an_interruption_truncated_at_what_was_heard(
    endpoint: Endpoint, scenario: Scenario
) -> None:
    llm = endpoint.engines.script(["Hello there, lovely to meet you. Would", HOLD, " you?"], "Ok.")
    clock = ManualClock()
    session = RealtimeSession(
        scenario.agent, model_for(endpoint), agents=scenario.agents, clock=clock
    )
    async with session:
        await session.send_text("hi")
        await collect_until(session, se.AudioReceived, timeout_s=TIMEOUT_S)
        clock.advance(0.15)
        await session.interrupt()
        events = await collect_until(session, se.ResponseFinished, timeout_s=TIMEOUT_S)
        assert [e.status for e in events if isinstance(e, se.ResponseFinished)] == [
            ResponseStatus.CANCELLED
        ]
        await session.send_text("ok then")
        events += await collect_until(session, finished, timeout_s=TIMEOUT_S)
    [interrupted] = [e for e in events if isinstance(e, se.AudioInterrupted)]
    assert interrupted.played_ms == 150
    cut = next(m for m in session.history if isinstance(m, Message) and m.role is Role.ASSISTANT)
    assert (cut.status, cut.played_ms) == (ItemStatus.INCOMPLETE, 150)
    assert llm.stopped == 1
    # The engine behind the endpoint was truncated too: it remembers only the words heard.
    assert [(m.role, m.content) for m in llm.calls[1].messages] == [
        ("user", "hi"),
        ("assistant", "Hello there,"),
        ("user", "ok then"),
    ]
