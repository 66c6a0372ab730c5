"""The customer-service SQLite database: seeded on first use, searches ranked, tickets kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from voxline.errors import ConfigurationError, InputError
from voxline.scenarios.store import DB_NAME, CustomerStore


def test_the_database_is_created_and_seeded_on_first_use(tmp_path: Path) -> None:
    store = CustomerStore(tmp_path / "data")
    assert not store.path.exists()
    customer = store.customer_by_phone("5551234567")
    assert store.path == tmp_path / "data" / DB_NAME
    assert customer is not None
    assert customer["name"] == "Maria Lopez"
    assert store.customer("u1001") == customer
    assert [o["id"] for o in store.orders_of("U1001")] == ["A1001", "A1002"]


def test_search_ranks_the_best_match_first_and_filters_by_category(tmp_path: Path) -> None:
    store = CustomerStore(tmp_path)
    found = store.search_articles("I was charged twice, I want a refund")
    assert found[0]["id"] == "KB-06"
    assert all(a["score"] <= found[0]["score"] for a in found)
    assert [a["id"] for a in store.search_articles("refund", "orders")] == ["KB-04"]
    assert store.search_articles("zebra crossing") == []
    with pytest.raises(InputError, match="no words"):
        store.search_articles("the and of")


def test_tickets_persist_across_store_instances(tmp_path: Path) -> None:
    ticket = CustomerStore(tmp_path).create_ticket("Router keeps rebooting", "technical", "high")
    assert ticket.id == "TCK-1001"
    assert ticket.estimated_resolution_hours == 24
    again = CustomerStore(tmp_path).tickets()
    assert [(t.id, t.issue, t.priority) for t in again] == [
        ("TCK-1001", "Router keeps rebooting", "high")
    ]


def test_bad_tickets_are_refused(tmp_path: Path) -> None:
    store = CustomerStore(tmp_path)
    with pytest.raises(InputError, match="description"):
        store.create_ticket("  ", "technical")
    with pytest.raises(InputError, match="priority"):
        store.create_ticket("slow internet", "technical", "whenever")
    assert store.tickets() == []


def test_a_file_that_is_not_a_database_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigurationError, match="delete it"):
        CustomerStore(tmp_path).customer("U1001")
