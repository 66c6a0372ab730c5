"""`voxline chat`: a typed conversation with a scenario in the terminal, on any backend."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING

from voxline.core import session_events as se
from voxline.core.config import SessionConfig
from voxline.core.events import Usage
from voxline.core.items import Message, Role
from voxline.models.base import RealtimeModel
from voxline.scenarios.base import Scenario
from voxline.session.describe import describe
from voxline.session.session import RealtimeSession

if TYPE_CHECKING:
    from voxline.engine.ports import LLM

TEXT_ONLY = SessionConfig(instructions="", modalities=("text",), turn_detection=None)


def chat_line(event: se.SessionEvent) -> str | None:
    """What a person wants to see of an event in a text chat."""
    match event:
        case se.HistoryItemUpdated(item=Message(role=Role.ASSISTANT) as msg) if msg.text:
            flag = f"  [stopped by guardrail: {msg.flag.category}]" if msg.flag else ""
            return f"{msg.agent or 'agent'}> {msg.text}{flag}"
        case se.HandoffCompleted() | se.ToolCallStarted() | se.ToolCallFinished():
            return f"  · {describe(event)}"
        case se.GuardrailTripped() | se.TriggerFired() | se.ErrorOccurred():
            return f"  ! {describe(event)}"
        case _:
            return None


def usage_line(usage: Usage, cost: float, *, priced: bool) -> str | None:
    """The chat's closing line: the tokens the conversation used and, on a backend with
    prices, what they cost; None when the backend reported no usage."""
    if not usage.total_tokens:
        return None
    line = (
        f"  · used {usage.total_tokens} tokens ({usage.input_tokens} in, {usage.output_tokens} out)"
    )
    return f"{line}, about ${cost:.4f}" if priced else line


async def _lines_from(stream: Iterable[str]) -> AsyncIterator[str]:
    iterator = iter(stream)
    while True:
        line = await asyncio.to_thread(next, iterator, None)
        if line is None:
            return
        yield line


async def run_chat(
    scenario: Scenario,
    model: RealtimeModel,
    lines: AsyncIterator[str],
    out: Callable[[str], object] = print,
    *,
    prompt: Callable[[], object] | None = None,
) -> RealtimeSession:
    """Send each line as a user message and print the agent's answer before reading the next.

    Ends cleanly at the end of input, so it can be piped, with a line saying the tokens used
    (and their estimated cost on a backend with prices). Returns the closed session (its
    history and usage stay readable).
    """
    session = scenario.session(model, config=TEXT_ONLY)
    async with session:
        out(f"[{scenario.title}] talking to {session.agent.name}. End with Ctrl-D.")
        while True:
            if prompt is not None:
                prompt()
            line = await anext(lines, None)
            if line is None:
                break
            text = line.strip()
            if not text:
                continue
            await session.send_text(text)
            async for event in session.until_idle():
                shown = chat_line(event)
                if shown:
                    out(shown)
            if session.closed:
                break
    summary = usage_line(session.usage, session.cost, priced=session.prices is not None)
    if summary is not None:
        out(summary)
    return session


def chat_main(scenario: Scenario, model: RealtimeModel) -> None:
    """Run a chat on stdin/stdout."""
    interactive = sys.stdin.isatty()

    def show_prompt() -> None:
        print("you> ", end="", flush=True)

    asyncio.run(
        run_chat(
            scenario,
            model,
            _lines_from(sys.stdin),
            print,
            prompt=show_prompt if interactive else None,
        )
    )


def prepared_engine(
    scenario: Scenario,
    *,
    progress: Callable[[str], None],
    llm_factory: Callable[[str | None], LLM] | None = None,
) -> RealtimeModel:
    """The offline engine for a typed chat with `scenario`, its agents prepared up front.

    Loads the language model only (a typed chat needs no audio parts), then prefills every
    agent's prompt (or restores it from disk), telling `progress` what happens, so neither
    the first message nor a handoff waits for it.

    Raises:
        ModelFileError: the language model is not installed (the message says how).
        ConfigurationError: llama-cpp-python is not installed.
    """
    from voxline.engine.parts import load_engine_parts

    parts = load_engine_parts(text_only=True, progress=progress, llm_factory=llm_factory)
    parts.prepare_agents(scenario.agent_configs(), progress)
    return parts.new_model()
