"""The voxline client: RealtimeSession on OpenAIRealtimeModel, two agents, a tool, handoffs.

Two ways of reading the session, as an app would: `async for event in session` ("voxline")
or a listener registered with `session.subscribe` ("push": called in the session's task,
without the hop to the app's task).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from transport.traffic import AGENTS, INSTRUCTIONS, ORDER, Counts, Latencies
from voxline import Agent, RealtimeSession, ServerVAD, SessionConfig, function_tool
from voxline.core import session_events as se
from voxline.models.openai import OpenAIRealtimeModel


@function_tool
async def lookup_order(order_id: str) -> dict[str, str]:
    """Look up an order by its id.

    Args:
        order_id: The order number.
    """
    return {**ORDER, "order_id": order_id}


SUPPORT = Agent(
    name=AGENTS[1],
    instructions=INSTRUCTIONS[AGENTS[1]],
    tools=[lookup_order],
    handoffs=[AGENTS[0]],
)
ROUTER = Agent(
    name=AGENTS[0],
    instructions=INSTRUCTIONS[AGENTS[0]],
    tools=[lookup_order],
    handoffs=[SUPPORT],
)
CONFIG = SessionConfig(instructions="", turn_detection=ServerVAD(silence_duration_ms=500))


class VoxlineHandle:
    """One voxline session and what reads its events like an app would: a task iterating
    the session, or (`push`) a listener subscribed to it."""

    def __init__(
        self, session: RealtimeSession, latencies: Latencies, counts: Counts, *, push: bool
    ) -> None:
        self.session = session
        self.latencies = latencies
        self.counts = counts
        self.reader: asyncio.Task[None] | None = None
        if push:
            session.subscribe(self.on_event)
        else:
            self.reader = asyncio.create_task(self.read())

    async def send_audio(self, audio: bytes) -> None:
        await self.session.send_audio(audio)

    async def read(self) -> None:
        async for event in self.session:
            self.on_event(event)

    def on_event(self, event: se.SessionEvent) -> None:
        match event:
            case se.AudioReceived():
                self.latencies.add(event.audio, time.monotonic())
            case se.ToolCallStarted() if not event.name.startswith("transfer_to_"):
                self.counts.tool_calls += 1
            case se.HandoffCompleted():
                self.counts.handoffs += 1
            case se.ResponseFinished():
                self.counts.replies += 1
            case se.ErrorOccurred():
                self.counts.error(f"{type(event.error).__name__}: {event.error}")
            case _:
                pass

    async def close(self) -> None:
        await self.session.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


async def open_voxline(
    base_url: str, latencies: Latencies, counts: Counts, *, push: bool = False
) -> Any:
    """Connect one voxline session to the fake server."""
    model = OpenAIRealtimeModel(api_key="bench", base_url=base_url)
    session = RealtimeSession(ROUTER, model, agents=[SUPPORT], config=CONFIG)
    await session.start()
    return VoxlineHandle(session, latencies, counts, push=push)


async def open_voxline_push(base_url: str, latencies: Latencies, counts: Counts) -> Any:
    """Connect one voxline session whose events go to a subscribed listener."""
    return await open_voxline(base_url, latencies, counts, push=True)
