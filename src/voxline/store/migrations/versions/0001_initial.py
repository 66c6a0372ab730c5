"""The first schema: conversations, their items, sampled events and turn latencies.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _conversation_fk() -> sa.ForeignKey:
    return sa.ForeignKey("conversations.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("scenario", sa.String(100), nullable=False),
        sa.Column("backend", sa.String(50), nullable=False),
        sa.Column("started_at", sa.Double, nullable=False),
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
    op.create_index("ix_conversations_scenario", "conversations", ["scenario"])
    op.create_index("ix_conversations_started_at", "conversations", ["started_at"])
    op.create_table(
        "items",
        sa.Column("conversation_id", sa.String(64), _conversation_fk(), primary_key=True),
        sa.Column("item_id", sa.String(200), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("conversation_id", sa.String(64), _conversation_fk(), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("type", sa.String(60), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "turns",
        sa.Column("conversation_id", sa.String(64), _conversation_fk(), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("user_item_id", sa.String(200), nullable=True),
        sa.Column("ended_at", sa.Double, nullable=False),
        sa.Column("first_output_at", sa.Double, nullable=False),
        sa.Column("latency_ms", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("turns")
    op.drop_table("events")
    op.drop_table("items")
    op.drop_index("ix_conversations_started_at", "conversations")
    op.drop_index("ix_conversations_scenario", "conversations")
    op.drop_table("conversations")
