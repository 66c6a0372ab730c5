"""The conversation database: connect (SQLite or PostgreSQL), migrate, apply writes, query."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from voxline.errors import ConfigurationError, StoreError, StoreRejectedError
from voxline.store import schema as t
from voxline.store.records import (
    AddEvent,
    AddTurn,
    EndConversation,
    PutItem,
    SetRecording,
    SetUsage,
    StartConversation,
    Write,
)
from voxline.store.views import ConversationDetail, ConversationPage, ConversationSummary, Turn

__all__ = ["MIGRATIONS_DIR", "ConversationStore", "default_url"]

log = logging.getLogger("voxline.store")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
"""The Alembic scripts shipped inside the package."""

DB_FILE = "conversations.db"


def default_url(data_dir: Path) -> str:
    """The SQLite database in `data_dir` (created with its parents when missing)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{data_dir / DB_FILE}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL survives a killed process
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _summary(row: sa.Row[Any]) -> ConversationSummary:
    return ConversationSummary(
        id=row.id,
        scenario=row.scenario,
        backend=row.backend,
        started_at=row.started_at,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        input_text_tokens=row.input_text_tokens,
        input_audio_tokens=row.input_audio_tokens,
        input_cached_tokens=row.input_cached_tokens,
        output_text_tokens=row.output_text_tokens,
        output_audio_tokens=row.output_audio_tokens,
        cost_usd=row.cost_usd,
        recording=row.recording,
        item_count=int(row.item_count or 0),
    )


class ConversationStore:
    """One database of conversations. Connects lazily: `prepare` migrates on first use.

    Args:
        url: A SQLAlchemy async URL: `sqlite+aiosqlite:///path.db` or
            `postgresql+asyncpg://user@host:port/db`.

    Raises:
        ConfigurationError: the URL cannot be parsed or names a driver that is not installed.
    """

    def __init__(self, url: str) -> None:
        try:
            parsed = sa.make_url(url)
            self.engine: AsyncEngine = create_async_engine(parsed, pool_pre_ping=True)
        except (ArgumentError, ImportError, sa.exc.NoSuchModuleError) as exc:
            raise ConfigurationError(
                f"cannot use the conversation store URL: {exc}; use sqlite+aiosqlite:///FILE "
                "or postgresql+asyncpg://USER@HOST:PORT/DB"
            ) from None
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            sa.event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.url = parsed.render_as_string(hide_password=True)
        self._ready = False
        self._lock = asyncio.Lock()

    async def prepare(self) -> None:
        """Connect and bring the schema up to date (once).

        Raises:
            StoreError: the database cannot be reached or migrated.
        """
        if self._ready:
            return
        async with self._lock:
            try:
                async with self.engine.begin() as conn:
                    await conn.run_sync(_upgrade)
            except (SQLAlchemyError, OSError) as exc:
                raise StoreError(
                    f"the conversation store at {self.url} is unavailable: {exc}"
                ) from exc
            self._ready = True
            log.info("conversation store ready: %s", self.url)

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    # ----------------------------------------------------------------- writes

    async def apply(self, writes: Sequence[Write]) -> None:
        """Apply writes in order, in one transaction (idempotent: safe to retry).

        Raises:
            StoreError: the database failed; nothing of the batch was kept.
        """
        await self.prepare()
        try:
            async with self.engine.begin() as conn:
                for write in _coalesce(writes):
                    await self._apply_one(conn, write)
        except (IntegrityError, DataError) as exc:
            raise StoreRejectedError(f"the conversation store refused a write: {exc}") from exc
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"writing to the conversation store failed: {exc}") from exc

    def _insert(self, table: sa.Table) -> Any:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    async def _apply_one(self, conn: AsyncConnection, write: Write) -> None:
        c = t.conversations.c
        match write:
            case StartConversation():
                stmt = self._insert(t.conversations).values(
                    id=write.conversation_id,
                    scenario=write.scenario,
                    backend=write.backend,
                    started_at=write.started_at,
                )
                await conn.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))
            case PutItem():
                values = {
                    "conversation_id": write.conversation_id,
                    "item_id": write.item_id,
                    "seq": write.seq,
                    "kind": write.kind,
                    "created_at": write.created_at,
                    "data": write.data,
                }
                stmt = self._insert(t.items).values(**values)
                await conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["conversation_id", "item_id"],
                        set_={"kind": write.kind, "data": write.data},
                    )
                )
            case AddEvent() | AddTurn():
                await conn.execute(_row_insert(self._insert, write))
            case SetUsage():
                u = write.usage
                await conn.execute(
                    sa.update(t.conversations)
                    .where(c.id == write.conversation_id)
                    .values(
                        input_text_tokens=u.input_text_tokens,
                        input_audio_tokens=u.input_audio_tokens,
                        input_cached_tokens=u.input_cached_tokens,
                        output_text_tokens=u.output_text_tokens,
                        output_audio_tokens=u.output_audio_tokens,
                        cost_usd=write.cost_usd,
                    )
                )
            case SetRecording():
                await conn.execute(
                    sa.update(t.conversations)
                    .where(c.id == write.conversation_id)
                    .values(recording=write.path)
                )
            case EndConversation():
                await conn.execute(
                    sa.update(t.conversations)
                    .where(c.id == write.conversation_id)
                    .values(ended_at=write.ended_at, end_reason=write.reason)
                )

    # ----------------------------------------------------------------- reads

    async def list(
        self,
        *,
        scenario: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> ConversationPage:
        """Conversations, newest first, filtered by scenario and start time [since, until).

        Raises:
            StoreError: the database cannot be reached.
        """
        c = t.conversations.c
        where: list[sa.ColumnElement[bool]] = []
        if scenario:
            where.append(c.scenario == scenario)
        if since is not None:
            where.append(c.started_at >= since)
        if until is not None:
            where.append(c.started_at < until)
        counted = (
            sa.select(sa.func.count())
            .select_from(t.items)
            .where(t.items.c.conversation_id == c.id)
            .scalar_subquery()
        )
        query = (
            sa.select(t.conversations, counted.label("item_count"))
            .where(*where)
            .order_by(c.started_at.desc(), c.id)
            .limit(limit)
            .offset(offset)
        )
        total_query = sa.select(sa.func.count()).select_from(t.conversations).where(*where)
        async with self._reading() as conn:
            rows = (await conn.execute(query)).all()
            total = int((await conn.execute(total_query)).scalar_one())
        return ConversationPage(total, limit, offset, [_summary(r) for r in rows])

    async def get(self, conversation_id: str) -> ConversationDetail | None:
        """One conversation with its items, turn latencies and sampled events (None: unknown).

        Raises:
            StoreError: the database cannot be reached.
        """
        page_query = sa.select(
            t.conversations,
            sa.select(sa.func.count())
            .select_from(t.items)
            .where(t.items.c.conversation_id == conversation_id)
            .scalar_subquery()
            .label("item_count"),
        ).where(t.conversations.c.id == conversation_id)
        async with self._reading() as conn:
            row = (await conn.execute(page_query)).first()
            if row is None:
                return None
            found = await conn.execute(
                sa.select(t.items.c.data)
                .where(t.items.c.conversation_id == conversation_id)
                .order_by(t.items.c.seq)
            )
            item_data = [dict(r.data) for r in found]
            turn_rows = await conn.execute(
                sa.select(t.turns)
                .where(t.turns.c.conversation_id == conversation_id)
                .order_by(t.turns.c.seq)
            )
            turn_list = [
                Turn(r.seq, r.user_item_id, r.ended_at, r.first_output_at, r.latency_ms)
                for r in turn_rows
            ]
            event_rows = await conn.execute(
                sa.select(t.events.c.data, t.events.c.at)
                .where(t.events.c.conversation_id == conversation_id)
                .order_by(t.events.c.seq)
            )
            event_list = [{"at": r.at, **dict(r.data)} for r in event_rows]
        return ConversationDetail(_summary(row), item_data, turn_list, event_list)

    async def delete(self, conversation_id: str) -> bool:
        """Delete one conversation and everything of it; False when there was none.

        Raises:
            StoreError: the database cannot be reached.
        """
        await self.prepare()
        try:
            async with self.engine.begin() as conn:
                for table in (t.items, t.events, t.turns):
                    await conn.execute(
                        sa.delete(table).where(table.c.conversation_id == conversation_id)
                    )
                gone = await conn.execute(
                    sa.delete(t.conversations).where(t.conversations.c.id == conversation_id)
                )
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"deleting from the conversation store failed: {exc}") from exc
        return bool(gone.rowcount)

    def _reading(self) -> _Reading:
        return _Reading(self)


class _Reading:
    """`async with store._reading() as conn`: a read connection with errors as StoreError."""

    def __init__(self, store: ConversationStore) -> None:
        self._store = store
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> AsyncConnection:
        await self._store.prepare()
        try:
            self._conn = await self._store.engine.connect()
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"reading the conversation store failed: {exc}") from exc
        return self._conn

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: object) -> None:  # fmt: skip
        assert self._conn is not None
        await self._conn.close()
        if isinstance(exc, SQLAlchemyError | OSError):
            raise StoreError(f"reading the conversation store failed: {exc}") from exc


def _row_insert(insert: Any, write: AddEvent | AddTurn) -> Any:
    if isinstance(write, AddEvent):
        stmt = insert(t.events).values(
            conversation_id=write.conversation_id,
            seq=write.seq,
            at=write.at,
            type=write.type,
            data=write.data,
        )
    else:
        stmt = insert(t.turns).values(
            conversation_id=write.conversation_id,
            seq=write.seq,
            user_item_id=write.user_item_id,
            ended_at=write.ended_at,
            first_output_at=write.first_output_at,
            latency_ms=write.latency_ms,
        )
    return stmt.on_conflict_do_nothing(index_elements=["conversation_id", "seq"])


def _coalesce(writes: Sequence[Write]) -> list[Write]:
    """Keep only the last PutItem of each item and the last SetUsage of each conversation."""
    last: dict[tuple[str, str], int] = {}
    for index, write in enumerate(writes):
        if isinstance(write, PutItem):
            last[("item", f"{write.conversation_id}/{write.item_id}")] = index
        elif isinstance(write, SetUsage):
            last[("usage", write.conversation_id)] = index
    keep = set(last.values())
    return [w for i, w in enumerate(writes) if i in keep or not isinstance(w, PutItem | SetUsage)]
