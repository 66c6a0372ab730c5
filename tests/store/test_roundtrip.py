"""A whole conversation written through the queue and read back, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.store.conversation import COST, full_conversation, items_of
from voxline.core import session_events as se
from voxline.server.wire import history_item
from voxline.store import ConversationLog, ConversationStore
from voxline.store.export import to_markdown
from voxline.store.schema import metadata


def ticking(start: float = 1_700_000_000.0, step: float = 0.25) -> object:
    counter = itertools.count()
    return lambda: start + step * next(counter)


async def record(store: ConversationStore, events: list[se.SessionEvent], **begin: str) -> str:
    log = ConversationLog(store, clock=ticking())  # type: ignore[arg-type]
    await log.start()
    session = log.begin("conv1", scenario=begin.get("scenario", "demo"), backend="openai")
    for event in events:
        session.observe(event)
    session.end("the browser went away")
    await log.writer.stop()
    assert log.stats.write_failures == 0
    assert log.stats.dropped == 0
    assert log.stats.written == log.stats.submitted
    return session.conversation_id


async def test_a_full_conversation_round_trips(store: ConversationStore) -> None:
    events = await full_conversation()
    conversation_id = await record(store, events)

    found = await store.get(conversation_id)

    assert found is not None
    expected = [history_item(e.item) for e in items_of(events).values()]
    assert found.items == expected  # every item, last version, in order
    kinds = {item["kind"] for item in found.items}
    assert {"message", "function_call", "function_call_output", "handoff", "guardrail"} <= kinds
    summary = found.summary
    assert summary.scenario == "demo"
    assert summary.backend == "openai"
    assert summary.end_reason == "the browser went away"
    assert summary.ended_at is not None
    assert summary.ended_at > summary.started_at
    assert summary.input_text_tokens == 1200
    assert summary.output_audio_tokens == 500
    assert COST > 0
    assert summary.cost_usd == pytest.approx(COST)
    assert summary.item_count == len(expected)
    assert [turn.user_item_id for turn in found.turns][-1] == "user_spoken"
    assert all(turn.latency_ms >= 0 for turn in found.turns)
    types = [event["type"] for event in found.events]
    assert "handoff" in types
    assert "tool.finished" in types
    assert "transcript.delta" not in types  # streaming deltas are not sampled
    markdown = to_markdown(found)
    assert "**User:** Hi, where is my order A1001?" in markdown
    assert "> handoff: router -> support (order question)" in markdown
    assert "lookup_order" in markdown


async def test_writes_are_idempotent(store: ConversationStore) -> None:
    events = await full_conversation()
    await record(store, events)
    await record(store, events)  # a retried batch writes the same rows again

    page = await store.list()

    assert page.total == 1
    found = await store.get("conv1")
    assert found is not None
    assert len(found.items) == len(items_of(events))


async def test_the_migrations_build_exactly_the_declared_schema(store: ConversationStore) -> None:
    def differences(connection: sa.Connection) -> list[object]:
        context = MigrationContext.configure(connection)
        return list(compare_metadata(context, metadata))

    async with store.engine.connect() as conn:
        found = await conn.run_sync(differences)
    assert found == []


async def test_preparing_twice_keeps_the_data(store_url: str) -> None:
    first = ConversationStore(store_url)
    await record(first, await full_conversation())
    await first.close()
    second = ConversationStore(store_url)
    await second.prepare()
    page = await second.list()
    await second.close()
    assert page.total == 1
