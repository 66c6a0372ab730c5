"""FakeRealtimeServer: a real WebSocket server on 127.0.0.1 speaking the OpenAI Realtime protocol.

It drives whole turns for tests and benchmarks: audio in with a simple energy VAD, speech and
transcription events, scripted replies streamed as audio and transcript deltas, function
calls, cancels and truncates; plus faults on demand (refused handshakes, dropped sockets,
raw garbage). Every client event it receives is validated against the openai package's
models; failures are kept in `invalid` and answered with an `error` event, like the real API.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import numpy as np
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from voxline.errors import ProtocolError
from voxline.models.openai.settings import websocket_logger
from voxline.protocol.wire import parse_client_event

__all__ = ["FakeReply", "FakeRealtimeServer", "FakeToolCall"]

Event = dict[str, Any]
_BYTES_PER_MS = {"audio/pcm": 48, "audio/pcmu": 8, "audio/pcma": 8}
_SILENT_BYTE = {"audio/pcmu": 0xFF, "audio/pcma": 0xD5}
_DEFAULT_VAD: Event = {"type": "server_vad", "silence_duration_ms": 500, "threshold": 0.5}


@dataclass(frozen=True)
class FakeReply:
    """A scripted spoken (or text) reply.

    Attributes:
        text: What the assistant says; its words are spread over the audio chunks.
        audio_chunks: How many `response.output_audio.delta` events to stream.
        chunk_ms: Milliseconds of audio per chunk.
        hold_after: Stop after this many chunks and wait for `release()` or a cancel (to
            interrupt a reply that is still streaming).
        drop_after: Abort the TCP connection after this many chunks (a dropped socket).
        chunk_interval_s: Pause between chunks (benchmarks stream in real time with this).
    """

    text: str = "OK."
    audio_chunks: int = 3
    chunk_ms: int = 100
    hold_after: int | None = None
    drop_after: int | None = None
    chunk_interval_s: float = 0.0


@dataclass(frozen=True)
class FakeToolCall:
    """A scripted response in which the model calls one function (a handoff is one too)."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    call_id: str | None = None


Reply = FakeReply | FakeToolCall


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
        self._active: _Connection | None = None
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

    def _require_active(self) -> _Connection:
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
        conn = _Connection(self, ws)
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


class _Connection:
    """One client connection: input buffer, VAD state, conversation items and the response."""

    def __init__(self, server: FakeRealtimeServer, ws: ServerConnection) -> None:
        self.server = server
        self.ws = ws
        self.session: Event = {"type": "realtime", "audio": {"input": {}, "output": {}}}
        self.items: set[str] = set()
        self.buffer = bytearray()
        self.cursor_ms = 0.0
        self.speech_item: str | None = None
        self.silence_ms = 0.0
        self.response: asyncio.Task[None] | None = None
        self.cancel = asyncio.Event()
        self.release = asyncio.Event()

    # ----------------------------------------------------------------- plumbing

    async def emit(self, kind: str, **fields: Any) -> None:
        fields["type"] = kind
        fields["event_id"] = self.server.new_id("event")
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(json.dumps(fields))

    async def error(self, message: str, code: str, event_id: str | None = None) -> None:
        error = {"type": "invalid_request_error", "code": code, "message": message}
        await self.emit("error", error={**error, "event_id": event_id})

    def _input(self) -> Event:
        audio: Event = self.session.get("audio") or {}
        return audio.get("input") or {}

    def _format(self, side: str) -> str:
        audio: Event = self.session.get("audio") or {}
        fmt: Event = (audio.get(side) or {}).get("format") or {}
        return str(fmt.get("type", "audio/pcm"))

    def _vad(self) -> Event | None:
        inp = self._input()
        vad: Event | None = inp.get("turn_detection", _DEFAULT_VAD)
        return vad

    async def run(self) -> None:
        await self.emit("session.created", session={**self.session, "id": "sess_fake"})
        try:
            async for raw in self.ws:
                event = await self.server._record(raw)
                if event is None:
                    await self.error("the event failed validation", "invalid_event")
                else:
                    await self.dispatch(event)
        except ConnectionClosed:
            pass

    async def stop(self) -> None:
        if self.response is not None:
            self.response.cancel()
            await asyncio.gather(self.response, return_exceptions=True)

    async def dispatch(self, event: Event) -> None:  # noqa: C901 - one branch per event type
        kind = event["type"]
        if kind == "session.update":
            self.session = event["session"]
            self.server.sessions.append(self.session)
            await self.emit("session.updated", session=self.session)
        elif kind == "input_audio_buffer.append":
            await self.on_audio(base64.b64decode(event["audio"]))
        elif kind == "input_audio_buffer.commit":
            if not self.buffer and self.speech_item is None:
                await self.error("the input audio buffer is empty", "input_audio_buffer_empty")
            else:
                await self.end_user_turn(self.speech_item or self.server.new_id("item"))
        elif kind == "input_audio_buffer.clear":
            self.buffer.clear()
            self.speech_item = None
            await self.emit("input_audio_buffer.cleared")
        elif kind == "conversation.item.create":
            item = event["item"]
            item_id = item.setdefault("id", self.server.new_id("item"))
            if item_id in self.items:
                await self.error(f"item {item_id} already exists", "item_already_exists")
                return
            self.items.add(item_id)
            await self.emit("conversation.item.added", item=item, previous_item_id=None)
        elif kind == "response.create":
            if self.response is not None and not self.response.done():
                await self.error("a response is in progress", "response_already_active")
                return
            self.start_response()
        elif kind == "response.cancel":
            if self.response is None or self.response.done():
                await self.error("there is no response to cancel", "response_cancel_not_active")
            else:
                self.cancel.set()
        elif kind == "conversation.item.truncate":
            if event["item_id"] not in self.items:
                await self.error(f"no item {event['item_id']}", "item_not_found")
                return
            fields = {k: event[k] for k in ("item_id", "content_index", "audio_end_ms")}
            await self.emit("conversation.item.truncated", **fields)

    # ----------------------------------------------------------------- user audio

    async def on_audio(self, audio: bytes) -> None:
        fmt = self._format("input")
        self.buffer.extend(audio)
        duration = len(audio) / _BYTES_PER_MS.get(fmt, 48)
        if fmt == "audio/pcm":
            samples = np.frombuffer(audio[: len(audio) // 2 * 2], dtype="<i2")
            loud = bool(samples.size) and int(np.abs(samples.astype(np.int32)).max()) > (
                self.server.vad_threshold
            )
        else:
            loud = any(b != _SILENT_BYTE[fmt] for b in audio)
        vad = self._vad()
        self.cursor_ms += duration
        if vad is None:
            return
        if loud:
            self.silence_ms = 0.0
            if self.speech_item is None:
                self.speech_item = self.server.new_id("item")
                start = int(self.cursor_ms - duration)
                await self.emit(
                    "input_audio_buffer.speech_started",
                    item_id=self.speech_item,
                    audio_start_ms=start,
                )
                if vad.get("interrupt_response", True) and self.responding:
                    self.cancel.set()
        elif self.speech_item is not None:
            self.silence_ms += duration
            if self.silence_ms >= vad.get("silence_duration_ms", 500):
                item_id = self.speech_item
                await self.emit(
                    "input_audio_buffer.speech_stopped",
                    item_id=item_id,
                    audio_end_ms=int(self.cursor_ms),
                )
                await self.end_user_turn(item_id)
                if vad.get("create_response", True) and not self.responding:
                    self.start_response()

    @property
    def responding(self) -> bool:
        return self.response is not None and not self.response.done()

    async def end_user_turn(self, item_id: str) -> None:
        self.buffer.clear()
        self.speech_item = None
        self.silence_ms = 0.0
        self.items.add(item_id)
        await self.emit("input_audio_buffer.committed", item_id=item_id, previous_item_id=None)
        user: Event = {"id": item_id, "type": "message", "role": "user", "status": "completed"}
        user["content"] = [{"type": "input_audio", "transcript": None}]
        await self.emit("conversation.item.added", item=user, previous_item_id=None)
        if self._input().get("transcription") is not None:
            await self.emit(
                "conversation.item.input_audio_transcription.completed",
                item_id=item_id,
                content_index=0,
                transcript=self.server.next_transcript(),
                usage={"type": "duration", "seconds": 1.0},
            )

    # ----------------------------------------------------------------- responses

    def start_response(self) -> None:
        self.cancel = asyncio.Event()
        self.release = asyncio.Event()
        reply = self.server.next_reply()
        self.response = asyncio.create_task(self.respond(reply), name="fake-realtime-response")

    async def respond(self, reply: Reply) -> None:
        rid = self.server.new_id("resp")
        base = {"id": rid, "object": "realtime.response", "output": []}
        await self.emit("response.created", response={**base, "status": "in_progress"})
        if isinstance(reply, FakeToolCall):
            item, status, usage = await self.call_tool(rid, reply)
        else:
            item, status, usage = await self.speak(rid, reply)
        self.items.add(item["id"])
        await self.emit("response.output_item.done", response_id=rid, output_index=0, item=item)
        done = {**base, "status": status, "output": [item], "usage": usage}
        if status == "cancelled":
            done["status_details"] = {"type": "cancelled", "reason": "client_cancelled"}
        await self.emit("response.done", response=done)

    async def call_tool(self, rid: str, call: FakeToolCall) -> tuple[Event, str, Event]:
        args = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
        item_id = self.server.new_id("item")
        call_id = call.call_id or self.server.new_id("call")
        item = {"id": item_id, "type": "function_call", "call_id": call_id, "name": call.name}
        ref = {"response_id": rid, "item_id": item_id, "output_index": 0, "call_id": call_id}
        await self.emit(
            "response.output_item.added",
            response_id=rid,
            output_index=0,
            item={**item, "arguments": "", "status": "in_progress"},
        )
        await self.emit("response.function_call_arguments.delta", delta=args, **ref)
        await self.emit(
            "response.function_call_arguments.done", arguments=args, name=call.name, **ref
        )
        return {**item, "arguments": args, "status": "completed"}, "completed", _usage(0, 12)

    async def speak(self, rid: str, reply: FakeReply) -> tuple[Event, str, Event]:
        item_id = self.server.new_id("item")
        audio_mode = "audio" in self.session.get("output_modalities", ["audio"])
        item: Event = {"id": item_id, "type": "message", "role": "assistant"}
        await self.emit(
            "response.output_item.added",
            response_id=rid,
            output_index=0,
            item={**item, "status": "in_progress", "content": []},
        )
        ref = {"response_id": rid, "item_id": item_id, "output_index": 0, "content_index": 0}
        words = reply.text.split(" ")
        chunks = max(1, reply.audio_chunks)
        per = -(-len(words) // chunks)
        fmt = self._format("output")
        silence = bytes([_SILENT_BYTE.get(fmt, 0)]) * int(reply.chunk_ms * _BYTES_PER_MS[fmt])
        audio = base64.b64encode(silence).decode("ascii")
        said: list[str] = []
        status = "completed"
        for i in range(chunks):
            if reply.drop_after is not None and i == reply.drop_after:
                self.ws.transport.abort()
                await asyncio.Event().wait()  # the connection handler cancels us
            if reply.hold_after is not None and i == reply.hold_after:
                await _first(self.cancel, self.release)
            if self.cancel.is_set():
                status = "cancelled"
                break
            part = " ".join(words[i * per : (i + 1) * per])
            if part:
                delta = part if not said else f" {part}"
                said.append(part)
                kind = (
                    "response.output_audio_transcript.delta"
                    if audio_mode
                    else "response.output_text.delta"
                )
                await self.emit(kind, delta=delta, **ref)
            if audio_mode:
                await self.emit("response.output_audio.delta", delta=audio, **ref)
            if reply.chunk_interval_s:
                await asyncio.sleep(reply.chunk_interval_s)
        text = " ".join(said)
        part_type = "output_audio" if audio_mode else "output_text"
        content = {"type": part_type, ("transcript" if audio_mode else "text"): text}
        item_status = "completed" if status == "completed" else "incomplete"
        item = {**item, "status": item_status, "content": [content]}
        audio_tokens = chunks * reply.chunk_ms // 50 if audio_mode else 0
        return item, status, _usage(audio_tokens, len(said))


def _usage(audio_out: int, text_out: int) -> Event:
    text_in, audio_in, cached = 120, 40, 64
    return {
        "total_tokens": text_in + audio_in + audio_out + text_out,
        "input_tokens": text_in + audio_in,
        "output_tokens": audio_out + text_out,
        "input_token_details": {
            "text_tokens": text_in,
            "audio_tokens": audio_in,
            "cached_tokens": cached,
        },
        "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
    }


async def _first(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
