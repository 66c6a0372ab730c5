"""Eager tasks: run a first step in the caller's turn (3.12's eager_start, on 3.11 too)."""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Coroutine, Generator
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["Started", "eager_task", "resume"]


def eager_task(coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
    """Start `coro` as a task and run its first step now, before returning.

    A coroutine that finishes without suspending (a tool that answers at once) has done all
    its work on return, without waiting for a turn of the event loop; one that suspends goes
    on as an ordinary task. During its first step the coroutine sees its own task as the
    current task (so `asyncio.timeout` and cancellation aim at it, not at the caller) and runs
    in the task's own copy of the context. Cancelling the task, its timeouts and its errors
    behave as for `asyncio.create_task`.

    On Python 3.12+ this is `asyncio.Task(..., eager_start=True)`; 3.11 lacks it, so there the
    first step is driven here under the task's identity and the task carries on from it. One
    difference on 3.11: a task whose first step finished reports `done()` one turn of the
    event loop later (its result or exception is already settled).
    """
    loop = asyncio.get_running_loop()
    if sys.version_info >= (3, 12):  # pragma: no cover - the project's CI runs 3.11
        return asyncio.Task(coro, loop=loop, name=name, eager_start=True)
    return _eager_311(loop, coro, name)


def _eager_311(
    loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T], name: str | None
) -> asyncio.Task[T]:
    context = contextvars.copy_context()
    started = Started(coro)
    task = loop.create_task(started, name=name, context=context)  # its step is queued, not run
    caller = asyncio.current_task(loop)
    # what 3.12's eager start does: swap the current task while the first step runs (these
    # helpers are private to asyncio, but 3.11 is frozen and 3.12+ takes the branch above)
    if caller is not None:
        asyncio.tasks._leave_task(loop, caller)
    asyncio.tasks._enter_task(loop, task)
    try:
        context.run(started.step)
    finally:
        asyncio.tasks._leave_task(loop, task)
        if caller is not None:
            asyncio.tasks._enter_task(loop, caller)
    return task


def resume(coro: Coroutine[Any, Any, T], yielded: Any) -> Started[T]:
    """Carry `coro` on when awaited, after a first step that its caller ran.

    The caller drove the first step itself (`yielded = coro.send(None)`, a plain call that
    finishes a coroutine which does not wait) and found it waiting on `yielded`; awaiting the
    result hands that up and carries the coroutine on in the awaiting task.
    """
    return Started(coro, yielded=yielded)


class Started(Coroutine[Any, Any, T]):
    """A coroutine whose first step already ran, to be carried on from there.

    Awaiting it carries it on in the awaiting task: what the first step yielded (the future
    it waits on) goes up first, then every `send`/`throw` goes straight to the coroutine.
    A task made from it does the same: its first `send` hands up that yield, or finishes
    with the first step's outcome.
    """

    def __init__(self, coro: Coroutine[Any, Any, T], *, yielded: Any = None) -> None:
        self._coro = coro
        self._first = True
        self._yielded: Any = yielded
        """What the first step yielded: set by `step`, or given by a caller that ran it."""
        self._finished = False
        self._result: Any = None
        self._error: BaseException | None = None

    def step(self) -> None:
        """Run the first step (once)."""
        try:
            self._yielded = self._coro.send(None)
        except StopIteration as stop:
            self._finished, self._result = True, stop.value
        except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 - the task raises it
            self._finished, self._error = True, exc

    def send(self, value: Any) -> Any:
        if not self._first:
            return self._coro.send(value)
        self._first = False
        return self._settle()

    def throw(
        self,
        typ: type[BaseException] | BaseException,
        val: BaseException | object = None,
        tb: TracebackType | None = None,
    ) -> Any:
        exc = typ if isinstance(typ, BaseException) else typ()
        if self._first:
            self._first = False
            if self._finished:
                # cancelled before the task's first turn, but the work is done: like a
                # 3.12 eager task that finished, it keeps its outcome
                return self._settle()
            waiting = self._yielded
            if isinstance(exc, asyncio.CancelledError) and isinstance(waiting, asyncio.Future):
                waiting.cancel()  # what Task.cancel() does to the future a task waits on
        return self._coro.throw(exc)

    def close(self) -> None:
        self._coro.close()

    def _settle(self) -> Any:
        if not self._finished:
            return self._yielded
        raise StopIteration(self._outcome())

    def __await__(self) -> Generator[Any, Any, T]:
        self._first = False
        if self._finished:
            return self._outcome()
        coro, value = self._coro, self._yielded
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - handed to the coroutine, as await does
                try:
                    value = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]
            else:
                try:
                    value = coro.send(sent)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]

    def _outcome(self) -> T:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._result  # type: ignore[no-any-return]
