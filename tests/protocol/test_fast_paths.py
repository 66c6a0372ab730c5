"""The fast paths for microphone audio and audio deltas say exactly what the typed path says."""

from __future__ import annotations

import base64
import json

import pytest

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.errors import ProtocolError
from voxline.protocol import decode_event, dumps, encode_command, encode_command_json
from voxline.protocol.decode import translate
from voxline.protocol.fast import FAST, NotHandled, translate_fast
from voxline.protocol.wire import parse_client_event, parse_server_event

AUDIO = bytes(range(256)) * 4


def test_mic_audio_json_equals_the_typed_event() -> None:
    fast = encode_command_json(cmd.SendAudio(AUDIO))
    assert json.loads(fast) == json.loads(dumps(encode_command(cmd.SendAudio(AUDIO))))
    parsed = parse_client_event(fast)
    assert base64.b64decode(parsed.audio) == AUDIO  # type: ignore[attr-defined]
    assert json.loads(encode_command_json(cmd.CommitAudio())) == {
        "type": "input_audio_buffer.commit"
    }


def delta(**changes: object) -> dict[str, object]:
    event: dict[str, object] = {
        "type": "response.output_audio.delta",
        "event_id": "e1",
        "response_id": "r1",
        "item_id": "i1",
        "output_index": 0,
        "content_index": 0,
        "delta": base64.b64encode(AUDIO).decode(),
    }
    event.update(changes)
    return event


@pytest.mark.parametrize("form", ["text", "bytes", "mapping"])
def test_audio_delta_fast_path_matches_full_validation(form: str) -> None:
    data = delta()
    raw: object = {"text": json.dumps(data), "bytes": json.dumps(data).encode(), "mapping": data}[
        form
    ]
    fast = decode_event(raw)  # type: ignore[arg-type]
    assert fast == translate(parse_server_event(data))
    assert fast == ev.OutputAudioDelta("r1", "i1", AUDIO)


@pytest.mark.parametrize(
    "broken",
    [delta(delta="not base64!"), delta(item_id=None), delta(response_id=5)],
)
def test_malformed_deltas_still_get_the_full_error_report(broken: dict[str, object]) -> None:
    result = decode_event(json.dumps(broken))
    assert isinstance(result, ev.ModelError)
    assert result.event_type == "response.output_audio.delta"


def test_other_events_and_garbage_skip_the_fast_path() -> None:
    assert isinstance(decode_event(b'{"type": "response.output_audio.delta", oops'), ev.ModelError)
    started = decode_event(
        json.dumps(
            {
                "type": "input_audio_buffer.speech_started",
                "event_id": "e",
                "item_id": "u1",
                "audio_start_ms": 5,
            }
        )
    )
    assert started == ev.SpeechStarted("u1", 5)


# ----------------------------------------------------------------- every fast-pathed event

USAGE = {
    "total_tokens": 172,
    "input_tokens": 160,
    "output_tokens": 12,
    "input_token_details": {
        "text_tokens": 120,
        "audio_tokens": 40,
        "cached_tokens": 64,
        "cached_tokens_details": {"text_tokens": 64, "audio_tokens": 0, "image_tokens": 0},
    },
    "output_token_details": {"text_tokens": 12, "audio_tokens": 0},
}
CALL_ITEM = {
    "id": "item_2",
    "type": "function_call",
    "object": "realtime.item",
    "status": "completed",
    "call_id": "call_1",
    "name": "lookup_order",
    "arguments": '{"order_id": "A1001"}',
}
MESSAGE_ITEM = {
    "id": "item_3",
    "type": "message",
    "role": "assistant",
    "object": "realtime.item",
    "status": "completed",
    "content": [
        {"type": "output_audio", "transcript": "It shipped."},
        {"type": "output_text", "text": " Thursday."},
    ],
}
IN_CONTENT = {"response_id": "r1", "item_id": "i1", "output_index": 0, "content_index": 0}
CALL_REF = {"response_id": "r1", "item_id": "i1", "output_index": 0, "call_id": "c1"}

EVENTS: list[dict[str, object]] = [
    delta(),
    {
        "type": "response.output_audio_transcript.delta",
        "event_id": "e",
        "delta": "Hi",
        **IN_CONTENT,
    },
    {"type": "response.output_text.delta", "event_id": "e", "delta": " there", **IN_CONTENT},
    {"type": "response.function_call_arguments.delta", "event_id": "e", "delta": "{", **CALL_REF},
    {
        "type": "response.function_call_arguments.done",
        "event_id": "e",
        "name": "lookup_order",
        "arguments": "{}",
        **CALL_REF,
    },
    {
        "type": "input_audio_buffer.speech_started",
        "event_id": "e",
        "item_id": "u",
        "audio_start_ms": 5,
    },
    {
        "type": "input_audio_buffer.speech_stopped",
        "event_id": "e",
        "item_id": "u",
        "audio_end_ms": 9,
    },
    {
        "type": "input_audio_buffer.committed",
        "event_id": "e",
        "item_id": "u",
        "previous_item_id": None,
    },
    {
        "type": "conversation.item.input_audio_transcription.delta",
        "event_id": "e",
        "item_id": "u",
        "content_index": 0,
        "delta": "Where",
    },
    {
        "type": "response.created",
        "event_id": "e",
        "response": {
            "id": "r1",
            "object": "realtime.response",
            "status": "in_progress",
            "output": [],
        },
    },
    {
        "type": "response.created",  # the shape OpenAI sends
        "event_id": "e",
        "response": {
            "object": "realtime.response",
            "id": "r2",
            "status": "in_progress",
            "status_details": None,
            "output": [],
            "conversation_id": "conv_1",
            "usage": None,
            "metadata": None,
        },
    },
    {
        "type": "response.output_item.added",
        "event_id": "e",
        "response_id": "r1",
        "output_index": 0,
        "item": {**MESSAGE_ITEM, "status": "in_progress", "content": []},
    },
    {
        "type": "response.output_item.added",
        "event_id": "e",
        "response_id": "r1",
        "output_index": 0,
        "item": {**CALL_ITEM, "arguments": "", "status": "in_progress"},
    },
    {
        "type": "response.output_item.done",
        "event_id": "e",
        "response_id": "r1",
        "output_index": 0,
        "item": MESSAGE_ITEM,
    },
    {
        "type": "response.output_item.done",
        "event_id": "e",
        "response_id": "r1",
        "output_index": 0,
        "item": CALL_ITEM,
    },
    {
        "type": "response.done",
        "event_id": "e",
        "response": {
            "id": "r1",
            "object": "realtime.response",
            "status": "completed",
            "output": [CALL_ITEM, MESSAGE_ITEM],
            "usage": USAGE,
        },
    },
    {"type": "response.done", "event_id": "e", "response": {"status": "cancelled"}},
]

WRONG_VALUES: list[object] = [None, 7, True, 1.0, "x", "", [], {}, [{}], "in_progress", "message"]


def typed(raw: object) -> ev.ModelEvent | None:
    """What the full validation path says about a message."""
    try:
        return translate(parse_server_event(raw))  # type: ignore[arg-type]
    except ProtocolError as exc:
        return ev.ModelError(str(exc), code=exc.code, event_type=exc.event_type, raw=exc.raw)


def mutations(value: object) -> list[object]:
    """Every single-field change of an event: each field dropped, retyped or joined by another."""
    out: list[object] = []
    if isinstance(value, dict):
        out.append({**value, "unexpected": 1})
        for key, inner in value.items():
            out.append({k: v for k, v in value.items() if k != key})
            out.extend({**value, key: wrong} for wrong in WRONG_VALUES if wrong != inner)
            out.extend({**value, key: changed} for changed in mutations(inner))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            out.append(value[:i] + value[i + 1 :])
            out.extend([*value[:i], changed, *value[i + 1 :]] for changed in mutations(inner))
    return out


def test_every_fast_path_is_taken_for_the_events_it_covers() -> None:
    assert {str(e["type"]) for e in EVENTS} == set(FAST)
    for event in EVENTS:
        assert not isinstance(translate_fast(event), NotHandled), event["type"]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: str(e["type"]))
def test_fast_paths_say_what_full_validation_says(event: dict[str, object]) -> None:
    variants = [event, *mutations(event)]
    assert len(variants) > 10
    for variant in variants:
        expected = typed(variant)
        assert decode_event(json.dumps(variant)) == expected, variant
        assert decode_event(variant) == expected, variant  # type: ignore[arg-type]
        fast = translate_fast(variant)
        assert isinstance(fast, NotHandled) or fast == expected, variant


def test_a_usage_and_status_come_through_the_fast_path() -> None:
    done = decode_event(json.dumps(EVENTS[-2]))
    assert done == ev.ResponseDone("r1", ev.ResponseStatus.COMPLETED, ev.Usage(120, 40, 64, 12, 0))
    item = decode_event(json.dumps(EVENTS[-4]))
    assert item == ev.OutputItemDone("r1", "item_3", "It shipped. Thursday.")
