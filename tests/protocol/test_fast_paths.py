"""The fast paths for microphone audio and audio deltas say exactly what the typed path says."""

from __future__ import annotations

import base64
import json

import pytest

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.protocol import decode_event, dumps, encode_command, encode_command_json
from voxline.protocol.decode import translate
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
