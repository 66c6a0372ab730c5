"""Agents, tools, handoffs and guardrails: frozen descriptions with no I/O."""

from voxline.agents.agent import Agent, Handoff, Instructions
from voxline.agents.context import RunContext
from voxline.agents.graph import AgentGraph, HandoffTool
from voxline.agents.guardrail import (
    GuardrailCategory,
    GuardrailResult,
    OutputGuardrail,
    PolicyRule,
    keyword_guardrail,
    moderation_guardrail,
    output_guardrail,
)
from voxline.agents.tool import FunctionTool, function_tool, serialize_output

__all__ = [
    "Agent",
    "AgentGraph",
    "FunctionTool",
    "GuardrailCategory",
    "GuardrailResult",
    "Handoff",
    "HandoffTool",
    "Instructions",
    "OutputGuardrail",
    "PolicyRule",
    "RunContext",
    "function_tool",
    "keyword_guardrail",
    "moderation_guardrail",
    "output_guardrail",
    "serialize_output",
]
