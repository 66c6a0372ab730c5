"""`voxline conversations`: list, show and export the conversations a server kept."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from voxline.errors import ConfigurationError, StoreError
from voxline.store.database import ConversationStore
from voxline.store.export import to_json_text, to_markdown
from voxline.store.service import store_url
from voxline.store.views import ConversationDetail, ConversationSummary

__all__ = ["app"]

T = TypeVar("T")

app = typer.Typer(
    help="The conversations a server kept (VOXLINE_DATABASE_URL, else the data directory).",
    no_args_is_help=True,
)

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database-url", help="Store URL (default: $VOXLINE_DATABASE_URL or SQLite)."),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where the SQLite store lives (default: $VOXLINE_DATA_DIR)."),
]


class Format(StrEnum):
    """Export formats of `voxline conversations export`."""

    MD = "md"
    JSON = "json"


def _with_store(
    database_url: str | None,
    data_dir: Path | None,
    use: Callable[[ConversationStore], Awaitable[T]],
) -> T:
    from voxline.settings import load_settings

    async def run() -> T:
        settings = load_settings(database_url=database_url, data_dir=data_dir)
        store = ConversationStore(store_url(settings.database_url, settings.data_dir))
        try:
            return await use(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except (ConfigurationError, StoreError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _row(c: ConversationSummary) -> str:
    ended = c.end_reason or ("unfinished" if c.ended_at is None else "")
    return (
        f"{c.id:<14} {_when(c.started_at):<19}  {c.scenario:<18} {c.backend:<8} "
        f"{c.item_count:>5}  {ended}"
    )


async def _detail(store: ConversationStore, conversation_id: str) -> ConversationDetail:
    found = await store.get(conversation_id)
    if found is None:
        raise ConfigurationError(f"there is no conversation {conversation_id!r}")
    return found


@app.command("list")
def list_command(
    scenario: Annotated[str | None, typer.Option(help="Only this scenario.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many to show.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="How many of the newest to skip.")] = 0,
    database_url: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Stored conversations, newest first."""
    page = _with_store(
        database_url,
        data_dir,
        lambda store: store.list(scenario=scenario, limit=limit, offset=offset),
    )
    if not page.conversations:
        typer.echo("no conversations stored yet")
        return
    typer.echo(f"{'ID':<14} {'STARTED (UTC)':<19}  {'SCENARIO':<18} {'BACKEND':<8} ITEMS  ENDED")
    for conversation in page.conversations:
        typer.echo(_row(conversation))
    shown = offset + len(page.conversations)
    if shown < page.total:
        typer.echo(f"({shown} of {page.total}; --offset {shown} for more)")


@app.command("show")
def show_command(
    conversation_id: Annotated[str, typer.Argument(help="The conversation's id.")],
    database_url: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """One conversation's transcript, tool calls and handoffs."""
    found = _with_store(database_url, data_dir, lambda store: _detail(store, conversation_id))
    typer.echo(to_markdown(found), nl=False)


@app.command("export")
def export_command(
    conversation_id: Annotated[str, typer.Argument(help="The conversation's id.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="md or json.")] = Format.MD,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    database_url: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export one conversation as a Markdown transcript or as JSON (items, turns, events)."""
    found = _with_store(database_url, data_dir, lambda store: _detail(store, conversation_id))
    text = to_markdown(found) if format is Format.MD else to_json_text(found)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {output}")
