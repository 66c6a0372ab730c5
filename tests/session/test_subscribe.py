"""Push-style delivery: `RealtimeSession.subscribe` instead of `async for event in session`."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.session.test_session import TEXT, lookup
from voxline import Agent, RealtimeSession
from voxline.core import commands as cmd
from voxline.core import session_events as se
from voxline.core.ids import CountingIds
from voxline.testing import ScriptedRealtimeModel, call, collect_until, on, reply

AGENT = Agent(name="desk", instructions="x", tools=[lookup])


def script() -> ScriptedRealtimeModel:
    return ScriptedRealtimeModel(
        [
            on(cmd.CreateResponse, call("lookup", {"order_id": "42"}, call_id="c1")),
            on(cmd.CreateResponse, reply("It has shipped.")),
        ]
    )


async def test_a_listener_sees_the_events_iteration_would_see_in_order() -> None:
    iterated = script()
    async with RealtimeSession(AGENT, iterated, config=TEXT, ids=CountingIds()) as session:
        await session.send_text("where is 42?")
        first = await collect_until(session, se.ResponseFinished)  # the tool call's response
        expected = first + await collect_until(session, se.ResponseFinished)  # the answer

    pushed = script()
    heard: list[se.SessionEvent] = []
    finished = asyncio.Event()

    def listener(event: se.SessionEvent) -> None:
        if not finished.is_set():
            heard.append(event)
        if sum(isinstance(e, se.ResponseFinished) for e in heard) == 2:
            finished.set()

    async with RealtimeSession(AGENT, pushed, config=TEXT, ids=CountingIds()) as session:
        session.subscribe(listener)
        await session.send_text("where is 42?")
        await asyncio.wait_for(finished.wait(), 5)
        assert session.queued_events == 0  # nothing piles up for a reader that never comes
    assert [_kind(e) for e in heard] == [_kind(e) for e in expected]


class Heard:
    """A listener that keeps what it hears and notes the first finished response."""

    def __init__(self) -> None:
        self.events: list[se.SessionEvent] = []
        self.finished = asyncio.Event()

    def __call__(self, event: se.SessionEvent) -> None:
        self.events.append(event)
        if isinstance(event, se.ResponseFinished):
            self.finished.set()


async def test_unsubscribing_queues_events_for_iteration_again() -> None:
    model = ScriptedRealtimeModel(
        [on(cmd.CreateResponse, reply("One.")), on(cmd.CreateResponse, reply("Two."))]
    )
    heard = Heard()
    async with RealtimeSession(Agent(name="a", instructions="x"), model, config=TEXT) as session:
        unsubscribe = session.subscribe(heard)
        await session.send_text("first")
        await asyncio.wait_for(heard.finished.wait(), 5)
        unsubscribe()
        unsubscribe()  # harmless
        count = len(heard.events)
        await session.send_text("second")
        events = await collect_until(session, se.ResponseFinished)
        assert len(heard.events) == count  # the second answer went to the queue, not the listener
        assert any(isinstance(e, se.TranscriptDelta) for e in events)


async def test_a_failing_listener_is_logged_and_the_others_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = ScriptedRealtimeModel([on(cmd.CreateResponse, reply("Fine."))])
    heard = Heard()

    def broken(event: se.SessionEvent) -> None:
        raise RuntimeError("listener bug")

    with caplog.at_level(logging.ERROR, logger="voxline.session"):
        async with RealtimeSession(Agent(name="a", instructions="x"), model, config=TEXT) as s:
            s.subscribe(broken)
            s.subscribe(heard)
            await s.send_text("hi")
            await asyncio.wait_for(heard.finished.wait(), 5)
    assert "a session listener failed" in caplog.text


async def test_iteration_still_ends_when_a_subscribed_session_closes() -> None:
    model = ScriptedRealtimeModel([])
    session = RealtimeSession(Agent(name="a", instructions="x"), model, config=TEXT)
    await session.start()
    session.subscribe(lambda event: None)
    reader = asyncio.ensure_future(_drain(session))
    await session.close()
    assert await asyncio.wait_for(reader, 5) >= 0


async def _drain(session: RealtimeSession) -> int:
    return len([event async for event in session])


def _kind(event: se.SessionEvent) -> str:
    return type(event).__name__
