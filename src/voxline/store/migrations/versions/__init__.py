"""Alembic revisions of the conversation store, oldest first."""
