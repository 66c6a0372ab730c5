"""eager_task: the first step runs at once, as the task; waiting, cancelling and errors as usual."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Coroutine
from typing import Any

import pytest

from voxline.session.eager import Started, eager_task, resume

NOTE: contextvars.ContextVar[str] = contextvars.ContextVar("NOTE", default="caller")


async def test_a_coroutine_that_does_not_wait_finishes_in_the_callers_turn() -> None:
    steps: list[str] = []
    caller = asyncio.current_task()

    async def answer() -> int:
        steps.append("ran")
        assert asyncio.current_task() is not caller  # it runs as its own task
        return 42

    task = eager_task(answer(), name="answer")
    assert steps == ["ran"]  # before any turn of the event loop
    assert asyncio.current_task() is caller
    assert task.get_name() == "answer"
    assert await task == 42


async def test_the_first_step_sees_its_own_task_and_context() -> None:
    seen: list[asyncio.Task[None] | None] = []

    async def note() -> None:
        seen.append(asyncio.current_task())
        NOTE.set("task")
        await asyncio.sleep(0)
        assert NOTE.get() == "task"

    task = eager_task(note())
    assert seen == [task]
    assert NOTE.get() == "caller"  # the task's context is its own copy
    await task


async def test_a_coroutine_that_waits_goes_on_as_a_task() -> None:
    gate = asyncio.Event()
    steps: list[str] = []

    async def wait_then_answer() -> str:
        steps.append("first")
        await gate.wait()
        steps.append("second")
        return "done"

    task = eager_task(wait_then_answer())
    assert steps == ["first"]
    await asyncio.sleep(0)
    assert not task.done()
    gate.set()
    assert await task == "done"
    assert steps == ["first", "second"]


async def test_a_timeout_inside_cancels_the_task_not_the_caller() -> None:
    async def too_slow() -> str:
        try:
            async with asyncio.timeout(0.01):
                await asyncio.Event().wait()
        except TimeoutError:
            return "timed out"
        return "answered"

    task = eager_task(too_slow())
    assert await task == "timed out"
    assert asyncio.current_task() is not None
    assert not asyncio.current_task().cancelling()  # type: ignore[union-attr]


@pytest.mark.parametrize("turns", [0, 1])
async def test_cancelling_a_waiting_task_cancels_what_it_waits_on(turns: int) -> None:
    waiting: list[asyncio.Future[None]] = []
    cleaned: list[bool] = []

    async def wait_forever() -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting.append(future)
        try:
            await future
        finally:
            cleaned.append(True)

    task = eager_task(wait_forever())
    for _ in range(turns):  # 0: cancelled before the task's own first turn
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()
    assert waiting[0].cancelled()
    assert cleaned == [True]


async def test_a_task_that_finished_in_its_first_step_keeps_its_result_when_cancelled() -> None:
    async def answer() -> str:
        return "kept"

    task = eager_task(answer())
    task.cancel()
    assert await task == "kept"


@pytest.mark.parametrize("wait_first", [False, True])
async def test_an_error_is_raised_where_the_task_is_awaited(wait_first: bool) -> None:
    async def broken() -> None:
        if wait_first:
            await asyncio.sleep(0)
        raise ZeroDivisionError("no")

    task = eager_task(broken())
    with pytest.raises(ZeroDivisionError, match="no"):
        await task


def first_step(coro: Coroutine[Any, Any, Any]) -> Started[Any]:
    """Run `coro`'s first step as run_tool does, and resume it from there."""
    return resume(coro, coro.send(None))


async def wait_forever(cleaned: list[str], mark: str) -> None:
    """Wait until cancelled or closed, noting `mark` in `cleaned` on the way out."""
    try:
        await asyncio.Event().wait()
    finally:
        cleaned.append(mark)


async def test_resume_carries_a_waiting_coroutine_on_when_awaited() -> None:
    gate = asyncio.Event()

    async def wait_then_answer() -> str:
        await gate.wait()
        return "done"

    first = first_step(wait_then_answer())
    asyncio.get_running_loop().call_soon(gate.set)
    assert await first == "done"


async def test_resume_hands_cancellation_and_errors_to_the_coroutine() -> None:
    cleaned: list[str] = []

    async def shrug_off_cancellation() -> str:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            return "caught"
        return "not reached"

    async def wait_then_fail() -> None:
        await asyncio.sleep(0)
        raise ZeroDivisionError("no")

    async def await_it(coro: Coroutine[Any, Any, Any]) -> Any:
        return await first_step(coro)

    task = asyncio.create_task(await_it(wait_forever(cleaned, "wait")))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == ["wait"]
    task = asyncio.create_task(await_it(shrug_off_cancellation()))
    await asyncio.sleep(0)
    task.cancel()
    assert await task == "caught"
    with pytest.raises(ZeroDivisionError, match="no"):
        await first_step(wait_then_fail())


async def test_closing_the_awaiting_coroutine_closes_the_started_one() -> None:
    cleaned: list[str] = []

    async def outer() -> None:
        await first_step(wait_forever(cleaned, "closed"))

    coro = outer()
    coro.send(None)  # suspended inside the started coroutine
    coro.close()
    assert cleaned == ["closed"]
