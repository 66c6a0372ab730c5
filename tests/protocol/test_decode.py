"""GA server events become voxline events; bad or unknown ones become ModelError, never a crash."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from voxline.core import events as ev
from voxline.protocol import decode_event

RID = "resp_1"
ITEM = "item_1"
REF = {"event_id": "e1", "response_id": RID, "item_id": ITEM, "output_index": 0}
USAGE = {
    "total_tokens": 300,
    "input_tokens": 200,
    "output_tokens": 100,
    "input_token_details": {"text_tokens": 150, "audio_tokens": 50, "cached_tokens": 64},
    "output_token_details": {"text_tokens": 20, "audio_tokens": 80},
}


def decode(event: dict[str, Any]) -> ev.ModelEvent | None:
    return decode_event(json.dumps(event))


def test_audio_and_transcript_deltas() -> None:
    audio = b"\x00\x01" * 10
    out = decode(
        {
            **REF,
            "type": "response.output_audio.delta",
            "content_index": 0,
            "delta": base64.b64encode(audio).decode(),
        }
    )
    assert out == ev.OutputAudioDelta(RID, ITEM, audio)
    for kind in ("response.output_audio_transcript.delta", "response.output_text.delta"):
        out = decode({**REF, "type": kind, "content_index": 0, "delta": "Hel"})
        assert out == ev.OutputTextDelta(RID, ITEM, "Hel")


def test_user_speech_events() -> None:
    base = {"event_id": "e", "item_id": "u1"}
    started = {**base, "type": "input_audio_buffer.speech_started", "audio_start_ms": 120}
    stopped = {**base, "type": "input_audio_buffer.speech_stopped", "audio_end_ms": 900}
    assert decode(started) == ev.SpeechStarted("u1", 120)
    assert decode(stopped) == ev.SpeechStopped("u1", 900)
    assert decode({**base, "type": "input_audio_buffer.committed"}) == ev.AudioCommitted("u1")
    delta = {
        **base,
        "type": "conversation.item.input_audio_transcription.delta",
        "delta": "wh",
    }
    assert decode(delta) == ev.InputTranscriptDelta("u1", "wh")
    completed = {
        **base,
        "type": "conversation.item.input_audio_transcription.completed",
        "content_index": 0,
        "transcript": "where is my order",
        "usage": {"type": "duration", "seconds": 1.2},
    }
    assert decode(completed) == ev.InputTranscriptCompleted("u1", "where is my order")


def test_transcription_failure_is_an_error_event() -> None:
    out = decode(
        {
            "event_id": "e",
            "type": "conversation.item.input_audio_transcription.failed",
            "item_id": "u1",
            "content_index": 0,
            "error": {"code": "audio_unintelligible", "message": "could not transcribe"},
        }
    )
    assert isinstance(out, ev.ModelError)
    assert out.code == "audio_unintelligible"
    assert "could not transcribe" in out.message


def test_response_lifecycle_with_usage() -> None:
    created = {"event_id": "e", "type": "response.created", "response": {"id": RID}}
    assert decode(created) == ev.ResponseStarted(RID)
    message = {"id": ITEM, "type": "message", "role": "assistant", "content": []}
    added = {**REF, "type": "response.output_item.added", "item": message}
    del added["item_id"]
    assert decode(added) == ev.OutputItemAdded(RID, ITEM)
    spoken = {**message, "content": [{"type": "output_audio", "transcript": "Hello there."}]}
    done_item = {**added, "type": "response.output_item.done", "item": spoken}
    assert decode(done_item) == ev.OutputItemDone(RID, ITEM, "Hello there.")
    done = {
        "event_id": "e",
        "type": "response.done",
        "response": {"id": RID, "status": "completed", "usage": USAGE},
    }
    assert decode(done) == ev.ResponseDone(
        RID, ev.ResponseStatus.COMPLETED, ev.Usage(150, 50, 64, 20, 80)
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("cancelled", ev.ResponseStatus.CANCELLED),
        ("incomplete", ev.ResponseStatus.INCOMPLETE),
        ("failed", ev.ResponseStatus.FAILED),
    ],
)
def test_response_done_statuses(status: str, expected: ev.ResponseStatus) -> None:
    out = decode(
        {"event_id": "e", "type": "response.done", "response": {"id": RID, "status": status}}
    )
    assert out == ev.ResponseDone(RID, expected, None)


def test_function_call_comes_from_arguments_done() -> None:
    out = decode(
        {
            **REF,
            "type": "response.function_call_arguments.done",
            "call_id": "call_1",
            "name": "lookup_order",
            "arguments": '{"order_id": "A1"}',
        }
    )
    assert out == ev.FunctionCallRequested(
        RID, ITEM, "call_1", "lookup_order", '{"order_id": "A1"}'
    )
    call_item = {"id": ITEM, "type": "function_call", "name": "f", "arguments": "", "call_id": "c"}
    added = {"event_id": "e", "type": "response.output_item.added", "response_id": RID}
    assert decode({**added, "output_index": 0, "item": call_item}) is None


def test_error_event_keeps_code_and_payload() -> None:
    payload = {
        "event_id": "e",
        "type": "error",
        "error": {"type": "invalid_request_error", "code": "bad_thing", "message": "Nope."},
    }
    out = decode(payload)
    assert isinstance(out, ev.ModelError)
    assert (out.message, out.code, out.event_type) == ("Nope.", "bad_thing", "error")
    assert out.raw == payload


@pytest.mark.parametrize(
    "kind",
    ["session.created", "session.updated", "rate_limits.updated", "response.content_part.added"],
)
def test_events_voxline_does_not_use_are_skipped(kind: str) -> None:
    events: dict[str, dict[str, Any]] = {
        "session.created": {"session": {"type": "realtime"}},
        "session.updated": {"session": {"type": "realtime"}},
        "rate_limits.updated": {"rate_limits": []},
        "response.content_part.added": {**REF, "content_index": 0, "part": {"type": "audio"}},
    }
    assert decode({"event_id": "e", "type": kind, **events[kind]}) is None


def test_garbage_json_is_an_error_with_the_raw_text() -> None:
    out = decode_event("{not json")
    assert isinstance(out, ev.ModelError)
    assert out.code == "invalid_json"
    assert out.raw == "{not json"


def test_a_text_frame_decodes_the_same_with_whitespace_around_it_or_as_bytes() -> None:
    frame = json.dumps({**REF, "type": "response.output_audio.delta", "content_index": 0,
                        "delta": "AAAA"})  # fmt: skip
    plain = decode_event(frame)
    assert isinstance(plain, ev.OutputAudioDelta)
    assert decode_event(f" {frame}\n") == plain
    assert decode_event(frame.encode()) == plain


@pytest.mark.parametrize("raw", ['{"type": "response.done"} {}', '{"type": "resp', "\ufeff{}"])
def test_a_frame_that_is_not_one_json_value_is_an_invalid_json_error(raw: str) -> None:
    out = decode_event(raw)
    assert isinstance(out, ev.ModelError)
    assert out.code == "invalid_json"
    assert out.raw == raw


def test_unknown_event_type_is_an_error_with_the_payload() -> None:
    payload = {"type": "response.hologram.delta", "event_id": "e"}
    out = decode(payload)
    assert isinstance(out, ev.ModelError)
    assert (out.code, out.event_type, out.raw) == (
        "unknown_event",
        "response.hologram.delta",
        payload,
    )


def test_event_missing_required_fields_is_an_error() -> None:
    out = decode({"type": "response.output_audio.delta", "event_id": "e", "delta": "AAAA"})
    assert isinstance(out, ev.ModelError)
    assert out.code == "invalid_event"
    assert "item_id: Field required" in out.message


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "42", b"\xff\xfe"])
def test_non_object_payloads_are_errors(raw: str | bytes) -> None:
    out = decode_event(raw)
    assert isinstance(out, ev.ModelError)
    assert out.code in {"invalid_event", "invalid_json"}


def test_audio_that_is_not_base64_is_an_error() -> None:
    bad = {**REF, "type": "response.output_audio.delta", "content_index": 0, "delta": "!!!"}
    out = decode(bad)
    assert isinstance(out, ev.ModelError)
    assert out.event_type == "response.output_audio.delta"
