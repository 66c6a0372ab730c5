"""The fast paths for microphone audio and audio deltas say exactly what the typed path says."""

from __future__ import annotations

import base64
import json
from types import MappingProxyType

import pytest

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import SessionConfig, ToolSpec
from voxline.errors import ProtocolError
from voxline.protocol import decode_event, dumps, encode_command, encode_command_json
from voxline.protocol.decode import translate
from voxline.protocol.encode import SessionUpdates
from voxline.protocol.fast import FAST, NotHandled, translate_fast
from voxline.protocol.fast_shapes import Wire
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


@pytest.mark.parametrize(
    "audio", ["", "QQ==", "QQ=", "QQ", "Q===", "QQ==QQ==", "AAAA=", "QQ==\n", " QQ==", "-_8="]
)
def test_audio_the_fast_path_refuses_is_judged_by_the_typed_path(audio: str) -> None:
    """The fast path's base64 is stricter than `b64decode(validate=True)` (odd padding);
    whatever it refuses still gets the typed path's answer."""
    assert decode_event(json.dumps(delta(delta=audio))) == typed(delta(delta=audio))


def test_a_part_of_another_role_is_left_to_the_typed_path() -> None:
    part = {"type": "input_text", "text": "Hi"}
    item = {**MESSAGE_ITEM, "content": [part]}
    event: dict[str, object] = {"type": "response.output_item.done", "event_id": "e"}
    event |= {"response_id": "r1", "output_index": 0, "item": item}
    assert isinstance(translate_fast(json.dumps(event)), NotHandled)
    assert isinstance(decode_event(json.dumps(event)), ev.ModelError)


def test_an_event_struct_that_translates_nothing_leaves_the_event_to_the_typed_path() -> None:
    class Unused(Wire, tag="unused.event"):
        pass

    assert isinstance(Unused(event_id="e").event(), NotHandled)


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
SESSION = json.loads(
    SessionUpdates().json(
        SessionConfig(
            instructions="Help with orders.",
            tools=(ToolSpec("lookup_order", "Look it up.", {"type": "object"}),),
        )
    )
)["session"]
GA_RESPONSE: dict[str, object] = {
    "object": "realtime.response",
    "id": "r2",
    "status_details": None,
    "output": [],
    "conversation_id": "conv_1",
    "output_modalities": ["audio"],
    "max_output_tokens": "inf",
    "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}},
    "usage": None,
    "metadata": None,
}
"""The response resource of `response.created` and `response.done` with every field a GA
server fills in (openai.types.realtime.RealtimeResponse)."""
IN_CONTENT = {"response_id": "r1", "item_id": "i1", "output_index": 0, "content_index": 0}
CALL_REF = {"response_id": "r1", "item_id": "i1", "output_index": 0, "call_id": "c1"}

EVENTS: list[dict[str, object]] = [
    delta(),
    # events voxline drops: well formed -> None, as after full validation
    {
        "type": "response.content_part.added",
        "event_id": "e",
        "part": {"type": "audio", "transcript": ""},
        **IN_CONTENT,
    },
    {
        "type": "response.content_part.done",
        "event_id": "e",
        "part": {"type": "audio", "transcript": "Hi there"},
        **IN_CONTENT,
    },
    {"type": "response.output_audio.done", "event_id": "e", **IN_CONTENT},
    {
        "type": "response.output_audio_transcript.done",
        "event_id": "e",
        "transcript": "Hi there",
        **IN_CONTENT,
    },
    {"type": "response.output_text.done", "event_id": "e", "text": "Hi there", **IN_CONTENT},
    {
        "type": "rate_limits.updated",
        "event_id": "e",
        "rate_limits": [
            {"name": "requests", "limit": 1000, "remaining": 999, "reset_seconds": 0.06},
            {"name": "tokens", "limit": 50000, "remaining": 49000, "reset_seconds": 1},
        ],
    },
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
        "logprobs": None,
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
        "type": "response.created",  # the whole response resource, as a GA server sends it
        "event_id": "e",
        "response": {**GA_RESPONSE, "status": "in_progress"},
    },
    {
        "type": "response.created",  # an output in it too: its items are checked by role
        "event_id": "e",
        "response": {**GA_RESPONSE, "status": "in_progress", "output": [MESSAGE_ITEM]},
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
    {
        "type": "response.done",  # a barge-in, as a GA server reports it
        "event_id": "e",
        "response": {
            **GA_RESPONSE,
            "status": "cancelled",
            "status_details": {"type": "cancelled", "reason": "turn_detected", "error": None},
            "output": [MESSAGE_ITEM],
            "usage": USAGE,
            "metadata": {"topic": "orders"},
            "output_modalities": ["text"],
            "max_output_tokens": 400,
            "audio": {"output": {"format": {"type": "audio/pcmu"}, "voice": None}},
        },
    },
    {
        "type": "conversation.item.added",
        "event_id": "e",
        "previous_item_id": None,
        "item": {"id": "out_1", "type": "function_call_output", "call_id": "c", "output": "{}"},
    },
    {
        "type": "conversation.item.done",
        "event_id": "e",
        "item": {
            "id": "u1",
            "type": "message",
            "role": "user",
            "status": "completed",
            "content": [{"type": "input_audio", "transcript": None}],
        },
    },
    {
        "type": "conversation.item.added",
        "event_id": "e",
        "item": {
            "type": "message",
            "role": "system",
            "content": [{"type": "input_text", "text": "Hi"}],
        },
    },
    {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": "e",
        "item_id": "u1",
        "content_index": 0,
        "transcript": "Where is my order?",
        "usage": {"type": "duration", "seconds": 1.5},
    },
    {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": "e",
        "item_id": "u1",
        "content_index": 0,
        "transcript": "Hello",
        "usage": {"type": "tokens", "input_tokens": 4, "output_tokens": 2, "total_tokens": 6},
    },
    {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": "e",
        "item_id": "u1",
        "content_index": 0,
        "transcript": "Hello",
        "logprobs": None,
        "usage": {  # as gpt-4o-mini-transcribe bills it
            "type": "tokens",
            "input_tokens": 14,
            "input_token_details": {"text_tokens": 0, "audio_tokens": 14},
            "output_tokens": 2,
            "total_tokens": 16,
        },
    },
    {"type": "session.created", "event_id": "e", "session": {"type": "realtime", "id": "sess_1"}},
    {"type": "session.updated", "event_id": "e", "session": SESSION},
]

WRONG_VALUES: list[object] = [
    *(None, 7, True, 1.0, -1, 2**70, "x", "", [], {}, [{}], "in_progress", "message"),
    # values of another field or another shape: a role, a part type, a format, a tag
    *("user", "system", "input_text", "output_audio", "audio/pcmu", "inf", "tokens"),
]


def first(kind: str) -> dict[str, object]:
    return next(e for e in EVENTS if e["type"] == kind)


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
        decode_event(event)  # a session payload takes the fast path once it validated
        assert not isinstance(translate_fast(json.dumps(event)), NotHandled), event["type"]


def test_a_session_payload_is_validated_until_it_passed_once() -> None:
    event = {"type": "session.updated", "event_id": "e", "session": {**SESSION, "id": "new"}}
    assert isinstance(translate_fast(json.dumps(event)), NotHandled)
    assert decode_event(event) is None
    assert translate_fast(json.dumps({**event, "event_id": "e2"})) is None
    broken = {**event, "session": {**SESSION, "id": "new", "instructions": 5}}
    assert isinstance(decode_event(broken), ev.ModelError)
    assert isinstance(translate_fast(json.dumps(broken)), NotHandled)


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: str(e["type"]))
def test_fast_paths_say_what_full_validation_says(event: dict[str, object]) -> None:
    variants = [event, *mutations(event)]
    assert len(variants) > 10
    for variant in variants:
        expected = typed(variant)
        assert decode_event(json.dumps(variant)) == expected, variant
        assert decode_event(variant) == expected, variant  # type: ignore[arg-type]
        fast = translate_fast(json.dumps(variant))
        assert isinstance(fast, NotHandled) or fast == expected, variant


def test_a_usage_and_status_come_through_the_fast_path() -> None:
    done = decode_event(json.dumps(first("response.done")))
    assert done == ev.ResponseDone("r1", ev.ResponseStatus.COMPLETED, ev.Usage(120, 40, 64, 12, 0))
    item = decode_event(json.dumps(first("response.output_item.done")))
    assert item == ev.OutputItemDone("r1", "item_3", "It shipped. Thursday.")


# ----------------------------------------------------------------- commands

COMMANDS: list[cmd.ModelCommand] = [
    cmd.SendAudio(AUDIO),
    cmd.AddFunctionOutput("out_1", "call_1", '{"status": "shipped", "note": "\\u00e9 \\"q\\""}'),
    cmd.AddFunctionOutput("out_2", "call_2", "plain text, ünïcode and \n newlines"),
    cmd.CreateResponse(),
    cmd.CreateResponse(instructions="Be brief."),
    cmd.CreateResponse(max_output_tokens=40),
    cmd.CommitAudio(),
    cmd.ClearAudio(),
    cmd.CancelResponse(),
    cmd.CancelResponse("resp_1"),
    cmd.TruncateItem("item_1", 0, 1200),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: type(c).__name__)
def test_command_json_equals_the_typed_event(command: cmd.ModelCommand) -> None:
    text = encode_command_json(command)
    assert json.loads(text) == json.loads(dumps(encode_command(command)))
    assert parse_client_event(text).to_dict() == encode_command(command).to_dict()


def test_session_updates_are_built_once_per_configuration() -> None:
    router = SessionConfig(instructions="Route.", tools=(ToolSpec("t", "d", {"type": "object"}),))
    support = SessionConfig(instructions="Support.", voice="verse")
    updates = SessionUpdates(size=2)
    typed_router = dumps(encode_command(cmd.UpdateSession(router)))
    assert updates.json(router) == typed_router
    assert updates.json(support) == dumps(encode_command(cmd.UpdateSession(support)))
    same_value = SessionConfig(
        instructions="Route.", tools=(ToolSpec("t", "d", {"type": "object"}),)
    )
    assert updates.json(same_value) is updates.json(router)
    changed = SessionConfig(instructions="Route.", tools=(ToolSpec("t", "d", {"type": "x"}),))
    assert updates.json(changed) != typed_router
    third = SessionConfig(instructions="Third.")
    assert updates.json(third) == dumps(encode_command(cmd.UpdateSession(third)))
    assert parse_client_event(updates.json(router)).to_dict()["type"] == "session.update"


def test_a_schema_that_cannot_be_copied_is_encoded_every_time() -> None:
    schema = MappingProxyType({"type": "object"})
    config = SessionConfig(instructions="Route.", tools=(ToolSpec("t", "d", schema),))
    updates = SessionUpdates()
    expected = dumps(encode_command(cmd.UpdateSession(config)))
    assert updates.json(config) == expected
    assert updates.json(config) == expected
