"""OpenAIRealtimeModel: the RealtimeModel port over an OpenAI Realtime WebSocket, reconnecting."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    InvalidStatus,
    WebSocketException,
)

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.errors import ConfigurationError, ConnectionClosedError, TransportError
from voxline.models.openai.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_MODEL,
    Credentials,
    RetryPolicy,
    is_azure,
    realtime_url,
    websocket_logger,
)
from voxline.models.pricing import GPT_REALTIME_PRICES, PriceTable, estimate_cost
from voxline.protocol import decode_event, encode_command_json
from voxline.protocol.encode import SessionUpdates

__all__ = ["OpenAIRealtimeModel"]

log = logging.getLogger("voxline.models.openai")

Sleep = Callable[[float], Awaitable[None]]

_SESSION_UPDATES = SessionUpdates(size=32)
"""session.update JSON by configuration, shared by every model of the process: sessions of
one app hand off between the same few agents."""

_FATAL_STATUS = frozenset({400, 401, 403, 404})
"""HTTP answers to the handshake that retrying cannot fix."""


class _HandshakeRefused(TransportError):
    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class OpenAIRealtimeModel:
    """A RealtimeModel speaking the OpenAI Realtime (GA) protocol over a WebSocket.

    Works with OpenAI, Azure OpenAI (an `api-key` header is used for `*.openai.azure.com`)
    and any compatible server. When the socket drops it reconnects with exponential backoff
    and emits `ConnectionChanged` (reconnecting with the attempt number, then connected); the
    session then re-sends its configuration and replays the history. After the last failed
    attempt it emits DISCONNECTED and `events()` raises ConnectionClosedError.

    The socket is read in the task that iterates `events()`: each server event is decoded
    and handed over right there, with no queue or second task in between (each hop would
    add a turn of the event loop to every audio chunk). Reconnecting happens there too, so
    keep iterating `events()` (a RealtimeSession always does) for the link to be kept up.

    Args:
        api_key: A server-side API key. Give this or `client_secret`.
        client_secret: An ephemeral token from `mint_client_secret` (safe for browsers).
        model: The realtime model (overridden by `SessionConfig.model` when that is set).
        base_url: The REST base, such as https://api.openai.com/v1; the WebSocket URL is
            `<base>/realtime?model=<model>`.
        azure: Force the Azure `api-key` header (None: detect from the host).
        headers: Extra handshake headers.
        retry: Backoff for the first connect and for reconnects.
        prices: Token prices for `cost`.
        open_timeout_s: How long one connection attempt may take.
        sleep: Waits between attempts (inject a fake in tests).
        rng: Random source for the jitter.

    Raises:
        ConfigurationError: no credentials, both kinds, or a base URL that cannot work.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        client_secret: str | None = None,
        model: str = DEFAULT_MODEL,
        base_url: str = DEFAULT_BASE_URL,
        azure: bool | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        prices: PriceTable = GPT_REALTIME_PRICES,
        open_timeout_s: float = 10.0,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._credentials = Credentials(api_key, client_secret)
        self._model_name = model
        self._base_url = base_url
        realtime_url(base_url, model)  # fail early on a bad URL
        self._azure = is_azure(base_url) if azure is None else azure
        self._headers = dict(headers or {})
        self._retry = retry or RetryPolicy()
        self._prices = prices
        self._open_timeout_s = open_timeout_s
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._ws: ClientConnection | None = None
        self._pending: deque[ev.ConnectionChanged] = deque()
        """Connection changes not yet read from `events()`."""
        self._wake = asyncio.Event()
        """Set when there is something new for an idle `events()`: a change, or the socket."""
        self._state = ev.ConnectionState.DISCONNECTED
        self._failure: ConnectionClosedError | None = None
        self._started = False
        self._closed = False
        self._audio_gap = False
        self._usage = ev.Usage()
        self._cost = 0.0
        self._unpriced: ev.Usage | None = None
        """The last response's usage, priced after the next send (or when `cost` is read)."""
        self.dropped_audio_bytes = 0
        """Microphone audio dropped while the connection was being restored."""

    def __repr__(self) -> str:
        return (
            f"OpenAIRealtimeModel(url={self.url!r}, auth={self._credentials.kind}, "
            f"state={self._state.value})"
        )

    # ----------------------------------------------------------------- public state

    @property
    def url(self) -> str:
        """The WebSocket URL (it never contains the credentials)."""
        return realtime_url(self._base_url, self._model_name)

    @property
    def state(self) -> ev.ConnectionState:
        """The state of the link."""
        return self._state

    @property
    def usage(self) -> ev.Usage:
        """Tokens used over this model's lifetime, summed from every `response.done`."""
        return self._usage

    @property
    def prices(self) -> PriceTable:
        """The token prices `cost` is estimated with (a RealtimeSession uses them too)."""
        return self._prices

    @property
    def cost(self) -> float:
        """Estimated US dollars spent so far: each response's usage at the price table,
        summed (as `RealtimeSession.cost` does, so the two agree)."""
        self._price_last_response()
        return self._cost

    # ----------------------------------------------------------------- RealtimeModel

    async def connect(self, config: SessionConfig) -> None:
        """Connect (retrying per the policy) and send the session configuration.

        Raises:
            ConnectionClosedError: every attempt failed, or the server refused the
                credentials or the URL (not retried).
            ConfigurationError: connect was called twice.
        """
        if self._started or self._closed:
            raise ConfigurationError("connect() can be called once per OpenAIRealtimeModel")
        self._started = True
        if config.model:
            self._model_name = config.model
        ws = await self._open_with_retries(initial=True, reason=None)
        if ws is None:
            raise self._failure or ConnectionClosedError("closed while connecting")
        await self._send_wire(ws, cmd.UpdateSession(config))

    async def send(self, command: cmd.ModelCommand) -> None:
        """Send one command.

        Raises:
            ConnectionClosedError: the model was closed or gave up reconnecting.
            TransportError: the link is being restored; the command was not sent. Audio is
                dropped during a reconnect: the error is raised once per gap, not per chunk.
        """
        if self._closed:
            raise ConnectionClosedError("the OpenAI realtime connection was closed")
        if self._failure is not None:
            raise self._failure
        ws = self._ws
        if ws is None or self._state is not ev.ConnectionState.CONNECTED:
            self._refuse_while_reconnecting(command)
            return
        try:
            await self._send_wire(ws, command)
        except ConnectionClosed:
            raise TransportError(
                "the connection to the model dropped while sending; reconnecting"
            ) from None
        if self._unpriced is not None:  # after the response.create that follows a response
            self._price_last_response()

    async def events(self) -> AsyncIterator[ev.ModelEvent]:
        """Model events until `close()`; raises ConnectionClosedError if reconnecting failed.

        Reads the socket (and restores a dropped connection) in the iterating task; iterate
        it from one task at a time.

        Raises:
            ConnectionClosedError: every reconnect attempt failed.
            ConfigurationError: another task is already reading the events.
        """
        while True:
            while self._pending:
                yield self._pending.popleft()
            if self._closed:
                return
            if self._failure is not None:
                raise self._failure
            ws = self._ws
            if ws is None or self._state is not ev.ConnectionState.CONNECTED:
                self._wake.clear()
                await self._wake.wait()  # connect() has not opened the socket yet
                continue
            try:
                # recv() itself rather than `async for message in ws`: the socket's own
                # iterator is one more async generator step per message, and it ends quietly
                # on a clean close, which here means reconnecting all the same
                recv = ws.recv
                while True:
                    event = decode_event(await recv())
                    if event is None:
                        continue
                    if isinstance(event, ev.ResponseDone):
                        self._count_usage(event.usage)
                    yield event
            except ConcurrencyError:
                raise ConfigurationError(
                    "events() of one OpenAIRealtimeModel is already being read by another "
                    "task; read it from one task"
                ) from None
            except ConnectionClosed:
                pass
            if not self._closed:
                await self._reconnect(ws)

    async def close(self) -> None:
        """Close the socket and end `events()`. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._set_state(ev.ConnectionChanged(ev.ConnectionState.DISCONNECTED, reason="closed"))
        if self._ws is not None:
            await self._ws.close()

    # ----------------------------------------------------------------- plumbing

    def _count_usage(self, usage: ev.Usage | None) -> None:
        """Add a response's usage now; price it after the next send (the response.create
        that follows it) or when `cost` is read. The session prices it too, and two
        estimates in a row stood before that response.create."""
        if usage is not None:
            self._price_last_response()  # two responses with no send between them
            self._usage = self._usage + usage
            self._unpriced = usage

    def _price_last_response(self) -> None:
        if self._unpriced is not None:
            self._cost += estimate_cost(self._unpriced, self._prices)
            self._unpriced = None

    def _set_state(self, event: ev.ConnectionChanged) -> None:
        self._state = event.state
        self._pending.append(event)
        self._wake.set()

    def _refuse_while_reconnecting(self, command: cmd.ModelCommand) -> None:
        if isinstance(command, cmd.SendAudio):
            self.dropped_audio_bytes += len(command.audio)
            if self._audio_gap:
                return
            self._audio_gap = True
            raise TransportError(
                "microphone audio is dropped while the connection to the model is restored"
            )
        raise TransportError(
            f"the connection to the model is being restored; {type(command).__name__} was "
            "not sent (the session replays the history once it is back)"
        )

    async def _send_wire(self, ws: ClientConnection, command: cmd.ModelCommand) -> None:
        if isinstance(command, cmd.UpdateSession):
            await ws.send(_SESSION_UPDATES.json(command.config))
        else:
            await ws.send(encode_command_json(command))

    def _auth_headers(self) -> dict[str, str]:
        return {**self._headers, **self._credentials.headers(azure=self._azure)}

    async def _open(self) -> ClientConnection:
        try:
            return await connect(
                self.url,
                additional_headers=self._auth_headers(),
                open_timeout=self._open_timeout_s,
                max_size=32 * 2**20,
                compression=None,
                logger=websocket_logger(),
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            hint = (
                " (check the API key or client secret)"
                if status in (401, 403)
                else " (check the base URL and model)"
                if status in (400, 404)
                else ""
            )
            raise _HandshakeRefused(
                f"the server refused the WebSocket connection: HTTP {status}{hint}",
                retry=status not in _FATAL_STATUS,
            ) from None
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise _HandshakeRefused(
                f"could not connect to {self.url}: {type(exc).__name__}: {exc}", retry=True
            ) from None

    async def _open_with_retries(
        self, *, initial: bool, reason: str | None
    ) -> ClientConnection | None:
        """Try to (re)connect; None (after DISCONNECTED is emitted) when every attempt fails."""
        attempts = self._retry.attempts
        for attempt in range(1, attempts + 1):
            if initial:
                self._set_state(ev.ConnectionChanged(ev.ConnectionState.CONNECTING, attempt))
                if attempt > 1:
                    await self._sleep(self._retry.delay(attempt - 1, self._rng))
                    if self._closed:
                        return None
            else:
                self._set_state(
                    ev.ConnectionChanged(ev.ConnectionState.RECONNECTING, attempt, reason)
                )
                await self._sleep(self._retry.delay(attempt, self._rng))
                if self._closed:
                    return None
            try:
                ws = await self._open()
            except _HandshakeRefused as exc:
                reason = str(exc)
                log.warning("connection attempt %d/%d failed: %s", attempt, attempts, reason)
                if not exc.retry:
                    break
                continue
            if self._closed:  # close() was called while this attempt was on its way
                await ws.close()
                return None
            self._ws = ws
            self._audio_gap = False
            self._set_state(ev.ConnectionChanged(ev.ConnectionState.CONNECTED, attempt))
            return ws
        why = f"gave up after {attempt} connection attempt(s): {reason}"
        self._failure = ConnectionClosedError(why)
        self._set_state(ev.ConnectionChanged(ev.ConnectionState.DISCONNECTED, attempt, why))
        return None

    async def _reconnect(self, ws: ClientConnection) -> None:
        """The socket dropped: reconnect, or record the failure once every attempt failed."""
        code, detail = ws.close_code, ws.close_reason
        reason = f"socket closed (code {code}{': ' + detail if detail else ''})"
        log.warning("the realtime connection dropped (%s); reconnecting", reason)
        self._state = ev.ConnectionState.RECONNECTING
        await self._open_with_retries(initial=False, reason=reason)
