"""Helpers that read bridge frames from a websockets client, with a safety-net timeout."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection

from tests.server.conftest import TIMEOUT_S

Frame = str | bytes


async def next_json(ws: ClientConnection) -> dict[str, Any]:
    """The next text frame as JSON (binary frames in between are skipped)."""
    while True:
        frame = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        if isinstance(frame, str):
            data: dict[str, Any] = json.loads(frame)
            return data


async def until(ws: ClientConnection, kind: str) -> tuple[list[Frame], dict[str, Any]]:
    """Every frame up to and including the first text event of type `kind`, and that event."""
    seen: list[Frame] = []
    while True:
        frame = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        seen.append(frame)
        if isinstance(frame, str):
            data: dict[str, Any] = json.loads(frame)
            if data["type"] == kind:
                return seen, data


def kinds(frames: list[Frame]) -> list[str]:
    """Event types of `frames`, with `<audio>` for binary frames."""
    return [json.loads(f)["type"] if isinstance(f, str) else "<audio>" for f in frames]
