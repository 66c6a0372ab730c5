"""The browser bridge (`/ws/session`): one RealtimeSession per WebSocket, per docs/bridge.md."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, assert_never

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from voxline.core import session_events as se
from voxline.core.config import ServerVAD, SessionConfig
from voxline.errors import ProtocolError, VoxlineError
from voxline.scenarios.base import Scenario
from voxline.scenarios.voice_coach import CoachSettings
from voxline.server import inbound, wire
from voxline.server.logs import bind_session, tag_task
from voxline.server.metrics import ConversationMeter
from voxline.server.outbox import Outbox, OutboxStats, SlowConsumerError
from voxline.server.security import Deadline
from voxline.session.session import RealtimeSession
from voxline.store import SessionLog

if TYPE_CHECKING:
    from voxline.server.app import ServerState

__all__ = ["CLOSE_BAD_REQUEST", "CLOSE_UNAUTHORISED", "Connection", "serve_bridge"]

log = logging.getLogger("voxline.server.bridge")

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORISED = 4401
CLOSE_UNAVAILABLE = 1011
CLOSE_TOO_SLOW = 1013
_CLOSE_TIMEOUT_S = 5.0

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


class _Reject(Exception):
    """Ends the connection before a conversation starts: one error event, then a close code."""

    def __init__(self, code: str, message: str, close_code: int) -> None:
        super().__init__(message)
        self.code, self.message, self.close_code = code, message, close_code


@dataclass(slots=True)
class Connection:
    """One open bridge connection, as the server tracks it (see `ServerState.connections`).

    Attributes:
        session_id: The id of the current conversation (also on every log line).
        scenario: The scenario's name.
        push_to_talk: True when the page commits turns itself.
        session: The running RealtimeSession.
        outbox: The bounded send queue of this browser.
    """

    session_id: str
    scenario: str
    push_to_talk: bool
    session: RealtimeSession
    outbox: Outbox

    @property
    def stats(self) -> OutboxStats:
        """What the send queue went through."""
        return self.outbox.stats


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _Reject(
        "invalid_query", f"push_to_talk must be true or false, got {raw!r}", CLOSE_BAD_REQUEST
    )


def _turns(config: SessionConfig, push_to_talk: bool) -> SessionConfig:
    if push_to_talk:
        return replace(config, turn_detection=None)
    if config.turn_detection is None:
        return replace(config, turn_detection=ServerVAD())
    return config


class _Bridge:
    """Runs one WebSocket: query checks, the conversation, the receive and send loops."""

    def __init__(self, ws: WebSocket, state: ServerState) -> None:
        self.ws = ws
        self.state = state
        self.outbox = Outbox(state.settings.outbound_queue)
        self.scenario: Scenario | None = None
        self.push_to_talk = False
        self.coach: CoachSettings | None = None
        self.connection: Connection | None = None
        self._pump: asyncio.Task[None] | None = None
        self._history: SessionLog | None = None
        self._ended = asyncio.Event()
        self._end_reason = "the conversation ended"
        self._too_slow = False
        self._clean_end = False
        self._meter: ConversationMeter | None = None
        self.deadline = Deadline(
            state.settings.session_timeout_s, state.settings.session_max_s
        )  # the SecurityGate checked the key already

    # ----------------------------------------------------------------- setup

    def _check_query(self) -> tuple[str, bool]:
        query = self.ws.query_params
        name = query.get("scenario") or self.state.settings.scenario
        return name, _flag(query.get("push_to_talk", "false"))

    def _load(self, name: str) -> Scenario:
        try:
            return self.state.catalog.load(name, supervisor=self.state.host.supervisor())
        except VoxlineError as exc:
            raise _Reject("unknown_scenario", str(exc), CLOSE_BAD_REQUEST) from None

    async def _wait_backend(self) -> None:
        host = self.state.host
        if not host.ready:
            self.outbox.put(
                {
                    "type": "connection",
                    "state": "connecting",
                    "attempt": 0,
                    "reason": "the server is loading its models",
                }
            )
        try:
            await host.wait_ready()
        except VoxlineError as exc:
            raise _Reject("backend_unavailable", str(exc), CLOSE_UNAVAILABLE) from None

    # ----------------------------------------------------------------- conversation

    async def _start(self) -> None:
        """Start a conversation (first, or after new coach settings) and announce it."""
        scenario = self.scenario
        assert scenario is not None
        if self.coach is not None:
            scenario = replace(scenario, triggers=self.coach.triggers())
        session_id = uuid.uuid4().hex[:12]
        tag_task(session_id)  # the bridge's own lines (bad input, closing) name it too
        try:
            model = self.state.host.create_model(scenario)
            session = scenario.session(model, config=_turns(scenario.config, self.push_to_talk))
        except VoxlineError as exc:
            raise _Reject("backend_unavailable", str(exc), CLOSE_UNAVAILABLE) from None
        self.connection = Connection(
            session_id, scenario.name, self.push_to_talk, session, self.outbox
        )
        self.state.connections[session_id] = self.connection
        self._meter = self.state.metrics.conversation(model)
        with bind_session(session_id):
            log.info("conversation starts: scenario=%s push_to_talk=%s backend=%s",
                     scenario.name, self.push_to_talk, self.state.host.backend.name)  # fmt: skip
            try:
                await session.start()
            except VoxlineError as exc:
                await self._stop()
                raise _Reject("backend_unavailable", str(exc), CLOSE_UNAVAILABLE) from None
            if self.state.conversations is not None:
                self._history = self.state.conversations.begin(
                    session_id, scenario=scenario.name, backend=self.state.host.backend.name
                )
            self._pump = asyncio.create_task(self._forward(session), name=f"bridge-{session_id}")
        self.outbox.put(
            wire.session_ready(
                session_id=session_id,
                scenario=scenario.name,
                backend=self.state.host.backend.name,
                agent=session.agent.name,
                agents=[a.name for a in scenario.agents],
                push_to_talk=self.push_to_talk,
                triggers=[t.name for t in scenario.triggers.triggers] if scenario.triggers else [],
                coach=self.coach if scenario.triggers is not None else None,
            )
        )

    async def _stop(self) -> None:
        """Close the conversation: tools cancelled, model closed, event forwarding ended."""
        connection, self.connection = self.connection, None
        if connection is None:
            return
        self.state.connections.pop(connection.session_id, None)
        if self._meter is not None:
            self._meter.end(self._end_reason if self._clean_end else "closed")
            self._meter = None
        with bind_session(connection.session_id):
            await connection.session.close()
            if self._pump is not None:
                await asyncio.gather(self._pump, return_exceptions=True)
                self._pump = None
            if self._history is not None:
                self._history.end(self._end_reason)
                self._history = None
            log.info(
                "conversation closed: dropped_audio=%d peak_queue=%d",
                connection.stats.dropped_audio_frames,
                connection.stats.peak_frames,
            )

    async def _forward(self, session: RealtimeSession) -> None:
        """Session events to the outbox until the session ends."""
        try:
            async for event in session:
                self.deadline.touch()
                if self._meter is not None:
                    self._meter.observe(event)
                if self._history is not None:
                    self._history.observe(event)
                if isinstance(event, se.AudioInterrupted):
                    self.outbox.flush_audio(event.item_id)
                self.outbox.put(wire.encode(event))
        except SlowConsumerError as exc:
            self._end(str(exc), too_slow=True)
            return
        if self.connection is not None and self.connection.session is session:
            self._end("the model ended the conversation")

    def _end(self, reason: str, *, too_slow: bool = False) -> None:
        self._end_reason = reason
        self._too_slow = self._too_slow or too_slow
        self._ended.set()

    # ----------------------------------------------------------------- browser input

    async def _receive(self) -> None:
        try:
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                data, text = message.get("bytes"), message.get("text")
                try:
                    if data is not None:
                        await self._audio(data)
                    elif text is not None:
                        await self._event(inbound.parse_text_frame(text))
                except ProtocolError as exc:
                    self._reply_error(exc.code or "invalid_event", str(exc), exc.event_type)
        except SlowConsumerError as exc:
            self._end(str(exc), too_slow=True)

    async def _audio(self, frame: bytes) -> None:
        inbound.check_audio_frame(frame)
        if frame and self.connection is not None:
            if self._history is not None:
                self._history.microphone(frame)
            await self._call("audio", self.connection.session.send_audio(frame))

    async def _event(self, event: inbound.BrowserEvent) -> None:
        connection = self.connection
        assert connection is not None
        session = connection.session
        if not isinstance(event, inbound.Ping):
            self.deadline.touch()  # keep-alives and microphone audio (silence too) do not count
        match event:
            case inbound.Text():
                await self._call(event.type, session.send_text(event.text))
            case inbound.AudioCommit():
                await self._call(event.type, session.commit_audio())
            case inbound.AudioClear():
                await self._call(event.type, session.clear_audio())
            case inbound.ResponseCreate():
                await self._call(event.type, session.create_response())
            case inbound.Interrupt():
                await self._call(event.type, session.interrupt())
            case inbound.TriggerEvent():
                await self._call(event.type, session.trigger(event.name))
            case inbound.Playback():
                await self._call(
                    event.type, session.report_playback(event.item_id, event.played_ms)
                )
            case inbound.CoachSettingsEvent():
                await self._coach(event)
            case inbound.Ping():
                self.outbox.put(wire.pong())
            case _:
                assert_never(event)

    async def _call(self, event_type: str, call: Awaitable[None]) -> None:
        try:
            await call
        except VoxlineError as exc:
            self._reply_error("rejected", str(exc), event_type)

    async def _coach(self, event: inbound.CoachSettingsEvent) -> None:
        settings = event.to_settings()
        assert self.scenario is not None
        if self.scenario.triggers is None:
            raise ProtocolError(
                f"the {self.scenario.name} scenario has no voice-coach triggers to change",
                event_type=event.type,
                code="rejected",
            )
        previous = self.connection.session_id if self.connection else None
        self.coach = settings
        await self._stop()
        self.outbox.put(
            {
                "type": "coach.updated",
                "coach": wire.coach_json(settings),
                "applies": "new_conversation",
                "previous_session_id": previous,
            }
        )
        await self._start()

    async def _expire(self) -> None:
        """End the conversation cleanly once it is idle or old beyond the settings."""
        reason = await self.deadline.expired()
        limit = self.deadline.idle_s if reason == Deadline.IDLE else self.deadline.max_s
        what = "idle" if reason == Deadline.IDLE else "long"
        self.outbox.put(
            {
                "type": "session.ended",
                "reason": reason,
                "message": f"the conversation was {what} for {limit:g} s and has ended",
            }
        )
        self._clean_end = True
        self._end(reason)

    def _reply_error(self, code: str, message: str, event_type: str | None) -> None:
        log.info("bad input from the browser: code=%s event_type=%s %s", code, event_type, message)
        self.outbox.put(wire.error(code, message, event_type))

    # ----------------------------------------------------------------- output

    async def _send(self) -> None:
        while (frame := await self.outbox.get()) is not None:
            try:
                if isinstance(frame, wire.AudioChunk):
                    await self.ws.send_bytes(frame.audio)
                else:
                    await self.ws.send_text(json.dumps(frame))
            except (WebSocketDisconnect, RuntimeError, OSError):
                self._end("the browser went away")
                return

    # ----------------------------------------------------------------- lifecycle

    async def run(self) -> None:
        await self.ws.accept()
        sender = asyncio.create_task(self._send(), name="bridge-sender")
        close_code = 1000
        try:
            name, self.push_to_talk = self._check_query()
            self.scenario = self._load(name)
            if self.scenario.triggers is not None and self.scenario.triggers == (
                CoachSettings().triggers()
            ):
                self.coach = CoachSettings()
            await self._wait_backend()
            await self._start()
            receiver = asyncio.create_task(self._receive(), name="bridge-receiver")
            ended = asyncio.create_task(self._ended.wait(), name="bridge-ended")
            expiry = asyncio.create_task(self._expire(), name="bridge-deadline")
            done, _ = await asyncio.wait({receiver, ended}, return_when=asyncio.FIRST_COMPLETED)
            for task in (receiver, ended, expiry):
                task.cancel()
            await asyncio.gather(receiver, ended, expiry, return_exceptions=True)
            if receiver in done and not receiver.cancelled():
                receiver.result()  # a failed restart raises _Reject here
            if self._clean_end:
                log.info("closing the socket: %s", self._end_reason)
            elif self._ended.is_set():
                close_code = CLOSE_TOO_SLOW if self._too_slow else CLOSE_UNAVAILABLE
                log.info("closing the socket: %s", self._end_reason)
        except _Reject as reject:
            log.info("refused: code=%s %s", reject.code, reject.message)
            self.outbox.put(wire.error(reject.code, reject.message))
            close_code = reject.close_code
        finally:
            await self._stop()
            self.outbox.close()
            if self._too_slow:
                sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
            await self._close_socket(close_code)
            if self.state.heap is not None:
                self.state.heap.conversation_closed()

    async def _close_socket(self, code: int) -> None:
        if self.ws.application_state is WebSocketState.DISCONNECTED:
            return
        if self.ws.client_state is WebSocketState.DISCONNECTED:
            return
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError, TimeoutError):
            await asyncio.wait_for(self.ws.close(code=code), _CLOSE_TIMEOUT_S)


async def serve_bridge(ws: WebSocket, state: ServerState) -> None:
    """Run the bridge on one accepted-to-be WebSocket until either side ends it."""
    await _Bridge(ws, state).run()
