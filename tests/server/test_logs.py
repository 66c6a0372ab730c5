"""Log lines carry the session id and never the secrets."""

from __future__ import annotations

import asyncio
import io
import logging

from voxline.server.logs import LOG_FORMAT, RedactSecrets, SessionIdFilter, bind_session


def capture() -> tuple[logging.Logger, io.StringIO, RedactSecrets]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    redact = RedactSecrets(["sk-secret"])
    handler.addFilter(SessionIdFilter())
    handler.addFilter(redact)
    logger = logging.getLogger("voxline.test.logs")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream, redact


async def test_session_ids_follow_tasks() -> None:
    logger, stream, _ = capture()
    logger.info("outside")
    with bind_session("abc123"):
        await asyncio.create_task(asyncio.to_thread(lambda: None))
        await asyncio.create_task(_log(logger, "inside a task"))
    lines = stream.getvalue().splitlines()
    assert "session=- outside" in lines[0]
    assert "session=abc123 inside a task" in lines[1]


async def _log(logger: logging.Logger, text: str) -> None:
    logger.info(text)


def test_secrets_are_scrubbed_from_messages_and_arguments() -> None:
    logger, stream, redact = capture()
    logger.info("key is %s", "sk-secret")
    redact.add("ek_minted")
    logger.info("token ek_minted issued")
    out = stream.getvalue()
    assert "sk-secret" not in out
    assert "ek_minted" not in out
    assert out.count("[redacted]") == 2
