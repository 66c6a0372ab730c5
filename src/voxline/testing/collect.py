"""Read a session's events in tests without sleeping: wait until something is seen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from voxline.core.session_events import SessionEvent
from voxline.session.session import RealtimeSession

E = TypeVar("E")


async def collect_until(
    session: RealtimeSession,
    until: type[E] | Callable[[SessionEvent], bool],
    *,
    timeout_s: float = 5.0,
) -> list[SessionEvent]:
    """Collect events until one matches `until` (a type or a predicate), inclusive.

    The timeout is only a safety net against a broken test; it never paces one.

    Raises:
        TimeoutError: nothing matched in time; the message lists what was seen.
    """
    seen: list[SessionEvent] = []

    def matches(event: SessionEvent) -> bool:
        if isinstance(until, type):
            return isinstance(event, until)
        return until(event)

    async def run() -> None:
        async for event in session:
            seen.append(event)
            if matches(event):
                return
        raise TimeoutError("the session ended first")

    try:
        await asyncio.wait_for(run(), timeout_s)
    except TimeoutError:
        names = ", ".join(type(e).__name__ for e in seen) or "nothing"
        raise TimeoutError(f"no matching event within {timeout_s} s; saw: {names}") from None
    return seen
