"""RealtimeSession end to end on the scripted model: tools, timeouts, guardrails, lifecycle."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from voxline import (
    Agent,
    GuardrailResult,
    PolicyRule,
    RealtimeSession,
    RunContext,
    SessionConfig,
    function_tool,
    keyword_guardrail,
    output_guardrail,
)
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import session_events as se
from voxline.core.items import FunctionCallOutput, Message
from voxline.errors import GuardrailError, SessionStateError, TransportError
from voxline.testing import ScriptedRealtimeModel, call, collect_until, on, reply

TEXT = SessionConfig(instructions="", modalities=("text",), turn_detection=None)


@function_tool
async def lookup(order_id: str) -> dict[str, str]:
    """Look an order up (answers at once).

    Args:
        order_id: The order number.
    """
    return {"order_id": order_id, "status": "shipped"}


def output_of(model: ScriptedRealtimeModel, call_id: str) -> dict[str, object]:
    outputs = [
        c for c in model.sent if isinstance(c, cmd.AddFunctionOutput) and c.call_id == call_id
    ]
    assert len(outputs) == 1
    data = json.loads(outputs[0].output)
    assert isinstance(data, dict)
    return data


async def test_a_tool_receives_context_and_its_output_reaches_the_model() -> None:
    seen: list[RunContext] = []

    @function_tool
    async def whoami(ctx: RunContext) -> dict[str, str]:
        """Who is talking."""
        seen.append(ctx)
        return {"agent": ctx.agent_name, "user": str(ctx.metadata["user"])}

    agent = Agent(name="desk", instructions="x", tools=[whoami])
    model = ScriptedRealtimeModel(
        [
            on(cmd.CreateResponse, call("whoami", {}, call_id="c1")),
            on(cmd.CreateResponse, reply("You are Ada.")),
        ]
    )
    async with RealtimeSession(agent, model, config=TEXT, context={"user": "ada"}) as session:
        await session.send_text("who am I?")
        await collect_until(session, lambda e: isinstance(e, se.ResponseFinished) and model.done)
        assert output_of(model, "c1") == {"agent": "desk", "user": "ada"}
        assert seen[0].call_id == "c1"
        assert isinstance(seen[0].history[0], Message)
        assert session.agent.name == "desk"
        assert model.configs[0].instructions == "x"


async def test_a_sync_tool_that_raises_is_answered_with_an_error() -> None:
    @function_tool
    def broken(n: int) -> int:
        """Always fails."""
        raise ZeroDivisionError("no")

    model = ScriptedRealtimeModel([on(cmd.CreateResponse, call("broken", {"n": 1}, call_id="c1"))])
    async with RealtimeSession(
        Agent(name="a", instructions="x", tools=[broken]), model, config=TEXT
    ) as session:
        await session.send_text("go")
        events = await collect_until(session, se.ToolCallFinished)
        finished = events[-1]
        assert isinstance(finished, se.ToolCallFinished)
        assert finished.is_error
        error = output_of(model, "c1")["error"]
        assert isinstance(error, dict)
        assert error["type"] == "ToolExecutionError"
        assert "ZeroDivisionError: no" in str(error["message"])


async def test_a_tool_that_never_answers_times_out_and_the_model_is_told() -> None:
    release = asyncio.Event()

    @function_tool(timeout_s=0.05)
    async def slow() -> str:
        """Never returns in time."""
        await release.wait()
        return "late"

    model = ScriptedRealtimeModel(
        [
            on(cmd.CreateResponse, call("slow", {}, call_id="c1")),
            on(cmd.CreateResponse, reply("Sorry.")),
        ]
    )
    async with RealtimeSession(
        Agent(name="a", instructions="x", tools=[slow]), model, config=TEXT
    ) as session:
        await session.send_text("go")
        await collect_until(session, lambda e: isinstance(e, se.ResponseFinished) and model.done)
        error = output_of(model, "c1")["error"]
        assert isinstance(error, dict)
        assert error["type"] == "ToolTimeoutError"
        outputs = [i for i in session.history if isinstance(i, FunctionCallOutput)]
        assert outputs[0].is_error


async def test_a_sync_tool_timeout_does_not_block_the_loop() -> None:
    import threading

    gate = threading.Event()

    @function_tool(timeout_s=0.05)
    def blocking() -> str:
        """Blocks a worker thread."""
        gate.wait(5)
        return "done"

    model = ScriptedRealtimeModel([on(cmd.CreateResponse, call("blocking", {}, call_id="c1"))])
    async with RealtimeSession(
        Agent(name="a", instructions="x", tools=[blocking]), model, config=TEXT
    ) as session:
        await session.send_text("go")
        await collect_until(session, se.ToolCallFinished)
        gate.set()
    error = output_of(model, "c1")["error"]
    assert isinstance(error, dict)
    assert error["type"] == "ToolTimeoutError"


async def test_a_guardrail_trips_and_the_retry_is_in_policy() -> None:
    policy = keyword_guardrail([PolicyRule("guarantee", "OFF_BRAND", "no guarantees")])
    agent = Agent(name="a", instructions="x", output_guardrails=[policy])
    model = ScriptedRealtimeModel(
        [
            on(cmd.CreateResponse, reply("I guarantee it")),
            on(cmd.CreateResponse, reply("It should arrive soon")),
        ]
    )
    async with RealtimeSession(agent, model, config=TEXT, guardrail_debounce_chars=5) as session:
        await session.send_text("when?")
        events = await collect_until(
            session, lambda e: isinstance(e, se.ResponseFinished) and model.done
        )
        tripped = [e for e in events if isinstance(e, se.GuardrailTripped)]
        assert [(t.category, t.rationale) for t in tripped] == [("OFF_BRAND", "no guarantees")]
        system_notes = [
            c for c in model.sent if isinstance(c, cmd.AddMessage) and c.role == "system"
        ]
        assert len(system_notes) == 1


async def test_a_crashing_guardrail_is_reported_and_lets_the_text_through() -> None:
    @output_guardrail
    def broken(text: str, ctx: RunContext) -> GuardrailResult:
        raise KeyError("oops")

    @output_guardrail
    async def fine(text: str, ctx: RunContext) -> GuardrailResult:
        return GuardrailResult.ok()

    agent = Agent(name="a", instructions="x", output_guardrails=[broken, fine])
    model = ScriptedRealtimeModel([on(cmd.CreateResponse, reply("hello there"))])
    async with RealtimeSession(agent, model, config=TEXT) as session:
        await session.send_text("hi")
        events = await collect_until(session, se.ErrorOccurred)
        error = events[-1]
        assert isinstance(error, se.ErrorOccurred)
        assert isinstance(error.error, GuardrailError)
        assert "broken" in str(error.error)


async def test_the_app_api_maps_to_commands() -> None:
    agent = Agent(name="a", instructions="x")
    model = ScriptedRealtimeModel()
    async with RealtimeSession(agent, model, config=TEXT) as session:
        await session.send_audio(b"\x00\x01")
        await session.commit_audio()
        await session.clear_audio()
        await session.create_response()
        await session.interrupt()
        await session.report_playback("x", 10)
        await session.trigger("nope")
        events = await collect_until(session, se.ErrorOccurred)
        assert "no triggers" in str(events[-1])
    assert model.sent == [
        cmd.SendAudio(b"\x00\x01"),
        cmd.CommitAudio(),
        cmd.ClearAudio(),
        cmd.CreateResponse(),
    ]
    assert session.usage.total_tokens == 0
    assert (session.cost, session.prices) == (0.0, None)  # the scripted model has no prices
    assert session.graph.root is agent
    assert session.closed


async def test_misuse_raises_session_state_errors() -> None:
    session = RealtimeSession(Agent(name="a", instructions="x"), ScriptedRealtimeModel())
    with pytest.raises(SessionStateError, match="not started"):
        await session.send_text("hi")
    await session.start()
    with pytest.raises(SessionStateError, match="started once"):
        await session.start()
    await session.close()
    await session.close()
    with pytest.raises(SessionStateError, match="closed"):
        await session.send_text("hi")
    assert [e async for e in session] == []


async def test_events_end_when_the_model_stream_ends() -> None:
    model = ScriptedRealtimeModel()
    async with RealtimeSession(Agent(name="a", instructions="x"), model) as session:
        await model.close()
        events = [e async for e in session]
        assert events == [ev.ConnectionChanged(ev.ConnectionState.CONNECTED)]


class FailingModel(ScriptedRealtimeModel):
    """Sends fail and the event stream breaks with a transport error."""

    async def send(self, command: cmd.ModelCommand) -> None:
        raise TransportError("socket gone")

    async def events(self) -> AsyncIterator[ev.ModelEvent]:
        yield ev.ConnectionChanged(ev.ConnectionState.CONNECTED)
        raise TransportError("gave up after 5 attempts")


async def test_transport_failures_become_events_and_end_the_stream() -> None:
    async with RealtimeSession(Agent(name="a", instructions="x"), FailingModel()) as session:
        await session.send_text("hello")
        events = [e async for e in session]
    errors = [e.error for e in events if isinstance(e, se.ErrorOccurred)]
    assert any("socket gone" in str(e) for e in errors)
    assert any("gave up" in str(e) for e in errors)
    assert events[-1] == ev.ConnectionChanged(
        ev.ConnectionState.DISCONNECTED, reason="gave up after 5 attempts"
    )


async def test_a_tool_may_answer_with_its_own_typed_error() -> None:
    from voxline.errors import ToolExecutionError

    @function_tool
    def picky(code: str) -> str:
        """Refuses unknown codes."""
        raise ToolExecutionError(f"no such code {code}", tool_name="picky")

    model = ScriptedRealtimeModel(
        [on(cmd.CreateResponse, call("picky", {"code": "X"}, call_id="c1"))]
    )
    async with RealtimeSession(
        Agent(name="a", instructions="x", tools=[picky]), model, config=TEXT
    ) as session:
        await session.send_text("go")
        await collect_until(session, se.ToolCallFinished)
    assert output_of(model, "c1") == {
        "error": {"type": "ToolExecutionError", "message": "no such code X"}
    }


async def test_until_idle_ends_when_the_turn_is_over() -> None:
    policy = keyword_guardrail([PolicyRule("never", "X", "y")])
    agent = Agent(name="a", instructions="x", output_guardrails=[policy])
    model = ScriptedRealtimeModel([on(cmd.CreateResponse, reply("a fine answer"))])
    async with RealtimeSession(agent, model, config=TEXT) as session:
        await session.send_text("hi")
        events = [e async for e in session.until_idle()]
        assert isinstance(events[-1], se.UsageUpdated | se.ResponseFinished | se.HistoryItemUpdated)
        assert not session.busy
        assert [e async for e in session.until_idle()] == []
        await model.close()
        assert [e async for e in session.until_idle()] == []


async def test_until_idle_survives_a_reader_cancelled_while_it_waited() -> None:
    running, gate = asyncio.Event(), asyncio.Event()

    @function_tool
    async def slow() -> str:
        """Wait for the gate."""
        running.set()
        await gate.wait()
        return "done"

    agent = Agent(name="a", instructions="x", tools=[slow])
    model = ScriptedRealtimeModel(
        [
            on(cmd.CreateResponse, call("slow", {}, call_id="c1")),
            on(cmd.CreateResponse, reply("all done")),
        ]
    )
    async with RealtimeSession(agent, model, config=TEXT) as session:
        await session.send_text("go")

        async def read_all() -> list[se.SessionEvent]:
            return [e async for e in session.until_idle()]

        first = asyncio.create_task(read_all())
        await running.wait()  # the turn now waits for the tool
        for _ in range(5):
            await asyncio.sleep(0)
        assert not first.done()
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        second = asyncio.create_task(read_all())
        await asyncio.sleep(0)
        gate.set()
        events = await asyncio.wait_for(second, 5)
        assert any(isinstance(e, se.ToolCallFinished) for e in events)
        assert isinstance(events[-1], se.UsageUpdated | se.ResponseFinished | se.HistoryItemUpdated)
        assert not session.busy


class GivingUpModel(ScriptedRealtimeModel):
    """Reports DISCONNECTED itself, then ends its stream with an error."""

    async def events(self) -> AsyncIterator[ev.ModelEvent]:
        yield ev.ConnectionChanged(ev.ConnectionState.CONNECTED)
        yield ev.ConnectionChanged(ev.ConnectionState.DISCONNECTED, reason="5 attempts failed")
        raise TransportError("gave up")


async def test_disconnected_is_reported_once() -> None:
    async with RealtimeSession(Agent(name="a", instructions="x"), GivingUpModel()) as session:
        events = [e async for e in session]
    states = [e.state for e in events if isinstance(e, ev.ConnectionChanged)]
    assert states == [ev.ConnectionState.CONNECTED, ev.ConnectionState.DISCONNECTED]


async def test_a_tool_that_answers_at_once_is_answered_before_the_next_model_event() -> None:
    agent = Agent(name="desk", instructions="x", tools=[lookup])
    model = ScriptedRealtimeModel(
        [
            on(cmd.CreateResponse, call("lookup", {"order_id": "A1"}, call_id="c1")),
            on(cmd.CreateResponse, reply("It shipped.")),
        ]
    )
    async with RealtimeSession(agent, model, config=TEXT) as session:
        await session.send_text("where is A1?")
        events = await collect_until(
            session, lambda e: isinstance(e, se.ResponseFinished) and model.done
        )
    kinds = [type(e) for e in events if isinstance(e, se.ToolCallFinished | se.ResponseFinished)]
    assert kinds[:2] == [se.ToolCallFinished, se.ResponseFinished]
    assert output_of(model, "c1") == {"order_id": "A1", "status": "shipped"}


class TurnWatchingModel(ScriptedRealtimeModel):
    """Calls `lookup` and notes, when asked for the next event, what happened in between."""

    def __init__(self) -> None:
        super().__init__()
        self.loop_turned: bool | None = None
        self.answered_by_then = False
        self.closing = asyncio.Event()

    async def close(self) -> None:
        self.closing.set()
        await super().close()

    async def events(self) -> AsyncIterator[ev.ModelEvent]:
        turned: list[bool] = []
        yield ev.ResponseStarted("r1")
        asyncio.get_running_loop().call_soon(turned.append, True)
        yield ev.FunctionCallRequested("r1", "i1", "c1", "lookup", '{"order_id": "A1"}')
        self.loop_turned = bool(turned)
        self.answered_by_then = any(isinstance(c, cmd.AddFunctionOutput) for c in self.sent)
        yield ev.ResponseDone("r1")
        await self.closing.wait()  # the stream stays open, as a live model's would


async def test_a_tool_that_answers_at_once_is_answered_without_a_turn_of_the_loop() -> None:
    model = TurnWatchingModel()
    agent = Agent(name="desk", instructions="x", tools=[lookup])
    async with RealtimeSession(agent, model, config=TEXT) as session:
        events = await collect_until(session, se.ResponseFinished)
    assert model.answered_by_then
    assert model.loop_turned is False
    assert output_of(model, "c1") == {"order_id": "A1", "status": "shipped"}
    started = [i for i, e in enumerate(events) if isinstance(e, se.ToolCallStarted)]
    finished = [i for i, e in enumerate(events) if isinstance(e, se.ToolCallFinished)]
    assert started[0] < finished[0]


async def test_a_slow_tool_does_not_hold_up_the_models_events() -> None:
    release = asyncio.Event()

    @function_tool
    async def lookup(order_id: str) -> str:
        """Look an order up slowly.

        Args:
            order_id: The order number.
        """
        await release.wait()
        return "shipped"

    model = TurnWatchingModel()
    agent = Agent(name="desk", instructions="x", tools=[lookup])
    async with RealtimeSession(agent, model, config=TEXT) as session:
        await collect_until(session, se.ResponseFinished)  # read while the tool waits
        assert model.loop_turned is not None
        assert not model.answered_by_then
        assert session.busy
        release.set()
        await collect_until(session, se.ToolCallFinished)
    outputs = [c.output for c in model.sent if isinstance(c, cmd.AddFunctionOutput)]
    assert outputs == ["shipped"]
