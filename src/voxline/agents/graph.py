"""The agent graph: every agent reachable by handoffs, checked once before the first call."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from voxline.agents.agent import Agent
from voxline.agents.naming import handoff_tool_name, normalize_name
from voxline.agents.tool import FunctionTool
from voxline.core.config import ToolSpec
from voxline.errors import ConfigurationError, HandoffError

HANDOFF_PREFIX = "transfer_to_"


@dataclass(frozen=True, slots=True)
class HandoffTool:
    """The tool an agent calls to hand the conversation to `target`."""

    name: str
    target: str
    description: str

    def spec(self) -> ToolSpec:
        return ToolSpec(
            name=self.name,
            description=self.description,
            parameters={
                "type": "object",
                "properties": {
                    "reason": {
                        "type": "string",
                        "description": "Why the conversation is being transferred.",
                    }
                },
                "additionalProperties": False,
            },
        )

    @staticmethod
    def parse_reason(arguments: str) -> str | None:
        """The optional reason from the model's arguments; anything unreadable means no reason."""
        try:
            data = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError:
            return None
        reason = data.get("reason") if isinstance(data, dict) else None
        return reason if isinstance(reason, str) and reason.strip() else None


AgentTool = FunctionTool | HandoffTool


class AgentGraph:
    """All agents of a conversation, reachable from `root` by handoffs.

    Building the graph checks the whole configuration at once, so a bad one fails at start-up
    rather than mid-call: names resolve, normalised names are unique, tool names do not clash.

    Raises:
        ConfigurationError: with a message naming the agents or tools at fault.
    """

    def __init__(self, root: Agent, others: Iterable[Agent] = ()) -> None:
        self.root = root
        self._agents: dict[str, Agent] = {}
        self._by_normal: dict[str, str] = {}
        pending = [root, *others]
        for agent in pending:
            self._add(agent)
        # Walk handoffs, adding Agent objects and resolving names once all are known.
        queue = list(self._agents.values())
        while queue:
            agent = queue.pop()
            for handoff in agent.handoff_list():
                if isinstance(handoff.target, Agent) and self._add(handoff.target):
                    queue.append(handoff.target)
        self._tools: dict[str, dict[str, AgentTool]] = {
            name: self._resolve_tools(agent) for name, agent in self._agents.items()
        }

    def _add(self, agent: Agent) -> bool:
        known = self._agents.get(agent.name)
        if known is not None:
            if known is not agent and known != agent:
                raise ConfigurationError(
                    f"two different agents are both named {agent.name!r}; "
                    "agent names must be unique"
                )
            return False
        normal = normalize_name(agent.name)
        clash = self._by_normal.get(normal)
        if clash is not None:
            raise ConfigurationError(
                f"agents {clash!r} and {agent.name!r} both become handoff tool "
                f"{HANDOFF_PREFIX}{normal}; rename one of them"
            )
        handoff_tool_name(agent.name)
        self._agents[agent.name] = agent
        self._by_normal[normal] = agent.name
        return True

    def _lookup(self, name: str) -> Agent | None:
        if name in self._agents:
            return self._agents[name]
        real = self._by_normal.get(normalize_name(name))
        return self._agents[real] if real is not None else None

    def _resolve_tools(self, agent: Agent) -> dict[str, AgentTool]:
        tools: dict[str, AgentTool] = {}
        for tool in agent.tools:
            if tool.name in tools:
                raise ConfigurationError(f"agent {agent.name} has two tools named {tool.name}")
            tools[tool.name] = tool
        for handoff in agent.handoff_list():
            target = self._lookup(handoff.target_name)
            if target is None:
                raise ConfigurationError(
                    f"agent {agent.name} hands off to {handoff.target_name!r}, which is not an "
                    f"agent of this conversation (known: {', '.join(sorted(self._agents))})"
                )
            if target.name == agent.name:
                raise ConfigurationError(f"agent {agent.name} lists itself among its handoffs")
            name = handoff_tool_name(target.name)
            if name in tools:
                raise ConfigurationError(
                    f"agent {agent.name}: tool name {name} is used twice "
                    "(a tool and a handoff, or the same handoff listed twice)"
                )
            description = (
                handoff.description
                or target.handoff_description
                or f"Transfer the conversation to {target.name}."
            )
            if target.routing_examples and handoff.description is None:
                quoted = "; ".join(f'"{e.strip()}"' for e in target.routing_examples)
                description += f" For example: {quoted}."
            tools[name] = HandoffTool(name=name, target=target.name, description=description)
        return tools

    @property
    def agents(self) -> Mapping[str, Agent]:
        """Every agent by name."""
        return self._agents

    def agent(self, name: str) -> Agent:
        """The agent named `name` (exactly, or by normalised name).

        Raises:
            HandoffError: no such agent.
        """
        found = self._lookup(name)
        if found is None:
            raise HandoffError(
                f"there is no agent named {name!r} (known: {', '.join(sorted(self._agents))})"
            )
        return found

    def tools(self, agent_name: str) -> Mapping[str, AgentTool]:
        """The tools and handoff tools of an agent, by tool name."""
        return self._tools[self.agent(agent_name).name]

    def tool_specs(self, agent_name: str) -> tuple[ToolSpec, ...]:
        """What the model is told about an agent's tools."""
        return tuple(tool.spec() for tool in self.tools(agent_name).values())
