"""The offline engine's ports: one plain Protocol per stage. Adapters live beside this file.

Audio inside the engine is mono float32 in [-1, 1] at the port's own `sample_rate`; the
engine resamples at the edges (the wire is PCM16 24 kHz). Every port method is synchronous
and CPU-bound: the engine calls them from worker threads, never from the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from voxline.core.config import ToolSpec

Audio = npt.NDArray[np.float32]
"""Mono float32 samples in [-1, 1]."""


class VAD(Protocol):
    """Voice activity detection: the probability that a frame holds speech."""

    sample_rate: int
    frame_size: int
    """Samples per call to `speech_probability`."""

    def speech_probability(self, frame: Audio) -> float:
        """Probability in [0, 1] that `frame` (exactly `frame_size` samples) is speech."""
        ...

    def reset(self) -> None:
        """Forget the state carried between frames (start of a new stream)."""
        ...


class STT(Protocol):
    """Speech to text."""

    sample_rate: int

    def transcribe(self, audio: Audio) -> str:
        """The words in `audio` (may be called again on a growing segment)."""
        ...


class TTS(Protocol):
    """Text to speech."""

    sample_rate: int

    def synthesize(self, text: str, *, voice: str | None = None) -> Iterator[Audio]:
        """Audio for `text`, in chunks as they are ready."""
        ...


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of the conversation as the language model sees it.

    Attributes:
        role: system, user, assistant, or tool (a tool's answer).
        content: The text (for a tool message: the tool's output).
        tool_name: For an assistant message that called a tool, or a tool message: the tool.
        tool_arguments: For an assistant message that called a tool: the JSON arguments.
        call_id: Links a tool call to its answer.
    """

    role: Literal["system", "user", "assistant", "tool"]
    content: str
    tool_name: str | None = None
    tool_arguments: str | None = None
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class TextChunk:
    """Part of the model's spoken reply."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolChoice:
    """The model decided to call a tool (or hand off) with these JSON arguments."""

    name: str
    arguments: str


LLMOutput = TextChunk | ToolChoice


class LLM(Protocol):
    """A chat language model that either calls one tool or speaks a reply.

    `generate` yields a single ToolChoice (arguments valid against that tool's schema), or
    TextChunks as the reply streams. It checks `should_stop` between tokens and ends early
    when it returns True (barge-in).
    """

    def prepare(self, instructions: str, tools: Sequence[ToolSpec]) -> None:
        """Do the expensive prompt work for an agent ahead of time (prefill and cache)."""
        ...

    def generate(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        *,
        max_tokens: int | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Iterator[LLMOutput]:
        """Decide and speak: one ToolChoice, or a stream of TextChunks."""
        ...


@runtime_checkable
class PrimingLLM(Protocol):
    """An LLM that can evaluate a turn's prompt while the user is still speaking (optional).

    The engine calls `prime` with the conversation and the user's words so far whenever a
    partial transcript arrives and the model is idle, and with `complete=True` when the
    user has paused (the turn may end there), so that at the end of the turn little or
    nothing is left to evaluate.
    """

    def prime(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        *,
        complete: bool = False,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        """Evaluate the prompt up to the user's words so far (`complete`: up to where the
        answer starts, the words being likely final); returns the tokens evaluated."""
        ...
