"""What a function call from the model means: run a tool, hand off, or refuse with an error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from voxline.agents.graph import HANDOFF_PREFIX, AgentGraph, HandoffTool
from voxline.agents.naming import normalize_name
from voxline.agents.tool import FunctionTool
from voxline.core.events import FunctionCallRequested
from voxline.errors import HandoffError, ToolArgumentsError, ToolError, UnknownToolError


@dataclass(frozen=True, slots=True)
class RunCall:
    """Run this tool with these validated arguments."""

    tool: FunctionTool
    arguments: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class HandoffCall:
    """Hand the conversation to `target`."""

    target: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class RefuseCall:
    """Answer the model at once with this error."""

    error: ToolError | HandoffError


CallPlan = RunCall | HandoffCall | RefuseCall


def plan_call(graph: AgentGraph, agent: str, event: FunctionCallRequested) -> CallPlan:
    """Decide what the model's function call means for the active agent `agent`."""
    tools = graph.tools(agent)
    tool = tools.get(event.name)
    if isinstance(tool, HandoffTool):
        return HandoffCall(tool.target, HandoffTool.parse_reason(event.arguments))
    if isinstance(tool, FunctionTool):
        try:
            return RunCall(tool, tool.parse_arguments(event.arguments))
        except ToolArgumentsError as exc:
            exc.call_id = event.call_id
            return RefuseCall(exc)
    if event.name.startswith(HANDOFF_PREFIX):
        return RefuseCall(_refused_handoff(graph, agent, event.name.removeprefix(HANDOFF_PREFIX)))
    known = ", ".join(tools) or "none"
    return RefuseCall(
        UnknownToolError(
            f"agent {agent} has no tool named {event.name!r} (its tools: {known})",
            tool_name=event.name,
            call_id=event.call_id,
        )
    )


def _refused_handoff(graph: AgentGraph, agent: str, target: str) -> HandoffError:
    if target == normalize_name(agent):
        return HandoffError(f"{agent} is already the active agent; answer the user directly")
    targets = [t.target for t in graph.tools(agent).values() if isinstance(t, HandoffTool)]
    return HandoffError(
        f"agent {agent} cannot hand off to {target!r}; it can transfer to: "
        f"{', '.join(targets) or 'nobody'}"
    )


def error_output(error: ToolError | HandoffError) -> str:
    """The JSON text the model reads when a call failed."""
    if isinstance(error, ToolError):
        return json.dumps(error.to_output())
    return json.dumps({"error": {"type": type(error).__name__, "message": str(error)}})


def handoff_output(target: str) -> str:
    """The JSON text the model reads after a handoff."""
    return json.dumps({"assistant": target, "status": "transferred"})
