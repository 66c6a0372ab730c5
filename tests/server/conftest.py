"""Fixtures: a real uvicorn server on 127.0.0.1 running create_app with a scripted model."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from voxline.core import commands as cmd
from voxline.scenarios.base import Scenario
from voxline.server.app import ServerState
from voxline.settings import Settings
from voxline.testing import ScriptedRealtimeModel, Step

TIMEOUT_S = 10.0
"""Safety net for waits on observable state; tests never sleep to pace themselves."""


class TrackedModel(ScriptedRealtimeModel):
    """A ScriptedRealtimeModel that signals when it is closed."""

    def __init__(self, script: list[Step]) -> None:
        super().__init__(script)
        self.closed = asyncio.Event()
        self._sent = asyncio.Event()

    async def send(self, command: cmd.ModelCommand) -> None:
        await super().send(command)
        self._sent.set()

    async def wait_sent(self, kind: type[cmd.ModelCommand]) -> None:
        """Wait until a command of type `kind` has been sent (safety-net timeout)."""
        async with asyncio.timeout(TIMEOUT_S):
            while not self.sent_of(kind):
                self._sent.clear()
                await self._sent.wait()

    async def close(self) -> None:
        await super().close()
        self.closed.set()


@dataclass
class Scripts:
    """Hands each new conversation the next script; records the models made."""

    queue: list[list[Step]] = field(default_factory=list)
    models: list[TrackedModel] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    made: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, scenario: Scenario) -> TrackedModel:
        model = TrackedModel(self.queue.pop(0) if self.queue else [])
        self.models.append(model)
        self.scenarios.append(scenario)
        self.made.set()
        return model


@dataclass
class Running:
    """A live server: its base URLs and its shared state."""

    app: FastAPI
    port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws(self, query: str = "") -> str:
        return f"ws://127.0.0.1:{self.port}/ws/session{query}"

    @property
    def state(self) -> ServerState:
        state: ServerState = self.app.state.voxline
        return state


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[Running]:
    """Run `app` under uvicorn on a socket bound before the server starts (no startup poll)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, lifespan="on", ws_ping_interval=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield Running(app, port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, TIMEOUT_S)
        sock.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def scripts() -> Scripts:
    return Scripts()
