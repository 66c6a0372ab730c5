"""The bridge's inbound edge: browser frames validated into typed events (pydantic)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from voxline.errors import ConfigurationError, ProtocolError
from voxline.scenarios.voice_coach import CoachSettings

__all__ = [
    "MAX_AUDIO_FRAME_BYTES",
    "MAX_TEXT_FRAME_BYTES",
    "AudioClear",
    "AudioCommit",
    "BrowserEvent",
    "CoachSettingsEvent",
    "Interrupt",
    "Ping",
    "Playback",
    "ResponseCreate",
    "Text",
    "TriggerEvent",
    "check_audio_frame",
    "parse_text_frame",
]

MAX_TEXT_FRAME_BYTES = 64 * 1024
"""Largest JSON message the browser may send."""

MAX_AUDIO_FRAME_BYTES = 96_000
"""Largest microphone frame: 2 s of PCM16 24 kHz mono."""


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)


class Text(_Event):
    """A typed user message."""

    type: Literal["text"]
    text: Annotated[str, Field(min_length=1)]


class AudioCommit(_Event):
    """Push-to-talk released: the buffered audio is the user's turn."""

    type: Literal["audio.commit"]


class AudioClear(_Event):
    """Drop buffered microphone audio."""

    type: Literal["audio.clear"]


class ResponseCreate(_Event):
    """Ask the agent to answer now."""

    type: Literal["response.create"]


class Interrupt(_Event):
    """Cut the agent off."""

    type: Literal["interrupt"]


class TriggerEvent(_Event):
    """Fire a trigger by name (a coach button)."""

    type: Literal["trigger"]
    name: Annotated[str, Field(min_length=1, max_length=200)]


class Playback(_Event):
    """How much of an agent item the page has played."""

    type: Literal["playback"]
    item_id: Annotated[str, Field(min_length=1, max_length=200)]
    played_ms: Annotated[int, Field(ge=0)]


class CoachSettingsEvent(_Event):
    """Replace the voice coach's trigger settings for this conversation."""

    type: Literal["coach.settings"]
    quick_phrases: list[Annotated[str, Field(min_length=1)]]
    full_phrases: list[Annotated[str, Field(min_length=1)]]
    interrupt_phrases: list[Annotated[str, Field(min_length=1)]]
    quick_window: Annotated[int, Field(ge=1, le=1000)]
    full_window: Annotated[int, Field(ge=1, le=1000)]
    max_output_tokens: Annotated[int | None, Field(ge=1, le=100_000)] = 150

    def to_settings(self) -> CoachSettings:
        """The CoachSettings these fields describe.

        Raises:
            ProtocolError: `invalid_event`, when a phrase list is empty or a phrase has no words.
        """
        try:
            settings = CoachSettings(
                quick_phrases=tuple(self.quick_phrases),
                full_phrases=tuple(self.full_phrases),
                interrupt_phrases=tuple(self.interrupt_phrases),
                quick_window=self.quick_window,
                full_window=self.full_window,
                max_output_tokens=self.max_output_tokens,
            )
            settings.triggers()  # phrases that normalise to nothing fail here
        except ConfigurationError as exc:
            raise ProtocolError(str(exc), event_type=self.type, code="invalid_event") from None
        return settings


class Ping(_Event):
    """Keep-alive; answered by `pong`."""

    type: Literal["ping"]


BrowserEvent = (
    Text
    | AudioCommit
    | AudioClear
    | ResponseCreate
    | Interrupt
    | TriggerEvent
    | Playback
    | CoachSettingsEvent
    | Ping
)
"""Every event the page may send as a text frame."""

_MODELS: dict[str, type[_Event]] = {
    "text": Text,
    "audio.commit": AudioCommit,
    "audio.clear": AudioClear,
    "response.create": ResponseCreate,
    "interrupt": Interrupt,
    "trigger": TriggerEvent,
    "playback": Playback,
    "coach.settings": CoachSettingsEvent,
    "ping": Ping,
}
_ADAPTER: TypeAdapter[BrowserEvent] = TypeAdapter(
    Annotated[BrowserEvent, Field(discriminator="type")]
)


def _describe(error: ValidationError) -> str:
    parts = []
    for err in error.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"][1:]) or "event"
        parts.append(f"{loc}: {err['msg']}" if err["type"] != "missing" else f"{loc} is missing")
    return "; ".join(parts)


def parse_text_frame(frame: str) -> BrowserEvent:
    """Validate one text frame from the browser.

    Raises:
        ProtocolError: with `code` `message_too_large`, `invalid_json`, `unknown_event` or
            `invalid_event` and, once known, the event's `event_type`.
    """
    size = len(frame.encode("utf-8", "surrogatepass"))
    if size > MAX_TEXT_FRAME_BYTES:
        raise ProtocolError(
            f"message of {size} bytes is over the {MAX_TEXT_FRAME_BYTES}-byte limit",
            code="message_too_large",
        )
    try:
        data: Any = json.loads(frame)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"not valid JSON: {exc}", code="invalid_json") from None
    if not isinstance(data, dict):
        raise ProtocolError(
            f"expected one JSON object with a `type`, got {type(data).__name__}",
            code="invalid_event",
        )
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("the event has no string `type` field", code="invalid_event")
    if kind not in _MODELS:
        raise ProtocolError(
            f"unknown event type {kind!r}; known: {', '.join(sorted(_MODELS))}",
            event_type=kind,
            code="unknown_event",
        )
    try:
        event = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise ProtocolError(
            f"invalid {kind} event: {_describe(exc)}", event_type=kind, code="invalid_event"
        ) from None
    return event


def check_audio_frame(frame: bytes) -> None:
    """Accept a microphone frame: PCM16, so an even number of bytes, at most 2 s (empty is fine).

    Raises:
        ProtocolError: `bad_audio_frame`, saying what is wrong with it.
    """
    if len(frame) % 2:
        raise ProtocolError(
            f"audio frame of {len(frame)} bytes cuts a PCM16 sample (needs an even length)",
            code="bad_audio_frame",
        )
    if len(frame) > MAX_AUDIO_FRAME_BYTES:
        raise ProtocolError(
            f"audio frame of {len(frame)} bytes is over the {MAX_AUDIO_FRAME_BYTES}-byte "
            "(2 s) limit; send 20-100 ms per frame",
            code="bad_audio_frame",
        )
