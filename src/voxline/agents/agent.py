"""Agents and handoffs: frozen descriptions of who speaks, how, with which tools."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from voxline.agents.context import RunContext
from voxline.agents.guardrail import OutputGuardrail
from voxline.agents.tool import FunctionTool
from voxline.errors import ConfigurationError

Instructions = str | Callable[[RunContext], str]
"""Fixed text, or a function of the run context that returns the text."""


@dataclass(frozen=True, slots=True)
class Handoff:
    """A handoff to another agent, with optional overrides.

    Attributes:
        target: The agent, or its name when the agent is defined elsewhere (cycles).
        description: What the handoff is for; defaults to the target's handoff_description.
    """

    target: Agent | str

    description: str | None = None

    @property
    def target_name(self) -> str:
        return self.target if isinstance(self.target, str) else self.target.name


@dataclass(frozen=True, slots=True)
class Agent:
    """An agent: instructions, a voice, tools, the agents it can hand off to, and guardrails.

    Args:
        name: Unique within a conversation; handoff tools are named after it.
        instructions: Text, or a function of the RunContext returning text.
        voice: The voice it speaks with (None: the backend's default).
        tools: Function tools it may call.
        handoffs: Agents it may transfer to: Agent objects, Handoff objects, or agent names
            (for cycles such as a router and a specialist that hands back).
        handoff_description: Tells other agents when to transfer to this one.
        output_guardrails: Checks on what it says.
        routing_examples: A few things a caller might say that should be handed to this
            agent ("How do I set up autopay?"). They are quoted after the handoff tool's
            description, which helps small offline models and their intent router route.
    """

    name: str
    instructions: Instructions
    voice: str | None = None
    tools: Sequence[FunctionTool] = ()
    handoffs: Sequence[Agent | Handoff | str] = ()
    handoff_description: str | None = None
    output_guardrails: Sequence[OutputGuardrail] = ()
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)
    routing_examples: Sequence[str] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigurationError("an agent needs a non-empty name")
        if not (isinstance(self.instructions, str) or callable(self.instructions)):
            raise ConfigurationError(
                f"agent {self.name}: instructions must be a string or a function of RunContext"
            )
        if isinstance(self.routing_examples, str):
            raise ConfigurationError(
                f"agent {self.name}: routing_examples is a list of sentences, not one string"
            )
        for attr in ("tools", "handoffs", "output_guardrails", "routing_examples"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        for tool in self.tools:
            if not isinstance(tool, FunctionTool):
                raise ConfigurationError(
                    f"agent {self.name}: {tool!r} is not a tool; decorate it with @function_tool"
                )

    def handoff_list(self) -> tuple[Handoff, ...]:
        """The handoffs as Handoff objects."""
        return tuple(h if isinstance(h, Handoff) else Handoff(h) for h in self.handoffs)

    def resolve_instructions(self, context: RunContext) -> str:
        """The instructions as text for this moment of the conversation."""
        if isinstance(self.instructions, str):
            return self.instructions
        text = self.instructions(context)
        if not isinstance(text, str):
            raise ConfigurationError(
                f"agent {self.name}: the instructions function returned "
                f"{type(text).__name__}, expected str"
            )
        return text

    def clone(self, **changes: Any) -> Agent:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)
