"""The Scenario: a named set of agents plus the session settings they are meant to run with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from voxline.agents.agent import Agent
from voxline.agents.context import RunContext
from voxline.agents.graph import AgentGraph
from voxline.core.clock import Clock
from voxline.core.config import SessionConfig
from voxline.core.triggers import TriggerSet
from voxline.models.base import RealtimeModel
from voxline.session.session import RealtimeSession


@dataclass(frozen=True, slots=True)
class Scenario:
    """A built-in agent set, ready to run on any RealtimeModel.

    Attributes:
        name: The name `voxline.scenarios.load` knows it by.
        title: A short human title.
        description: One or two sentences on what it shows.
        agent: The agent that starts the conversation.
        agents: Every agent of the scenario (the start agent included).
        config: The base session configuration (audio, modalities, turn detection).
        triggers: Trigger phrases and buttons (the voice coach), if any.
        auto_respond: Whether typed messages are answered at once.
        metadata: Default context passed to tools (merged under the caller's).
    """

    name: str
    title: str
    description: str
    agent: Agent
    agents: tuple[Agent, ...]
    config: SessionConfig = field(default_factory=lambda: SessionConfig(instructions=""))
    triggers: TriggerSet | None = None
    auto_respond: bool = True
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def with_config(self, **changes: Any) -> Scenario:
        """A copy whose base SessionConfig has some fields changed (e.g. modalities)."""
        return replace(self, config=replace(self.config, **changes))

    def agent_configs(self) -> tuple[tuple[str, SessionConfig], ...]:
        """Each agent's name and the session configuration it starts with (its instructions
        for an empty conversation, its voice, and its tools and handoffs): what a backend can
        prepare ahead of the first call.

        Raises:
            ConfigurationError: the agent graph is invalid.
        """
        graph = AgentGraph(self.agent, self.agents)
        found = []
        for name, agent in graph.agents.items():
            context = RunContext(name, (), dict(self.metadata))
            config = replace(
                self.config,
                instructions=agent.resolve_instructions(context),
                voice=agent.voice or self.config.voice,
                tools=graph.tool_specs(name),
            )
            found.append((name, config))
        return tuple(found)

    def session(
        self,
        model: RealtimeModel,
        *,
        context: Mapping[str, Any] | None = None,
        clock: Clock | None = None,
        config: SessionConfig | None = None,
    ) -> RealtimeSession:
        """A RealtimeSession running this scenario on `model`.

        Args:
            model: Any backend: OpenAI, the offline engine, or a scripted fake.
            context: Metadata for tools and guardrails (user id, locale, ...).
            clock: Time source (a ManualClock in tests).
            config: Replaces the scenario's base configuration.

        Raises:
            ConfigurationError: the agent graph is invalid.
        """
        return RealtimeSession(
            self.agent,
            model,
            agents=self.agents,
            context={**self.metadata, **(context or {})},
            config=config or self.config,
            triggers=self.triggers,
            auto_respond=self.auto_respond,
            clock=clock,
        )
