"""RealtimeSession: the thin async adapter that runs the pure Conversation against a model."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, get_args

from voxline.agents.agent import Agent
from voxline.agents.graph import AgentGraph
from voxline.core import commands as cmd
from voxline.core import inputs as inp
from voxline.core import session_events as se
from voxline.core.clock import Clock, SystemClock
from voxline.core.config import SessionConfig
from voxline.core.conversation import Conversation, Input
from voxline.core.effects import RunGuardrails, RunTool
from voxline.core.events import ConnectionChanged, ConnectionState, FunctionCallRequested, Usage
from voxline.core.ids import IdFactory, random_id
from voxline.core.items import HistoryItem
from voxline.core.options import ConversationOptions
from voxline.core.triggers import TriggerSet
from voxline.errors import SessionStateError, TransportError, VoxlineError
from voxline.models.base import RealtimeModel
from voxline.models.pricing import PriceTable, estimate_cost
from voxline.session.channel import EventChannel
from voxline.session.eager import eager_task
from voxline.session.runners import Waiting, finish_tool, first_step, run_guardrails, run_tool

log = logging.getLogger("voxline.session")


class _Closed:
    """Marks the end of the event stream."""


_CLOSED = _Closed()

_COMMANDS: frozenset[type] = frozenset(get_args(cmd.ModelCommand))


class RealtimeSession:
    """A live conversation between a user, a set of agents and a realtime model.

    Use it as an async context manager and iterate it for events::

        async with RealtimeSession(router, model) as session:
            await session.send_text("Where is my order?")
            async for event in session:
                ...

    The model's events are read and applied by a task of the session's own, whether or not
    the app is iterating, so tools, guardrails and barge-in never wait for the app; the
    events the app has not read yet are kept in order without bound (`queued_events` counts
    them). A tool's first step runs as soon as its call arrives (a tool that answers at once
    is answered before the next model event is read); one that waits goes on in a task.

    Apps that handle events in callbacks can `subscribe` instead of iterating: the listener
    is called in the session's task as each event happens, without the hop to the app's task.

    Args:
        agent: The agent that starts the conversation.
        model: The backend (OpenAI, the offline engine, or a scripted fake).
        agents: Further agents reachable only by name (for handoff cycles).
        context: Metadata passed to tools, guardrails and dynamic instructions.
        config: Audio formats, modalities and turn detection. Instructions, voice and tools
            come from the active agent.
        triggers: Trigger phrases and buttons (the voice coach).
        auto_respond: Answer typed messages at once (False: only triggers make it speak).
        prices: Token prices for `cost` and for the cost in each `UsageUpdated`. By default
            the model's own (`OpenAIRealtimeModel(prices=...)`); a model without prices (the
            offline engine, the scripted fake) costs nothing.
        clock: Time source (a ManualClock in tests).

    Raises:
        ConfigurationError: the agent graph is invalid (raised here, before any call).
    """

    def __init__(
        self,
        agent: Agent,
        model: RealtimeModel,
        *,
        agents: Sequence[Agent] = (),
        context: Mapping[str, Any] | None = None,
        config: SessionConfig | None = None,
        triggers: TriggerSet | None = None,
        auto_respond: bool = True,
        guardrail_debounce_chars: int = 60,
        max_guardrail_retries: int = 1,
        prices: PriceTable | None = None,
        clock: Clock | None = None,
        ids: IdFactory = random_id,
    ) -> None:
        self._graph = AgentGraph(agent, agents)
        self._clock = clock or SystemClock()
        if prices is None:
            own = getattr(model, "prices", None)
            prices = own if isinstance(own, PriceTable) else None
        self._prices = prices
        options = ConversationOptions(
            base_config=config or SessionConfig(instructions=""),
            triggers=triggers,
            auto_respond=auto_respond,
            guardrail_debounce_chars=guardrail_debounce_chars,
            max_guardrail_retries=max_guardrail_retries,
            metadata=dict(context or {}),
            estimate_cost=None
            if prices is None
            else functools.partial(estimate_cost, prices=prices),
        )
        self._conversation = Conversation(self._graph, self._clock, options, ids)
        self._ids = ids
        self._model = model
        self._events: EventChannel[se.SessionEvent] = EventChannel(_CLOSED)
        self._listeners: tuple[Callable[[se.SessionEvent], object], ...] = ()
        self._send_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._link = ConnectionState.CONNECTING
        self._reader: asyncio.Task[None] | None = None
        self._started = False
        self._closed = False

    # ----------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Connect the model with the starting agent's configuration.

        Raises:
            SessionStateError: already started or closed.
            TransportError: the model could not be reached.
        """
        if self._started or self._closed:
            raise SessionStateError("a RealtimeSession can be started once; create a new one")
        self._started = True
        await self._model.connect(self._conversation.session_config())
        self._reader = asyncio.create_task(self._read_model(), name="voxline-model-reader")

    async def close(self) -> None:
        """Stop tools and guardrails, close the model and end the event stream. Idempotent."""
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        if self._reader is not None:
            self._reader.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await self._model.close()
        finally:
            if self._reader is not None:
                await asyncio.gather(self._reader, return_exceptions=True)
                # the cancelled task's traceback holds the reader's frame, which holds this
                # session: keeping the task would keep the whole call until a full collection
                self._reader = None
            self._events.put(_CLOSED)
            self._changed.set()

    # ----------------------------------------------------------------- app API

    async def send_text(self, text: str) -> None:
        """Send a typed user message; the agent answers unless auto_respond is off."""
        await self._feed(inp.UserText(text))

    async def send_audio(self, audio: bytes) -> None:
        """Send microphone audio (PCM16 24 kHz mono by default, or the configured format)."""
        await self._feed(inp.UserAudio(audio))

    async def commit_audio(self) -> None:
        """Push-to-talk: end the user's turn."""
        await self._feed(inp.CommitUserAudio())

    async def clear_audio(self) -> None:
        """Drop buffered microphone audio."""
        await self._feed(inp.ClearUserAudio())

    async def create_response(self) -> None:
        """Ask the agent to answer now."""
        await self._feed(inp.RequestResponse())

    async def interrupt(self) -> None:
        """Cut the agent off: cancel the response and truncate its audio at what was played."""
        await self._feed(inp.Interrupt())

    async def trigger(self, name: str) -> None:
        """Fire a trigger by name (a button): `quick_hint`, `full_guidance`, `interrupt`, ..."""
        await self._feed(inp.FireTrigger(name))

    async def report_playback(self, item_id: str, played_ms: int) -> None:
        """Tell the session how much of an assistant message the player has actually played."""
        await self._feed(inp.PlaybackProgress(item_id, played_ms))

    def __aiter__(self) -> AsyncIterator[se.SessionEvent]:
        # the channel is its own iterator: an event that is already there is handed over
        # without a future, a queue coroutine or an async generator step
        return self._events

    def subscribe(self, listener: Callable[[se.SessionEvent], object]) -> Callable[[], None]:
        """Call `listener` with every event as it happens, instead of queueing it.

        The push-style alternative to `async for event in session`, for apps that handle
        events in callbacks (a player that wants each audio chunk at once): the listener
        runs in the session's own task the moment an event is produced, with no hop to the
        app's task. While any listener is subscribed, new events are not queued for
        iteration (nobody would read them, and the queue has no bound); events queued
        before stay queued, and iteration still ends when the session closes. Use one style
        per session.

        A listener must return quickly (it holds up the model's events while it runs); to
        do async work, hand the event to a task or queue of your own. A listener that
        raises is logged, and the other listeners and the session go on.

        Returns:
            A function that unsubscribes `listener` (calling it twice is harmless).
        """
        self._listeners = (*self._listeners, listener)

        def unsubscribe() -> None:
            self._listeners = tuple(x for x in self._listeners if x is not listener)

        return unsubscribe

    async def until_idle(self) -> AsyncIterator[se.SessionEvent]:
        """Yield events until the agent has finished its turn and every event was read.

        A turn is over when no response is requested or active, no tool or guardrail is
        running, and no answer is queued. Use this or `async for event in session`, not both
        at once: they read the same events.
        """
        while not self._closed or self.queued_events:
            if self.queued_events:
                event = self._events.get_nowait()
                if isinstance(event, _Closed):
                    return
                yield event  # type: ignore[misc]
                continue
            if not self.busy:
                return
            self._changed.clear()
            if self.busy and not self.queued_events:
                await self._changed.wait()

    # ----------------------------------------------------------------- state

    @property
    def agent(self) -> Agent:
        """The active agent."""
        return self._conversation.agent

    @property
    def history(self) -> tuple[HistoryItem, ...]:
        """The conversation so far."""
        return self._conversation.history

    @property
    def usage(self) -> Usage:
        """Token usage summed over the session."""
        return self._conversation.usage

    @property
    def cost(self) -> float:
        """Estimated US dollars spent so far: each response's usage at the session's prices,
        summed (0.0 on a backend without prices)."""
        return self._conversation.cost

    @property
    def prices(self) -> PriceTable | None:
        """The token prices `cost` is estimated with; None: this backend costs nothing."""
        return self._prices

    @property
    def graph(self) -> AgentGraph:
        """Every agent of the conversation."""
        return self._graph

    @property
    def busy(self) -> bool:
        """True while the agent is answering, a tool or guardrail runs, or an answer is queued."""
        return self._conversation.busy or bool(self._tasks)

    @property
    def queued_events(self) -> int:
        """Events produced but not yet read by `async for event in session`."""
        return len(self._events)

    @property
    def closed(self) -> bool:
        return self._closed

    # ----------------------------------------------------------------- plumbing

    async def _feed(self, item: Input) -> None:
        if not self._started or self._closed:
            raise self._not_open()
        work = self._apply(item)
        if work is not None:
            await self._carry_out(*work)

    def _apply(self, item: Input) -> tuple[list[cmd.ModelCommand], list[RunTool]] | None:
        """Feed one input to the conversation and publish its events at once; return the
        commands to send and the tools to run, or None when there are neither (most model
        events: the reader then goes on without a coroutine step)."""
        # feed() is synchronous, so each input is applied whole before the next; only the
        # sends wait, in order, behind the FIFO send lock, so a slow uplink never delays
        # the model's events (audio deltas, function calls) from reaching the app.
        commands: list[cmd.ModelCommand] = []
        tools: list[RunTool] = []
        for output in self._conversation.feed(item):
            # one set lookup by exact type (the commands are final dataclasses) instead of
            # isinstance against the ten-member command union for every event
            if type(output) in _COMMANDS:
                commands.append(output)  # type: ignore[arg-type]
            elif isinstance(output, RunTool):
                tools.append(output)
            elif isinstance(output, RunGuardrails):
                self._spawn(self._guardrails(output))  # a task: it runs after this input
            else:
                self._publish(output)  # type: ignore[arg-type]
        self._changed.set()
        return (commands, tools) if commands or tools else None

    async def _carry_out(self, commands: list[cmd.ModelCommand], tools: list[RunTool]) -> None:
        if commands:
            async with self._send_lock:
                for command in commands:
                    await self._send(command)
        for effect in tools:
            # Once this input's events and commands are out. A tool that answers at once (an
            # async def without await) runs right here, with no task: its output is on the
            # wire before the next model event is read. Any other tool is started eagerly:
            # its first step runs here too, and if it waits it goes on as a task of its own
            # and never holds up the model's events.
            if not effect.tool.answers_at_once:
                self._answer_later(effect, run_tool(effect, self._clock))
                continue
            outcome = self._first_step(effect)
            if isinstance(outcome, Waiting):
                self._answer_later(effect, finish_tool(effect, outcome, self._clock))
            elif not self._closed:
                await self._feed(outcome)

    def _first_step(self, effect: RunTool) -> inp.ToolResult | Waiting:
        """Run a tool that answers at once, here, in a copy of the context as a task would."""
        return contextvars.copy_context().run(first_step, effect, self._clock)

    def _answer_later(self, effect: RunTool, running: Awaitable[inp.ToolResult]) -> None:
        """Answer the call when `running` is done; its first step runs now (eager_task)."""
        self._track(eager_task(self._answer(running), name=f"voxline-tool-{effect.call_id}"))

    async def _call_at_once(self, call: FunctionCallRequested, effect: RunTool) -> None:
        """Run an instant call's tool and send its answer, then let the conversation record
        the call and the answer: the history items and events of both come after the answer
        is on the wire (benchmarks/README.md, "Tenth pass").

        If another send holds the line, the call is recorded first, so that nothing fed in
        the meantime lands before it in the history.
        """
        outcome = self._first_step(effect)
        if isinstance(outcome, Waiting):  # it returned an awaitable: answered when that is done
            await self._apply_all(inp.ToolStarted(call))
            self._answer_later(effect, finish_tool(effect, outcome, self._clock))
            return
        started = inp.ToolStarted(call)
        busy = self._send_lock.locked()
        if busy:  # another send holds the line: record the call before anything fed meanwhile
            await self._apply_all(started)
        item_id = self._ids("out")
        async with self._send_lock:
            await self._send(cmd.AddFunctionOutput(item_id, call.call_id, outcome.output))
        answered = inp.ToolResult(
            outcome.call_id, outcome.output, outcome.is_error, outcome.duration_s, item_id
        )
        await self._apply_all(*([] if busy else [started]), answered)

    async def _apply_all(self, *items: Input) -> None:
        """`_feed` for the reader, which runs only while the session is open."""
        for item in items:
            work = self._apply(item)
            if work is not None:
                await self._carry_out(*work)

    def _not_open(self) -> SessionStateError:
        state = "closed" if self._closed else "not started"
        return SessionStateError(
            f"the session is {state}; use `async with RealtimeSession(...)` around calls"
        )

    def _publish(self, event: se.SessionEvent) -> None:
        listeners = self._listeners
        if not listeners:
            self._events.put(event)
            return
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("a session listener failed on %s", type(event).__name__)

    async def _send(self, command: cmd.ModelCommand) -> None:
        try:
            await self._model.send(command)
        except TransportError as exc:
            self._publish(se.ErrorOccurred(exc))

    def _spawn(self, coro: Any) -> None:
        self._track(asyncio.create_task(coro))

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._changed.set()

    async def _answer(self, running: Awaitable[inp.ToolResult]) -> None:
        result = await running
        if not self._closed:
            await self._feed(result)

    async def _guardrails(self, effect: RunGuardrails) -> None:
        verdicts, failures = await run_guardrails(effect)
        for failure in failures:
            self._publish(se.ErrorOccurred(failure))
        for verdict in verdicts:
            if self._closed:
                return
            await self._feed(verdict)

    async def _read_model(self) -> None:
        try:
            async for event in self._model.events():
                if isinstance(event, ConnectionChanged):
                    self._link = event.state
                elif type(event) is FunctionCallRequested:
                    effect = self._conversation.instant_call(event)
                    if effect is not None:
                        await self._call_at_once(event, effect)
                        continue
                # the reader only runs while the session is open (close() cancels it)
                work = self._apply(event)
                if work is not None:
                    await self._carry_out(*work)
        except VoxlineError as exc:
            self._publish(se.ErrorOccurred(exc))
            if self._link is not ConnectionState.DISCONNECTED:
                gone = ConnectionChanged(ConnectionState.DISCONNECTED, reason=str(exc))
                self._publish(gone)
        finally:
            if not self._closed:
                log.info("model event stream ended; the session is over")
                self._events.put(_CLOSED)
                self._changed.set()
