"""ServerProtocol without sockets or an event loop: client events and model events in, wire out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai._models import BaseModel as OpenAIModel

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import AudioFormat, SemanticVAD, ServerVAD, SessionConfig
from voxline.core.ids import CountingIds
from voxline.core.items import Role
from voxline.protocol.server_side import ServerProtocol, Step
from voxline.protocol.wire import dumps, parse_server_event


class Wire:
    """A ServerProtocol and every server event it produced, each checked against the types."""

    def __init__(self, config: SessionConfig | None = None) -> None:
        self.protocol = ServerProtocol(
            config or SessionConfig(instructions="Be brief."), model="local", ids=CountingIds()
        )
        self.out: list[dict[str, Any]] = [self._check(self.protocol.start())]

    def _check(self, event: OpenAIModel) -> dict[str, Any]:
        text = dumps(event)
        parse_server_event(text)
        data: dict[str, Any] = json.loads(text)
        return data

    def client(self, **event: Any) -> Step:
        step = self.protocol.receive_client(json.dumps(event))
        self.out += [self._check(e) for e in step.events]
        return step

    def model(self, *events: ev.ModelEvent) -> list[dict[str, Any]]:
        produced = [self._check(e) for m in events for e in self.protocol.receive_model(m)]
        self.out += produced
        return produced

    def error(self, **event: Any) -> dict[str, Any]:
        step = self.client(**event)
        assert step.commands == ()
        [error] = step.events
        data: dict[str, Any] = self._check(error)
        assert data["type"] == "error"
        error_body: dict[str, Any] = data["error"]
        return error_body


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def user_text(text: str, **item: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": text}],
    } | item


def test_session_created_shows_the_starting_config_and_the_model() -> None:
    w = Wire()
    session = w.out[0]["session"]
    assert (session["model"], session["instructions"]) == ("local", "Be brief.")
    assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["max_output_tokens"] == "inf"


def test_session_update_replaces_only_the_fields_sent() -> None:
    w = Wire()
    step = w.client(
        type="session.update",
        session={
            "type": "realtime",
            "audio": {
                "input": {
                    "format": {"type": "audio/pcmu"},
                    "turn_detection": {"type": "semantic_vad", "eagerness": "low"},
                    "transcription": None,
                },
                "output": {"format": {"type": "audio/pcma"}, "voice": "cedar"},
            },
            "tool_choice": "required",
            "max_output_tokens": 200,
        },
    )
    [update] = step.commands
    assert isinstance(update, cmd.UpdateSession)
    config = update.config
    assert config.instructions == "Be brief."
    assert (config.input_format, config.output_format) == (
        AudioFormat.G711_ULAW,
        AudioFormat.G711_ALAW,
    )
    assert config.turn_detection == SemanticVAD(eagerness="low")
    assert (config.voice, config.tool_choice, config.transcription_model) == (
        "cedar",
        "required",
        None,
    )
    assert w.out[-1]["session"]["max_output_tokens"] == 200
    w.client(type="session.update", session={"type": "realtime", "instructions": "New."})
    assert w.protocol.config.voice == "cedar"
    assert w.protocol.config.instructions == "New."
    w.client(
        type="session.update",
        session={
            "type": "realtime",
            "audio": {"input": {"turn_detection": {"type": "server_vad"}}},
        },
    )
    assert w.protocol.config.turn_detection == ServerVAD()


@pytest.mark.parametrize(
    ("session", "param"),
    [
        ({"type": "transcription"}, "session.type"),
        ({"type": "realtime", "prompt": {"id": "pmpt_1"}}, "session.prompt"),
        (
            {"type": "realtime", "tool_choice": {"type": "function", "name": "x"}},
            "session.tool_choice",
        ),
        ({"type": "realtime", "tools": [{"type": "function"}]}, "session.tools[0].name"),
        (
            {"type": "realtime", "tools": [{"type": "function", "name": "f", "parameters": 3}]},
            "session.tools[0].parameters",
        ),
        ({"type": "realtime", "max_output_tokens": 0}, "session.max_output_tokens"),
    ],
)
def test_session_features_the_engine_lacks_are_refused_whole(
    session: dict[str, Any], param: str
) -> None:
    w = Wire()
    error = w.error(type="session.update", event_id="evt_1", session=session)
    assert (error["param"], error["event_id"]) == (param, "evt_1")
    assert w.protocol.config == SessionConfig(instructions="Be brief.", model="local")


def test_client_items_become_commands_and_are_echoed() -> None:
    w = Wire()
    assert w.client(type="conversation.item.create", item=user_text("Hi", id="u1")).commands == (
        cmd.AddMessage("u1", Role.USER, "Hi"),
    )
    system = {"type": "message", "role": "system", "content": [{"type": "input_text", "text": "S"}]}
    assistant = {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Hello"}],
    }
    call = {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}", "id": "fc"}
    output = {"type": "function_call_output", "call_id": "c1", "output": "1", "id": "fo"}
    commands = [
        w.client(type="conversation.item.create", item=item).commands[0]
        for item in (system, assistant, call, output)
    ]
    system_id, assistant_id = (c.item_id for c in commands[:2])  # type: ignore[union-attr]
    assert commands == [
        cmd.AddMessage(system_id, Role.SYSTEM, "S"),
        cmd.AddMessage(assistant_id, Role.ASSISTANT, "Hello"),
        cmd.AddFunctionCall("fc", "c1", "f", "{}"),
        cmd.AddFunctionOutput("fo", "c1", "1"),
    ]
    added = [e for e in w.out if e["type"] == "conversation.item.added"]
    assert [e["previous_item_id"] for e in added] == [None, "u1", system_id, assistant_id, "fc"]
    assert [i.id for i in w.protocol.conversation] == ["u1", system_id, assistant_id, "fc", "fo"]
    retrieved = w.client(type="conversation.item.retrieve", item_id="fc").events[0]
    assert dumps(retrieved).count('"call_id":"c1"') == 1


@pytest.mark.parametrize(
    ("item", "previous", "code", "param"),
    [
        (user_text("again", id="u1"), None, "item_already_exists", "item.id"),
        (user_text("x"), "nope", "unsupported", "previous_item_id"),
        (
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_audio", "audio": "AA=="}],
            },
            None,
            "unsupported",
            "item.content[0].type",
        ),
        (
            {"type": "function_call", "name": "f", "arguments": "{}"},
            None,
            "missing_required_parameter",
            "item.call_id",
        ),
        (
            {"type": "function_call_output", "call_id": "zz", "output": "1"},
            None,
            "invalid_call_id",
            "item.call_id",
        ),
    ],
)
def test_items_that_cannot_be_added(
    item: dict[str, Any], previous: str | None, code: str, param: str
) -> None:
    w = Wire()
    w.client(type="conversation.item.create", item=user_text("Hi", id="u1"))
    extra = {} if previous is None else {"previous_item_id": previous}
    error = w.error(type="conversation.item.create", event_id="e", item=item, **extra)
    assert (error["code"], error["param"], error["event_id"]) == (code, param, "e")
    assert len(w.protocol.conversation) == 1


def test_an_out_of_band_response_stays_out_of_the_conversation() -> None:
    w = Wire()
    [create] = w.client(
        type="response.create",
        response={
            "conversation": "none",
            "instructions": "Summarise.",
            "input": [user_text("one"), user_text("two", id="keep")],
            "metadata": {"purpose": "hint"},
            "max_output_tokens": 50,
        },
    ).commands
    assert isinstance(create, cmd.CreateResponse)
    assert (create.instructions, create.max_output_tokens) == ("Summarise.", 50)
    assert create.context is not None
    assert [m.text for m in create.context] == ["one", "two"]
    assert create.context[0].id != create.context[1].id == "keep"
    out = w.model(
        ev.ResponseStarted("r1"),
        ev.OutputItemAdded("r1", "a1"),
        ev.OutputAudioDelta("r1", "a1", b"\x00\x01" * 48),
        ev.OutputItemDone("r1", "a1", "A hint."),
        ev.ResponseDone("r1"),
    )
    assert "conversation.item.added" not in types(out)
    created, done = out[0]["response"], out[-1]["response"]
    assert (created["conversation_id"], created["metadata"]) == (None, {"purpose": "hint"})
    assert created["max_output_tokens"] == 50
    assert done["output"][0]["content"] == [{"type": "output_audio", "transcript": "A hint."}]
    assert w.protocol.conversation == ()


@pytest.mark.parametrize(
    ("response", "param"),
    [
        ({"tools": []}, "response.tools"),
        ({"output_modalities": ["text"]}, "response.output_modalities"),
        ({"conversation": "conv_other"}, "response.conversation"),
        (
            {"input": [{"type": "function_call", "name": "f", "arguments": ""}]},
            "response.input[0].type",
        ),
        ({"max_output_tokens": -1}, "response.max_output_tokens"),
    ],
)
def test_response_requests_the_engine_cannot_honour(response: dict[str, Any], param: str) -> None:
    error = Wire().error(type="response.create", event_id="r", response=response)
    assert (error["param"], error["event_id"]) == (param, "r")


def test_spoken_input_without_transcription_has_no_transcript_events() -> None:
    w = Wire(SessionConfig(instructions="", transcription_model=None))
    out = w.model(
        ev.SpeechStarted("u1", 100),
        ev.SpeechStopped("u1", 900),
        ev.AudioCommitted("u1"),
        ev.InputTranscriptDelta("u1", "hel"),
        ev.InputTranscriptCompleted("u1", "hello"),
    )
    assert types(out) == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
    assert out[-1]["item"]["content"] == [{"type": "input_audio", "transcript": None}]


def test_a_transcript_reports_the_speech_duration() -> None:
    w = Wire()
    out = w.model(
        ev.SpeechStarted("u1", 100),
        ev.SpeechStopped("u1", 1600),
        ev.AudioCommitted("u1"),
        ev.InputTranscriptCompleted("u1", "hello"),
    )
    completed = out[-2]
    assert completed["usage"] == {"type": "duration", "seconds": 1.5}


def test_barge_in_cancels_with_turn_detected_and_closes_the_item_incomplete() -> None:
    w = Wire()
    w.client(type="response.create")
    w.model(
        ev.ResponseStarted("r1"),
        ev.OutputItemAdded("r1", "a1"),
        ev.OutputTextDelta("r1", "a1", "Hel"),
    )
    out = w.model(ev.SpeechStarted("u2", 5), ev.ResponseDone("r1", ev.ResponseStatus.CANCELLED))
    assert types(out) == [
        "input_audio_buffer.speech_started",
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.content_part.done",
        "response.output_item.done",
        "conversation.item.done",
        "response.done",
    ]
    done = out[-1]["response"]
    assert done["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
    assert done["output"][0]["status"] == "incomplete"
    assert done["output"][0]["content"][0]["transcript"] == "Hel"


def test_a_response_cancelled_before_it_started_is_still_announced() -> None:
    w = Wire()
    w.client(type="response.create", event_id="c1")
    assert w.client(type="response.cancel").commands == (cmd.CancelResponse(None),)
    out = w.model(ev.ResponseDone("r9", ev.ResponseStatus.CANCELLED))
    assert types(out) == ["response.created", "response.done"]
    assert out[-1]["response"]["status_details"]["reason"] == "client_cancelled"


def test_model_errors_name_the_client_event_they_answer() -> None:
    w = Wire()
    w.client(type="input_audio_buffer.commit", event_id="commit_1")
    [empty] = w.model(
        ev.ModelError(
            "empty", code="input_audio_buffer_commit_empty", event_type="input_audio_buffer.commit"
        )
    )
    assert (empty["error"]["type"], empty["error"]["event_id"]) == (
        "invalid_request_error",
        "commit_1",
    )
    w.client(type="response.create", event_id="first")
    w.client(type="response.create", event_id="second")
    w.model(ev.ResponseStarted("r1"))
    [busy] = w.model(
        ev.ModelError(
            "busy", code="conversation_already_has_active_response", event_type="response.create"
        )
    )
    assert busy["error"]["event_id"] == "second"
    [stt] = w.model(ev.ModelError("stt broke", code="stt_failed"))
    assert (stt["error"]["type"], stt["error"]["event_id"]) == ("server_error", None)


def test_a_failed_response_carries_the_models_error() -> None:
    w = Wire()
    w.client(type="response.create")
    out = w.model(
        ev.ResponseStarted("r1"),
        ev.ModelError("the language model failed: boom", code="llm_failed", event_type="response"),
        ev.ResponseDone("r1", ev.ResponseStatus.FAILED),
    )
    details = out[-1]["response"]["status_details"]
    assert details["type"] == "failed"
    assert details["error"]["code"] == "llm_failed"


def test_truncate_checks_the_item_and_the_audio_it_has() -> None:
    w = Wire()
    w.client(type="conversation.item.create", item=user_text("Hi", id="u1"))
    w.client(type="response.create")
    w.model(
        ev.ResponseStarted("r1"),
        ev.OutputItemAdded("r1", "a1"),
        ev.OutputAudioDelta("r1", "a1", b"\x00" * 48 * 250),
        ev.OutputItemDone("r1", "a1", "Hello."),
        ev.ResponseDone("r1"),
    )
    step = w.client(
        type="conversation.item.truncate", item_id="a1", content_index=0, audio_end_ms=250
    )
    assert step.commands == (cmd.TruncateItem("a1", 250, 0),)
    bad = {"type": "conversation.item.truncate", "content_index": 0, "audio_end_ms": 0}
    assert w.error(**bad, item_id="u1")["param"] == "item_id"
    assert w.error(**bad, item_id="gone")["code"] == "item_not_found"
    assert w.error(**(bad | {"content_index": 1}), item_id="a1")["param"] == "content_index"
    assert w.error(**(bad | {"audio_end_ms": 251}), item_id="a1")["param"] == "audio_end_ms"


def test_cancel_needs_a_response_in_progress() -> None:
    w = Wire()
    assert w.error(type="response.cancel")["code"] == "response_cancel_not_active"
    w.client(type="response.create")
    w.model(ev.ResponseStarted("r1"))
    assert w.error(type="response.cancel", response_id="r2")["param"] == "response_id"
    assert w.client(type="response.cancel", response_id="r1").commands == (
        cmd.CancelResponse("r1"),
    )


def test_audio_append_decodes_base64_and_clear_is_acknowledged() -> None:
    w = Wire()
    assert w.client(type="input_audio_buffer.append", audio="AAEC").commands == (
        cmd.SendAudio(b"\x00\x01\x02"),
    )
    step = w.client(type="input_audio_buffer.clear")
    assert step.commands == (cmd.ClearAudio(),)
    assert types(w.out[-1:]) == ["input_audio_buffer.cleared"]
    assert w.model(ev.ConnectionChanged(ev.ConnectionState.CONNECTED)) == []
