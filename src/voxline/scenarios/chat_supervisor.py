"""Chat-supervisor: a fast voice agent that asks a stronger text model what to say next."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from voxline.agents.agent import Agent
from voxline.agents.context import RunContext
from voxline.agents.tool import FunctionTool, function_tool, serialize_output
from voxline.core.items import FunctionCall, FunctionCallOutput, Message, Role
from voxline.engine.ports import LLM, ChatMessage, TextChunk, ToolChoice
from voxline.errors import ConfigurationError, ToolError
from voxline.scenarios.base import Scenario
from voxline.scenarios.customer_service import POLICY, build_tools
from voxline.scenarios.store import CustomerStore

log = logging.getLogger("voxline.scenarios.supervisor")

SUPERVISOR_TOOL = "get_next_response_from_supervisor"
MAX_SUPERVISOR_STEPS = 4
SUPERVISOR_INSTRUCTIONS = (
    "You are the supervisor of a customer-service voice agent for Acme Telecom. Read the "
    "conversation and write exactly what the agent should say next: one to three short, "
    "spoken sentences, no lists or markup. Use the tools to look up facts; never invent "
    "account details, prices or policies. If the caller must be verified first, say to ask "
    "for their phone number."
)
_AGENT = (
    "You are a friendly voice assistant for Acme Telecom. Greet the caller and handle small "
    "talk yourself. For anything else, first say a short filler such as 'Let me check that', "
    f"then call {SUPERVISOR_TOOL} and read its next_response to the caller as it is. If it "
    "reports an error, apologise and say you cannot look that up right now."
)


def history_for_supervisor(context: RunContext, question: str) -> list[ChatMessage]:
    """The conversation as chat messages for the supervisor, ending with the agent's question."""
    messages: list[ChatMessage] = []
    for item in context.history:
        match item:
            case Message(role=Role.USER, text=text) if text.strip():
                messages.append(ChatMessage("user", text))
            case Message(role=Role.ASSISTANT, text=text) if text.strip():
                messages.append(ChatMessage("assistant", text))
            case FunctionCall(name=name) if name == SUPERVISOR_TOOL:
                continue
            case FunctionCall():
                messages.append(
                    ChatMessage("assistant", "", item.name, item.arguments, item.call_id)
                )
            case FunctionCallOutput(name=name) if name == SUPERVISOR_TOOL:
                continue
            case FunctionCallOutput():
                messages.append(ChatMessage("tool", item.output, item.name, None, item.call_id))
            case _:
                continue
    messages.append(ChatMessage("user", f"[The voice agent asks] {question}"))
    return messages


def _run_tool(tool: FunctionTool, arguments: str, context: RunContext) -> str:
    try:
        parsed = tool.parse_arguments(arguments)
        return serialize_output(tool.func(**tool.bind(parsed, context)))
    except ToolError as exc:
        return json.dumps(exc.to_output())
    except Exception as exc:  # noqa: BLE001 - the supervisor reads the failure and moves on
        return json.dumps({"error": {"type": type(exc).__name__, "message": str(exc)}})


def ask_supervisor(
    llm: LLM,
    tools: Mapping[str, FunctionTool],
    messages: list[ChatMessage],
    context: RunContext,
) -> str:
    """Let the supervisor call tools (at most a few rounds) until it says what to answer.

    Raises:
        ConfigurationError: the supervisor kept calling tools without ever answering.
    """
    specs = [tool.spec() for tool in tools.values()]
    for step in range(MAX_SUPERVISOR_STEPS):
        chunks: list[str] = []
        choice: ToolChoice | None = None
        for out in llm.generate(SUPERVISOR_INSTRUCTIONS, messages, specs):
            if isinstance(out, ToolChoice):
                choice = out
                break
            if isinstance(out, TextChunk):
                chunks.append(out.text)
        if choice is None:
            return "".join(chunks).strip()
        call_id = f"sup_{step}"
        messages.append(ChatMessage("assistant", "", choice.name, choice.arguments, call_id))
        tool = tools.get(choice.name)
        output = (
            _run_tool(tool, choice.arguments, context)
            if tool is not None
            else json.dumps({"error": f"no tool named {choice.name}"})
        )
        messages.append(ChatMessage("tool", output, choice.name, None, call_id))
    raise ConfigurationError(
        f"the supervisor called tools {MAX_SUPERVISOR_STEPS} times without answering"
    )


def supervisor_tool(llm: LLM | None, tools: Mapping[str, FunctionTool]) -> FunctionTool:
    """The voice agent's tool that asks the supervisor LLM for the next response."""

    @function_tool(name=SUPERVISOR_TOOL, timeout_s=90.0)
    def get_next_response(relevant_context: str, context: RunContext) -> dict[str, Any]:
        """Ask the supervisor what to say next for anything beyond a greeting.

        Args:
            relevant_context: The caller's latest request and any details they gave.
        """
        if llm is None:
            raise ConfigurationError(
                "no supervisor model is configured; start the scenario with a supervisor LLM "
                "(voxline.scenarios.load('chat_supervisor', supervisor=...))"
            )
        started = time.perf_counter()
        messages = history_for_supervisor(context, relevant_context)
        text = ask_supervisor(llm, tools, messages, context)
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        log.info("supervisor answered in %.0f ms (%d chars)", latency_ms, len(text))
        return {"next_response": text, "metadata": {"supervisor_latency_ms": latency_ms}}

    return get_next_response


def build(data_dir: Path | None = None, supervisor: LLM | None = None) -> Scenario:
    """The chat-supervisor scenario; without `supervisor` its tool answers with an error."""
    tools = build_tools(CustomerStore(data_dir))
    agent = Agent(
        name="chat_agent",
        instructions=_AGENT,
        tools=[supervisor_tool(supervisor, tools)],
        output_guardrails=[POLICY],
    )
    return Scenario(
        name="chat_supervisor",
        title="Chat supervisor",
        description=(
            "A fast voice agent greets and chats; for anything substantive it says a filler "
            "and asks a stronger text model (with the customer-service tools) what to say."
        ),
        agent=agent,
        agents=(agent,),
    )
