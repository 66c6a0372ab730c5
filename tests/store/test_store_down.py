"""The database goes down mid-conversation: the conversation goes on, writes land later."""

from __future__ import annotations

import asyncio

import pytest

from tests.store.conftest import fresh_database
from tests.store.postgres import PostgresServer
from voxline.core import session_events as se
from voxline.core.items import Message, Role
from voxline.errors import ConfigurationError, StoreError
from voxline.store import ConversationLog, ConversationStore

TIMEOUT_S = 20.0


def said(n: int) -> se.HistoryItemAdded:
    return se.HistoryItemAdded(Message(f"m{n}", Role.USER, f"message {n}", float(n), float(n)))


async def test_writes_wait_for_postgres_to_come_back(postgres: PostgresServer) -> None:
    url = await fresh_database(postgres)
    store = ConversationStore(url)
    log = ConversationLog(store)
    await log.start()
    writer = log.writer
    writer.retry_s = writer.max_retry_s = 0.05
    session = log.begin("down1", scenario="demo", backend="local")
    session.observe(said(1))
    await writer.flushed()

    postgres.stop()
    try:
        for n in range(2, 6):
            session.observe(said(n))  # never blocks, never raises
        await asyncio.wait_for(writer.wait_until(lambda s: s.write_failures >= 2), TIMEOUT_S)
        assert writer.queued >= 4
        with pytest.raises(StoreError):
            await store.get("down1")
    finally:
        postgres.start()

    await asyncio.wait_for(writer.flushed(), TIMEOUT_S)
    session.end("done")
    await log.stop()
    reopened = ConversationStore(url)
    found = await reopened.get("down1")
    await reopened.close()
    assert found is not None
    assert [item["text"] for item in found.items] == [f"message {n}" for n in range(1, 6)]
    assert found.summary.end_reason == "done"
    assert log.stats.dropped == 0
    assert log.stats.lost == 0


async def test_a_store_that_never_answers_is_logged_not_raised() -> None:
    log = ConversationLog(ConversationStore("postgresql+asyncpg://nobody@127.0.0.1:1/none"))
    log.writer.retry_s = log.writer.max_retry_s = 0.01
    await log.start()  # logs the failure
    session = log.begin("lost", scenario="demo", backend="local")
    session.observe(said(1))
    await asyncio.wait_for(log.writer.wait_until(lambda s: s.write_failures >= 1), TIMEOUT_S)
    await log.writer.stop(timeout_s=0.05)
    await log.store.close()
    assert log.stats.lost == 3  # start, the item and its sampled event
    assert log.stats.last_error is not None


def test_a_bad_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="store URL"):
        ConversationStore("nosuchdriver://x")
