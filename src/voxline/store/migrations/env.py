"""Alembic environment: migrations run on the connection `voxline.store` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from voxline.errors import ConfigurationError
from voxline.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode() and url:
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    raise ConfigurationError(
        "run the store's migrations through voxline (they start with the server and the "
        "`voxline conversations` commands), or offline with --sql and sqlalchemy.url set"
    )


_main()
