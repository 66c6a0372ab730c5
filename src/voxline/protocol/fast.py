"""Fast paths for the frequent server events: the typed result, without building openai models.

Validating every server event against the `openai` package's pydantic models costs 20-100 us
each, several times what it takes to parse the JSON. The events a conversation sees on
every turn (response lifecycle, transcript and audio deltas, function calls, VAD) are
checked here by plain shape tests instead, and translated to the same ModelEvent that
`translate(parse_server_event(...))` gives.

A fast path only accepts an event whose every field is one it knows, with exactly the type
the openai model declares (no coercion, no unknown or extra fields). Anything else, even
an event the typed models would accept, returns `NOT_HANDLED` and takes the full validation
path with its error report. So an event either gets the typed result or goes the typed way;
`tests/protocol/test_fast_paths.py` pins this field by field.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Callable, Mapping
from typing import Any, Final

from voxline.core import events as ev
from voxline.protocol.shapes import (
    INT,
    NONE,
    NUMBER,
    OPT_INT,
    OPT_NUMBER,
    OPT_STR,
    STR,
    Check,
    ListOf,
    Maybe,
    Spec,
    one_of,
    shape,
)

__all__ = ["NOT_HANDLED", "NotHandled", "remember_session", "translate_fast"]


class NotHandled:
    """The event is not one the fast paths take: validate it fully."""


NOT_HANDLED: Final = NotHandled()

STATUS: Final = {
    "completed": ev.ResponseStatus.COMPLETED,
    "cancelled": ev.ResponseStatus.CANCELLED,
    "incomplete": ev.ResponseStatus.INCOMPLETE,
    "failed": ev.ResponseStatus.FAILED,
}
"""`response.done` statuses; any other (such as in_progress) counts as incomplete."""


_ITEM_STATUS = one_of(None, "completed", "incomplete", "in_progress")
_ITEM_META: dict[str, Spec] = {
    "id": OPT_STR,
    "object": one_of(None, "realtime.item"),
    "status": _ITEM_STATUS,
}

_CONTENT = shape(
    {},
    {
        "type": one_of(None, "output_text", "output_audio"),
        "text": OPT_STR,
        "transcript": OPT_STR,
        "audio": OPT_STR,
    },
)
_ASSISTANT = shape(
    {"type": one_of("message"), "role": one_of("assistant"), "content": ListOf(_CONTENT)},
    _ITEM_META,
)
_USER_CONTENT = shape(
    {},
    {
        "type": one_of(None, "input_text", "input_audio", "input_image"),
        "text": OPT_STR,
        "transcript": OPT_STR,
        "audio": OPT_STR,
        "image_url": OPT_STR,
        "detail": one_of(None, "auto", "low", "high"),
    },
)
_USER = shape(
    {"type": one_of("message"), "role": one_of("user"), "content": ListOf(_USER_CONTENT)},
    _ITEM_META,
)
_SYSTEM_CONTENT = shape({}, {"type": one_of(None, "input_text"), "text": OPT_STR})
_SYSTEM = shape(
    {"type": one_of("message"), "role": one_of("system"), "content": ListOf(_SYSTEM_CONTENT)},
    _ITEM_META,
)
_FUNCTION_CALL = shape(
    {"type": one_of("function_call"), "name": STR, "arguments": STR},
    {**_ITEM_META, "call_id": OPT_STR},
)
_FUNCTION_OUTPUT = shape(
    {"type": one_of("function_call_output"), "call_id": STR, "output": STR}, _ITEM_META
)
_MESSAGES = {"assistant": _ASSISTANT, "user": _USER, "system": _SYSTEM}


def _item_kind(item: Any) -> str | None:
    """What a well-formed item is: a message's role, function_call or function_call_output.

    None for an item the fast paths do not know or one that does not fit its shape.
    """
    if type(item) is not dict:
        return None
    kind = item.get("type")
    if kind == "message":
        role = item.get("role")
        fits = _MESSAGES.get(role) if type(role) is str else None
        return role if fits is not None and fits(item) else None
    if kind == "function_call" and _FUNCTION_CALL(item):
        return "function_call"
    if kind == "function_call_output" and _FUNCTION_OUTPUT(item):
        return "function_call_output"
    return None


def _item(value: Any) -> bool:
    return _item_kind(value) is not None


def _is_dict(value: Any) -> bool:
    return type(value) is dict


_CACHED_DETAILS = shape({}, dict.fromkeys(("text_tokens", "audio_tokens", "image_tokens"), OPT_INT))
_INPUT_DETAILS = shape(
    {},
    {
        **dict.fromkeys(("text_tokens", "audio_tokens", "cached_tokens", "image_tokens"), OPT_INT),
        "cached_tokens_details": Maybe(_CACHED_DETAILS),
    },
)
_OUTPUT_DETAILS = shape({}, {"text_tokens": OPT_INT, "audio_tokens": OPT_INT})
_USAGE = shape(
    {},
    {
        "total_tokens": OPT_INT,
        "input_tokens": OPT_INT,
        "output_tokens": OPT_INT,
        "input_token_details": Maybe(_INPUT_DETAILS),
        "output_token_details": Maybe(_OUTPUT_DETAILS),
    },
)
_PCM = shape(
    {"type": one_of("audio/pcm")}, {"rate": lambda v: v is None or (type(v) is int and v == 24000)}
)
_G711 = shape({"type": one_of("audio/pcmu", "audio/pcma")})
_RESPONSE_AUDIO = shape(
    {},
    {
        "output": Maybe(
            shape({}, {"format": Maybe(lambda v: _PCM(v) or _G711(v)), "voice": OPT_STR})
        )
    },
)
_STATUS_DETAILS = shape(
    {},
    {
        "type": one_of(None, "completed", "cancelled", "incomplete", "failed"),
        "reason": one_of(
            None, "turn_detected", "client_cancelled", "max_output_tokens", "content_filter"
        ),
        "error": Maybe(shape({}, {"code": OPT_STR, "message": OPT_STR, "type": OPT_STR})),
    },
)


def _modality(value: Any) -> bool:
    return type(value) is str and value in ("text", "audio")


def _metadata(value: Any) -> bool:
    return type(value) is dict and all(type(k) is str and type(v) is str for k, v in value.items())


def _max_tokens(value: Any) -> bool:
    return value is None or type(value) is int or (type(value) is str and value == "inf")


_RESPONSE = shape(
    {},
    {
        "id": OPT_STR,
        "object": one_of(None, "realtime.response"),
        "status": one_of(None, "completed", "cancelled", "failed", "incomplete", "in_progress"),
        "output": ListOf(_item, nullable=True),
        "usage": Maybe(_USAGE),
        "conversation_id": OPT_STR,
        # the rest of the response resource a GA server sends in response.created and
        # response.done; the translation reads none of it, so it only has to fit its type
        "status_details": Maybe(_STATUS_DETAILS),
        "metadata": Maybe(_metadata),
        "audio": Maybe(_RESPONSE_AUDIO),
        "output_modalities": ListOf(_modality, nullable=True),
        "max_output_tokens": _max_tokens,
    },
)

_EVENT: dict[str, Spec] = {"type": STR, "event_id": STR}
_IN_RESPONSE = {**_EVENT, "response_id": STR, "item_id": STR, "output_index": INT}
_IN_CONTENT = {**_IN_RESPONSE, "content_index": INT}

_DELTA = shape({**_IN_CONTENT, "delta": STR})
_PART = shape(
    {},
    {
        "type": one_of(None, "text", "audio"),
        "text": OPT_STR,
        "audio": OPT_STR,
        "transcript": OPT_STR,
    },
)
_PART_EVENT = shape({**_IN_CONTENT, "part": _PART})
_CONTENT_DONE = shape(_IN_CONTENT)
_TRANSCRIPT_DONE = shape({**_IN_CONTENT, "transcript": STR})
_TEXT_DONE = shape({**_IN_CONTENT, "text": STR})
_RATE_LIMIT = shape(
    {},
    {
        "name": one_of(None, "requests", "tokens"),
        "limit": OPT_INT,
        "remaining": OPT_INT,
        "reset_seconds": OPT_NUMBER,
    },
)
_RATE_LIMITS = shape({**_EVENT, "rate_limits": ListOf(_RATE_LIMIT)})

_ARGUMENTS_DELTA = shape({**_IN_RESPONSE, "call_id": STR, "delta": STR})
_ARGUMENTS_DONE = shape({**_IN_RESPONSE, "call_id": STR, "name": STR, "arguments": STR})
_SPEECH_STARTED = shape({**_EVENT, "item_id": STR, "audio_start_ms": INT})
_SPEECH_STOPPED = shape({**_EVENT, "item_id": STR, "audio_end_ms": INT})
_COMMITTED = shape({**_EVENT, "item_id": STR}, {"previous_item_id": OPT_STR})
_RESPONSE_EVENT = shape({**_EVENT, "response": _RESPONSE})
_ITEM_EVENT = shape({**_EVENT, "response_id": STR, "output_index": INT, "item": _is_dict})
"""An output item event; its item is checked by `_item_kind` (once) where it is read."""
_CONVERSATION_ITEM = shape({**_EVENT, "item": _item}, {"previous_item_id": OPT_STR})
_DURATION = shape({"type": one_of("duration"), "seconds": NUMBER})
_TOKENS = shape(
    {"type": one_of("tokens"), "input_tokens": INT, "output_tokens": INT, "total_tokens": INT},
    {"input_token_details": Maybe(shape({}, {"audio_tokens": OPT_INT, "text_tokens": OPT_INT}))},
)
_TRANSCRIPT = shape(
    {
        **_EVENT,
        "item_id": STR,
        "content_index": INT,
        "transcript": STR,
        "usage": lambda v: _DURATION(v) or _TOKENS(v),
    },
    {"logprobs": NONE, "languages": NONE},
)
_SESSIONS: list[Any] = []
"""Session payloads that passed full validation lately (a server echoes what it was sent)."""
_SESSION_EVENT = shape({**_EVENT, "session": lambda v: type(v) is dict and v in _SESSIONS})
_TRANSCRIPT_DELTA = shape(
    {**_EVENT, "item_id": STR}, {"content_index": OPT_INT, "delta": OPT_STR, "logprobs": NONE}
)

Result = ev.ModelEvent | None | NotHandled
Fast = Callable[[dict[str, Any]], Result]


def _audio_delta(data: dict[str, Any]) -> Result:
    if not _DELTA(data):
        return NOT_HANDLED
    try:
        audio = base64.b64decode(data["delta"], validate=True)
    except (binascii.Error, ValueError):
        return NOT_HANDLED
    return ev.OutputAudioDelta(data["response_id"], data["item_id"], audio)


def _text_delta(data: dict[str, Any]) -> Result:
    if not _DELTA(data):
        return NOT_HANDLED
    return ev.OutputTextDelta(data["response_id"], data["item_id"], data["delta"])


def _arguments_delta(data: dict[str, Any]) -> Result:
    return None if _ARGUMENTS_DELTA(data) else NOT_HANDLED


def _arguments_done(data: dict[str, Any]) -> Result:
    if not _ARGUMENTS_DONE(data):
        return NOT_HANDLED
    return ev.FunctionCallRequested(
        data["response_id"], data["item_id"], data["call_id"], data["name"], data["arguments"]
    )


def _speech_started(data: dict[str, Any]) -> Result:
    if not _SPEECH_STARTED(data):
        return NOT_HANDLED
    return ev.SpeechStarted(data["item_id"], data["audio_start_ms"])


def _speech_stopped(data: dict[str, Any]) -> Result:
    if not _SPEECH_STOPPED(data):
        return NOT_HANDLED
    return ev.SpeechStopped(data["item_id"], data["audio_end_ms"])


def _committed(data: dict[str, Any]) -> Result:
    return ev.AudioCommitted(data["item_id"]) if _COMMITTED(data) else NOT_HANDLED


def _transcript_delta(data: dict[str, Any]) -> Result:
    if not _TRANSCRIPT_DELTA(data):
        return NOT_HANDLED
    return ev.InputTranscriptDelta(data["item_id"], data.get("delta") or "")


def _conversation_item(data: dict[str, Any]) -> Result:
    return None if _CONVERSATION_ITEM(data) else NOT_HANDLED


def _transcript(data: dict[str, Any]) -> Result:
    if not _TRANSCRIPT(data):
        return NOT_HANDLED
    return ev.InputTranscriptCompleted(data["item_id"], data["transcript"])


def _ignored(fits: Check) -> Fast:
    """The fast path of an event voxline has no use for: None when it is well formed.

    OpenAI sends several of these around every reply (content parts, the end of the audio
    and of its transcript, rate limits); without a fast path each was validated in full only
    to be dropped.
    """
    return lambda data: None if fits(data) else NOT_HANDLED


def remember_session(session: Any) -> None:
    """Note a `session` payload that passed full validation; the same payload then skips it.

    `session.updated` carries the whole configuration (tools, formats, turn detection) and
    validating it takes about a millisecond; a conversation that hands off between a few
    agents gets the same few configurations back.
    """
    if session not in _SESSIONS:
        _SESSIONS.insert(0, copy.deepcopy(session))
        del _SESSIONS[16:]


def _session(data: dict[str, Any]) -> Result:
    return None if _SESSION_EVENT(data) else NOT_HANDLED


def _created(data: dict[str, Any]) -> Result:
    if not _RESPONSE_EVENT(data):
        return NOT_HANDLED
    return ev.ResponseStarted(data["response"].get("id") or "")


def _assistant_item(data: dict[str, Any]) -> dict[str, Any] | NotHandled | None:
    """The assistant message of a well-formed output item event; None for another item."""
    if not _ITEM_EVENT(data):
        return NOT_HANDLED
    item: dict[str, Any] = data["item"]
    kind = _item_kind(item)
    if kind is None:
        return NOT_HANDLED  # an item that does not fit its shape: the typed path reports it
    if kind != "assistant":
        return None
    if item.get("id") is None:
        return NOT_HANDLED  # an assistant item without an id: the typed path reports it
    return item


def _item_added(data: dict[str, Any]) -> Result:
    item = _assistant_item(data)
    if item is None or isinstance(item, NotHandled):
        return item
    return ev.OutputItemAdded(data["response_id"], item["id"])


def _item_done(data: dict[str, Any]) -> Result:
    item = _assistant_item(data)
    if item is None or isinstance(item, NotHandled):
        return item
    text = "".join(part.get("transcript") or part.get("text") or "" for part in item["content"])
    return ev.OutputItemDone(data["response_id"], item["id"], text)


def _done(data: dict[str, Any]) -> Result:
    if not _RESPONSE_EVENT(data):
        return NOT_HANDLED
    response = data["response"]
    status = STATUS.get(response.get("status") or "completed", ev.ResponseStatus.INCOMPLETE)
    return ev.ResponseDone(response.get("id") or "", status, _usage(response.get("usage")))


def _usage(usage: dict[str, Any] | None) -> ev.Usage | None:
    """`usage_from_wire` on a usage dict that already fits `_USAGE`."""
    if usage is None:
        return None
    inp = usage.get("input_token_details")
    out = usage.get("output_token_details")
    return ev.Usage(
        input_text_tokens=(inp.get("text_tokens") or 0) if inp else 0,
        input_audio_tokens=(inp.get("audio_tokens") or 0) if inp else 0,
        input_cached_tokens=(inp.get("cached_tokens") or 0) if inp else 0,
        output_text_tokens=(out.get("text_tokens") or 0) if out else 0,
        output_audio_tokens=(out.get("audio_tokens") or 0) if out else 0,
    )


FAST: Final[Mapping[str, Fast]] = {
    "response.output_audio.delta": _audio_delta,
    "response.output_audio_transcript.delta": _text_delta,
    "response.output_text.delta": _text_delta,
    "response.function_call_arguments.delta": _arguments_delta,
    "response.function_call_arguments.done": _arguments_done,
    "input_audio_buffer.speech_started": _speech_started,
    "input_audio_buffer.speech_stopped": _speech_stopped,
    "input_audio_buffer.committed": _committed,
    "conversation.item.input_audio_transcription.delta": _transcript_delta,
    "response.created": _created,
    "response.output_item.added": _item_added,
    "response.output_item.done": _item_done,
    "response.done": _done,
    "conversation.item.added": _conversation_item,
    "conversation.item.done": _conversation_item,
    "conversation.item.input_audio_transcription.completed": _transcript,
    "session.created": _session,
    "session.updated": _session,
    "response.content_part.added": _ignored(_PART_EVENT),
    "response.content_part.done": _ignored(_PART_EVENT),
    "response.output_audio.done": _ignored(_CONTENT_DONE),
    "response.output_audio_transcript.done": _ignored(_TRANSCRIPT_DONE),
    "response.output_text.done": _ignored(_TEXT_DONE),
    "rate_limits.updated": _ignored(_RATE_LIMITS),
}
"""The event types with a fast path."""


def translate_fast(data: Any) -> Result:
    """The ModelEvent (or None) for a well-formed frequent event; NOT_HANDLED for anything else."""
    if type(data) is not dict:
        return NOT_HANDLED
    kind = data.get("type")
    fast = FAST.get(kind) if type(kind) is str else None
    return NOT_HANDLED if fast is None else fast(data)
