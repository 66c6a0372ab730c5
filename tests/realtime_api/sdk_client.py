"""Reads an openai SDK realtime connection, validating every server event against the types."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from openai._models import BaseModel as OpenAIModel
from openai.resources.realtime.realtime import AsyncRealtimeConnection

from tests.realtime_api.conftest import TIMEOUT_S
from voxline.protocol.wire import parse_server_event
from voxline.testing.engine_fakes import pcm16, quiet, tone


class Reader:
    """Every event the endpoint sent, strictly validated (`parse_server_event`), in order."""

    def __init__(self, connection: AsyncRealtimeConnection) -> None:
        self.connection = connection
        self.events: list[OpenAIModel] = []

    async def next(self) -> OpenAIModel:
        raw = await self.connection.recv_bytes()
        event = parse_server_event(raw)
        self.events.append(event)
        return event

    async def until(self, kind: str, *, timeout_s: float = TIMEOUT_S, **fields: Any) -> OpenAIModel:
        """Read until an event of type `kind` (with these field values) arrives; return it."""

        async def run() -> OpenAIModel:
            while True:
                event = await self.next()
                if getattr(event, "type", None) == kind and all(
                    getattr(event, k, None) == v for k, v in fields.items()
                ):
                    return event

        try:
            return await asyncio.wait_for(run(), timeout_s)
        except TimeoutError:
            seen = ", ".join(self.types()[-30:])
            raise AssertionError(f"no {kind} {fields or ''} arrived; last seen: {seen}") from None

    def types(self) -> list[str]:
        return [str(getattr(e, "type", "?")) for e in self.events]

    def of(self, kind: str) -> list[Any]:
        """Every event of type `kind` so far (typed Any: tests read their fields)."""
        return [e for e in self.events if getattr(e, "type", None) == kind]

    def since(self, kind: str) -> list[str]:
        """The types of the events after the last `kind`."""
        types = self.types()
        last = len(types) - 1 - types[::-1].index(kind)
        return types[last + 1 :]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def spoken_turn(ms: int = 600, *, silence_ms: int = 900) -> list[str]:
    """A "spoken" utterance for the fake VAD (a tone, then silence) as 40 ms base64 chunks."""
    data = pcm16(quiet(100), tone(ms), quiet(silence_ms))
    size = 48 * 40
    return [b64(data[i : i + size]) for i in range(0, len(data), size)]
