"""Bridge edge cases on a real socket: bad input, bad queries, slow browsers, ended sessions."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.server.conftest import TIMEOUT_S, Scripts, serve
from tests.server.wsutil import kinds, next_json, until
from voxline.agents.agent import Agent
from voxline.agents.tool import function_tool
from voxline.core import commands as cmd
from voxline.engine.ports import LLM
from voxline.scenarios.base import Scenario
from voxline.server.app import BuiltinScenarios, create_app
from voxline.settings import Settings
from voxline.testing import call, on, reply

BAD_TEXT_FRAMES = [
    ("{not json", "invalid_json", None),
    ("[1, 2]", "invalid_event", None),
    ('{"text": "no type"}', "invalid_event", None),
    ('{"type": "shout"}', "unknown_event", "shout"),
    ('{"type": "text"}', "invalid_event", "text"),
    ('{"type": "text", "text": 5}', "invalid_event", "text"),
    ('{"type": "playback", "item_id": "x", "played_ms": -1}', "invalid_event", "playback"),
    ('{"type": "trigger"}', "invalid_event", "trigger"),
    ('{"type": "coach.settings", "quick_phrases": []}', "invalid_event", "coach.settings"),
    ('{"type": "text", "text": "' + "x" * 70_000 + '"}', "message_too_large", None),
]


@pytest.mark.parametrize(("frame", "code", "event_type"), BAD_TEXT_FRAMES)
async def test_bad_text_frames_get_an_error_and_the_connection_stays(
    settings: Settings, scripts: Scripts, frame: str, code: str, event_type: str | None
) -> None:
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws(), max_size=None) as ws,
    ):
        await until(ws, "session.ready")
        await ws.send(frame)
        _, error = await until(ws, "error")
        assert error["code"] == code
        assert error.get("event_type") == event_type
        assert error["message"]
        await ws.send(json.dumps({"type": "ping"}))
        await until(ws, "pong")


@pytest.mark.parametrize("frame", [b"\x00" * 3, b"\x00" * 96_002])
async def test_bad_audio_frames_are_dropped_with_an_error(
    settings: Settings, scripts: Scripts, frame: bytes
) -> None:
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws()) as ws,
    ):
        await until(ws, "session.ready")
        await ws.send(frame)
        _, error = await until(ws, "error")
        assert error["code"] == "bad_audio_frame"
        await ws.send(b"\x00\x00" * 10)
        await ws.send(json.dumps({"type": "ping"}))
        await until(ws, "pong")
    sent = scripts.models[0].sent_of(cmd.SendAudio)
    assert [c.audio for c in sent if isinstance(c, cmd.SendAudio)] == [b"\x00\x00" * 10]


async def test_events_the_session_refuses_are_errors(settings: Settings, scripts: Scripts) -> None:
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws()) as ws,
    ):
        await until(ws, "session.ready")
        await ws.send(json.dumps({"type": "trigger", "name": "quick_hint"}))
        _, error = await until(ws, "error")
        assert error["code"] == "configuration_error"
        assert "no triggers" in error["message"]
        coach = {
            "type": "coach.settings",
            "quick_phrases": ["a"],
            "full_phrases": ["b"],
            "interrupt_phrases": ["c"],
            "quick_window": 1,
            "full_window": 1,
        }
        await ws.send(json.dumps(coach))
        _, error = await until(ws, "error")
        assert (error["code"], error["event_type"]) == ("rejected", "coach.settings")
        await ws.send(json.dumps({"type": "ping"}))
        await until(ws, "pong")
    assert len(scripts.models) == 1


@pytest.mark.parametrize(
    ("query", "code", "close_code"),
    [
        ("?scenario=no_such_thing", "unknown_scenario", 4400),
        ("?push_to_talk=maybe", "invalid_query", 4400),
    ],
)
async def test_bad_queries_get_one_error_then_4400(
    settings: Settings, scripts: Scripts, query: str, code: str, close_code: int
) -> None:
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws(query)) as ws,
    ):
        error = await next_json(ws)
        assert error["type"] == "error"
        assert error["code"] == code
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        assert ws.close_code == close_code
    assert scripts.models == []


@pytest.mark.parametrize(
    ("query", "allowed"), [("", False), ("?token=nope", False), ("?token=s3cret", True)]
)
async def test_a_configured_token_is_required(
    settings: Settings, scripts: Scripts, query: str, allowed: bool
) -> None:
    settings = settings.model_copy(update={"bridge_token": SecretStr("s3cret")})
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws(query)) as ws,
    ):
        first = await next_json(ws)
        if allowed:
            assert first["type"] == "session.ready"
            return
        assert (first["type"], first["code"]) == ("error", "unauthorized")
        assert "s3cret" not in first["message"]
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        assert ws.close_code == 4401


async def test_a_slow_browser_loses_old_audio_but_no_events(
    settings: Settings, scripts: Scripts
) -> None:
    chunks = 3000
    settings = settings.model_copy(update={"outbound_queue": 16})
    scripts.queue.append(
        [on(cmd.CreateResponse, reply("A very long answer.", audio_ms=chunks * 100, chunks=chunks))]
    )
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws(), max_queue=1) as ws,
    ):
        ready = await next_json(ws)
        connection = server.state.connections[ready["session_id"]]
        await ws.send(json.dumps({"type": "text", "text": "tell me everything"}))
        await asyncio.wait_for(connection.outbox.slowed.wait(), TIMEOUT_S)
        frames, _ = await until(ws, "response.finished")
        stats = connection.stats
    audio = [f for f in frames if isinstance(f, bytes)]
    assert 0 < len(audio) < chunks
    assert stats.dropped_audio_frames > 0
    assert stats.peak_frames <= 16 + 3
    errors = [json.loads(f) for f in frames if isinstance(f, str) and '"slow_consumer"' in f]
    assert errors
    assert errors[0]["code"] == "slow_consumer"
    seen = kinds(frames)
    assert seen.count("transcript.delta") == 4
    assert "history.updated" in seen


@dataclass
class SlowToolCatalog:
    """One scenario whose tool blocks until cancelled."""

    started: asyncio.Event = field(default_factory=asyncio.Event)
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)

    def names(self) -> list[str]:
        return ["slow"]

    def load(self, name: str, *, supervisor: LLM | None = None) -> Scenario:
        if name != "slow":
            return BuiltinScenarios().load(name)

        @function_tool
        async def wait_forever() -> str:
            """Waits until the conversation ends."""
            self.started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
            return "never"

        agent = Agent(name="waiter", instructions="Wait.", tools=[wait_forever])
        return Scenario("slow", "Slow", "A tool that never ends.", agent, (agent,))


async def test_closing_the_tab_cancels_running_tools(settings: Settings, scripts: Scripts) -> None:
    catalog = SlowToolCatalog()
    scripts.queue.append([on(cmd.CreateResponse, call("wait_forever"))])
    app = create_app(settings, model_factory=scripts, catalog=catalog)
    async with serve(app) as server:
        async with connect(server.ws("?scenario=slow")) as ws:
            await until(ws, "session.ready")
            await ws.send(json.dumps({"type": "text", "text": "go"}))
            await until(ws, "tool.started")
            await asyncio.wait_for(catalog.started.wait(), TIMEOUT_S)
        await asyncio.wait_for(catalog.cancelled.wait(), TIMEOUT_S)
        await asyncio.wait_for(scripts.models[0].closed.wait(), TIMEOUT_S)
        assert server.state.connections == {}


async def test_a_model_that_ends_closes_the_socket(settings: Settings, scripts: Scripts) -> None:
    async with serve(create_app(settings, model_factory=scripts)) as server:
        async with connect(server.ws()) as ws:
            await until(ws, "session.ready")
            await scripts.models[0].close()
            with pytest.raises(ConnectionClosed):
                await drain_until_closed(ws)
            assert ws.close_code == 1011
        assert server.state.connections == {}


async def drain_until_closed(ws: ClientConnection) -> None:
    """Read frames until the server closes the socket (ConnectionClosed)."""
    while True:
        await asyncio.wait_for(ws.recv(), TIMEOUT_S)
