"""A clock that moves only when the test says so."""

from __future__ import annotations

from voxline.errors import ConfigurationError


class ManualClock:
    """Virtual time: starts at `start` (epoch seconds) and advances by `advance`."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._wall = start
        self._mono = 0.0

    def now(self) -> float:
        return self._mono

    def wall(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        if seconds < 0:
            raise ConfigurationError("time cannot go backwards")
        self._mono += seconds
        self._wall += seconds
