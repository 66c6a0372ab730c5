"""The LLM port on any OpenAI-compatible chat-completions server (Ollama, vLLM, OpenAI).

Tools go through the API's function calling; the reply streams. For a user with a GPU server
who wants a bigger model than the embedded one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import openai

from voxline.core.config import ToolSpec
from voxline.engine.llm.schema import validate_arguments
from voxline.engine.ports import ChatMessage, LLMOutput, TextChunk, ToolChoice
from voxline.errors import ToolArgumentsError, TransportError, UnknownToolError

__all__ = ["OpenAIChatLLM", "OpenAIChatSettings", "to_openai_messages"]


@dataclass(frozen=True, slots=True)
class OpenAIChatSettings:
    """Where the server is and how to sample.

    Attributes:
        model: The model name the server knows (e.g. "qwen2.5:7b" on Ollama).
        base_url: The API root, e.g. "http://localhost:11434/v1".
        api_key: The key; local servers accept any non-empty text.
        temperature: Sampling temperature.
        max_tokens: Longest reply, unless `generate` gets `max_tokens`.
        timeout_s: Per-request timeout.
        max_retries: Retries of a failed request before TransportError.
    """

    model: str
    base_url: str = "http://localhost:11434/v1"
    api_key: str = "not-needed"
    temperature: float = 0.6
    max_tokens: int = 300
    timeout_s: float = 60.0
    max_retries: int = 1


def to_openai_messages(instructions: str, messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """Our messages in the chat-completions format (tool calls and their results linked)."""
    out: list[dict[str, Any]] = [{"role": "system", "content": instructions}]
    for i, m in enumerate(messages):
        call_id = m.call_id or f"call_{i}"
        if m.role == "assistant" and m.tool_name is not None:
            out.append(
                {
                    "role": "assistant",
                    "content": m.content or None,
                    "tool_calls": [
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {
                                "name": m.tool_name,
                                "arguments": m.tool_arguments or "{}",
                            },
                        }
                    ],
                }
            )
        elif m.role == "tool":
            out.append({"role": "tool", "tool_call_id": call_id, "content": m.content})
        else:
            out.append({"role": m.role, "content": m.content})
    return out


def _tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": dict(t.parameters),
            },
        }
        for t in tools
    ]


class OpenAIChatLLM:
    """The LLM port over a chat-completions endpoint, with streaming and function calling.

    Raises (from `generate`):
        TransportError: the server could not be reached or answered with an error.
        UnknownToolError: the model called a tool it was not offered.
        ToolArgumentsError: the model's arguments are not a JSON object.
    """

    def __init__(self, settings: OpenAIChatSettings, *, client: openai.OpenAI | None = None):
        self.settings = settings
        self._client = client or openai.OpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key,
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,
        )

    def prepare(self, instructions: str, tools: Sequence[ToolSpec]) -> None:
        """Nothing to do: the server caches prompts itself if it can."""

    def generate(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        *,
        max_tokens: int | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Iterator[LLMOutput]:
        """One ToolChoice (the first tool call), or the reply as it streams."""
        stop = should_stop or (lambda: False)
        request: dict[str, Any] = {
            "model": self.settings.model,
            "messages": to_openai_messages(instructions, messages),
            "temperature": self.settings.temperature,
            "max_tokens": max_tokens or self.settings.max_tokens,
            "stream": True,
        }
        if tools:
            request["tools"] = _tools(tools)
        try:
            stream = self._client.chat.completions.create(**request)
        except openai.APIError as exc:
            raise TransportError(f"chat completions at {self.settings.base_url}: {exc}") from exc
        name: str | None = None
        arguments = ""
        try:
            for chunk in stream:
                if stop():
                    return
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta
                for call in delta.tool_calls or []:
                    if call.index != 0 or call.function is None:
                        continue  # one tool per turn: later parallel calls are ignored
                    name = call.function.name or name
                    arguments += call.function.arguments or ""
                if delta.content and name is None:
                    yield TextChunk(delta.content)
        except openai.APIError as exc:
            raise TransportError(f"chat completions stream broke: {exc}") from exc
        finally:
            stream.close()
        if name is not None:
            yield self._choice(name, arguments, tools)

    @staticmethod
    def _choice(name: str, arguments: str, tools: Sequence[ToolSpec]) -> ToolChoice:
        offered = {t.name: t for t in tools}
        if name not in offered:
            raise UnknownToolError(
                f"the model called {name!r}, which it was not offered", tool_name=name
            )
        try:
            data = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            raise ToolArgumentsError(
                f"the model's arguments for {name} are not a JSON object: {arguments[:80]!r}",
                tool_name=name,
            )
        problems = validate_arguments(offered[name].parameters, data)
        if problems:
            raise ToolArgumentsError(
                f"the model's arguments for {name} do not fit its schema: " + "; ".join(problems),
                tool_name=name,
            )
        return ToolChoice(name, json.dumps(data))
