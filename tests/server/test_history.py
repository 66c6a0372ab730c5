"""The conversation store through the server: a bridge conversation recorded, then REST
paging, filters, exports (JSON, Markdown, WAV) and delete, on a real socket."""

from __future__ import annotations

import asyncio
import json
import wave
from io import BytesIO
from pathlib import Path

import httpx2
from websockets.asyncio.client import connect

from tests.server.conftest import TIMEOUT_S, Scripts, serve
from tests.server.wsutil import next_json, until
from voxline.core import commands as cmd
from voxline.server.app import ServerState, create_app
from voxline.settings import Settings
from voxline.store.records import EndConversation, PutItem, StartConversation, Write
from voxline.testing import call, on, reply

DAY = 86_400.0
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


async def talk(server_ws: str, text: str) -> str:
    """One typed turn through the bridge; returns the session id."""
    async with connect(server_ws) as ws:
        ready = await next_json(ws)
        await ws.send(json.dumps({"type": "text", "text": text}))
        for _ in range(3):
            await until(ws, "response.finished")
        await ws.send(b"\x10\x00" * 2400)  # 100 ms of microphone audio for the recording
    session_id: str = ready["session_id"]
    return session_id


async def settled(state: ServerState) -> None:
    """Wait until the bridge ended the conversation and its writes landed."""
    assert state.conversations is not None
    await asyncio.wait_for(state.conversations.settled(), TIMEOUT_S)


async def test_a_bridge_conversation_is_kept_and_exported(
    settings: Settings, scripts: Scripts
) -> None:
    scripts.queue.append(
        [
            on(cmd.CreateResponse, call("transfer_to_support", {"reason": "order status"})),
            on(cmd.CreateResponse, call("lookup_order_by_phone", {"phone": "555 123 4567"})),
            on(cmd.CreateResponse, reply("Your order has shipped.", audio_ms=200)),
        ]
    )
    recording = settings.model_copy(update={"recording": True})
    async with (
        serve(create_app(recording, model_factory=scripts)) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        session_id = await talk(server.ws("?scenario=customer_service"), "Where is my order?")
        await settled(server.state)
        listed = (await client.get("/api/conversations")).json()
        shown = (await client.get(f"/api/conversations/{session_id}")).json()
        markdown = await client.get(f"/api/conversations/{session_id}/export?format=md")
        exported = await client.get(f"/api/conversations/{session_id}/export?format=json")
        wav = await client.get(f"/api/conversations/{session_id}/export?format=wav")

    assert listed["total"] == 1
    assert listed["conversations"][0]["id"] == session_id
    assert listed["conversations"][0]["scenario"] == "customer_service"
    assert listed["conversations"][0]["has_recording"] is True
    conversation = shown["conversation"]
    assert conversation["backend"] == "custom"
    assert conversation["ended_at"] is not None
    kinds = [item["kind"] for item in shown["items"]]
    assert kinds[0] == "message"
    assert {"function_call", "function_call_output", "handoff"} <= set(kinds)
    assert shown["items"][-1]["text"] == "Your order has shipped."
    assert len(shown["turns"]) == 1
    assert shown["turns"][0]["latency_ms"] >= 0
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "**User:** Where is my order?" in markdown.text
    assert "**support:** Your order has shipped." in markdown.text
    assert exported.json()["items"] == shown["items"]
    assert "attachment" in exported.headers["content-disposition"]
    assert wav.status_code == 200
    with wave.open(BytesIO(wav.content)) as read:
        assert read.getnchannels() == 2
        assert read.getnframes() > 0


async def seed(state: ServerState) -> None:
    assert state.conversations is not None
    writes: list[Write] = []
    for n in range(7):
        cid = f"seed{n}"
        scenario = "voice_coach" if n % 2 else "customer_service"
        writes += [
            StartConversation(cid, scenario, "local", T0 + n * DAY),
            PutItem(
                cid,
                "m",
                0,
                "message",
                T0,
                {"id": "m", "kind": "message", "role": "user", "text": f"hello {n}"},
            ),
            EndConversation(cid, T0 + n * DAY + 30, "done"),
        ]
    await state.conversations.store.apply(writes)


async def test_paging_filters_and_delete(settings: Settings, scripts: Scripts) -> None:
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        await seed(server.state)
        page = (await client.get("/api/conversations", params={"limit": 3, "offset": 3})).json()
        coach = (await client.get("/api/conversations", params={"scenario": "voice_coach"})).json()
        days = await client.get(
            "/api/conversations", params={"since": "2026-01-02", "until": "2026-01-04"}
        )
        instant = await client.get("/api/conversations", params={"since": "2026-01-05T00:00:00Z"})
        bad = await client.get("/api/conversations", params={"limit": 0})
        bad_date = await client.get("/api/conversations", params={"since": "yesterday"})
        no_wav = await client.get("/api/conversations/seed1/export?format=wav")
        bad_format = await client.get("/api/conversations/seed1/export?format=pdf")
        deleted = await client.delete("/api/conversations/seed1")
        again = await client.delete("/api/conversations/seed1")
        missing = await client.get("/api/conversations/seed1")
        total = (await client.get("/api/conversations")).json()["total"]

    assert page["total"] == 7
    assert [c["id"] for c in page["conversations"]] == ["seed3", "seed2", "seed1"]
    assert {c["id"] for c in coach["conversations"]} == {"seed1", "seed3", "seed5"}
    assert [c["id"] for c in days.json()["conversations"]] == ["seed3", "seed2", "seed1"]
    assert [c["id"] for c in instant.json()["conversations"]] == ["seed6", "seed5", "seed4"]
    assert bad.status_code == 422
    assert bad_date.status_code == 422
    assert no_wav.status_code == 404
    assert "no recording" in no_wav.json()["detail"]
    assert bad_format.status_code == 422
    assert deleted.status_code == 204
    assert again.status_code == 404
    assert missing.status_code == 404
    assert total == 6


async def test_a_store_that_is_down_answers_503(tmp_path: Path, scripts: Scripts) -> None:
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path, database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        _env_file=None,
    )  # fmt: skip
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        listed = await client.get("/api/conversations")
        health = await client.get("/api/health")
    assert listed.status_code == 503
    assert "unavailable" in listed.json()["detail"]
    assert health.status_code == 200
