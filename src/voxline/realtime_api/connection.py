"""One `/v1/realtime` WebSocket: client frames -> ServerProtocol -> a RealtimeModel, and back."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from openai._models import BaseModel as OpenAIModel
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from voxline.core.config import SessionConfig
from voxline.core.ids import IdFactory, random_id
from voxline.errors import VoxlineError
from voxline.models.base import RealtimeModel
from voxline.protocol.server_side import ServerProtocol
from voxline.protocol.wire import dumps

__all__ = ["serve_connection"]

log = logging.getLogger("voxline.realtime_api")

_INTERNAL_ERROR = 1011
"""WebSocket close code: the server met a condition it could not handle (the model failed)."""


class _Link:
    """The socket and the model of one connection, with one lock so frames never interleave."""

    def __init__(self, websocket: WebSocket, model: RealtimeModel, protocol: ServerProtocol):
        self.websocket = websocket
        self.model = model
        self.protocol = protocol
        self._send_lock = asyncio.Lock()

    async def send(self, events: list[OpenAIModel] | tuple[OpenAIModel, ...]) -> None:
        async with self._send_lock:
            for event in events:
                await self.websocket.send_text(dumps(event))

    async def read_client(self) -> None:
        """Client frames until the client leaves; commands go to the model in order."""
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            step = self.protocol.receive_client(data)
            for command in step.commands:
                try:
                    await self.model.send(command)
                except VoxlineError as exc:
                    await self.send([self.protocol.model_failure(exc)])
            await self.send(step.events)

    async def pump_model(self) -> None:
        """The model's events as server events until the model's stream ends."""
        try:
            async for event in self.model.events():
                await self.send(self.protocol.receive_model(event))
        except VoxlineError as exc:  # the model's link is gone for good
            log.warning("the realtime model failed: %s", exc)
            await self.send([self.protocol.model_failure(exc)])


async def serve_connection(
    websocket: WebSocket,
    model: RealtimeModel,
    config: SessionConfig,
    *,
    model_name: str | None = None,
    subprotocol: str | None = None,
    ids: IdFactory = random_id,
) -> None:
    """Serve one accepted-to-be WebSocket until the client or the model goes away.

    Accepts the socket, connects the model with `config`, sends `session.created`, then
    moves frames both ways. The model is always closed at the end. If the model cannot be
    connected, the client gets an `error` event and the socket closes with code 1011.
    """
    protocol = ServerProtocol(config, model=model_name, ids=ids)
    await websocket.accept(subprotocol=subprotocol)
    link = _Link(websocket, model, protocol)
    try:
        try:
            await model.connect(protocol.config)
        except VoxlineError as exc:
            log.warning("the realtime model could not be connected: %s", exc)
            await link.send([protocol.model_failure(exc)])
            await websocket.close(_INTERNAL_ERROR, "the model could not be connected")
            return
        await link.send([protocol.start()])
        await _run(link)
    finally:
        await model.close()


async def _run(link: _Link) -> None:
    reader = asyncio.create_task(link.read_client(), name="voxline-realtime-reader")
    pump = asyncio.create_task(link.pump_model(), name="voxline-realtime-pump")
    done, _ = await asyncio.wait({reader, pump}, return_when=asyncio.FIRST_COMPLETED)
    for task in (reader, pump):
        task.cancel()
    results = await asyncio.gather(reader, pump, return_exceptions=True)
    for result in results:
        if isinstance(result, WebSocketDisconnect | asyncio.CancelledError):
            continue
        if isinstance(result, BaseException):
            log.error("realtime connection failed", exc_info=result)
    if pump in done and link.websocket.application_state is WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await link.websocket.close(_INTERNAL_ERROR, "the model closed the connection")
