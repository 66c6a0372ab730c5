"""The inbound edge, without sockets: browser frames parsed into typed events or typed errors."""

from __future__ import annotations

import pytest

from voxline.errors import ProtocolError
from voxline.server import inbound


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        ('{"type": "text", "text": "hi"}', inbound.Text),
        ('{"type": "audio.commit"}', inbound.AudioCommit),
        ('{"type": "audio.clear"}', inbound.AudioClear),
        ('{"type": "response.create"}', inbound.ResponseCreate),
        ('{"type": "interrupt", "extra": 1}', inbound.Interrupt),
        ('{"type": "trigger", "name": "quick_hint"}', inbound.TriggerEvent),
        ('{"type": "playback", "item_id": "i", "played_ms": 10}', inbound.Playback),
        ('{"type": "ping"}', inbound.Ping),
    ],
)
def test_valid_events(frame: str, kind: type) -> None:
    assert isinstance(inbound.parse_text_frame(frame), kind)


@pytest.mark.parametrize(
    ("frame", "code", "mentions"),
    [
        ("nope", "invalid_json", "JSON"),
        ('"text"', "invalid_event", "str"),
        ('{"type": 1}', "invalid_event", "type"),
        ('{"type": "dance"}', "unknown_event", "dance"),
        ('{"type": "text"}', "invalid_event", "text is missing"),
        ('{"type": "text", "text": ""}', "invalid_event", "text"),
        ('{"type": "playback", "item_id": "i", "played_ms": true}', "invalid_event", "played_ms"),
        ('{"type": "playback", "item_id": "i", "played_ms": "5"}', "invalid_event", "played_ms"),
        ('{"type": "text", "text": "' + "a" * 65_536 + '"}', "message_too_large", "65"),
    ],
)
def test_bad_frames(frame: str, code: str, mentions: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        inbound.parse_text_frame(frame)
    assert caught.value.code == code
    assert mentions in str(caught.value)


def coach(**changes: object) -> str:
    import json

    fields: dict[str, object] = {
        "type": "coach.settings",
        "quick_phrases": ["good question"],
        "full_phrases": ["help me"],
        "interrupt_phrases": ["got it"],
        "quick_window": 3,
        "full_window": 10,
    }
    fields.update(changes)
    return json.dumps(fields)


def test_coach_settings_become_coach_settings() -> None:
    event = inbound.parse_text_frame(coach(max_output_tokens=None))
    assert isinstance(event, inbound.CoachSettingsEvent)
    settings = event.to_settings()
    assert settings.full_phrases == ("help me",)
    assert settings.max_output_tokens is None
    assert settings.triggers().get("quick_hint").window == 3


@pytest.mark.parametrize(
    "changes",
    [{"quick_phrases": []}, {"full_phrases": ["!!!"]}, {"quick_window": 0}],
)
def test_bad_coach_settings(changes: dict[str, object]) -> None:
    with pytest.raises(ProtocolError) as caught:
        inbound.parse_text_frame(coach(**changes)).to_settings()  # type: ignore[union-attr]
    assert caught.value.code == "invalid_event"
    assert caught.value.event_type == "coach.settings"


@pytest.mark.parametrize("size", [0, 2, 96_000])
def test_good_audio_frames(size: int) -> None:
    inbound.check_audio_frame(b"\x00" * size)


@pytest.mark.parametrize(("size", "says"), [(1, "even"), (96_002, "2 s")])
def test_bad_audio_frames(size: int, says: str) -> None:
    with pytest.raises(ProtocolError, match=says) as caught:
        inbound.check_audio_frame(b"\x00" * size)
    assert caught.value.code == "bad_audio_frame"
