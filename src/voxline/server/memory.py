"""Gives freed memory back to the system once the server is idle (gc, then glibc malloc_trim).

A closed conversation's objects that sit in reference cycles wait for a full garbage
collection, and glibc keeps the freed pages of its heap for reuse, so a server's resident
memory stays at its busiest level after the calls are gone. Measured with
benchmarks/load_bench.py (50 churning calls, then none): a collection and `malloc_trim(0)`
take it from about 146 MB back to about 130 MB. Under load neither helps (trimming every
few seconds during 50 calls changed nothing: the pages are in use), so it is done only when
no conversation is open.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import sys
from collections.abc import Callable

from voxline.errors import ConfigurationError

__all__ = ["HeapTrimmer", "glibc_trim"]

log = logging.getLogger("voxline.server")

Trim = Callable[[], object]
"""Gives free heap memory back to the system (its result is ignored)."""


def glibc_trim() -> Trim | None:
    """glibc's `malloc_trim(0)`, or None where there is none (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


class HeapTrimmer:
    """Gives memory back once the server has gone idle: `delay_s` after a conversation
    closed, if none is open (`busy()` is False), a full garbage collection and a trim.

    One check is pending at a time. Closes that come while it is pending ask for one more
    check after it, so the last close of a wave is always followed by a check at least
    `delay_s` later. While conversations stay open nothing is collected or trimmed: the
    freed pages are reused by the next calls anyway, and a full collection stops the event
    loop for a few hundred milliseconds, which only an idle server can afford.

    Args:
        busy: True while any conversation is open.
        delay_s: Seconds between a close and the check.
        trim: What trims; None uses `glibc_trim()` (tests pass a fake).
        collect: The full garbage collection run before the trim (cyclic garbage, such as
            the classes a scenario builds per conversation, holds memory until it runs).

    Raises:
        ConfigurationError: `delay_s` is negative.
    """

    def __init__(
        self,
        busy: Callable[[], bool],
        *,
        delay_s: float = 2.0,
        trim: Trim | None = None,
        collect: Callable[[], object] = gc.collect,
    ) -> None:
        if delay_s < 0:
            raise ConfigurationError(f"the heap trim delay must be >= 0 s, got {delay_s}")
        self.delay_s = delay_s
        self._busy = busy
        self._trim = trim if trim is not None else glibc_trim()
        self._collect = collect
        self._pending: asyncio.Task[None] | None = None
        self._stopped = False
        self._again = False
        self.trims = 0
        """Trims done so far."""

    @property
    def available(self) -> bool:
        """True when there is a way to trim (glibc, or an injected one)."""
        return self._trim is not None

    def conversation_closed(self) -> None:
        """A conversation ended: check for idleness `delay_s` from now (or after the pending
        check)."""
        if self._trim is None or self._stopped:
            return
        if self._pending is not None and not self._pending.done():
            self._again = True
            return
        self._pending = asyncio.create_task(self._later(self._trim), name="voxline-heap-trim")

    async def _later(self, trim: Trim) -> None:
        await asyncio.sleep(self.delay_s)
        if not self._busy():
            self._collect()
            try:
                trim()
            except OSError as exc:  # a failed trim costs nothing but the memory it would free
                log.warning("could not trim the heap: %s", exc)
            else:
                self.trims += 1
        if self._again and not self._stopped:
            self._again = False
            self._pending = asyncio.create_task(self._later(trim), name="voxline-heap-trim")

    async def settled(self) -> None:
        """Wait until no check is pending."""
        while (pending := self._pending) is not None and not pending.done():
            await asyncio.gather(asyncio.shield(pending), return_exceptions=True)

    async def stop(self) -> None:
        """Cancel a pending check and schedule no more (server shutdown)."""
        self._stopped = True
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
