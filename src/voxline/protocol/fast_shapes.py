"""The shapes inside the fast-pathed server events, as `msgspec` structs.

Each struct names every field the matching `openai.types.realtime` model declares, with
exactly its type: no unknown field (`forbid_unknown_fields`), no coercion (msgspec is strict
by default: no string for a number, no float for an int, no bool for either), and the tag
(`type`) required wherever one of several shapes may stand. The structs live only while
an event is translated, and are not tracked by the garbage collector (they only ever hold
JSON values, so they can form no cycle).
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec

from voxline.core import events as ev

__all__ = [
    "NOT_HANDLED",
    "ContentPart",
    "FunctionCallItem",
    "FunctionOutputItem",
    "Item",
    "MessageItem",
    "NotHandled",
    "Response",
    "Result",
    "Shape",
    "Tagged",
    "Usage",
    "Wire",
]


class NotHandled:
    """The event is not one the fast paths take: validate it fully."""


NOT_HANDLED: Final = NotHandled()

Result = ev.ModelEvent | None | NotHandled
"""What a fast path says of an event: its ModelEvent, None (voxline has no use for it), or
NOT_HANDLED."""


class Shape(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A JSON object with only these fields, each of exactly its type."""


class Tagged(Shape, tag_field="type"):
    """A shape told apart from others by its `type`."""


class Wire(Tagged):
    """A server event: its `type` (the tag) and `event_id`, then its own fields."""

    event_id: str

    def event(self) -> Result:
        """The ModelEvent it stands for (None if voxline has no use for it), or NOT_HANDLED
        when the typed path must judge it after all: what an event struct that translates
        nothing itself gets, so that it can never drop an event unnoticed."""
        return NOT_HANDLED


# ----------------------------------------------------------------- conversation items


class ContentPart(Shape):
    """A message's content part, of any role (`fast._PART_TYPES` holds each role to its
    own part types)."""

    type: (
        Literal["output_text", "output_audio", "input_text", "input_audio", "input_image"] | None
    ) = None
    text: str | None = None
    transcript: str | None = None
    audio: str | None = None
    image_url: str | None = None
    detail: Literal["auto", "low", "high"] | None = None


class _ItemMeta(Tagged, kw_only=True):  # the item types' own fields may be required
    id: str | None = None
    object: Literal["realtime.item"] | None = None
    status: Literal["completed", "incomplete", "in_progress"] | None = None


class MessageItem(_ItemMeta, tag="message"):
    role: Literal["assistant", "user", "system"]
    content: list[ContentPart]


class FunctionCallItem(_ItemMeta, tag="function_call"):
    name: str
    arguments: str
    call_id: str | None = None


class FunctionOutputItem(_ItemMeta, tag="function_call_output"):
    call_id: str
    output: str


Item = MessageItem | FunctionCallItem | FunctionOutputItem


# ----------------------------------------------------------------- the response resource


class _CachedDetails(Shape):
    text_tokens: int | None = None
    audio_tokens: int | None = None
    image_tokens: int | None = None


class _InputDetails(Shape):
    text_tokens: int | None = None
    audio_tokens: int | None = None
    cached_tokens: int | None = None
    image_tokens: int | None = None
    cached_tokens_details: _CachedDetails | None = None


class _OutputDetails(Shape):
    text_tokens: int | None = None
    audio_tokens: int | None = None


class Usage(Shape):
    total_tokens: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    input_token_details: _InputDetails | None = None
    output_token_details: _OutputDetails | None = None


class _Pcm(Tagged, tag="audio/pcm"):
    rate: Literal[24000] | None = None


class _Pcmu(Tagged, tag="audio/pcmu"):
    pass


class _Pcma(Tagged, tag="audio/pcma"):
    pass


class _AudioOutput(Shape):
    format: _Pcm | _Pcmu | _Pcma | None = None
    voice: str | None = None


class _ResponseAudio(Shape):
    output: _AudioOutput | None = None


class _ErrorDetails(Shape):
    code: str | None = None
    message: str | None = None
    type: str | None = None


class _StatusDetails(Shape):
    type: Literal["completed", "cancelled", "incomplete", "failed"] | None = None
    reason: (
        Literal["turn_detected", "client_cancelled", "max_output_tokens", "content_filter"] | None
    ) = None
    error: _ErrorDetails | None = None


class Response(Shape):
    """The response resource of `response.created` and `response.done`, every field a GA
    server fills in; the translation reads the id, status, output and usage."""

    id: str | None = None
    object: Literal["realtime.response"] | None = None
    status: Literal["completed", "cancelled", "failed", "incomplete", "in_progress"] | None = None
    output: list[Item] | None = None
    usage: Usage | None = None
    conversation_id: str | None = None
    status_details: _StatusDetails | None = None
    metadata: dict[str, str] | None = None
    audio: _ResponseAudio | None = None
    output_modalities: list[Literal["text", "audio"]] | None = None
    max_output_tokens: int | Literal["inf"] | None = None
