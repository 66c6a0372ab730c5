"""Fast paths for the frequent server events: the typed result, decoded in one C call.

Validating every server event against the `openai` package's pydantic models costs 20-100 us
each, several times what it takes to parse the JSON. The events a conversation sees on
every turn (response lifecycle, transcript and audio deltas, function calls, VAD) are
described here as `msgspec` structs instead, one per event type, tagged by `type`: one
decoder reads the JSON text, checks every field's type, base64-decodes the audio and picks
the struct, in C, and each struct's `event()` gives the same ModelEvent that
`translate(parse_server_event(...))` gives.

A fast path only accepts an event whose every field is one it knows, with exactly the type
the openai model declares (no coercion, no unknown or extra fields, no missing tag).
Anything else, even an event the typed models would accept, returns `NOT_HANDLED` and takes
the full validation path with its error report. So an event either gets the typed result or
goes the typed way; `tests/protocol/test_fast_paths.py` pins this field by field.

Why a decoder in C: a realtime link's events mostly arrive after the process has sat idle,
when Python code runs several times slower than warm. Decoding a reply's first four events
this way costs about half what `json.loads` and Python shape checks did, cold, and a sixth
warm (benchmarks/README.md, "Thirteenth pass").
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final, Literal, Protocol

import msgspec

from voxline.core import events as ev
from voxline.protocol.fast_shapes import (
    NOT_HANDLED,
    ContentPart,
    Item,
    MessageItem,
    NotHandled,
    Response,
    Result,
    Shape,
    Tagged,
    Wire,
)

__all__ = [
    "FAST",
    "NOT_HANDLED",
    "NotHandled",
    "WireUsage",
    "remember_session",
    "translate_fast",
    "usage_from_wire",
]


STATUS: Final = {
    "completed": ev.ResponseStatus.COMPLETED,
    "cancelled": ev.ResponseStatus.CANCELLED,
    "incomplete": ev.ResponseStatus.INCOMPLETE,
    "failed": ev.ResponseStatus.FAILED,
}
"""`response.done` statuses; any other (such as in_progress) counts as incomplete."""

_PART_TYPES: Final[Mapping[str, frozenset[str | None]]] = {
    "assistant": frozenset((None, "output_text", "output_audio")),
    "user": frozenset((None, "input_text", "input_audio", "input_image")),
    "system": frozenset((None, "input_text")),
}
"""The content part types the openai model of each role's message declares. The decoder
reads one content part shape for every role; this holds each role to its own types (a
field another role's parts have is an extra field to the typed models, which they allow)."""


def _fits(item: Item) -> bool:
    """A decoded item is what the typed models accept: a message's parts fit its role."""
    if not isinstance(item, MessageItem):
        return True
    allowed = _PART_TYPES[item.role]
    return all(part.type in allowed for part in item.content)


def _all_fit(items: list[Item] | None) -> bool:
    return items is None or all(_fits(item) for item in items)


def _text(parts: list[ContentPart]) -> str:
    return "".join(part.transcript or part.text or "" for part in parts)


class _InputCounts(Protocol):
    @property
    def text_tokens(self) -> int | None: ...
    @property
    def audio_tokens(self) -> int | None: ...
    @property
    def cached_tokens(self) -> int | None: ...


class _OutputCounts(Protocol):
    @property
    def text_tokens(self) -> int | None: ...
    @property
    def audio_tokens(self) -> int | None: ...


class WireUsage(Protocol):
    """A `response.done`'s usage, as the openai model (`RealtimeResponseUsage`) or the fast
    path's struct reads it."""

    @property
    def input_token_details(self) -> _InputCounts | None: ...
    @property
    def output_token_details(self) -> _OutputCounts | None: ...


def usage_from_wire(usage: WireUsage | None) -> ev.Usage | None:
    """Token counts of a `response.done`, split by modality; None when the server sent none."""
    if usage is None:
        return None
    inp = usage.input_token_details
    out = usage.output_token_details
    return ev.Usage(
        input_text_tokens=(inp.text_tokens or 0) if inp else 0,
        input_audio_tokens=(inp.audio_tokens or 0) if inp else 0,
        input_cached_tokens=(inp.cached_tokens or 0) if inp else 0,
        output_text_tokens=(out.text_tokens or 0) if out else 0,
        output_audio_tokens=(out.audio_tokens or 0) if out else 0,
    )


# ----------------------------------------------------------------- the events


class _Ignored(Wire):
    """An event voxline has no use for: None once it decoded (it is well formed).

    OpenAI sends several of these around every reply (content parts, the end of the audio
    and of its transcript, rate limits); without a fast path each was validated in full only
    to be dropped.
    """

    def event(self) -> Result:
        return None


class _InContent(Wire):
    response_id: str
    item_id: str
    output_index: int
    content_index: int


class AudioDelta(_InContent, tag="response.output_audio.delta"):
    delta: bytes
    """Base64 on the wire; decoded (strictly: anything base64 does not fully spell out goes
    the typed way) by the decoder."""

    def event(self) -> Result:
        return ev.OutputAudioDelta(self.response_id, self.item_id, self.delta)


class TranscriptDelta(_InContent, tag="response.output_audio_transcript.delta"):
    delta: str

    def event(self) -> Result:
        return ev.OutputTextDelta(self.response_id, self.item_id, self.delta)


class TextDelta(_InContent, tag="response.output_text.delta"):
    delta: str

    def event(self) -> Result:
        return ev.OutputTextDelta(self.response_id, self.item_id, self.delta)


class _Part(Shape):
    type: Literal["text", "audio"] | None = None
    text: str | None = None
    audio: str | None = None
    transcript: str | None = None


class PartAdded(_InContent, _Ignored, tag="response.content_part.added"):
    part: _Part


class PartDone(_InContent, _Ignored, tag="response.content_part.done"):
    part: _Part


class AudioDone(_InContent, _Ignored, tag="response.output_audio.done"):
    pass


class TranscriptDone(_InContent, _Ignored, tag="response.output_audio_transcript.done"):
    transcript: str


class TextDone(_InContent, _Ignored, tag="response.output_text.done"):
    text: str


class _RateLimit(Shape):
    name: Literal["requests", "tokens"] | None = None
    limit: int | None = None
    remaining: int | None = None
    reset_seconds: float | None = None


class RateLimits(_Ignored, tag="rate_limits.updated"):
    rate_limits: list[_RateLimit]


class _InCall(Wire):
    response_id: str
    item_id: str
    output_index: int
    call_id: str


class ArgumentsDelta(_InCall, _Ignored, tag="response.function_call_arguments.delta"):
    delta: str


class ArgumentsDone(_InCall, tag="response.function_call_arguments.done"):
    name: str
    arguments: str

    def event(self) -> Result:
        return ev.FunctionCallRequested(
            self.response_id, self.item_id, self.call_id, self.name, self.arguments
        )


class SpeechStarted(Wire, tag="input_audio_buffer.speech_started"):
    item_id: str
    audio_start_ms: int

    def event(self) -> Result:
        return ev.SpeechStarted(self.item_id, self.audio_start_ms)


class SpeechStopped(Wire, tag="input_audio_buffer.speech_stopped"):
    item_id: str
    audio_end_ms: int

    def event(self) -> Result:
        return ev.SpeechStopped(self.item_id, self.audio_end_ms)


class Committed(Wire, tag="input_audio_buffer.committed"):
    item_id: str
    previous_item_id: str | None = None

    def event(self) -> Result:
        return ev.AudioCommitted(self.item_id)


class InputTranscriptDelta(Wire, tag="conversation.item.input_audio_transcription.delta"):
    item_id: str
    content_index: int | None = None
    delta: str | None = None
    logprobs: None = None

    def event(self) -> Result:
        return ev.InputTranscriptDelta(self.item_id, self.delta or "")


class _Duration(Tagged, tag="duration"):
    seconds: float


class _TokenDetails(Shape):
    audio_tokens: int | None = None
    text_tokens: int | None = None


class _Tokens(Tagged, tag="tokens"):
    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: _TokenDetails | None = None


class InputTranscript(Wire, tag="conversation.item.input_audio_transcription.completed"):
    item_id: str
    content_index: int
    transcript: str
    usage: _Duration | _Tokens
    logprobs: None = None
    languages: None = None

    def event(self) -> Result:
        return ev.InputTranscriptCompleted(self.item_id, self.transcript)


class ResponseCreated(Wire, tag="response.created"):
    response: Response

    def event(self) -> Result:
        if not _all_fit(self.response.output):
            return NOT_HANDLED
        return ev.ResponseStarted(self.response.id or "")


class ResponseDone(Wire, tag="response.done"):
    response: Response

    def event(self) -> Result:
        response = self.response
        if not _all_fit(response.output):
            return NOT_HANDLED
        status = STATUS.get(response.status or "completed", ev.ResponseStatus.INCOMPLETE)
        return ev.ResponseDone(response.id or "", status, usage_from_wire(response.usage))


class _OutputItem(Wire):
    response_id: str
    output_index: int
    item: Item

    def assistant(self) -> tuple[str, MessageItem] | NotHandled | None:
        """The assistant message and its id; None for another item, NOT_HANDLED for an item
        the typed path must report (parts that do not fit the role, an assistant item
        without an id)."""
        item = self.item
        if not _fits(item):
            return NOT_HANDLED
        if not isinstance(item, MessageItem) or item.role != "assistant":
            return None
        return (item.id, item) if item.id is not None else NOT_HANDLED


class OutputItemAdded(_OutputItem, tag="response.output_item.added"):
    def event(self) -> Result:
        found = self.assistant()
        if not isinstance(found, tuple):
            return found
        return ev.OutputItemAdded(self.response_id, found[0])


class OutputItemDone(_OutputItem, tag="response.output_item.done"):
    def event(self) -> Result:
        found = self.assistant()
        if not isinstance(found, tuple):
            return found
        item_id, item = found
        return ev.OutputItemDone(self.response_id, item_id, _text(item.content))


class _ConversationItem(Wire):
    item: Item
    previous_item_id: str | None = None

    def event(self) -> Result:
        return None if _fits(self.item) else NOT_HANDLED


class ItemAdded(_ConversationItem, tag="conversation.item.added"):
    pass


class ItemDone(_ConversationItem, tag="conversation.item.done"):
    pass


_SESSIONS: list[Any] = []
"""Session payloads that passed full validation lately (a server echoes what it was sent)."""


class _SessionEvent(Wire):
    session: dict[str, Any]

    def event(self) -> Result:
        return None if self.session in _SESSIONS else NOT_HANDLED


class SessionCreated(_SessionEvent, tag="session.created"):
    pass


class SessionUpdated(_SessionEvent, tag="session.updated"):
    pass


def remember_session(session: Any) -> None:
    """Note a `session` payload that passed full validation; the same payload then skips it.

    `session.updated` carries the whole configuration (tools, formats, turn detection) and
    validating it takes about a millisecond; a conversation that hands off between a few
    agents gets the same few configurations back.
    """
    if session not in _SESSIONS:
        _SESSIONS.insert(0, copy.deepcopy(session))
        del _SESSIONS[16:]


_EVENTS: Final = (
    AudioDelta,
    TranscriptDelta,
    TextDelta,
    ArgumentsDelta,
    ArgumentsDone,
    SpeechStarted,
    SpeechStopped,
    Committed,
    InputTranscriptDelta,
    ResponseCreated,
    OutputItemAdded,
    OutputItemDone,
    ResponseDone,
    ItemAdded,
    ItemDone,
    InputTranscript,
    SessionCreated,
    SessionUpdated,
    PartAdded,
    PartDone,
    AudioDone,
    TranscriptDone,
    TextDone,
    RateLimits,
)

FAST: Final[Mapping[str, type[Wire]]] = {str(kind.__struct_config__.tag): kind for kind in _EVENTS}
"""The event types with a fast path, and the struct each is decoded to."""


def _decoder() -> Any:
    union: Any = _EVENTS[0]
    for kind in _EVENTS[1:]:
        union = union | kind
    return msgspec.json.Decoder(union).decode


_DECODE: Final = _decoder()
"""Decodes any fast-pathed event: the tag (`type`) picks the struct."""


def translate_fast(raw: str | bytes) -> Result:
    """The ModelEvent (or None) of a well-formed frequent event given as JSON text;
    NOT_HANDLED for anything else (other types, malformed JSON, fields that do not fit)."""
    try:
        wire = _DECODE(raw)
    except (msgspec.DecodeError, TypeError):
        return NOT_HANDLED
    result: Result = wire.event()
    return result
