"""Who may use the server and how much: bearer keys, per-client rate limit, session slots.

The parts are plain objects (`KeyRing`, `RateLimiter`, `SessionSlots`, `Deadline`) with an
injected clock; `SecurityGate` is the thin ASGI middleware that applies them to every request
and WebSocket before a route sees it:

- HTTP under ``/api/`` (except ``/api/health``, for load balancers) and ``/metrics``: the rate
  limit (429 with ``Retry-After``), then the key (401 with ``WWW-Authenticate: Bearer``). The
  static UI is open so a browser can load the page that asks for the key.
- Every WebSocket (``/ws/session``, ``/v1/realtime``): the rate limit, the key (the
  ``Authorization`` header, ``?token=``, or the ``openai-insecure-api-key.<key>``
  subprotocol), then a session slot held until the socket ends. The browser bridge is refused
  its own way (accept, one ``error`` event with a ``code``, close 4401 / 4429, as
  docs/bridge.md says); other sockets get an HTTP status before the handshake (403 for a
  missing or wrong key, 429 for the limits) with the same JSON error body.

A refusal never touches a conversation already running.
"""

from __future__ import annotations

import asyncio
import json
import math
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from voxline.core.clock import Clock, SystemClock
from voxline.errors import ConfigurationError
from voxline.realtime_api.router import bearer_token

__all__ = [
    "BRIDGE_PATH",
    "CLOSE_RATE_LIMITED",
    "Deadline",
    "KeyRing",
    "RateLimiter",
    "Refusal",
    "SecurityGate",
    "SessionSlots",
]

BRIDGE_PATH = "/ws/session"
"""The browser bridge, refused with an error event and a close code rather than HTTP."""

CLOSE_UNAUTHORISED = 4401
CLOSE_RATE_LIMITED = 4429
"""Close code of a bridge socket refused by the rate limit or the session limit."""


class KeyRing:
    """The bearer keys a client may present; empty means the server is open.

    Args:
        keys: Accepted keys (blank ones are ignored).
    """

    def __init__(self, keys: Iterable[str]) -> None:
        self._keys = [k.encode() for k in keys if k]

    @property
    def required(self) -> bool:
        """True when clients must present a key."""
        return bool(self._keys)

    def allows(self, token: str | None) -> bool:
        """True when no key is required, or `token` is one of the keys (constant time)."""
        if not self._keys:
            return True
        if not token:
            return False
        given = token.encode()
        return any([secrets.compare_digest(given, key) for key in self._keys])  # noqa: C419


class RateLimiter:
    """A token bucket per client: `per_minute` requests a minute, bursts up to `per_minute`.

    Args:
        per_minute: Allowed requests per client per minute; 0 turns the limit off.
        clock: Time source (a ManualClock in tests).
        max_clients: Buckets kept before full (idle) ones are forgotten.
    """

    def __init__(
        self, per_minute: int, *, clock: Clock | None = None, max_clients: int = 10_000
    ) -> None:
        if per_minute < 0:
            raise ConfigurationError("the rate limit must be 0 (off) or a positive number")
        self.per_minute = per_minute
        self._clock = clock or SystemClock()
        self._max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)

    def _refill(self, tokens: float, at: float, now: float) -> float:
        return min(float(self.per_minute), tokens + (now - at) * self.per_minute / 60.0)

    def check(self, client: str) -> float | None:
        """Spend one request of `client`.

        Returns:
            None when allowed; otherwise the seconds until the next request would be.
        """
        if self.per_minute == 0:
            return None
        now = self._clock.now()
        tokens, at = self._buckets.get(client, (float(self.per_minute), now))
        tokens = self._refill(tokens, at, now)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) * 60.0 / self.per_minute
        self._buckets[client] = (tokens - 1.0, now)
        if len(self._buckets) > self._max_clients:
            self._forget_idle(now)
        return None

    def _forget_idle(self, now: float) -> None:
        full = float(self.per_minute)
        for client, (tokens, at) in list(self._buckets.items()):
            if self._refill(tokens, at, now) >= full:
                del self._buckets[client]

    @property
    def tracked_clients(self) -> int:
        """Clients with a bucket in memory."""
        return len(self._buckets)


class SessionSlots:
    """Counts open conversations (sockets) by kind, up to `limit` in all.

    Args:
        limit: Most conversations open at once.

    Attributes:
        on_release: Called with the kind after each `release` (a test waits on it).
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ConfigurationError("the session limit must be at least 1")
        self.limit = limit
        self.on_release: Callable[[str], None] = lambda kind: None
        self._open: dict[str, int] = {}

    def acquire(self, kind: str) -> bool:
        """Take a slot for a conversation of `kind`; False when all are taken."""
        if self.total >= self.limit:
            return False
        self._open[kind] = self._open.get(kind, 0) + 1
        return True

    def release(self, kind: str) -> None:
        """Give back a slot taken with `acquire`."""
        left = self._open.get(kind, 0) - 1
        if left < 0:
            raise ConfigurationError(f"no {kind} session slot was taken")
        self._open[kind] = left
        self.on_release(kind)

    @property
    def total(self) -> int:
        """Slots in use."""
        return sum(self._open.values())

    def by_kind(self) -> dict[str, int]:
        """Slots in use per kind (kinds seen so far, zeros included)."""
        return dict(self._open)


class Deadline:
    """When a conversation should end: idle for `idle_s`, or older than `max_s`.

    Args:
        idle_s: Seconds without activity (`touch`) before the conversation ends.
        max_s: Seconds after the start before it ends regardless; None: no cap.
        clock: Time source.
    """

    IDLE = "idle_timeout"
    MAX = "max_duration"

    def __init__(self, idle_s: float, max_s: float | None = None, *, clock: Clock | None = None):
        if idle_s <= 0 or (max_s is not None and max_s <= 0):
            raise ConfigurationError("session timeouts must be positive numbers of seconds")
        self.idle_s, self.max_s = idle_s, max_s
        self._clock = clock or SystemClock()
        self._started = self._last = self._clock.now()

    def touch(self) -> None:
        """Something happened: the idle timer starts again."""
        self._last = self._clock.now()

    def due(self) -> tuple[str | None, float]:
        """The reason the conversation is over (None if it is not) and seconds until it is."""
        now = self._clock.now()
        idle_left = self._last + self.idle_s - now
        max_left = math.inf if self.max_s is None else self._started + self.max_s - now
        if max_left <= 0:
            return self.MAX, 0.0
        if idle_left <= 0:
            return self.IDLE, 0.0
        return None, min(idle_left, max_left)

    async def expired(self) -> str:
        """Wait until the conversation is over; the reason (`idle_timeout`, `max_duration`)."""
        while True:
            reason, left = self.due()
            if reason is not None:
                return reason
            await asyncio.sleep(left)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request was turned away: HTTP status, bridge close code, error code, message."""

    status: int
    close_code: int
    code: str
    message: str
    retry_after_s: float | None = None

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The HTTP headers of the refusal."""
        found = [(b"content-type", b"application/json")]
        if self.status == 401:
            found.append((b"www-authenticate", b'Bearer realm="voxline"'))
        if self.retry_after_s is not None:
            found.append((b"retry-after", str(max(1, math.ceil(self.retry_after_s))).encode()))
        return found

    def body(self) -> bytes:
        """``{"error": {"code", "message"}}`` as JSON."""
        return json.dumps({"error": {"code": self.code, "message": self.message}}).encode()


UNAUTHORIZED = Refusal(
    401,
    CLOSE_UNAUTHORISED,
    "unauthorized",
    "this server needs an API key: send 'Authorization: Bearer <key>' (browsers: ?token=<key>); "
    "the key is missing or wrong",
)


def _rate_limited(retry_after_s: float) -> Refusal:
    return Refusal(
        429,
        CLOSE_RATE_LIMITED,
        "rate_limited",
        f"too many requests from this address; try again in {math.ceil(retry_after_s)} s",
        retry_after_s,
    )


def _too_many(limit: int) -> Refusal:
    return Refusal(
        429,
        CLOSE_RATE_LIMITED,
        "too_many_sessions",
        f"the server is at its limit of {limit} conversations at once; try again shortly",
        5.0,
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            text: str = value.decode("latin-1")
            return text
    return None


def _query_token(scope: Scope) -> str | None:
    raw = scope.get("query_string") or b""
    values = parse_qs(raw.decode("latin-1")).get("token")
    return values[0] if values else None


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class SecurityGate:
    """ASGI middleware applying a KeyRing, a RateLimiter and SessionSlots (see the module doc).

    Args:
        app: The wrapped ASGI app.
        keys: Accepted bearer keys.
        limiter: The per-client rate limit.
        slots: The session limit (WebSockets only).
        on_refused: Called with the error code of each refusal (metrics).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: KeyRing,
        limiter: RateLimiter,
        slots: SessionSlots,
        on_refused: Callable[[str], None] = lambda code: None,
    ) -> None:
        self.app, self.keys, self.limiter, self.slots = app, keys, limiter, slots
        self.on_refused = on_refused

    @staticmethod
    def guards_http(path: str) -> bool:
        """True for the HTTP paths the gate checks (the REST API but health, and metrics)."""
        return (path.startswith("/api/") and path != "/api/health") or path == "/metrics"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http" and self.guards_http(scope["path"]):
            refusal = self._check(scope, token=bearer_token(_header(scope, b"authorization"), ()))
            if refusal is not None:
                await self._refuse_http(refusal, send)
                return
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _check(self, scope: Scope, *, token: str | None) -> Refusal | None:
        wait = self.limiter.check(_client(scope))
        if wait is not None:
            return _rate_limited(wait)
        if not self.keys.allows(token):
            return UNAUTHORIZED
        return None

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        offered = list(scope.get("subprotocols") or ())
        token = bearer_token(_header(scope, b"authorization"), offered) or _query_token(scope)
        refusal = self._check(scope, token=token)
        kind = "bridge" if scope["path"] == BRIDGE_PATH else "realtime"
        if refusal is None and not self.slots.acquire(kind):
            refusal = _too_many(self.slots.limit)
        if refusal is not None:
            await self._refuse_websocket(refusal, scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release(kind)

    async def _refuse_http(self, refusal: Refusal, send: Send) -> None:
        self.on_refused(refusal.code)
        await send(
            {"type": "http.response.start", "status": refusal.status, "headers": refusal.headers()}
        )
        await send({"type": "http.response.body", "body": refusal.body()})

    async def _refuse_websocket(
        self, refusal: Refusal, scope: Scope, receive: Receive, send: Send
    ) -> None:
        self.on_refused(refusal.code)
        message = await receive()
        if message["type"] != "websocket.connect":
            return  # the client left before the handshake
        if scope["path"] == BRIDGE_PATH:
            event = {"type": "error", "code": refusal.code, "message": refusal.message}
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": json.dumps(event)})
            await send({"type": "websocket.close", "code": refusal.close_code})
        elif "websocket.http.response" in (scope.get("extensions") or {}):
            # 403 for a bad key, as /v1/realtime has always answered (router.py)
            status = 403 if refusal.status == 401 else refusal.status
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": status,
                    "headers": refusal.headers(),
                }
            )
            await send({"type": "websocket.http.response.body", "body": refusal.body()})
        else:
            await send({"type": "websocket.close", "code": 1008})
