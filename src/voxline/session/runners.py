"""Run tools and guardrails for the session: timeouts, threads for sync code, errors as outputs."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from voxline.agents.tool import serialize_output
from voxline.core.clock import Clock
from voxline.core.effects import RunGuardrails, RunTool
from voxline.core.inputs import GuardrailVerdict, ToolResult
from voxline.errors import GuardrailError, ToolError, ToolExecutionError, ToolTimeoutError
from voxline.session.eager import resume

log = logging.getLogger("voxline.session")


_PLAIN = frozenset({dict, list, str, int, float, bool, type(None)})
"""Types a tool commonly returns, which are never awaitable (no ABC check for them)."""


async def run_tool(effect: RunTool, clock: Clock) -> ToolResult:
    """Run one tool call and always return a result: its output, or an error the model can read.

    Sync functions run in a worker thread so they never block the audio path. A tool that does
    not answer within its timeout is answered with a ToolTimeoutError (a sync tool's thread
    cannot be killed; it finishes in the background and its result is dropped).
    """
    tool = effect.tool
    started = clock.now()
    kwargs = tool.bind(effect.arguments, effect.context)
    try:
        if tool.is_async:
            # its first step runs here, as a plain call: a tool that answers at once (the
            # common one, answering from memory) needs no wrapper and no timer
            coro = tool.func(**kwargs)
            try:
                waiting = coro.send(None)
            except StopIteration as done:
                value = done.value
            else:
                async with asyncio.timeout(tool.timeout_s):
                    value = await resume(coro, waiting)
        else:
            # asyncio.timeout runs it in this task (wait_for would start one more task)
            async with asyncio.timeout(tool.timeout_s):
                value = await asyncio.to_thread(tool.func, **kwargs)
        if type(value) not in _PLAIN and inspect.isawaitable(value):
            async with asyncio.timeout(tool.timeout_s):
                value = await value
        output, is_error = serialize_output(value), False
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - the model is told what failed (_failure logs it)
        output, is_error = _failure(effect, exc), True
    return ToolResult(effect.call_id, output, is_error, clock.now() - started)


@dataclass(frozen=True, slots=True)
class Waiting:
    """A tool run by `run_tool_now` that left something to wait for: `finish_tool` does."""

    awaitable: Awaitable[Any]
    started: float


def run_tool_now(effect: RunTool, clock: Clock) -> ToolResult | Waiting:
    """Run a tool that answers at once (`FunctionTool.answers_at_once`) to its end, here.

    Such a tool is an `async def` without `await`: calling it always finishes in one step, so
    it needs no task, no timer and no turn of the event loop. It runs in a copy of the
    caller's context, like a task. Errors become outputs the model can read, as in
    `run_tool`. If it returned an awaitable, that is left for `finish_tool` to wait on.
    """
    tool = effect.tool
    started = clock.now()
    try:
        coro = tool.func(**tool.bind(effect.arguments, effect.context))
        try:
            waiting = contextvars.copy_context().run(coro.send, None)
        except StopIteration as done:
            value = done.value
        else:  # a function without await cannot get here; carried on all the same
            return Waiting(resume(coro, waiting), started)
        if type(value) not in _PLAIN and inspect.isawaitable(value):
            return Waiting(value, started)
        output, is_error = serialize_output(value), False
    # nothing can cancel a step that never waits: a CancelledError is the tool's own error
    except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 - told to the model
        output, is_error = _failure(effect, exc), True
    return ToolResult(effect.call_id, output, is_error, clock.now() - started)


async def finish_tool(effect: RunTool, waiting: Waiting, clock: Clock) -> ToolResult:
    """Wait, under the tool's timeout, for what `run_tool_now` left, and give the result."""
    try:
        async with asyncio.timeout(effect.tool.timeout_s):
            value = await waiting.awaitable
        output, is_error = serialize_output(value), False
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - the model is told what failed (_failure logs it)
        output, is_error = _failure(effect, exc), True
    return ToolResult(effect.call_id, output, is_error, clock.now() - waiting.started)


def _failure(effect: RunTool, exc: BaseException) -> str:
    """The output telling the model why a tool failed: a timeout, its own error, or a crash."""
    tool = effect.tool
    if isinstance(exc, TimeoutError):
        return _error_json(
            ToolTimeoutError(
                f"{tool.name} did not answer within {tool.timeout_s:g} s; tell the user it is "
                "unavailable right now or try again",
                tool_name=tool.name,
                call_id=effect.call_id,
            )
        )
    if isinstance(exc, ToolError):
        log.info("tool %s answered with %s: %s", tool.name, type(exc).__name__, exc)
        exc.call_id = effect.call_id
        return json.dumps(exc.to_output())
    log.warning("tool %s raised %s", tool.name, type(exc).__name__, exc_info=exc)
    return _error_json(
        ToolExecutionError(
            f"{tool.name} failed: {type(exc).__name__}: {exc}",
            tool_name=tool.name,
            call_id=effect.call_id,
        )
    )


def _error_json(error: ToolExecutionError | ToolTimeoutError) -> str:
    return json.dumps(error.to_output())


async def run_guardrails(
    effect: RunGuardrails,
) -> tuple[list[GuardrailVerdict], list[GuardrailError]]:
    """Run every guardrail on the text. A guardrail that crashes lets the text through."""
    verdicts: list[GuardrailVerdict] = []
    failures: list[GuardrailError] = []
    for guardrail in effect.guardrails:
        try:
            result = guardrail.check(effect.text, effect.context)
            if inspect.isawaitable(result):
                result = await result
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken guardrail must not end the call
            failures.append(
                GuardrailError(f"guardrail {guardrail.name} failed: {type(exc).__name__}: {exc}")
            )
            continue
        verdicts.append(GuardrailVerdict(effect.item_id, guardrail.name, result))
    return verdicts, failures
