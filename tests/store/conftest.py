"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.store.postgres import PostgresServer, find_bindir
from voxline.store import ConversationStore

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole run (started once, stopped at the end)."""
    bindir = find_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed: run `make setup` (apt-get install postgresql)")
    server = PostgresServer.create(bindir)
    try:
        yield server
    finally:
        server.destroy()


async def fresh_database(server: PostgresServer) -> str:
    """A new empty database on `server`; returns its SQLAlchemy URL."""
    name = f"voxline_test_{next(_names)}"
    conn = await asyncpg.connect(server.admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return server.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'conversations.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return await fresh_database(server)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[ConversationStore]:
    """A migrated, empty store."""
    opened = ConversationStore(store_url)
    await opened.prepare()
    try:
        yield opened
    finally:
        await opened.close()
