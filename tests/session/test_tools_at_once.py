"""Tools that answer at once (async def without await) run in place, with the same outcomes."""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest

from voxline import Agent, RealtimeSession, SessionConfig, function_tool
from voxline.agents.tool import FunctionTool
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import session_events as se
from voxline.core.items import FunctionCall, FunctionCallOutput, HistoryItem
from voxline.errors import ToolExecutionError
from voxline.testing import ScriptedRealtimeModel, call, collect_until, on, reply

TEXT = SessionConfig(instructions="", modalities=("text",), turn_detection=None)
MOOD: contextvars.ContextVar[str] = contextvars.ContextVar("mood", default="calm")


def texts(model: ScriptedRealtimeModel) -> list[str]:
    return [c.output for c in model.sent if isinstance(c, cmd.AddFunctionOutput)]


def outputs(model: ScriptedRealtimeModel) -> list[Any]:
    return [json.loads(text) for text in texts(model)]


async def run_calls(tool: FunctionTool, *arguments: dict[str, Any]) -> ScriptedRealtimeModel:
    """One turn in which the model calls `tool` once per arguments, then replies."""
    script = [on(cmd.CreateResponse, call(tool.name, args)) for args in arguments]
    model = ScriptedRealtimeModel([*script, on(cmd.CreateResponse, reply("done"))])
    agent = Agent(name="desk", instructions="x", tools=[tool])
    async with RealtimeSession(agent, model, config=TEXT) as session:
        await session.send_text("go")
        await collect_until(session, lambda e: isinstance(e, se.ResponseFinished) and model.done)
    return model


async def test_it_runs_in_the_sessions_reader_without_a_task_of_its_own() -> None:
    seen: list[str] = []

    @function_tool
    async def where() -> str:
        """Name the task it runs in."""
        task = asyncio.current_task()
        seen.append(task.get_name() if task else "")
        return "here"

    assert where.answers_at_once
    model = await run_calls(where, {})
    assert seen == ["voxline-model-reader"]
    assert texts(model) == ["here"]


@pytest.mark.parametrize(
    ("error", "expected_type"),
    [
        (ToolExecutionError("no such order", tool_name="failing"), "ToolExecutionError"),
        (ValueError("bad"), "ToolExecutionError"),
        (asyncio.CancelledError(), "ToolExecutionError"),
    ],
)
async def test_its_errors_are_told_to_the_model_and_the_session_goes_on(
    error: BaseException, expected_type: str
) -> None:
    @function_tool
    async def failing(order_id: str) -> str:
        """Fail."""
        raise error

    model = await run_calls(failing, {"order_id": "A1"}, {"order_id": "A2"})
    answers = outputs(model)
    assert [a["error"]["type"] for a in answers] == [expected_type, expected_type]
    assert model.done  # the reply after both calls came: the reader survived


async def test_an_awaitable_it_returns_is_waited_for_under_the_timeout() -> None:
    release = asyncio.Event()

    async def later() -> str:
        await release.wait()
        return "later"

    @function_tool
    async def handing_on() -> Coroutine[Any, Any, str]:
        """Return a coroutine instead of awaiting it."""
        release.set()
        return later()

    @function_tool(timeout_s=0.05)
    async def never() -> asyncio.Future[str]:
        """Return a future nobody resolves."""
        return asyncio.get_running_loop().create_future()

    assert handing_on.answers_at_once
    assert never.answers_at_once
    assert texts(await run_calls(handing_on, {})) == ["later"]
    (answer,) = outputs(await run_calls(never, {}))
    assert answer["error"]["type"] == "ToolTimeoutError"


async def test_it_runs_in_a_copy_of_the_context() -> None:
    moods: list[str] = []

    @function_tool
    async def cheer(order_id: str) -> str:
        """Set a context variable and report what it was."""
        moods.append(MOOD.get())
        MOOD.set("cheerful")
        return "ok"

    await run_calls(cheer, {"order_id": "A1"}, {"order_id": "A2"})
    assert moods == ["calm", "calm"]


@function_tool
async def lookup(order_id: str) -> dict[str, str]:
    """Look an order up from memory.

    Args:
        order_id: The order number.
    """
    return {"order_id": order_id, "status": "shipped"}


class CallingModel(ScriptedRealtimeModel):
    """The model calls `lookup` once; each send notes what the history held at that moment.

    With `hold_audio`, sending microphone audio waits until `release` is set, so the send
    line is busy when the call comes (the call is then only read after audio was sent).
    """

    def __init__(self, *, hold_audio: bool = False) -> None:
        super().__init__()
        self.session: RealtimeSession | None = None
        self.seen: list[tuple[type[cmd.ModelCommand], tuple[HistoryItem, ...]]] = []
        self.hold_audio = hold_audio
        self.audio_sending = asyncio.Event()
        self.release = asyncio.Event()
        self.closing = asyncio.Event()

    async def send(self, command: cmd.ModelCommand) -> None:
        assert self.session is not None
        self.seen.append((type(command), self.session.history))
        if isinstance(command, cmd.SendAudio) and self.hold_audio:
            self.audio_sending.set()
            await self.release.wait()
        await super().send(command)

    async def close(self) -> None:
        self.closing.set()
        await super().close()

    async def events(self) -> AsyncIterator[ev.ModelEvent]:
        yield ev.ResponseStarted("r1")
        if self.hold_audio:
            await self.audio_sending.wait()
        yield ev.FunctionCallRequested("r1", "i1", "c1", "lookup", '{"order_id": "A1"}')
        yield ev.ResponseDone("r1")
        await self.closing.wait()


def answer_sent(model: CallingModel) -> tuple[HistoryItem, ...]:
    (history,) = [h for kind, h in model.seen if kind is cmd.AddFunctionOutput]
    return history


async def test_its_answer_is_sent_before_the_call_is_recorded() -> None:
    model = CallingModel()
    agent = Agent(name="desk", instructions="x", tools=[lookup])
    async with RealtimeSession(agent, model, config=TEXT) as session:
        model.session = session
        events = await collect_until(session, se.ResponseFinished)
        history = session.history
    assert answer_sent(model) == (), "nothing of the call was recorded before its answer"
    (answer,) = model.sent_of(cmd.AddFunctionOutput)
    assert isinstance(answer, cmd.AddFunctionOutput)
    call, output = history
    assert isinstance(call, FunctionCall)
    assert isinstance(output, FunctionCallOutput)
    assert output.id == answer.item_id, "recorded under the id the model was sent"
    assert json.loads(output.output) == {"order_id": "A1", "status": "shipped"}
    kinds = [type(e) for e in events if isinstance(e, se.ToolCallStarted | se.ToolCallFinished)]
    assert kinds == [se.ToolCallStarted, se.ToolCallFinished]
    assert model.sent_of(cmd.CreateResponse), "the follow-up response is asked for"


async def test_while_another_send_holds_the_line_the_call_is_recorded_first() -> None:
    model = CallingModel(hold_audio=True)
    agent = Agent(name="desk", instructions="x", tools=[lookup])
    async with RealtimeSession(agent, model, config=TEXT) as session:
        model.session = session
        sending = asyncio.create_task(session.send_audio(bytes(480)))
        await collect_until(session, se.ToolCallStarted)
        assert not model.sent_of(cmd.AddFunctionOutput), "it waits for the line"
        model.release.set()
        await sending
        await collect_until(session, se.ResponseFinished)
        history = session.history
    (call,) = answer_sent(model)
    assert isinstance(call, FunctionCall), "the call was in the history before its answer"
    assert [type(i) for i in history] == [FunctionCall, FunctionCallOutput]
