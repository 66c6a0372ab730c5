"""A real voxline server in a background thread for browser tests, with scripted models."""

from __future__ import annotations

import asyncio
import math
import socket
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.models.base import RealtimeModel
from voxline.scenarios.base import Scenario
from voxline.server.app import ScenarioCatalog, create_app
from voxline.settings import Settings
from voxline.testing import ScriptedRealtimeModel, Step

TIMEOUT_S = 15.0
"""Safety net for waits on observable state; tests never sleep to pace themselves."""


class WatchedModel(ScriptedRealtimeModel):
    """A ScriptedRealtimeModel whose commands another thread can wait for."""

    def __init__(self, script: Sequence[Step], changed: threading.Condition) -> None:
        super().__init__(script)
        self.changed = changed
        self.loop: asyncio.AbstractEventLoop | None = None

    async def connect(self, config: object) -> None:
        self.loop = asyncio.get_running_loop()
        await super().connect(config)  # type: ignore[arg-type]
        with self.changed:
            self.changed.notify_all()

    async def send(self, command: cmd.ModelCommand) -> None:
        await super().send(command)
        with self.changed:
            self.changed.notify_all()

    def emit_threadsafe(self, *events: ev.ModelEvent) -> None:
        """Push events from the test thread into the server's event loop."""
        assert self.loop is not None, "the model is not connected yet"
        self.loop.call_soon_threadsafe(lambda: self.emit(*events))

    def audio_bytes(self) -> bytes:
        """Every microphone byte the model received."""
        return b"".join(c.audio for c in self.sent if isinstance(c, cmd.SendAudio))


@dataclass
class Backend:
    """The model factory: each new conversation gets the next script (or an empty one)."""

    scripts: list[list[Step]] = field(default_factory=list)
    models: list[WatchedModel] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    factory: Callable[[Scenario], RealtimeModel] | None = None
    """When set, conversations get this factory's models instead of scripted ones."""

    def __call__(self, scenario: Scenario) -> RealtimeModel:
        if self.factory is not None:
            return self.factory(scenario)
        model = WatchedModel(self.scripts.pop(0) if self.scripts else [], self.changed)
        with self.changed:
            self.models.append(model)
            self.changed.notify_all()
        return model

    def wait(self, predicate: Callable[[], object], what: str) -> None:
        """Block until `predicate()` is true (re-checked whenever a model acts)."""
        with self.changed:
            if not self.changed.wait_for(predicate, TIMEOUT_S):
                raise AssertionError(f"timed out waiting for {what}")

    def model(self, index: int = -1) -> WatchedModel:
        """A conversation's model, waiting for it to exist and connect."""
        self.wait(lambda: len(self.models) > (index if index >= 0 else 0), "a conversation")
        model = self.models[index]
        self.wait(lambda: model.loop is not None, "the model to connect")
        return model


@dataclass
class LiveServer:
    """A running server: its URL and its backend."""

    url: str
    backend: Backend


@contextmanager
def live_server(
    data_dir: Path, catalog: ScenarioCatalog | None = None, scenario: str = "customer_service"
) -> Iterator[LiveServer]:
    """Serve create_app (scripted backend) with uvicorn on 127.0.0.1 in a background thread."""
    backend = Backend()
    settings = Settings(data_dir=data_dir, scenario=scenario, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, model_factory=backend, catalog=catalog)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, lifespan="on", ws_ping_interval=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", backend)
    finally:
        server.should_exit = True
        thread.join(TIMEOUT_S)
        sock.close()


def tone(ms: int, hz: float = 440.0, level: float = 0.5) -> bytes:
    """PCM16 24 kHz mono sine: agent audio that is easy to find again in a recording."""
    n = 24 * ms
    return struct.pack(
        f"<{n}h", *(round(level * 32767 * math.sin(2 * math.pi * hz * i / 24000)) for i in range(n))
    )


def spoken_reply(
    text: str,
    *,
    audio_ms: int,
    chunks: int = 10,
    done: bool = True,
    tag: str = "r",
    usage: ev.Usage | None = None,
) -> list[ev.ModelEvent]:
    """An assistant response with its text and `audio_ms` of a 440 Hz tone as its voice."""
    rid, iid = f"resp_{tag}", f"item_{tag}"
    events: list[ev.ModelEvent] = [ev.ResponseStarted(rid), ev.OutputItemAdded(rid, iid)]
    for i, word in enumerate(text.split(" ")):
        events.append(ev.OutputTextDelta(rid, iid, word if i == 0 else f" {word}"))
    per = audio_ms // chunks
    events.extend(ev.OutputAudioDelta(rid, iid, tone(per)) for _ in range(chunks))
    if done:
        events.append(ev.OutputItemDone(rid, iid, text))
        events.append(ev.ResponseDone(rid, ev.ResponseStatus.COMPLETED, usage))
    return events
