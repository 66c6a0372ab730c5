"""Time as an injected dependency: the core asks a Clock, never the system."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """A source of time. `now` is monotonic seconds for durations; `wall` is epoch seconds."""

    def now(self) -> float:
        """Monotonic seconds, for measuring durations."""
        ...

    def wall(self) -> float:
        """Seconds since the epoch, for timestamps people read."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()
