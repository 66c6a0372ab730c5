"""Priming: the LLM evaluates a turn's prompt on its lane while the user is still speaking."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from voxline.core.config import ToolSpec
from voxline.engine.locks import component_lock
from voxline.engine.options import EngineStats
from voxline.engine.ports import ChatMessage, PrimingLLM

log = logging.getLogger("voxline.engine")


@dataclass(frozen=True, slots=True)
class _Prime:
    """A prime running on the LLM lane: set `stop` to end it; `complete` when it evaluates
    the whole prompt of a pause (kept when the turn ends there)."""

    stop: threading.Event
    complete: bool


class Primer:
    """Runs at most one prime at a time on the LLM lane, and stops it on request.

    Args:
        lane: The LLM worker thread.
        stats: Where `primed_tokens` are counted.
        spawn: Runs a coroutine as a task the model owns.
    """

    def __init__(
        self,
        lane: Executor,
        stats: EngineStats,
        spawn: Callable[[Coroutine[Any, Any, None]], None],
    ) -> None:
        self._lane, self._stats, self._spawn = lane, stats, spawn
        self._priming: _Prime | None = None  # the running prime

    @property
    def running(self) -> bool:
        """A prime is running."""
        return self._priming is not None

    @property
    def complete(self) -> bool:
        """A prime of a pause's whole prompt is running."""
        return self._priming is not None and self._priming.complete

    def start(
        self,
        llm: PrimingLLM,
        instructions: str,
        messages: tuple[ChatMessage, ...],
        tools: tuple[ToolSpec, ...],
        *,
        complete: bool,
    ) -> None:
        """Let `llm` evaluate the prompt of `messages`; up to where the answer starts when
        `complete`."""
        prime = self._priming = _Prime(threading.Event(), complete)
        stop = prime.stop

        def work() -> None:
            with component_lock(llm):
                if not stop.is_set():
                    self._stats.primed_tokens += llm.prime(
                        instructions,
                        messages,
                        tools,
                        complete=complete,
                        should_stop=stop.is_set,
                    )

        async def run() -> None:
            try:
                await asyncio.get_running_loop().run_in_executor(self._lane, work)
            except Exception:  # noqa: BLE001 - priming is only a head start
                log.debug("priming the LLM failed; the turn evaluates its prompt itself")
            finally:
                if self._priming is prime:
                    self._priming = None

        self._spawn(run())

    def stop(self, *, keep_complete: bool = False) -> None:
        """Stop the running prime (within a few tokens), unless `keep_complete` and it is
        complete."""
        if self._priming is not None and not (keep_complete and self._priming.complete):
            self._priming.stop.set()
            self._priming = None
