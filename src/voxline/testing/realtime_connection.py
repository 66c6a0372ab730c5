"""One connection of the fake realtime server: energy VAD, items and streamed replies."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

if TYPE_CHECKING:
    from voxline.testing.realtime_server import FakeRealtimeServer

__all__ = ["Connection", "Event", "FakeReply", "FakeToolCall", "Reply"]

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


class Connection:
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

    def _response(self, rid: str, status: str) -> Event:
        """The response resource of response.created and response.done, every field filled
        in as a GA server does (the output and usage are set once the response is over)."""
        fmt: Event = {"type": self._format("output")}
        if fmt["type"] == "audio/pcm":
            fmt["rate"] = 24000
        output: Event = (self.session.get("audio") or {}).get("output") or {}
        return {
            "object": "realtime.response",
            "id": rid,
            "status": status,
            "status_details": None,
            "output": [],
            "conversation_id": "conv_fake",
            "output_modalities": list(self.session.get("output_modalities") or ["audio"]),
            "max_output_tokens": "inf",
            "audio": {"output": {"format": fmt, "voice": output.get("voice") or "alloy"}},
            "usage": None,
            "metadata": None,
        }

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
        """Stream one response with the events a GA server sends around it, in its order:
        each output item is added to the response and to the conversation, a message's
        content part opens before its deltas, and everything closes in reverse."""
        rid = self.server.new_id("resp")
        await self.emit("response.created", response=self._response(rid, "in_progress"))
        if isinstance(reply, FakeToolCall):
            item, status, usage = await self.call_tool(rid, reply)
        else:
            item, status, usage = await self.speak(rid, reply)
        self.items.add(item["id"])
        await self.emit("response.output_item.done", response_id=rid, output_index=0, item=item)
        await self.emit("conversation.item.done", item=item, previous_item_id=None)
        done = {**self._response(rid, status), "output": [item], "usage": usage}
        if status == "cancelled":
            done["status_details"] = {"type": "cancelled", "reason": "client_cancelled"}
        await self.emit("response.done", response=done)
        await self.emit("rate_limits.updated", rate_limits=_RATE_LIMITS)

    async def _add_item(self, rid: str, item: Event) -> None:
        await self.emit("response.output_item.added", response_id=rid, output_index=0, item=item)
        await self.emit("conversation.item.added", item=item, previous_item_id=None)

    async def call_tool(self, rid: str, call: FakeToolCall) -> tuple[Event, str, Event]:
        args = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
        item_id = self.server.new_id("item")
        call_id = call.call_id or self.server.new_id("call")
        item = {"id": item_id, "type": "function_call", "call_id": call_id, "name": call.name}
        ref = {"response_id": rid, "item_id": item_id, "output_index": 0, "call_id": call_id}
        await self._add_item(rid, {**item, "arguments": "", "status": "in_progress"})
        await self.emit("response.function_call_arguments.delta", delta=args, **ref)
        await self.emit(
            "response.function_call_arguments.done", arguments=args, name=call.name, **ref
        )
        return {**item, "arguments": args, "status": "completed"}, "completed", _usage(0, 12)

    async def speak(self, rid: str, reply: FakeReply) -> tuple[Event, str, Event]:
        item_id = self.server.new_id("item")
        audio_mode = "audio" in self.session.get("output_modalities", ["audio"])
        item: Event = {"id": item_id, "type": "message", "role": "assistant"}
        await self._add_item(rid, {**item, "status": "in_progress", "content": []})
        ref = {"response_id": rid, "item_id": item_id, "output_index": 0, "content_index": 0}
        opened: Event = {"type": "audio", "transcript": ""} if audio_mode else {"type": "text"}
        if not audio_mode:
            opened["text"] = ""
        await self.emit("response.content_part.added", part=opened, **ref)
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
        if audio_mode:
            await self.emit("response.output_audio.done", **ref)
            await self.emit("response.output_audio_transcript.done", transcript=text, **ref)
            done_part: Event = {"type": "audio", "transcript": text}
        else:
            await self.emit("response.output_text.done", text=text, **ref)
            done_part = {"type": "text", "text": text}
        await self.emit("response.content_part.done", part=done_part, **ref)
        part_type = "output_audio" if audio_mode else "output_text"
        content = {"type": part_type, ("transcript" if audio_mode else "text"): text}
        item_status = "completed" if status == "completed" else "incomplete"
        item = {**item, "status": item_status, "content": [content]}
        audio_tokens = chunks * reply.chunk_ms // 50 if audio_mode else 0
        return item, status, _usage(audio_tokens, len(said))


_RATE_LIMITS: list[Event] = [
    {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012},
    {"name": "tokens", "limit": 800000, "remaining": 799200, "reset_seconds": 0.06},
]
"""What a server reports after each response (the figures are made up)."""


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
