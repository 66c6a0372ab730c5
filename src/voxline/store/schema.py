"""The store's tables (SQLAlchemy Core); the Alembic migrations in `migrations/` create them."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["conversations", "events", "items", "metadata", "turns"]

metadata = sa.MetaData()


def _conversation() -> sa.ForeignKey:
    return sa.ForeignKey("conversations.id", ondelete="CASCADE")


conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("scenario", sa.String(100), nullable=False, index=True),
    sa.Column("backend", sa.String(50), nullable=False),
    sa.Column("started_at", sa.Double, nullable=False, index=True),
    sa.Column("ended_at", sa.Double, nullable=True),
    sa.Column("end_reason", sa.Text, nullable=True),
    sa.Column("input_text_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("input_audio_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("input_cached_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("output_text_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("output_audio_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cost_usd", sa.Double, nullable=False, server_default="0"),
    sa.Column("recording", sa.Text, nullable=True),
)

items = sa.Table(
    "items",
    metadata,
    sa.Column("conversation_id", sa.String(64), _conversation(), primary_key=True),
    sa.Column("item_id", sa.String(200), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("conversation_id", sa.String(64), _conversation(), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("at", sa.Double, nullable=False),
    sa.Column("type", sa.String(60), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
)

turns = sa.Table(
    "turns",
    metadata,
    sa.Column("conversation_id", sa.String(64), _conversation(), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("user_item_id", sa.String(200), nullable=True),
    sa.Column("ended_at", sa.Double, nullable=False),
    sa.Column("first_output_at", sa.Double, nullable=False),
    sa.Column("latency_ms", sa.Integer, nullable=False),
)
