"""The floor: a bare client on `websockets` + `json` doing only the protocol work.

It still configures the session, decodes every audio delta, answers every function call
(a handoff also sends the new agent's session.update) and asks for the next response.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from transport.clients import ws_url
from transport.traffic import AGENTS, INSTRUCTIONS, ORDER, TOOL_PARAMETERS, Counts, Latencies


def session_config(agent: str) -> dict[str, Any]:
    """The session.update of one agent: its instructions, tool and handoff, server VAD."""
    other = AGENTS[1] if agent == AGENTS[0] else AGENTS[0]
    tools = [
        {
            "type": "function",
            "name": "lookup_order",
            "description": "Look up an order by its id.",
            "parameters": TOOL_PARAMETERS,
        },
        {
            "type": "function",
            "name": f"transfer_to_{other}",
            "description": f"Hand the conversation to {other}.",
            "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
        },
    ]
    pcm = {"type": "audio/pcm", "rate": 24000}
    vad = {"type": "server_vad", "silence_duration_ms": 500, "create_response": True}
    return {
        "type": "realtime",
        "instructions": INSTRUCTIONS[agent],
        "output_modalities": ["audio"],
        "tools": tools,
        "audio": {
            "input": {
                "format": pcm,
                "turn_detection": vad,
                "transcription": {"model": "gpt-4o-mini-transcribe"},
            },
            "output": {"format": pcm, "voice": "alloy"},
        },
    }


class FloorSession:
    """One raw WebSocket session."""

    def __init__(self, ws: ClientConnection, latencies: Latencies, counts: Counts) -> None:
        self.ws = ws
        self.latencies = latencies
        self.counts = counts
        self.agent = AGENTS[0]
        self.answered = False
        self.reader = asyncio.create_task(self.read())

    async def send(self, event: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(event))

    async def send_audio(self, audio: bytes) -> None:
        event = {"type": "input_audio_buffer.append", "audio": base64.b64encode(audio).decode()}
        await self.ws.send(json.dumps(event))

    async def read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                event = json.loads(raw)
                kind = event["type"]
                if kind == "response.output_audio.delta":
                    self.latencies.add(base64.b64decode(event["delta"]), time.monotonic())
                elif kind == "response.function_call_arguments.done":
                    await self.answer(event)
                elif kind == "response.done":
                    self.counts.replies += 1
                    if self.answered:
                        self.answered = False
                        await self.send({"type": "response.create"})
                elif kind == "error":
                    self.counts.error(json.dumps(event["error"]))

    async def answer(self, event: dict[str, Any]) -> None:
        name: str = event["name"]
        if name.startswith("transfer_to_"):
            self.counts.handoffs += 1
            self.agent = name.removeprefix("transfer_to_")
            await self.send({"type": "session.update", "session": session_config(self.agent)})
            output = json.dumps({"assistant": self.agent})
        else:
            self.counts.tool_calls += 1
            output = json.dumps(ORDER)
        item = {"type": "function_call_output", "call_id": event["call_id"], "output": output}
        await self.send({"type": "conversation.item.create", "item": item})
        self.answered = True

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.gather(self.reader, return_exceptions=True)


async def open_floor(base_url: str, latencies: Latencies, counts: Counts) -> FloorSession:
    """Connect and configure one floor session."""
    ws = await connect(
        ws_url(base_url),
        additional_headers={"Authorization": "Bearer bench"},
        max_size=None,
        compression=None,
    )
    await ws.send(json.dumps({"type": "session.update", "session": session_config(AGENTS[0])}))
    return FloorSession(ws, latencies, counts)
