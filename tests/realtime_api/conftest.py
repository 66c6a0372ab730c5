"""Fixtures: /v1/realtime under uvicorn on 127.0.0.1, serving the offline engine on its fakes."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
import uvicorn
from fastapi import FastAPI

from voxline.engine.local_model import EngineOptions, LocalRealtimeModel
from voxline.engine.ports import ToolChoice
from voxline.models.base import RealtimeModel
from voxline.realtime_api import TokenCheck, router
from voxline.testing.engine_fakes import FakeTTS, FakeVAD, ScriptedLLM, ScriptedSTT, Turn

TIMEOUT_S = 10.0
"""A safety net only: every wait ends on an observed event."""


@dataclass
class Engines:
    """The model factory: a LocalRealtimeModel on fakes per connection, from shared scripts.

    Attributes:
        transcripts: What the fake STT hears, utterance by utterance, over all connections.
        llm: The scripted LLM every connection shares (so a test sees every call it got).
        tts: The fake TTS every connection shares.
        made: Every model made, in order.
    """

    transcripts: list[str | BaseException] = field(default_factory=list)
    made: list[LocalRealtimeModel] = field(default_factory=list)
    llm: ScriptedLLM | None = None
    tts: FakeTTS = field(default_factory=lambda: FakeTTS(ms_per_char=10))

    def script(self, *turns: Turn, transcripts: tuple[str, ...] = ()) -> ScriptedLLM:
        """Set what the next connection's engine hears and says; returns its LLM."""
        self.llm = ScriptedLLM(list(turns))
        self.transcripts = list(transcripts)
        return self.llm

    def __call__(self) -> RealtimeModel:
        llm = self.llm or self.script()
        stt = ScriptedSTT(self.transcripts)
        model = LocalRealtimeModel(
            FakeVAD(), stt, llm, self.tts, options=EngineOptions(partials=False)
        )
        self.made.append(model)
        return model


@dataclass(frozen=True)
class Endpoint:
    """A running /v1/realtime endpoint."""

    port: int
    engines: Engines

    @property
    def base_url(self) -> str:
        """What an OpenAI client is given as `base_url`."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/realtime"


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[int]:
    """Run `app` under uvicorn on a socket bound before the server starts (no startup poll)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, log_config=None, lifespan="off", ws_ping_interval=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, TIMEOUT_S)
        sock.close()


@asynccontextmanager
async def running(
    factory: Callable[[], RealtimeModel], check_token: TokenCheck | None = None
) -> AsyncIterator[int]:
    """An app holding only the realtime router, served on a free port."""
    app = FastAPI()
    app.include_router(router(factory, check_token=check_token))
    async with serve(app) as port:
        yield port


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    engines = Engines()
    async with running(engines) as port:
        yield Endpoint(port, engines)


LOOKUP_SCHEMA = {
    "type": "object",
    "properties": {"order_id": {"type": "string"}},
    "required": ["order_id"],
}


def lookup(order_id: str) -> ToolChoice:
    """The scripted LLM calling `lookup_order`."""
    return ToolChoice("lookup_order", f'{{"order_id": "{order_id}"}}')
