"""ScriptedRealtimeModel: a RealtimeModel that answers commands with scripted events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.errors import ConfigurationError, SessionStateError, TransportError

Matcher = type[cmd.ModelCommand] | Callable[[cmd.ModelCommand], bool]


@dataclass(frozen=True)
class Step:
    """When a command matching `expect` arrives, emit `events`."""

    expect: Matcher
    events: Sequence[ev.ModelEvent] = field(default_factory=tuple)

    def matches(self, command: cmd.ModelCommand) -> bool:
        if isinstance(self.expect, type):
            return isinstance(command, self.expect)
        return self.expect(command)


def on(expect: Matcher, *events: ev.ModelEvent | Iterable[ev.ModelEvent]) -> Step:
    """A script step: `on(CreateResponse, reply("Hi"))`. Lists of events are flattened."""
    flat: list[ev.ModelEvent] = []
    for item in events:
        if isinstance(item, list | tuple):
            flat.extend(item)
        else:
            flat.append(item)  # type: ignore[arg-type]
    return Step(expect, tuple(flat))


class ScriptedRealtimeModel:
    """A fake model for tests and demos.

    Every command sent is recorded in `sent`. Steps are consumed in order: when the next
    step's matcher fits a command, its events are emitted. Commands that do not fit the next
    step are recorded and otherwise ignored. `emit` pushes events at any time (the user
    starting to speak, a dropped connection).

    Args:
        script: The steps, in order.
        keep: Record only the latest `keep` commands (and session configs); None records
            all of them. A long-running server on this fake (a load test, a demo) should
            set it: every microphone frame is a command, so the full record grows with the
            call.
    """

    def __init__(self, script: Sequence[Step] = (), *, keep: int | None = None) -> None:
        if keep is not None and keep < 0:
            raise ConfigurationError(f"keep must be None or >= 0, got {keep}")
        self.keep = keep
        self.sent: list[cmd.ModelCommand] = []
        """The commands received, oldest first (the latest `keep` when it is set)."""
        self.forgotten = 0
        """Commands dropped from the front of `sent` because of `keep`."""
        self.configs: list[SessionConfig] = []
        self._script = list(script)
        self._queue: asyncio.Queue[ev.ModelEvent | None] = asyncio.Queue()
        self._connected = False
        self._closed = False

    @property
    def remaining(self) -> list[Step]:
        """Steps not reached yet."""
        return list(self._script)

    @property
    def done(self) -> bool:
        """True when every step has fired."""
        return not self._script

    def add(self, *steps: Step) -> None:
        """Append steps to the script."""
        self._script.extend(steps)

    def sent_of(self, kind: type[cmd.ModelCommand]) -> list[cmd.ModelCommand]:
        """The commands of one type, in order."""
        return [c for c in self.sent if isinstance(c, kind)]

    async def connect(self, config: SessionConfig) -> None:
        if self._closed:
            raise TransportError("the scripted model was closed")
        self._connected = True
        self._record(self.configs, config)
        self.emit(ev.ConnectionChanged(ev.ConnectionState.CONNECTED))

    async def send(self, command: cmd.ModelCommand) -> None:
        if not self._connected or self._closed:
            raise SessionStateError("send() before connect() or after close()")
        self._record(self.sent, command)
        if isinstance(command, cmd.UpdateSession):
            self._record(self.configs, command.config)
        if self._script and self._script[0].matches(command):
            step = self._script.pop(0)
            self.emit(*step.events)

    def _record(self, log: list[Any], entry: object) -> None:
        log.append(entry)
        if self.keep is not None and len(log) > self.keep:
            del log[0]
            if log is self.sent:
                self.forgotten += 1

    def emit(self, *events: ev.ModelEvent) -> None:
        """Push events as if the model sent them."""
        for event in events:
            self._queue.put_nowait(event)

    async def events(self) -> AsyncIterator[ev.ModelEvent]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)
