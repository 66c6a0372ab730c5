"""REST routes of the conversation store: list, show, export (JSON, Markdown, WAV), delete."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, assert_never

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse

from voxline.errors import StoreError
from voxline.store import ConversationLog, ConversationStore
from voxline.store.export import to_markdown
from voxline.store.views import ConversationDetail

__all__ = ["ExportFormat", "history_router"]


class ExportFormat(StrEnum):
    """What `GET /api/conversations/{id}/export` returns."""

    JSON = "json"
    MD = "md"
    WAV = "wav"


def _epoch(value: str | None, *, name: str, end: bool = False) -> float | None:
    """A query bound as epoch seconds: ISO 8601, UTC unless it says otherwise; a bare date
    means that whole day (so `until=2026-01-04` includes the 4th)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
            return start + 86_400 if end else start
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(
            422,
            detail=f"{name} must be an ISO 8601 date or time, such as 2026-01-31, got {value!r}",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@contextlib.contextmanager
def _unavailable() -> Iterator[None]:
    """A store that cannot be reached answers 503 with the reason."""
    try:
        yield
    except StoreError as exc:
        raise HTTPException(503, detail=str(exc)) from None


def _recording(detail: ConversationDetail) -> Path | None:
    path = Path(detail.summary.recording) if detail.summary.recording else None
    return path if path is not None and path.is_file() else None


async def _export(found: ConversationDetail, format: ExportFormat) -> Response:
    name = f"conversation-{found.summary.id}.{format.value}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    match format:
        case ExportFormat.JSON:
            return JSONResponse(found.to_json(), headers=disposition)
        case ExportFormat.MD:
            return PlainTextResponse(
                to_markdown(found), media_type="text/markdown", headers=disposition
            )
        case ExportFormat.WAV:
            path = await asyncio.to_thread(_recording, found)
            if path is None:
                raise HTTPException(404, detail="this conversation has no recording")
            return FileResponse(path, media_type="audio/wav", filename=name)
        case _:
            assert_never(format)


def history_router(conversations: Callable[[], ConversationLog | None]) -> APIRouter:
    """The `/api/conversations` routes over the store `conversations()` returns (None: 503)."""
    router = APIRouter(prefix="/api/conversations", tags=["conversations"])

    def store() -> ConversationStore:
        found = conversations()
        if found is None:
            raise HTTPException(503, detail="this server keeps no conversation store")
        return found.store

    async def detail(conversation_id: str) -> ConversationDetail:
        with _unavailable():
            found = await store().get(conversation_id)
        if found is None:
            raise HTTPException(404, detail=f"there is no conversation {conversation_id!r}")
        return found

    @router.get("")
    async def list_conversations(
        scenario: Annotated[str | None, Query(description="Only this scenario.")] = None,
        since: Annotated[
            str | None, Query(description="Started at or after (ISO 8601; UTC by default).")
        ] = None,
        until: Annotated[
            str | None,
            Query(description="Started before (ISO 8601; a date includes that whole day)."),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Stored conversations, newest first, a page at a time (`total` counts all matches)."""
        with _unavailable():
            page = await store().list(
                scenario=scenario,
                since=_epoch(since, name="since"),
                until=_epoch(until, name="until", end=True),
                limit=limit,
                offset=offset,
            )
        return {
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
            "conversations": [c.to_json() for c in page.conversations],
        }

    @router.get("/{conversation_id}")
    async def show_conversation(conversation_id: str) -> dict[str, Any]:
        """One conversation: its facts, transcript items in order, turn latencies, events."""
        return (await detail(conversation_id)).to_json()

    @router.get("/{conversation_id}/export", response_model=None)
    async def export_conversation(
        conversation_id: str, format: ExportFormat = ExportFormat.JSON
    ) -> Response:
        """Download as JSON, as a Markdown transcript, or the WAV recording (404: none kept)."""
        return await _export(await detail(conversation_id), format)

    @router.delete("/{conversation_id}", status_code=204)
    async def delete_conversation(conversation_id: str) -> Response:
        """Delete a conversation, its items and its recording."""
        found = await detail(conversation_id)
        with _unavailable():
            await store().delete(conversation_id)
        if found.summary.recording:
            await asyncio.to_thread(Path(found.summary.recording).unlink, missing_ok=True)
        return Response(status_code=204)

    return router
