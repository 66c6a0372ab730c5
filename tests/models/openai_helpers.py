"""Shared helpers for the OpenAI adapter tests: fast retries, audio, and reading model events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

from voxline.core import events as ev
from voxline.models.openai import OpenAIRealtimeModel, RetryPolicy

KEY = "sk-test-SECRET-0123456789"


class RecordedSleep:
    """A sleep that returns at once and remembers how long it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


def make_model(base_url: str, *, attempts: int = 5, **kwargs: Any) -> OpenAIRealtimeModel:
    """A model pointed at the fake server, with instant retries unless told otherwise."""
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("sleep", RecordedSleep())
    return OpenAIRealtimeModel(
        base_url=base_url, retry=RetryPolicy(attempts=attempts, initial_delay_s=1.0), **kwargs
    )


def tone(ms: int, amplitude: int = 8000) -> bytes:
    """PCM16 24 kHz audio loud enough for the fake server's VAD (a square wave)."""
    frame = amplitude.to_bytes(2, "little", signed=True) + (-amplitude).to_bytes(
        2, "little", signed=True
    )
    return frame * (12 * ms)


def quiet(ms: int) -> bytes:
    """PCM16 24 kHz silence."""
    return b"\x00\x00" * (24 * ms)


class EventReader:
    """Reads a model's events in the background so tests can wait for one."""

    def __init__(self, model: OpenAIRealtimeModel) -> None:
        self.events: list[ev.ModelEvent] = []
        self.error: BaseException | None = None
        self._changed = asyncio.Condition()
        self._task = asyncio.create_task(self._run(model.events()))

    async def _run(self, stream: AsyncIterator[ev.ModelEvent]) -> None:
        try:
            async for event in stream:
                self.events.append(event)
                async with self._changed:
                    self._changed.notify_all()
        except Exception as exc:  # noqa: BLE001 - kept for the test to assert on
            self.error = exc
        async with self._changed:
            self._changed.notify_all()

    @property
    def finished(self) -> bool:
        return self._task.done()

    async def wait(self, test: Callable[[ev.ModelEvent], bool], timeout_s: float = 5.0) -> None:
        """Wait until an event passes `test` (the timeout only guards against a broken test)."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: any(test(e) for e in self.events)), timeout_s
            )

    async def wait_end(self, timeout_s: float = 5.0) -> None:
        await asyncio.wait_for(asyncio.shield(self._task), timeout_s)

    def states(self) -> list[tuple[ev.ConnectionState, int]]:
        return [(e.state, e.attempt) for e in self.events if isinstance(e, ev.ConnectionChanged)]

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
