"""REST on a real socket: scenarios, health while warming/ready/failed, client tokens, docs, UI."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import httpx2
import pytest
from pydantic import SecretStr
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.server.conftest import TIMEOUT_S, Scripts, serve
from tests.server.wsutil import next_json, until
from voxline.engine.parts import EngineParts
from voxline.errors import ModelFileError
from voxline.server.app import create_app
from voxline.server.backends import LocalBackend, Progress
from voxline.settings import Settings
from voxline.testing.engine_fakes import FakeTTS, FakeVAD, ScriptedLLM, ScriptedSTT
from voxline.testing.realtime_server import FakeRealtimeServer


async def test_scenarios_list_every_builtin(settings: Settings, scripts: Scripts) -> None:
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        response = await client.get("/api/scenarios")
    assert response.status_code == 200
    found = {s["name"]: s for s in response.json()}
    assert set(found) == {"chat_supervisor", "customer_service", "simple_handoff", "voice_coach"}
    assert found["voice_coach"]["coach"] is True
    assert found["customer_service"]["coach"] is False
    assert found["customer_service"]["default"] is True
    assert found["customer_service"]["start_agent"] == "router"
    assert "billing" in found["customer_service"]["agents"]
    assert found["voice_coach"]["title"]


async def test_docs_and_openapi(settings: Settings, scripts: Scripts) -> None:
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        docs = await client.get("/docs")
        spec = (await client.get("/openapi.json")).json()
    assert docs.status_code == 200
    assert {"/api/scenarios", "/api/health", "/api/client-token"} <= set(spec["paths"])


async def test_the_web_ui_is_served_at_the_root(
    settings: Settings, scripts: Scripts, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>voxline</title>")
    async with (
        serve(create_app(settings, model_factory=scripts, web_dir=web)) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        page = await client.get("/")
        missing = await client.get("/nope.js")
    assert page.status_code == 200
    assert "<title>voxline</title>" in page.text
    assert missing.status_code == 404


async def test_client_tokens_need_the_openai_backend(settings: Settings, scripts: Scripts) -> None:
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        response = await client.post("/api/client-token")
    assert response.status_code == 404
    assert "openai backend" in response.json()["detail"]


async def test_client_tokens_are_minted_with_the_server_key(settings: Settings) -> None:
    key = "sk-test-server-key-123"
    async with FakeRealtimeServer(api_key=key) as fake:
        openai = settings.model_copy(
            update={
                "backend": "openai",
                "openai_api_key": SecretStr(key),
                "openai_base_url": fake.http_base_url,
            }
        )
        async with (
            serve(create_app(openai)) as server,
            httpx2.AsyncClient(base_url=server.http) as client,
        ):
            response = await client.post("/api/client-token", json={"expires_after_s": 60})
            health = (await client.get("/api/health")).json()
    assert response.status_code == 200
    token = response.json()
    assert token["value"].startswith("ek_")
    assert key not in json.dumps(token)
    assert health["backend"] == "openai"
    assert key not in json.dumps(health)


def fake_components(turns: list[str]) -> EngineParts:
    return EngineParts(stt=ScriptedSTT([]), llm=ScriptedLLM(turns), tts=FakeTTS(), make_vad=FakeVAD)


async def test_health_while_warming_then_ready(settings: Settings) -> None:
    gate = threading.Event()

    def load(progress: Progress) -> EngineParts:
        progress("loading fake parts")
        gate.wait(TIMEOUT_S)
        return fake_components(["Hello from the engine."])

    app = create_app(settings, backend=LocalBackend(load))
    async with (
        serve(app) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        warming = (await client.get("/api/health")).json()
        async with connect(server.ws()) as ws:
            first = await next_json(ws)
            assert (first["type"], first["state"]) == ("connection", "connecting")
            gate.set()
            ready_event = await next_json(ws)
            assert ready_event["type"] == "session.ready"
            assert ready_event["backend"] == "local"
            await ws.send(json.dumps({"type": "text", "text": "hi"}))
            frames, _ = await until(ws, "response.finished")
        ready = (await client.get("/api/health")).json()
    assert (warming["status"], warming["ready"], warming["backend"]) == ("warming", False, "local")
    assert ready["status"] == "ready"
    assert ready["models"] == ["ScriptedSTT", "ScriptedLLM", "FakeTTS"]
    assert any(isinstance(f, bytes) for f in frames)
    text = "".join(json.loads(f).get("delta", "") for f in frames if isinstance(f, str))
    assert text == "Hello from the engine."


async def test_a_backend_that_cannot_load(settings: Settings) -> None:
    def load(progress: Progress) -> EngineParts:
        raise ModelFileError("the language model is missing: run `voxline models install`")

    async with serve(create_app(settings, backend=LocalBackend(load))) as server:
        async with connect(server.ws()) as ws:
            events = [await next_json(ws)]
            if events[0]["type"] == "connection":
                events.append(await next_json(ws))
            assert events[-1]["code"] == "backend_unavailable"
            assert "voxline models install" in events[-1]["message"]
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), TIMEOUT_S)
            assert ws.close_code == 1011
        async with httpx2.AsyncClient(base_url=server.http) as client:
            health = (await client.get("/api/health")).json()
    assert (health["status"], health["ready"]) == ("failed", False)
    assert "voxline models install" in health["error"]
