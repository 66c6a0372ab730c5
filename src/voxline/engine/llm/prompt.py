"""Prompts for a local chat model: the agent's system prompt with its tools, in ChatML (Qwen).

Every assistant turn starts with an action line the adapter constrains:

    action: reply
    Sure, I can help with that.

or, to call a tool, its name and compact JSON arguments on that one line:

    action: authenticate_user {"phone": "5551234567"}

The system prompt (instructions, tools, the answer format) depends only on the agent, so it is
the cacheable prefix; the conversation follows it. Pure functions, no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from voxline.core.config import ToolSpec
from voxline.engine.ports import ChatMessage
from voxline.errors import ConfigurationError

__all__ = [
    "ACTION_PREFIX",
    "IM_END",
    "IM_START",
    "REPLY",
    "ChatPrompt",
    "build_prompt",
    "describe_tool",
    "render_message",
    "system_prompt",
    "tool_call_line",
]

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
ACTION_PREFIX = "action:"
"""Written by the adapter at the start of every assistant turn; the model writes the rest."""
REPLY = "reply"
"""The action that means: speak to the user."""

_REPLY_LINE = (
    "- reply: speak to the user yourself (a short, plain, spoken answer on the next line, no "
    "lists or markdown). Use it only when none of the actions above fits, or to ask the user "
    "for a missing value."
)


def _type_text(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(_type_text(s) for s in schema[key])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type_text(schema.get('items', {}))}"
    return str(kind) if not isinstance(kind, list) else " | ".join(kind)


_CALLER_EXAMPLES = re.compile(r'\s*For example:\s*(?:"[^"]*"[;,]?\s*)+\.?', re.IGNORECASE)


def _without_examples(description: str) -> str:
    """The description without its quoted caller sentences.

    A small model shown sentences a caller might say repeats them as its own reply; the
    embedding router reads them from the full description instead.
    """
    return _CALLER_EXAMPLES.sub("", description).strip()


def describe_tool(tool: ToolSpec) -> str:
    """One compact line per tool: name, purpose and arguments."""
    props: Mapping[str, Any] = tool.parameters.get("properties", {})
    required = set(tool.parameters.get("required", []))
    args = []
    for name, schema in props.items():
        if not isinstance(schema, Mapping):
            continue
        note = "" if name in required else ", optional"
        desc = schema.get("description")
        args.append(f"{name} ({_type_text(schema)}{note}){': ' + desc if desc else ''}")
    line = f"- {tool.name}: {_without_examples(tool.description)}"
    if args and any(a for a in args):
        line += " Arguments: " + "; ".join(args) + "."
    return line


def system_prompt(instructions: str, tools: Sequence[ToolSpec]) -> str:
    """The agent's whole system message: instructions, then its actions (tools, then reply).

    Listing "reply" last, as the fallback, matters: small models otherwise reply to everything.
    """
    names = [t.name for t in tools]
    if len(set(names)) != len(names) or REPLY in names:
        raise ConfigurationError(
            f"tool names must be unique and not {REPLY!r}; got {', '.join(names)}"
        )
    if not tools:  # nothing to choose: plain ChatML, the answer is the reply
        return instructions.strip()
    actions = [describe_tool(t) for t in tools] + [_REPLY_LINE]
    parts = [
        instructions.strip(),
        '# Actions\nBegin every answer with "action:" and exactly one of these actions:\n'
        + "\n".join(actions),
    ]
    example = next((t for t in tools if t.parameters.get("required")), None)
    if example is not None:
        fields = ", ".join(f'"{k}": "..."' for k in example.parameters["required"])
        parts.append(
            "A tool action is written with its JSON arguments on the same line, e.g. "
            f"{ACTION_PREFIX} {example.name} {{{fields}}}. Use only values the user actually said."
        )
    return "\n\n".join(p for p in parts if p)


def tool_call_line(name: str, arguments: str) -> str:
    """The action line of a tool call, with the arguments as compact JSON."""
    try:
        data = json.loads(arguments) if arguments.strip() else {}
    except json.JSONDecodeError:
        data = None
    if not data:
        return f"{ACTION_PREFIX} {name}"
    return f"{ACTION_PREFIX} {name} {json.dumps(data, separators=(', ', ': '))}"


def render_message(message: ChatMessage, *, actions: bool = True) -> str:
    """One ChatML message, as the model was trained to read it; a reply starts with its
    action line when the agent chooses `actions` (it has tools), else it is plain."""
    match message.role:
        case "assistant" if message.tool_name is not None:
            body = tool_call_line(message.tool_name, message.tool_arguments or "")
            return f"{IM_START}assistant\n{body}{IM_END}\n"
        case "assistant":
            line = f"{ACTION_PREFIX} {REPLY}\n" if actions else ""
            return f"{IM_START}assistant\n{line}{message.content}{IM_END}\n"
        case "tool":
            name = f"{message.tool_name}: " if message.tool_name else ""
            body = f"<tool_response>\n{name}{message.content}\n</tool_response>"
            return f"{IM_START}user\n{body}{IM_END}\n"
        case "user" | "system":
            return f"{IM_START}{message.role}\n{message.content}{IM_END}\n"


@dataclass(frozen=True, slots=True)
class ChatPrompt:
    """A prompt split where caching can happen.

    Attributes:
        prefix: The system message: the same for every turn of one agent.
        conversation: The messages so far.
        generation: What opens the assistant's answer: up to the action line's colon, or
            for an agent with no tools (nothing to choose) only the assistant's header.
    """

    prefix: str
    conversation: str
    generation: str

    @property
    def text(self) -> str:
        """The whole prompt."""
        return self.prefix + self.conversation + self.generation


def build_prompt(
    instructions: str,
    tools: Sequence[ToolSpec],
    messages: Sequence[ChatMessage],
    *,
    note: str | None = None,
) -> ChatPrompt:
    """The ChatML prompt for the next assistant turn.

    Args:
        instructions: The agent's instructions.
        tools: The tools it may call.
        messages: The conversation so far (system messages in it are kept in place).
        note: An extra system note just before the answer (e.g. a grounding retry hint).
    """
    actions = bool(tools)
    prefix = f"{IM_START}system\n{system_prompt(instructions, tools)}{IM_END}\n"
    conversation = "".join(render_message(m, actions=actions) for m in messages)
    if note:
        conversation += f"{IM_START}system\n{note}{IM_END}\n"
    opening = f"{IM_START}assistant\n{ACTION_PREFIX}" if actions else f"{IM_START}assistant\n"
    return ChatPrompt(prefix, conversation, opening)
