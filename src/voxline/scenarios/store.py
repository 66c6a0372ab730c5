"""The customer-service database: customers, orders, articles and tickets in SQLite."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from voxline.errors import ConfigurationError, InputError

DB_NAME = "customer_service.sqlite3"
PRIORITIES = ("low", "normal", "high", "urgent")
RESOLUTION_HOURS = {"low": 120, "normal": 72, "high": 24, "urgent": 4}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    plan TEXT NOT NULL,
    balance_cents INTEGER NOT NULL,
    member_since TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    item TEXT NOT NULL,
    status TEXT NOT NULL,
    carrier TEXT,
    eta TEXT,
    total_cents INTEGER NOT NULL,
    placed_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    keywords TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT,
    issue TEXT NOT NULL,
    category TEXT NOT NULL,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL
);
"""

_CUSTOMERS = [
    ("U1001", "Maria Lopez", "5551234567", "maria@example.com", "Premium", 0, "2019-03-02"),
    ("U1002", "James Chen", "5559876543", "james.chen@example.com", "Basic", 4999, "2021-07-15"),
    ("U1003", "Aisha Khan", "4155550199", "aisha.k@example.com", "Family", 12950, "2022-11-30"),
    ("U1004", "Tom Becker", "2125550148", "tom@becker.example", "Basic", 0, "2023-05-21"),
]
_ORDERS = [
    (
        "A1001",
        "U1001",
        "Noise-cancelling headphones",
        "shipped",
        "DHL",
        "2025-06-12",
        19900,
        "2025-06-05",
    ),
    ("A1002", "U1001", "Phone case", "delivered", "USPS", None, 2500, "2025-05-20"),
    ("A1003", "U1002", "Smart speaker", "processing", None, "2025-06-18", 9900, "2025-06-08"),
    ("A1004", "U1003", "Router", "returned", "UPS", None, 14900, "2025-04-11"),
]
_ARTICLES = [
    (
        "KB-01",
        "technical",
        "Restart your router",
        "Unplug the router for 30 seconds, plug it back in and wait two minutes for the lights.",
        "internet wifi router slow connection offline restart",
    ),
    (
        "KB-02",
        "technical",
        "Reset your password",
        "Open Settings, choose Account, then Reset password; a link is emailed to you.",
        "password login locked account reset sign in",
    ),
    (
        "KB-03",
        "orders",
        "Track a delivery",
        "Orders ship within two days; the carrier's tracking link is in the shipping email.",
        "order delivery shipping track package late where",
    ),
    (
        "KB-04",
        "orders",
        "Return an item",
        "Items can be returned within 30 days; we email a prepaid label within one day.",
        "return refund exchange label broken damaged",
    ),
    (
        "KB-05",
        "billing",
        "Understand your bill",
        "Bills are issued on the 1st; the plan fee is charged in advance, extras in arrears.",
        "bill invoice charge statement fee payment",
    ),
    (
        "KB-06",
        "billing",
        "Refunds and double charges",
        "Duplicate charges are refunded to the original card within 5 to 7 business days.",
        "refund double charged twice duplicate money back",
    ),
    (
        "KB-07",
        "sales",
        "Plans and prices",
        "Basic costs $20 a month, Premium $35 with priority support, Family $50 for 5 lines.",
        "plan price upgrade premium family basic cost buy",
    ),
    (
        "KB-08",
        "sales",
        "Trade-in offer",
        "Trade in an old phone for up to $200 credit on any new device this month.",
        "trade in phone deal offer discount new device",
    ),
]
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    ("a", "an", "the", "my", "i", "is", "it", "to", "of", "and", "or", "for", "on", "in")
)


def default_data_dir() -> Path:
    """Where scenario data lives: $VOXLINE_DATA_DIR, else ~/.local/share/voxline."""
    env = os.environ.get("VOXLINE_DATA_DIR")
    return Path(env) if env else Path.home() / ".local" / "share" / "voxline"


@dataclass(frozen=True, slots=True)
class Ticket:
    """A support ticket as stored."""

    id: str
    user_id: str | None
    issue: str
    category: str
    priority: str
    status: str
    created_at: str
    estimated_resolution_hours: int


class CustomerStore:
    """The SQLite database behind the customer-service tools.

    Created and seeded on first use in `data_dir`. Each call opens its own connection, so the
    tools may run in worker threads; writes are transactions.

    Raises:
        ConfigurationError: the directory cannot be created or the file is not a database.
    """

    def __init__(self, data_dir: Path | None = None) -> None:
        directory = data_dir if data_dir is not None else default_data_dir()
        self.path = directory / DB_NAME
        self._ready = False
        self._lock = threading.Lock()
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(f"cannot create data directory {directory}: {exc}") from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self._ensure()
        with closing(sqlite3.connect(self.path, timeout=10)) as conn:
            conn.row_factory = sqlite3.Row
            with conn:
                yield conn

    def _ensure(self) -> None:
        with self._lock:
            if self._ready:
                return
            try:
                with closing(sqlite3.connect(self.path, timeout=10)) as conn, conn:
                    conn.executescript(_SCHEMA)
                    if conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0] == 0:
                        conn.executemany("INSERT INTO customers VALUES (?,?,?,?,?,?,?)", _CUSTOMERS)
                        conn.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?,?,?)", _ORDERS)
                        conn.executemany("INSERT INTO articles VALUES (?,?,?,?,?)", _ARTICLES)
            except sqlite3.DatabaseError as exc:
                raise ConfigurationError(
                    f"{self.path} is not a usable customer-service database ({exc}); "
                    "delete it to start afresh"
                ) from None
            self._ready = True

    # ----------------------------------------------------------------- queries

    def customer_by_phone(self, phone: str) -> dict[str, Any] | None:
        """The customer with this normalised (ten-digit) phone number."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM customers WHERE phone = ?", (phone,)).fetchone()
        return dict(row) if row else None

    def customer(self, user_id: str) -> dict[str, Any] | None:
        """The customer with this id (case-insensitive)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT * FROM customers WHERE id = ?", (user_id.strip().upper(),)
            ).fetchone()
        return dict(row) if row else None

    def orders_of(self, user_id: str) -> list[dict[str, Any]]:
        """A customer's orders, newest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM orders WHERE customer_id = ? ORDER BY placed_on DESC", (user_id,)
            ).fetchall()
        return [dict(r) for r in rows]

    def search_articles(
        self, query: str, category: str | None = None, limit: int = 3
    ) -> list[dict[str, Any]]:
        """Articles ranked by how many query words they share (title and keywords count double).

        Raises:
            InputError: the query has no searchable words.
        """
        words = {w for w in _WORD.findall(query.lower()) if w not in _STOP}
        if not words:
            raise InputError(f"the search {query!r} has no words to look for")
        sql, params = "SELECT * FROM articles", []
        if category:
            sql, params = sql + " WHERE category = ?", [category.strip().lower()]
        with self._connect() as conn:
            rows = [dict(r) for r in conn.execute(sql, params).fetchall()]
        ranked: list[tuple[float, dict[str, Any]]] = []
        for row in rows:
            strong = set(_WORD.findall(f"{row['title']} {row['keywords']}".lower()))
            weak = set(_WORD.findall(row["body"].lower()))
            score = 2.0 * len(words & strong) + len(words & weak)
            if score > 0:
                ranked.append((score / (2 * len(words)), row))
        ranked.sort(key=lambda pair: (-pair[0], pair[1]["id"]))
        return [
            {"id": r["id"], "title": r["title"], "summary": r["body"], "score": round(s, 2)}
            for s, r in ranked[:limit]
        ]

    def create_ticket(
        self, issue: str, category: str, priority: str = "normal", user_id: str | None = None
    ) -> Ticket:
        """Store a new ticket and return it with its estimated resolution time.

        Raises:
            InputError: the issue is empty or the priority unknown.
        """
        if not issue.strip():
            raise InputError("a ticket needs a description of the issue")
        if priority not in RESOLUTION_HOURS:
            raise InputError(f"priority {priority!r} is not one of {', '.join(PRIORITIES)}")
        hours = RESOLUTION_HOURS[priority]
        now = datetime.now(UTC).replace(microsecond=0)
        due = now + timedelta(hours=hours)
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO tickets (user_id, issue, category, priority, status, created_at,"
                " due_at) VALUES (?,?,?,?,?,?,?)",
                (
                    user_id,
                    issue.strip(),
                    category,
                    priority,
                    "open",
                    now.isoformat(),
                    due.isoformat(),
                ),
            )
            number = cursor.lastrowid or 0
        return Ticket(
            f"TCK-{1000 + number}",
            user_id,
            issue.strip(),
            category,
            priority,
            "open",
            now.isoformat(),
            hours,
        )

    def tickets(self) -> list[Ticket]:
        """Every stored ticket, oldest first."""
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM tickets ORDER BY id").fetchall()
        return [
            Ticket(
                f"TCK-{1000 + r['id']}",
                r["user_id"],
                r["issue"],
                r["category"],
                r["priority"],
                r["status"],
                r["created_at"],
                RESOLUTION_HOURS[r["priority"]],
            )
            for r in rows
        ]
