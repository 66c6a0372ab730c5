"""What the model is told to be: instructions, voice, tools, audio formats and turn detection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal


class AudioFormat(StrEnum):
    """Audio encodings on the wire. PCM16 is 24 kHz mono little-endian; G.711 is 8 kHz."""

    PCM16 = "pcm16"
    G711_ULAW = "g711_ulaw"
    G711_ALAW = "g711_alaw"

    @property
    def bytes_per_ms(self) -> int:
        """Bytes of audio per millisecond in this format."""
        return 48 if self is AudioFormat.PCM16 else 8


@dataclass(frozen=True, slots=True)
class ServerVAD:
    """The model detects speech by volume; silence of `silence_duration_ms` ends the turn."""

    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 300
    create_response: bool = True
    interrupt_response: bool = True


@dataclass(frozen=True, slots=True)
class SemanticVAD:
    """The model decides from the words whether the user has finished."""

    eagerness: Literal["low", "medium", "high", "auto"] = "auto"
    create_response: bool = True
    interrupt_response: bool = True


TurnDetection = ServerVAD | SemanticVAD | None
"""None means push-to-talk: the app commits the audio and asks for a response."""


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function the model may call, described by a JSON Schema."""

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """Everything sent to the model in a session update."""

    instructions: str
    voice: str | None = None
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: Literal["auto", "none", "required"] = "auto"
    modalities: tuple[Literal["audio", "text"], ...] = ("audio",)
    input_format: AudioFormat = AudioFormat.PCM16
    output_format: AudioFormat = AudioFormat.PCM16
    turn_detection: TurnDetection = ServerVAD()
    transcription_model: str | None = "gpt-4o-mini-transcribe"
    model: str | None = None

    @property
    def server_interrupts(self) -> bool:
        """True when the model itself cancels its response as the user starts speaking."""
        td = self.turn_detection
        return td is not None and td.interrupt_response

    @property
    def offered_tools(self) -> tuple[ToolSpec, ...]:
        """The tools the model may call: none when `tool_choice` is "none"."""
        return () if self.tool_choice == "none" else self.tools

    @property
    def server_creates_responses(self) -> bool:
        """True when the model answers by itself at the end of the user's turn."""
        td = self.turn_detection
        return td is not None and td.create_response
