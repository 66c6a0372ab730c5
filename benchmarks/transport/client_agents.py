"""The openai-agents client: its RealtimeSession pointed at the fake server, same agents."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from agents.realtime import (
    RealtimeAgent,
    RealtimeModelConfig,
    RealtimeRunConfig,
    RealtimeRunner,
    RealtimeSession,
    RealtimeSessionModelSettings,
)
from agents.tool import function_tool

from transport.clients import ws_url
from transport.traffic import AGENTS, INSTRUCTIONS, ORDER, Counts, Latencies


@function_tool
async def lookup_order(order_id: str) -> dict[str, str]:
    """Look up an order by its id.

    Args:
        order_id: The order number.
    """
    return {**ORDER, "order_id": order_id}


def build_agents() -> RealtimeAgent[Any]:
    """The router and support agents, handing off to each other."""
    router: RealtimeAgent[Any] = RealtimeAgent(
        name=AGENTS[0], instructions=INSTRUCTIONS[AGENTS[0]], tools=[lookup_order]
    )
    support: RealtimeAgent[Any] = RealtimeAgent(
        name=AGENTS[1], instructions=INSTRUCTIONS[AGENTS[1]], tools=[lookup_order]
    )
    router.handoffs = [support]
    support.handoffs = [router]
    return router


SETTINGS: RealtimeSessionModelSettings = {
    "model_name": "gpt-realtime",
    "output_modalities": ["audio"],
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "input_audio_transcription": {"model": "gpt-4o-mini-transcribe"},
    "turn_detection": {"type": "server_vad", "silence_duration_ms": 500},
}


class AgentsHandle:
    """One openai-agents session and the task that reads its events like an app would."""

    def __init__(self, session: RealtimeSession, latencies: Latencies, counts: Counts) -> None:
        self.session = session
        self.latencies = latencies
        self.counts = counts
        self.reader = asyncio.create_task(self.read())

    async def send_audio(self, audio: bytes) -> None:
        await self.session.send_audio(audio)

    async def read(self) -> None:
        async for event in self.session:
            if event.type == "audio":
                self.latencies.add(event.audio.data, time.monotonic())
            elif event.type == "tool_start" and not event.tool.name.startswith("transfer_to_"):
                self.counts.tool_calls += 1
            elif event.type == "handoff":
                self.counts.handoffs += 1
            elif event.type == "agent_end":
                self.counts.replies += 1
            elif event.type == "error":
                self.counts.error(str(event.error))

    async def close(self) -> None:
        await self.session.close()
        await asyncio.gather(self.reader, return_exceptions=True)


async def open_agents(base_url: str, latencies: Latencies, counts: Counts) -> Any:
    """Connect one openai-agents realtime session to the fake server."""
    config: RealtimeRunConfig = {"model_settings": SETTINGS}
    model: RealtimeModelConfig = {
        "url": ws_url(base_url),
        "api_key": "bench",
        "initial_model_settings": SETTINGS,
    }
    session = await RealtimeRunner(build_agents(), config=config).run(model_config=model)
    await session.enter()
    return AgentsHandle(session, latencies, counts)
