"""Run tools and guardrails for the session: timeouts, threads for sync code, errors as outputs."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging

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
    except TimeoutError:
        error: ToolExecutionError | ToolTimeoutError = ToolTimeoutError(
            f"{tool.name} did not answer within {tool.timeout_s:g} s; tell the user it is "
            "unavailable right now or try again",
            tool_name=tool.name,
            call_id=effect.call_id,
        )
        output, is_error = _error_json(error), True
    except asyncio.CancelledError:
        raise
    except ToolError as exc:
        log.info("tool %s answered with %s: %s", tool.name, type(exc).__name__, exc)
        exc.call_id = effect.call_id
        output, is_error = json.dumps(exc.to_output()), True
    except Exception as exc:
        log.warning("tool %s raised %s", tool.name, type(exc).__name__, exc_info=exc)
        error = ToolExecutionError(
            f"{tool.name} failed: {type(exc).__name__}: {exc}",
            tool_name=tool.name,
            call_id=effect.call_id,
        )
        output, is_error = _error_json(error), True
    return ToolResult(effect.call_id, output, is_error, clock.now() - started)


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
