"""Keys, rate limit, session limit, CORS and timeouts: the parts alone and on a real socket."""

from __future__ import annotations

import asyncio
import json

import httpx2
import pytest
from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tests.server.conftest import TIMEOUT_S, Running, Scripts, serve
from tests.server.test_rest import fake_components
from tests.server.wsutil import next_json, until
from voxline.core import commands as cmd
from voxline.errors import ConfigurationError
from voxline.server.app import create_app
from voxline.server.backends import LocalBackend
from voxline.server.security import Deadline, KeyRing, RateLimiter, SessionSlots
from voxline.settings import Settings
from voxline.testing import ManualClock, on, reply

KEY = "test-key-0123456789"
BEARER = {"Authorization": f"Bearer {KEY}"}


def keyed(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"api_keys": [SecretStr(KEY)], **changes})


def sample(server: Running, name: str, **labels: str) -> float | None:
    """One sample of the server's metrics registry."""
    return server.state.metrics.registry.get_sample_value(name, labels)


async def closed_with(ws: ClientConnection) -> int | None:
    """Wait for the server to close `ws`; its close code."""
    await ws.wait_closed()
    return ws.close_code


# ---------------------------------------------------------------- the parts alone


def test_a_key_ring_without_keys_lets_everyone_in() -> None:
    assert KeyRing([]).allows(None)
    assert not KeyRing([]).required


def test_a_key_ring_checks_every_key() -> None:
    ring = KeyRing(["first-key", "second-key", ""])
    assert ring.required
    assert ring.allows("second-key")
    assert not ring.allows("second-ke")
    assert not ring.allows("")
    assert not ring.allows(None)


def test_the_rate_limit_refills_over_time_per_client() -> None:
    clock = ManualClock()
    limiter = RateLimiter(2, clock=clock)
    assert limiter.check("a") is None
    assert limiter.check("a") is None
    assert limiter.check("a") == pytest.approx(30.0)
    assert limiter.check("b") is None
    clock.advance(30.0)
    assert limiter.check("a") is None
    assert limiter.check("a") is not None


def test_the_rate_limit_forgets_idle_clients_and_can_be_off() -> None:
    clock = ManualClock()
    limiter = RateLimiter(60, clock=clock, max_clients=2)
    for client in ("a", "b"):
        assert limiter.check(client) is None
    clock.advance(5.0)
    assert limiter.check("c") is None
    assert limiter.tracked_clients == 1
    off = RateLimiter(0)
    assert all(off.check("a") is None for _ in range(1000))
    with pytest.raises(ConfigurationError):
        RateLimiter(-1)


def test_session_slots_count_by_kind_up_to_the_limit() -> None:
    slots = SessionSlots(2)
    assert slots.acquire("bridge")
    assert slots.acquire("realtime")
    assert not slots.acquire("bridge")
    slots.release("bridge")
    assert slots.by_kind() == {"bridge": 0, "realtime": 1}
    assert slots.acquire("bridge")
    with pytest.raises(ConfigurationError):
        SessionSlots(0)
    with pytest.raises(ConfigurationError, match="no other session slot"):
        slots.release("other")


def test_a_deadline_ends_idle_or_long_conversations() -> None:
    clock = ManualClock()
    deadline = Deadline(10.0, 25.0, clock=clock)
    assert deadline.due() == (None, 10.0)
    clock.advance(8.0)
    deadline.touch()
    clock.advance(8.0)
    assert deadline.due() == (None, 2.0)
    clock.advance(2.0)
    assert deadline.due() == (Deadline.IDLE, 0.0)
    deadline.touch()
    clock.advance(7.0)
    assert deadline.due() == (Deadline.MAX, 0.0)
    with pytest.raises(ConfigurationError):
        Deadline(0)


# ---------------------------------------------------------------- keys on a real socket


async def test_the_rest_api_needs_a_key_when_keys_are_set(
    settings: Settings, scripts: Scripts
) -> None:
    async with (
        serve(create_app(keyed(settings), model_factory=scripts)) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        missing = await client.get("/api/scenarios")
        wrong = await client.get("/api/scenarios", headers={"Authorization": "Bearer nope"})
        right = await client.get("/api/scenarios", headers=BEARER)
        metrics = await client.get("/metrics")
        health = await client.get("/api/health")
        page = await client.get("/")
    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.json()["error"]["code"] == "unauthorized"
    assert "Authorization: Bearer" in missing.json()["error"]["message"]
    assert metrics.status_code == 401
    assert health.status_code == 200  # load balancers probe it without a key
    assert health.json()["auth_required"] is True
    assert page.status_code == 200  # the page that asks for the key


async def test_the_bridge_takes_the_key_as_token_or_header(
    settings: Settings, scripts: Scripts
) -> None:
    async with serve(create_app(keyed(settings), model_factory=scripts)) as server:
        async with connect(server.ws()) as ws:
            refused = await next_json(ws)
            assert await closed_with(ws) == 4401
        assert (refused["type"], refused["code"]) == ("error", "unauthorized")
        async with connect(server.ws(f"?token={KEY}")) as ws:
            assert (await next_json(ws))["type"] == "session.ready"
        async with connect(server.ws(), additional_headers=BEARER) as ws:
            assert (await next_json(ws))["type"] == "session.ready"
        assert sample(server, "voxline_refusals_total", code="unauthorized") == 1


async def test_v1_realtime_takes_any_configured_key(settings: Settings) -> None:
    parts = LocalBackend(lambda _: fake_components(["ok"]))
    app = create_app(keyed(settings, bridge_token=SecretStr("older-token")), backend=parts)
    async with serve(app) as server:
        await server.state.host.wait_ready()
        url = f"ws://127.0.0.1:{server.port}/v1/realtime?model=m"
        with pytest.raises(InvalidStatus, match="HTTP 403"):
            async with connect(url):
                pass
        for key in (KEY, "older-token"):
            async with connect(url, additional_headers={"Authorization": f"Bearer {key}"}) as ws:
                assert json.loads(await ws.recv())["type"] == "session.created"


def test_a_public_host_without_keys_is_refused(settings: Settings, scripts: Scripts) -> None:
    with pytest.raises(ConfigurationError, match=r"0\.0\.0\.0 without API keys"):
        create_app(settings.model_copy(update={"host": "0.0.0.0"}), model_factory=scripts)
    create_app(keyed(settings, host="0.0.0.0"), model_factory=scripts)


def test_serve_refuses_a_public_host_without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from voxline.cli import app

    for name in ("VOXLINE_API_KEYS", "VOXLINE_BRIDGE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "api_keys: host 0.0.0.0 is reachable from other machines" in result.output


# ---------------------------------------------------------------- limits


async def _talk(ws: ClientConnection, text: str) -> dict[str, object]:
    await ws.send(json.dumps({"type": "text", "text": text}))
    _, finished = await until(ws, "response.finished")
    return finished


async def test_the_session_limit_refuses_new_calls_and_keeps_live_ones(
    settings: Settings, scripts: Scripts
) -> None:
    scripts.queue += [[on(cmd.CreateResponse, reply("One.")), on(cmd.CreateResponse, reply("2"))]]
    app = create_app(settings.model_copy(update={"max_sessions": 1}), model_factory=scripts)
    async with serve(app) as server, connect(server.ws()) as first:
        assert (await next_json(first))["type"] == "session.ready"
        assert (await _talk(first, "hello"))["status"] == "completed"
        async with connect(server.ws()) as second:
            refused = await next_json(second)
            assert await closed_with(second) == 4429
        assert refused["code"] == "too_many_sessions"
        assert "limit of 1 conversations" in refused["message"]
        with pytest.raises(InvalidStatus, match="HTTP 429"):
            async with connect(f"ws://127.0.0.1:{server.port}/v1/realtime"):
                pass
        assert (await _talk(first, "still there?"))["status"] == "completed"
        assert len(scripts.models) == 1


async def test_a_closed_call_frees_its_slot(settings: Settings, scripts: Scripts) -> None:
    app = create_app(settings.model_copy(update={"max_sessions": 1}), model_factory=scripts)
    async with serve(app) as server:
        released = asyncio.Event()
        server.state.slots.on_release = lambda kind: released.set()
        for _ in range(3):
            released.clear()
            async with connect(server.ws()) as ws:
                assert (await next_json(ws))["type"] == "session.ready"
            await asyncio.wait_for(released.wait(), TIMEOUT_S)
        assert server.state.slots.total == 0
    assert len(scripts.models) == 3


async def test_the_rate_limit_answers_429_and_spares_live_calls(
    settings: Settings, scripts: Scripts
) -> None:
    scripts.queue += [[on(cmd.CreateResponse, reply("Still here."))]]
    app = create_app(settings.model_copy(update={"rate_limit": 3}), model_factory=scripts)
    async with (
        serve(app) as server,
        connect(server.ws()) as live,  # spends one request
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        assert (await next_json(live))["type"] == "session.ready"
        statuses = [(await client.get("/api/scenarios")).status_code for _ in range(3)]
        limited = await client.get("/metrics")
        async with connect(server.ws()) as refused_ws:
            refused = await next_json(refused_ws)
            assert await closed_with(refused_ws) == 4429
        assert (await _talk(live, "are you there?"))["status"] == "completed"
    assert statuses == [200, 200, 429]
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    assert refused["code"] == "rate_limited"


async def test_an_idle_conversation_ends_cleanly_with_an_event(
    settings: Settings, scripts: Scripts
) -> None:
    app = create_app(settings.model_copy(update={"session_timeout_s": 0.3}), model_factory=scripts)
    async with serve(app) as server, connect(server.ws()) as ws:
        assert (await next_json(ws))["type"] == "session.ready"
        _, ended = await until(ws, "session.ended")
        assert await closed_with(ws) == 1000
        await scripts.models[0].closed.wait()
        assert sample(server, "voxline_sessions_ended_total", reason="idle_timeout") == 1
    assert ended == {
        "type": "session.ended",
        "reason": "idle_timeout",
        "message": "the conversation was idle for 0.3 s and has ended",
    }


async def test_pings_and_microphone_silence_do_not_keep_a_call_alive(
    settings: Settings, scripts: Scripts
) -> None:
    app = create_app(settings.model_copy(update={"session_timeout_s": 0.3}), model_factory=scripts)
    async with serve(app) as server, connect(server.ws()) as ws:
        await until(ws, "session.ready")
        while True:
            await ws.send(json.dumps({"type": "ping"}))
            await ws.send(b"\x00\x00" * 480)
            event = await next_json(ws)
            if event["type"] == "session.ended":
                break
        assert await closed_with(ws) == 1000
    assert event["reason"] == "idle_timeout"


async def test_a_long_conversation_ends_at_its_cap(settings: Settings, scripts: Scripts) -> None:
    changes = {"session_timeout_s": 60.0, "session_max_s": 0.3}
    app = create_app(settings.model_copy(update=changes), model_factory=scripts)
    async with serve(app) as server, connect(server.ws()) as ws:
        await until(ws, "session.ready")
        await ws.send(json.dumps({"type": "ping"}))
        _, ended = await until(ws, "session.ended")
        assert await closed_with(ws) == 1000
    assert ended["reason"] == "max_duration"


# ---------------------------------------------------------------- CORS


async def test_cors_allows_only_the_configured_origins(
    settings: Settings, scripts: Scripts
) -> None:
    app = create_app(
        keyed(settings, cors_origins=["https://app.example.com"]), model_factory=scripts
    )
    preflight = {"Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"}  # fmt: skip
    async with (
        serve(app) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        allowed = await client.options(
            "/api/scenarios", headers={"Origin": "https://app.example.com", **preflight}
        )
        other = await client.options(
            "/api/scenarios", headers={"Origin": "https://evil.example.com", **preflight}
        )
        refused = await client.get("/api/scenarios", headers={"Origin": "https://app.example.com"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    assert refused.status_code == 401  # the page can read why
    assert refused.headers["access-control-allow-origin"] == "https://app.example.com"
