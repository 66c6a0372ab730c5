"""`voxline serve` killed with SIGKILL mid-conversation keeps the conversation up to the kill.

The server is a real subprocess on the openai backend, pointed at the fake realtime server.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
from websockets.asyncio.client import connect

from tests.server.wsutil import next_json, until
from voxline.testing.realtime_server import FakeRealtimeServer, FakeReply

START_TIMEOUT_S = 60.0
TIMEOUT_S = 10.0
READY = re.compile(r"voxline is ready: open (http://127\.0\.0\.1:\d+)/")


@asynccontextmanager
async def voxline_serve(data_dir: Path, fake: FakeRealtimeServer) -> AsyncIterator[tuple[Any, str]]:
    """A `voxline serve` process; yields it and its base URL once it says it is ready."""
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-test-kill",
        "OPENAI_BASE_URL": fake.base_url,
        "VOXLINE_DATA_DIR": str(data_dir),
        "VOXLINE_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "voxline", "serve", "--backend", "openai", "--port", "0",
        "--scenario", "simple_handoff",
        cwd=data_dir, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(START_TIMEOUT_S):
            while (line := (await process.stdout.readline()).decode()) and not READY.search(line):
                seen.append(line)
        found = READY.search(line)
        assert found, "".join(seen)
        yield process, found.group(1)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def stored(client: httpx2.AsyncClient, session_id: str, text: str) -> dict[str, Any]:
    """The stored conversation once it holds an item with `text` (polled; safety-net timeout)."""
    async with asyncio.timeout(TIMEOUT_S):
        while True:
            response = await client.get(f"/api/conversations/{session_id}")
            if response.status_code == 200:
                body: dict[str, Any] = response.json()
                if any(item.get("text") == text for item in body["items"]):
                    return body
            await asyncio.sleep(0.05)


async def test_sigkill_mid_conversation_keeps_it_up_to_the_kill(tmp_path: Path) -> None:
    replies = [FakeReply("The first answer."), FakeReply("The second answer.", hold_after=1)]
    async with FakeRealtimeServer(replies) as fake:
        async with voxline_serve(tmp_path, fake) as (process, base):
            ws_url = base.replace("http://", "ws://") + "/ws/session"
            async with connect(ws_url) as ws, httpx2.AsyncClient(base_url=base) as client:
                ready = await next_json(ws)
                session_id = ready["session_id"]
                await ws.send(json.dumps({"type": "text", "text": "hello there"}))
                await until(ws, "response.finished")
                before = await stored(client, session_id, "The first answer.")
                await ws.send(json.dumps({"type": "text", "text": "and again"}))
                await until(ws, "transcript.delta")  # the second answer is streaming
                process.send_signal(signal.SIGKILL)
                await process.wait()
        assert process.returncode == -signal.SIGKILL

        async with (
            voxline_serve(tmp_path, fake) as (_, base),
            httpx2.AsyncClient(base_url=base) as client,
        ):
            listed = (await client.get("/api/conversations")).json()
            after = (await client.get(f"/api/conversations/{session_id}")).json()

    assert [c["id"] for c in listed["conversations"]] == [session_id]
    texts = [item.get("text") for item in after["items"]]
    assert texts[:2] == ["hello there", "The first answer."]
    assert after["items"][: len(before["items"])] == before["items"]
    assert after["conversation"]["ended_at"] is None  # it never ended: the server died
    assert after["conversation"]["backend"] == "openai"
    assert after["conversation"]["total_tokens"] > 0
