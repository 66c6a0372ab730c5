"""A small harness that drives the pure Conversation and sorts its outputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from voxline.agents import Agent, AgentGraph
from voxline.core import commands as cmd
from voxline.core import session_events as se
from voxline.core.config import SessionConfig
from voxline.core.conversation import Conversation, Input, Output
from voxline.core.effects import RunGuardrails, RunTool
from voxline.core.ids import CountingIds
from voxline.core.options import ConversationOptions
from voxline.testing import ManualClock

T = TypeVar("T")


class Harness:
    """Feeds inputs and keeps every output, with typed accessors."""

    def __init__(
        self,
        agent: Agent,
        *,
        others: Sequence[Agent] = (),
        config: SessionConfig | None = None,
        **options: Any,
    ) -> None:
        self.clock = ManualClock()
        base = config or SessionConfig(instructions="")
        self.conv = Conversation(
            AgentGraph(agent, others),
            self.clock,
            ConversationOptions(base_config=base, **options),
            CountingIds(),
        )
        self.outputs: list[Output] = []

    def feed(self, *items: Input | Sequence[Input]) -> list[Output]:
        """Feed inputs (lists are flattened); return the outputs of this call only."""
        new: list[Output] = []
        for item in items:
            batch = item if isinstance(item, list | tuple) else [item]
            for one in batch:
                new.extend(self.conv.feed(one))  # type: ignore[arg-type]
        self.outputs.extend(new)
        return new

    @staticmethod
    def of(outputs: Sequence[Output], kind: type[T]) -> list[T]:
        return [o for o in outputs if isinstance(o, kind)]

    def all(self, kind: type[T]) -> list[T]:
        return self.of(self.outputs, kind)

    def commands(self, outputs: Sequence[Output] | None = None) -> list[cmd.ModelCommand]:
        source = self.outputs if outputs is None else outputs
        return [o for o in source if type(o).__module__ == cmd.__name__]  # type: ignore[misc]

    def events(self, outputs: Sequence[Output] | None = None) -> list[se.SessionEvent]:
        source = self.outputs if outputs is None else outputs
        return [
            o  # type: ignore[misc]
            for o in source
            if not isinstance(o, RunTool | RunGuardrails) and type(o).__module__ != cmd.__name__
        ]
