"""Structured logs: JSON lines with the session id, and no secret anywhere at DEBUG level."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx2
import pytest
from pydantic import SecretStr
from websockets.asyncio.client import connect

from tests.server.conftest import Scripts, serve
from tests.server.wsutil import next_json, until
from voxline.core import commands as cmd
from voxline.server.app import create_app
from voxline.server.logs import bind_session, configure_logging
from voxline.settings import Settings
from voxline.testing import call, on, reply

API_KEY = "vx-live-4f9c2a7e1b3d5f60"
OPENAI_KEY = "sk-proj-known-secret-000111222"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`configure_logging` sets up the voxline and uvicorn loggers; put them back afterwards."""
    names = ("voxline", "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {n: (list(logging.getLogger(n).handlers), logging.getLogger(n).propagate,
                 logging.getLogger(n).level) for n in names}  # fmt: skip
    yield
    for name, (handlers, propagate, level) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers, logger.propagate = handlers, propagate
        logger.setLevel(level)


def test_json_lines_carry_the_session_extras_and_the_traceback() -> None:
    stream = io.StringIO()
    configure_logging("INFO", secrets=[API_KEY], log_format="json", stream=stream)
    log = logging.getLogger("voxline.test")
    log.info("outside")
    with bind_session("abc123"):
        log.info("loaded %s", "model", extra={"backend": "local"})
        try:
            raise KeyError(API_KEY)
        except KeyError:
            log.exception("failed with the key %s", API_KEY)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["session_id"] for line in lines] == ["-", "abc123", "abc123"]
    assert lines[1]["message"] == "loaded model"
    assert lines[1]["backend"] == "local"
    assert (lines[1]["level"], lines[1]["logger"]) == ("INFO", "voxline.test")
    assert lines[1]["ts"].endswith("+00:00")
    assert "KeyError" in lines[2]["exc"]
    assert API_KEY not in stream.getvalue()
    assert stream.getvalue().count("[redacted]") == 2


def test_console_lines_scrub_tracebacks_too() -> None:
    stream = io.StringIO()
    configure_logging("INFO", secrets=[API_KEY], stream=stream)
    try:
        raise ValueError(API_KEY)
    except ValueError:
        logging.getLogger("voxline.test").exception("failed")
    text = stream.getvalue()
    assert "session=- failed" in text
    assert "ValueError: [redacted]" in text
    assert API_KEY not in text


async def test_no_secret_is_logged_at_debug_across_a_whole_conversation(
    settings: Settings, scripts: Scripts
) -> None:
    settings = settings.model_copy(
        update={"api_keys": [SecretStr(API_KEY)], "openai_api_key": SecretStr(OPENAI_KEY)}
    )
    stream = io.StringIO()
    configure_logging("DEBUG", secrets=settings.secrets, log_format="json", stream=stream)
    scripts.queue.append(
        [
            on(cmd.CreateResponse, call("transfer_to_support", {"reason": API_KEY})),
            on(cmd.CreateResponse, call("lookup_order_by_phone", {"phone": "555 123 4567"})),
            on(cmd.CreateResponse, reply(f"Your key {OPENAI_KEY} is safe.", audio_ms=100)),
        ]
    )
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        httpx2.AsyncClient(base_url=server.http, headers=headers) as client,
    ):
        assert (await client.get("/api/scenarios")).status_code == 200
        assert (await client.get("/api/scenarios?token=" + API_KEY)).status_code == 200
        async with connect(server.ws(f"?token={API_KEY}")) as ws:
            ready = await next_json(ws)
            await ws.send(json.dumps({"type": "text", "text": f"my key is {API_KEY}"}))
            for _ in range(3):
                await until(ws, "response.finished")
            await ws.send(json.dumps({"type": "nonsense", "key": OPENAI_KEY}))
            await until(ws, "error")
        await scripts.models[0].closed.wait()
    text = stream.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert API_KEY not in text
    assert OPENAI_KEY not in text
    assert "[redacted]" in text  # the token in the WebSocket URL was there to scrub
    assert any(line["level"] == "DEBUG" for line in lines)
    conversation = [line for line in lines if line["logger"].startswith("voxline.server.bridge")]
    assert conversation
    assert {line["session_id"] for line in conversation} == {ready["session_id"]}
