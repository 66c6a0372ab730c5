"""Listing (paging, scenario and date filters) and deleting, on SQLite and PostgreSQL."""

from __future__ import annotations

from voxline.core.items import Role
from voxline.store import ConversationStore
from voxline.store.records import EndConversation, PutItem, StartConversation, Write

DAY = 86_400.0
T0 = 1_700_000_000.0


def conversation(n: int, scenario: str, started_at: float) -> list[Write]:
    cid = f"c{n:02d}"
    data = {"id": "m1", "kind": "message", "role": Role.USER.value, "text": f"hello {n}"}
    return [
        StartConversation(cid, scenario, "local", started_at),
        PutItem(cid, "m1", 0, "message", started_at, data),
        EndConversation(cid, started_at + 60, "done"),
    ]


async def fill(store: ConversationStore) -> None:
    writes: list[Write] = []
    for n in range(12):
        scenario = "coach" if n % 3 == 0 else "shop"
        writes += conversation(n, scenario, T0 + n * DAY)
    await store.apply(writes)


async def test_pages_are_newest_first_with_a_total(store: ConversationStore) -> None:
    await fill(store)

    first = await store.list(limit=5)
    second = await store.list(limit=5, offset=5)
    last = await store.list(limit=5, offset=10)

    assert first.total == 12
    assert [c.id for c in first.conversations] == ["c11", "c10", "c09", "c08", "c07"]
    assert [c.id for c in second.conversations] == ["c06", "c05", "c04", "c03", "c02"]
    assert [c.id for c in last.conversations] == ["c01", "c00"]
    assert all(c.item_count == 1 for c in first.conversations)


async def test_filters_by_scenario_and_start_time(store: ConversationStore) -> None:
    await fill(store)

    coach = await store.list(scenario="coach")
    window = await store.list(since=T0 + 2 * DAY, until=T0 + 5 * DAY)
    both = await store.list(scenario="shop", since=T0 + 2 * DAY, until=T0 + 5 * DAY)

    assert coach.total == 4
    assert {c.scenario for c in coach.conversations} == {"coach"}
    assert [c.id for c in window.conversations] == ["c04", "c03", "c02"]
    assert [c.id for c in both.conversations] == ["c04", "c02"]


async def test_delete_removes_a_conversation_and_its_rows(store: ConversationStore) -> None:
    await fill(store)

    assert await store.delete("c03") is True
    assert await store.delete("c03") is False
    assert await store.get("c03") is None
    assert (await store.list()).total == 11
    assert await store.get("c04") is not None


async def test_unknown_conversation_is_none(store: ConversationStore) -> None:
    assert await store.get("nope") is None
