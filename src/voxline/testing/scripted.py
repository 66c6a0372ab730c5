"""ScriptedRealtimeModel: a RealtimeModel that answers commands with scripted events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.errors import SessionStateError, TransportError

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
    """

    def __init__(self, script: Sequence[Step] = ()) -> None:
        self.sent: list[cmd.ModelCommand] = []
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
        self.configs.append(config)
        self.emit(ev.ConnectionChanged(ev.ConnectionState.CONNECTED))

    async def send(self, command: cmd.ModelCommand) -> None:
        if not self._connected or self._closed:
            raise SessionStateError("send() before connect() or after close()")
        self.sent.append(command)
        if isinstance(command, cmd.UpdateSession):
            self.configs.append(command.config)
        if self._script and self._script[0].matches(command):
            step = self._script.pop(0)
            self.emit(*step.events)

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
