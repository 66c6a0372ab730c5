"""The state of the conversation machine: fields, queries and the moves every handler shares.

`voxline.core.conversation.Conversation` builds on it with one handler per kind of input.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from voxline.agents.agent import Agent
from voxline.agents.context import RunContext
from voxline.agents.graph import AgentGraph
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import inputs as inp
from voxline.core import session_events as se
from voxline.core.clock import Clock
from voxline.core.config import SessionConfig
from voxline.core.effects import Effect
from voxline.core.history import History
from voxline.core.ids import IdFactory, random_id
from voxline.core.items import HistoryItem, ItemStatus, Message
from voxline.core.options import ConversationOptions
from voxline.core.playback import Playback
from voxline.core.state import ResponseMove, ResponsePhase, transition

Output = cmd.ModelCommand | se.SessionEvent | Effect
Input = ev.ModelEvent | inp.UserInput


class ConversationState:
    """What a Conversation knows, what it answers about it, and the moves its handlers share.

    `Conversation` adds the handlers of each input on top; this half has no entry point.
    """

    def __init__(
        self,
        graph: AgentGraph,
        clock: Clock,
        options: ConversationOptions | None = None,
        ids: IdFactory = random_id,
    ) -> None:
        self._graph = graph
        self._clock = clock
        self._opts = options or ConversationOptions()
        self._ids = ids
        self._agent = graph.root.name
        self._history = History()
        self._phase = ResponsePhase.IDLE
        self._response_id: str | None = None
        self._item_response: dict[str, str] = {}
        self._response_items: dict[str, list[str]] = {}
        """Assistant items by response id, so finishing a response never walks the history."""
        self._playback = Playback(self._opts.base_config.output_format.bytes_per_ms)
        self._configs: dict[str, SessionConfig] = {}
        self._checked: dict[str, int] = {}
        self._pending_calls: dict[str, str] = {}
        """The name of each running tool, by call id."""
        self._followup: cmd.CreateResponse | None = None
        self._notes: list[cmd.AddMessage] = []
        self._retries = 0
        self._usage = ev.Usage()
        self._cost = 0.0
        self._connected_once = False
        self._cut_off = False
        self._cancelled: str | None = None
        self._turn_agents: set[str] = {self._agent}
        """Agents that held the conversation since the user last spoke or was last answered.

        A handoff to one of them is a loop (router -> support -> router, nobody answering)."""
        self._out: list[Output] = []

    # ----------------------------------------------------------------- queries

    @property
    def agent(self) -> Agent:
        """The active agent."""
        return self._graph.agent(self._agent)

    @property
    def history(self) -> tuple[HistoryItem, ...]:
        """Every history item, oldest first."""
        return self._history.snapshot()

    @property
    def usage(self) -> ev.Usage:
        """Token usage summed over the session."""
        return self._usage

    @property
    def cost(self) -> float:
        """Estimated US dollars of that usage: each response's estimate, summed (0.0 without
        `ConversationOptions.estimate_cost`)."""
        return self._cost

    @property
    def phase(self) -> ResponsePhase:
        """Whether the model is answering."""
        return self._phase

    @property
    def busy(self) -> bool:
        """True while a response is requested or active, tools run, or a response is queued."""
        return (
            self._phase is not ResponsePhase.IDLE
            or bool(self._pending_calls)
            or self._followup is not None
        )

    @property
    def pending_tool_calls(self) -> tuple[str, ...]:
        """Call ids of tools still running."""
        return tuple(self._pending_calls)

    def context(self, call_id: str | None = None) -> RunContext:
        """The RunContext tools, guardrails and instructions see now."""
        return RunContext(self._agent, self._history.snapshot(), self._opts.metadata, call_id)

    def session_config(self) -> SessionConfig:
        """The model configuration for the active agent."""
        agent = self.agent
        if not isinstance(agent.instructions, str):
            return self._config(agent, agent.resolve_instructions(self.context()))
        # static instructions: the configuration never changes, so build it once per agent
        config = self._configs.get(agent.name)
        if config is None:
            config = self._configs[agent.name] = self._config(agent, agent.instructions)
        return config

    def _config(self, agent: Agent, instructions: str) -> SessionConfig:
        return replace(
            self._opts.base_config,
            instructions=instructions,
            voice=agent.voice or self._opts.base_config.voice,
            tools=self._graph.tool_specs(agent.name),
        )

    # ----------------------------------------------------------------- helpers

    def _move(self, move: ResponseMove) -> None:
        self._phase = transition(self._phase, move)

    def _current_config_interrupts(self) -> bool:
        return self._opts.base_config.server_interrupts

    def _add(self, item: Any) -> None:
        self._history.add(item)
        self._out.append(se.HistoryItemAdded(item))

    def _update(self, item: Any) -> None:
        self._history.replace(item)
        self._out.append(se.HistoryItemUpdated(item))

    def _update_message(self, item_id: str, **changes: Any) -> Message:
        msg = self._history.update(item_id, **changes)
        self._out.append(se.HistoryItemUpdated(msg))
        return msg

    def _request_response(self, request: cmd.CreateResponse) -> None:
        """Create a response now if the model is free, else as soon as it is."""
        if self._phase is ResponsePhase.IDLE and not self._pending_calls:
            self._out.extend(self._notes)
            self._notes.clear()
            self._move(ResponseMove.REQUEST)
            self._out.append(request)
        else:
            self._followup = request

    def _maybe_followup(self) -> None:
        idle = self._phase is ResponsePhase.IDLE and not self._pending_calls
        if self._followup is not None and idle:
            request, self._followup = self._followup, None
            self._request_response(request)

    def _interrupt(self, *, cancel: bool) -> None:
        """Cut the assistant off: cancel its response and truncate audio at what was heard."""
        now = self._clock.now()
        active = self._phase is ResponsePhase.ACTIVE
        if cancel and active and self._cancelled != self._response_id:
            self._cancelled = self._response_id
            self._out.append(cmd.CancelResponse(self._response_id))
        for item_id, played in self._playback.cut_playing(now):
            self._out.append(cmd.TruncateItem(item_id, played))
            self._out.append(se.AudioInterrupted(item_id, played))
            self._update_message(
                item_id,
                status=ItemStatus.INCOMPLETE,
                played_ms=played,
                updated_at=self._clock.wall(),
            )
        if active:
            for item_id in self._response_items.get(self._response_id or "", ()):
                track = self._playback.track(item_id)
                if not track.cut:
                    track.cut = True
                    msg = self._message(item_id)
                    if msg.status is ItemStatus.IN_PROGRESS:
                        self._update(msg.evolve(status=ItemStatus.INCOMPLETE))

    def _message(self, item_id: str) -> Message:
        """A message the core itself created (assistant items always exist before use)."""
        msg = self._history.message(item_id)
        assert msg is not None, f"no message {item_id}"
        return msg
