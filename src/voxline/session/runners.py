"""Run tools and guardrails for the session: timeouts, threads for sync code, errors as outputs."""

from __future__ import annotations

import asyncio
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

    An async tool's first step runs here as a plain call (`first_step`); if it waits, it is
    carried on under its timeout. Sync functions run in a worker thread so they never block
    the audio path. A tool that does not answer within its timeout is answered with a
    ToolTimeoutError (a sync tool's thread cannot be killed; it finishes in the background
    and its result is dropped).
    """
    if effect.tool.is_async:
        outcome = first_step(effect, clock)
    else:
        kwargs = effect.tool.bind(effect.arguments, effect.context)
        outcome = Waiting(asyncio.to_thread(effect.tool.func, **kwargs), clock.now())
    if isinstance(outcome, Waiting):
        return await finish_tool(effect, outcome, clock)
    return outcome


@dataclass(frozen=True, slots=True)
class Waiting:
    """A tool call whose first step left something to wait for: `finish_tool` does."""

    awaitable: Awaitable[Any]
    started: float


def first_step(effect: RunTool, clock: Clock) -> ToolResult | Waiting:
    """Call an async tool and run its first step, here, as a plain call.

    A tool that answers at once (the common one, answering from memory; always so for
    `FunctionTool.answers_at_once`) is done: its result comes back, with no task, no timer
    and no turn of the event loop. A tool that waits comes back as `Waiting`, for
    `finish_tool`. Errors become outputs the model can read.
    """
    tool = effect.tool
    started = clock.now()
    try:
        coro = tool.func(**tool.bind(effect.arguments, effect.context))
        try:
            waiting = coro.send(None)
        except StopIteration as done:
            value = done.value
        else:
            return Waiting(resume(coro, waiting), started)
        if type(value) not in _PLAIN and inspect.isawaitable(value):
            return Waiting(value, started)
        output, is_error = serialize_output(value), False
    # nothing can cancel a step that does not wait: a CancelledError is the tool's own error
    except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 - told to the model
        output, is_error = _failure(effect, exc), True
    return ToolResult(effect.call_id, output, is_error, clock.now() - started)


async def finish_tool(effect: RunTool, waiting: Waiting, clock: Clock) -> ToolResult:
    """Wait, under the tool's timeout, for what its first step left (and for an awaitable it
    returns in the end), and give the result."""
    try:
        async with asyncio.timeout(effect.tool.timeout_s):
            value = await waiting.awaitable
            if type(value) not in _PLAIN and inspect.isawaitable(value):
                value = await value
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
