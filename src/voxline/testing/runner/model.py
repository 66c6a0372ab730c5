"""The runner's view of the model: scripted turns, injected tool calls, unscripted requests."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Sequence

from voxline.agents.naming import handoff_tool_name
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.models.base import RealtimeModel
from voxline.testing.runner.spec import ModelAction
from voxline.testing.scripted import ScriptedRealtimeModel, Step


class RunnerModel:
    """Wraps a backend's model so the runner can add events of its own to the stream.

    - Tool calls and handoffs forced by a step are injected as if the model made them (and
      the call is added to the model's conversation first, so the output is not orphaned).
    - On the scripted backend, a response request the file did not script is answered with
      an empty response, so one missing line fails one turn instead of stalling the rest.
    """

    def __init__(self, inner: RealtimeModel) -> None:
        self.inner = inner
        self.scripted = inner if isinstance(inner, ScriptedRealtimeModel) else None
        self.unscripted_requests = 0
        self._queue: asyncio.Queue[ev.ModelEvent | None] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)

    def next_id(self, prefix: str) -> str:
        """A fresh id for runner-made items."""
        return f"{prefix}_run{next(self._ids)}"

    async def connect(self, config: SessionConfig) -> None:
        await self.inner.connect(config)

    async def send(self, command: cmd.ModelCommand) -> None:
        before = len(self.scripted.remaining) if self.scripted is not None else 0
        await self.inner.send(command)
        if (
            self.scripted is not None
            and isinstance(command, cmd.CreateResponse)
            and len(self.scripted.remaining) == before
        ):
            self.unscripted_requests += 1
            rid = self.next_id("resp")
            self.scripted.emit(ev.ResponseStarted(rid), ev.ResponseDone(rid))

    def events(self) -> AsyncIterator[ev.ModelEvent]:
        if self._pump is None:
            self._pump = asyncio.create_task(self._forward(), name="voxline-runner-pump")
        return self._read()

    async def _forward(self) -> None:
        try:
            async for event in self.inner.events():
                self._queue.put_nowait(event)
        finally:
            self._queue.put_nowait(None)

    async def _read(self) -> AsyncIterator[ev.ModelEvent]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    async def close(self) -> None:
        await self.inner.close()
        if self._pump is not None:
            await asyncio.gather(self._pump, return_exceptions=True)

    def emit(self, *events: ev.ModelEvent) -> None:
        """Put events into the stream the session reads."""
        for event in events:
            self._queue.put_nowait(event)

    async def inject_call(self, name: str, arguments: str) -> None:
        """Make the session see a call of `name`, as if the model had asked for it."""
        item_id, call_id = self.next_id("item"), self.next_id("call")
        await self.inner.send(cmd.AddFunctionCall(item_id, call_id, name, arguments))
        self.emit(ev.FunctionCallRequested(self.next_id("resp"), item_id, call_id, name, arguments))

    def script(self, actions: Sequence[ModelAction]) -> None:
        """Queue one scripted response per action, each answering the next response request."""
        if self.scripted is not None:
            self.scripted.add(*(Step(cmd.CreateResponse, self.action_events(a)) for a in actions))

    def action_events(self, action: ModelAction) -> tuple[ev.ModelEvent, ...]:
        """The events of one scripted response: words, then a tool call or handoff."""
        rid = self.next_id("resp")
        out: list[ev.ModelEvent] = [ev.ResponseStarted(rid)]
        if action.say is not None:
            iid = self.next_id("item")
            out.append(ev.OutputItemAdded(rid, iid))
            words = action.say.split(" ")
            out.extend(
                ev.OutputTextDelta(rid, iid, w if i == 0 else f" {w}") for i, w in enumerate(words)
            )
            out.append(ev.OutputItemDone(rid, iid, action.say))
        if action.call or action.handoff:
            if action.handoff:
                name = handoff_tool_name(action.handoff)
                args = json.dumps({"reason": action.reason} if action.reason else {})
            else:
                name, args = str(action.call), json.dumps(action.args)
            out.append(
                ev.FunctionCallRequested(
                    rid, self.next_id("item"), self.next_id("call"), name, args
                )
            )
        out.append(ev.ResponseDone(rid, ev.ResponseStatus.COMPLETED))
        return tuple(out)

    def user_speech(self, transcript: str) -> None:
        """The scripted model hears the user say `transcript` (VAD events and transcript)."""
        iid = self.next_id("user")
        self.emit(
            ev.SpeechStarted(iid),
            ev.SpeechStopped(iid),
            ev.AudioCommitted(iid),
            ev.InputTranscriptCompleted(iid, transcript),
        )
