"""FakeRealtimeServer: a real WebSocket server on 127.0.0.1 speaking the OpenAI Realtime protocol.

It drives whole turns for tests and benchmarks: audio in with a simple energy VAD, speech and
transcription events, scripted replies streamed as audio and transcript deltas, function
calls, cancels and truncates; plus faults on demand (refused handshakes, dropped sockets,
raw garbage). Every client event it receives is validated against the openai package's
models; failures are kept in `invalid` and answered with an `error` event, like the real API.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Callable, Iterable
from http import HTTPStatus

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from voxline.errors import ProtocolError
from voxline.models.openai.settings import websocket_logger
from voxline.protocol.wire import parse_client_event
from voxline.testing.realtime_connection import Connection, Event, FakeReply, FakeToolCall, Reply

__all__ = ["FakeReply", "FakeRealtimeServer", "FakeToolCall"]


class _Ids:
    def __init__(self) -> None:
        self._n = itertools.count(1)

    def __call__(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._n)}"


class FakeRealtimeServer:
    """The fake server; use as `async with FakeRealtimeServer() as server:`.

    Args:
        replies: Responses to give, in order; when none is left, `default_reply` is used.
        transcripts: Transcripts of the user's spoken turns, in order ("(speech)" after).
        api_key: If set, handshakes without `Authorization: Bearer <api_key>` (or a minted
            client secret) get HTTP 401.
        vad_threshold: PCM16 amplitude (0-32767) above which input audio counts as speech.
    """

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        *,
        transcripts: Iterable[str] = (),
        api_key: str | None = None,
        default_reply: Reply | None = None,
        vad_threshold: int = 500,
    ) -> None:
        self.replies: deque[Reply] = deque(replies)
        self.transcripts: deque[str] = deque(transcripts)
        self.default_reply = default_reply or FakeReply()
        self.api_key = api_key
        self.vad_threshold = vad_threshold
        self.received: list[Event] = []
        """Every client event, over all connections, as decoded JSON."""
        self.invalid: list[ProtocolError] = []
        """Client events that failed validation against the openai models."""
        self.sessions: list[Event] = []
        """The `session` object of every `session.update`, in order."""
        self.handshakes: list[Headers] = []
        """Request headers of every connection attempt."""
        self.client_secrets: list[str] = []
        """Secrets minted through the HTTP endpoint (they also pass the auth check)."""
        self.connections = 0
        self._refuse: int | None = 0
        self._refuse_status = 503
        self._server: Server | None = None
        self._http: asyncio.Server | None = None
        self._active: Connection | None = None
        self._changed = asyncio.Condition()
        self._ids = _Ids()

    # ----------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeRealtimeServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Listen on two free ports of 127.0.0.1: WebSocket and (for client secrets) HTTP."""
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._check_handshake,
            max_size=None,
            compression=None,
            logger=websocket_logger("voxline.testing.realtime_server"),
        )
        self._http = await asyncio.start_server(self._handle_http, "127.0.0.1", 0)

    async def close(self) -> None:
        """Stop listening and close every connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._http is not None:
            self._http.close()
            await self._http.wait_closed()

    @property
    def base_url(self) -> str:
        """The base URL to give an adapter: `http://127.0.0.1:<port>/v1`."""
        assert self._server is not None, "start the server first"
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    @property
    def http_base_url(self) -> str:
        """The REST base URL (only `POST /v1/realtime/client_secrets` is served)."""
        assert self._http is not None, "start the server first"
        port = self._http.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    # ----------------------------------------------------------------- scripting

    def refuse(self, count: int | None = 1, status: int = 503) -> None:
        """Refuse the next `count` handshakes with `status` (None: refuse all of them)."""
        self._refuse = count
        self._refuse_status = status

    def release(self) -> None:
        """Let a reply held by `hold_after` stream to its end."""
        if self._active is not None:
            self._active.release.set()

    async def send(self, event: Event | str) -> None:
        """Send a server event (a dict) or raw text to the live connection."""
        conn = self._require_active()
        await conn.ws.send(event if isinstance(event, str) else json.dumps(event))

    async def drop(self) -> None:
        """Abort the live connection without a close frame, like a network failure."""
        conn = self._require_active()
        conn.ws.transport.abort()

    def of_type(self, kind: str) -> list[Event]:
        """Received client events of one type."""
        return [e for e in self.received if e.get("type") == kind]

    async def wait_for(
        self, predicate: str | Callable[[Event], bool], *, count: int = 1, timeout_s: float = 5.0
    ) -> list[Event]:
        """Wait until `count` received events match (a type name or a predicate); return them.

        The timeout is a safety net against a broken test, never a pacing device.
        """
        test = (lambda e: e.get("type") == predicate) if isinstance(predicate, str) else predicate

        def matching() -> list[Event]:
            return [e for e in self.received if test(e)]

        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: len(matching()) >= count), timeout_s
                )
            except TimeoutError:
                seen = [e.get("type") for e in self.received]
                raise TimeoutError(
                    f"no {predicate!r} x{count} within {timeout_s} s; got {seen}"
                ) from None
        return matching()

    async def wait_connections(self, count: int, *, timeout_s: float = 5.0) -> None:
        """Wait until `count` connections were accepted in total."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self.connections >= count), timeout_s
            )

    # ----------------------------------------------------------------- internals

    def _require_active(self) -> Connection:
        if self._active is None:
            raise ProtocolError("no client is connected to the fake realtime server")
        return self._active

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def next_reply(self) -> Reply:
        """The reply for the next response.create."""
        return self.replies.popleft() if self.replies else self.default_reply

    def next_transcript(self) -> str:
        """The transcript of the next spoken user turn."""
        return self.transcripts.popleft() if self.transcripts else "(speech)"

    def new_id(self, prefix: str) -> str:
        """A fresh server-side id."""
        return self._ids(prefix)

    def _authorised(self, headers: Headers) -> bool:
        if self.api_key is None:
            return True
        token = headers.get("Authorization", "").removeprefix("Bearer ").strip()
        token = token or headers.get("api-key", "")
        return token == self.api_key or token in self.client_secrets

    def _check_handshake(self, conn: ServerConnection, request: Request) -> Response | None:
        self.handshakes.append(request.headers)
        if not request.path.startswith("/v1/realtime") or "model=" not in request.path:
            return conn.respond(HTTPStatus.NOT_FOUND, "expected /v1/realtime?model=...\n")
        if not self._authorised(request.headers):
            return conn.respond(HTTPStatus.UNAUTHORIZED, "invalid credentials\n")
        if self._refuse is None or self._refuse > 0:
            if self._refuse is not None:
                self._refuse -= 1
            return conn.respond(self._refuse_status, "try again later\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        conn = Connection(self, ws)
        self._active = conn
        self.connections += 1
        await self._notify()
        try:
            await conn.run()
        finally:
            await conn.stop()
            if self._active is conn:
                self._active = None

    async def _record(self, raw: str | bytes) -> Event | None:
        try:
            data: Event = json.loads(raw)
            parse_client_event(data)
        except (ValueError, ProtocolError) as exc:
            error = (
                exc
                if isinstance(exc, ProtocolError)
                else ProtocolError(str(exc), code="invalid_json", raw=str(raw))
            )
            self.invalid.append(error)
            await self._notify()
            return None
        self.received.append(data)
        await self._notify()
        return data

    async def _handle_http(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """A minimal HTTP/1.1 endpoint for `POST /v1/realtime/client_secrets`."""
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *header_lines = head.split("\r\n")
            headers = Headers()
            for line in filter(None, header_lines):
                key, _, value = line.partition(":")
                headers[key.strip()] = value.strip()
            body = await reader.readexactly(int(headers.get("Content-Length", "0")))
            status, payload = self._mint(request_line, headers, body)
            data = json.dumps(payload).encode()
            writer.write(
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: application/json"
                f"\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
                + data
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    def _mint(self, request_line: str, headers: Headers, body: bytes) -> tuple[int, Event]:
        if not request_line.startswith("POST /v1/realtime/client_secrets "):
            return 404, {"error": {"message": "not found", "type": "invalid_request_error"}}
        if not self._authorised(headers):
            error = {"message": "Incorrect API key provided.", "type": "invalid_request_error"}
            return 401, {"error": {**error, "code": "invalid_api_key"}}
        request = json.loads(body or b"{}")
        ttl = int(request.get("expires_after", {}).get("seconds", 600))
        secret = f"ek_fake_{len(self.client_secrets) + 1}"
        self.client_secrets.append(secret)
        session = {**request.get("session", {"type": "realtime"}), "id": self.new_id("sess")}
        session["object"] = "realtime.session"
        return 200, {"value": secret, "expires_at": int(time.time()) + ttl, "session": session}
