"""Effects: work the core asks its adapter to do because it involves user code or time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from voxline.agents.context import RunContext
from voxline.agents.guardrail import OutputGuardrail
from voxline.agents.tool import FunctionTool


@dataclass(frozen=True, slots=True)
class RunTool:
    """Run a tool with validated arguments; answer with a ToolResult within `tool.timeout_s`.

    `context.history` is filled only for a tool that takes the context (`tool.context_param`),
    the one reader of it; for the others it is empty.
    """

    call_id: str
    tool: FunctionTool
    arguments: Mapping[str, Any]
    context: RunContext


@dataclass(frozen=True, slots=True)
class RunGuardrails:
    """Judge an assistant message's text so far; answer with one GuardrailVerdict per guardrail."""

    item_id: str
    text: str
    guardrails: tuple[OutputGuardrail, ...]
    context: RunContext


Effect = RunTool | RunGuardrails
