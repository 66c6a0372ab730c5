"""Commands and session configs become GA client events that validate against the openai types."""

from __future__ import annotations

import ast
import base64
import json
from pathlib import Path
from typing import Any

import pytest

from voxline import protocol
from voxline.core import commands as cmd
from voxline.core.config import AudioFormat, SemanticVAD, ServerVAD, SessionConfig, ToolSpec
from voxline.core.items import Message, Role
from voxline.protocol import dumps, encode_command, parse_client_event

TOOL = ToolSpec(
    "lookup_order",
    "Look up an order.",
    {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
)


def wire(command: cmd.ModelCommand) -> dict[str, Any]:
    """Encode, serialise, and check the JSON validates as a client event on the way back."""
    text = dumps(encode_command(command))
    parse_client_event(text)
    data: dict[str, Any] = json.loads(text)
    return data


def session(config: SessionConfig) -> dict[str, Any]:
    data = wire(cmd.UpdateSession(config))
    assert data["type"] == "session.update"
    result: dict[str, Any] = data["session"]
    return result


def test_session_update_carries_instructions_voice_tools_and_formats() -> None:
    s = session(
        SessionConfig(
            instructions="Be brief.", voice="marin", tools=(TOOL,), tool_choice="required"
        )
    )
    assert s["type"] == "realtime"
    assert s["instructions"] == "Be brief."
    assert s["output_modalities"] == ["audio"]
    assert s["tool_choice"] == "required"
    assert s["tools"] == [
        {
            "type": "function",
            "name": "lookup_order",
            "description": "Look up an order.",
            "parameters": dict(TOOL.parameters),
        }
    ]
    assert s["audio"]["output"] == {
        "format": {"type": "audio/pcm", "rate": 24000},
        "voice": "marin",
    }
    assert s["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert s["audio"]["input"]["transcription"] == {"model": "gpt-4o-mini-transcribe"}
    assert "model" not in s


def test_server_vad_settings_are_sent_in_full() -> None:
    vad = ServerVAD(
        threshold=0.7,
        prefix_padding_ms=200,
        silence_duration_ms=650,
        create_response=False,
        interrupt_response=False,
    )
    s = session(SessionConfig(instructions="", turn_detection=vad))
    assert s["audio"]["input"]["turn_detection"] == {
        "type": "server_vad",
        "threshold": 0.7,
        "prefix_padding_ms": 200,
        "silence_duration_ms": 650,
        "create_response": False,
        "interrupt_response": False,
    }


def test_semantic_vad() -> None:
    s = session(SessionConfig(instructions="", turn_detection=SemanticVAD(eagerness="low")))
    assert s["audio"]["input"]["turn_detection"] == {
        "type": "semantic_vad",
        "eagerness": "low",
        "create_response": True,
        "interrupt_response": True,
    }


def test_push_to_talk_and_no_transcription_are_explicit_nulls() -> None:
    s = session(SessionConfig(instructions="", turn_detection=None, transcription_model=None))
    assert s["audio"]["input"]["turn_detection"] is None
    assert s["audio"]["input"]["transcription"] is None


@pytest.mark.parametrize(
    ("fmt", "wire_format"),
    [
        (AudioFormat.PCM16, {"type": "audio/pcm", "rate": 24000}),
        (AudioFormat.G711_ULAW, {"type": "audio/pcmu"}),
        (AudioFormat.G711_ALAW, {"type": "audio/pcma"}),
    ],
)
def test_audio_formats(fmt: AudioFormat, wire_format: dict[str, Any]) -> None:
    s = session(SessionConfig(instructions="", input_format=fmt, output_format=fmt))
    assert s["audio"]["input"]["format"] == wire_format
    assert s["audio"]["output"]["format"] == wire_format


@pytest.mark.parametrize(
    ("modalities", "expected"),
    [(("text",), ["text"]), (("audio",), ["audio"]), (("audio", "text"), ["audio"])],
)
def test_output_modalities_are_audio_or_text(
    modalities: tuple[Any, ...], expected: list[str]
) -> None:
    assert session(SessionConfig(instructions="", modalities=modalities))["output_modalities"] == (
        expected
    )


def test_audio_buffer_commands() -> None:
    assert wire(cmd.SendAudio(b"\x01\x02\x03")) == {
        "type": "input_audio_buffer.append",
        "audio": base64.b64encode(b"\x01\x02\x03").decode(),
    }
    assert wire(cmd.CommitAudio()) == {"type": "input_audio_buffer.commit"}
    assert wire(cmd.ClearAudio()) == {"type": "input_audio_buffer.clear"}


@pytest.mark.parametrize(
    ("role", "part"),
    [(Role.USER, "input_text"), (Role.SYSTEM, "input_text"), (Role.ASSISTANT, "output_text")],
)
def test_messages_keep_their_id_and_role(role: Role, part: str) -> None:
    data = wire(cmd.AddMessage("msg_1", role, "hello"))
    assert data["type"] == "conversation.item.create"
    assert data["item"] == {
        "id": "msg_1",
        "type": "message",
        "role": role.value,
        "content": [{"type": part, "text": "hello"}],
    }


def test_function_call_and_output_items() -> None:
    call = wire(cmd.AddFunctionCall("fc_1", "call_1", "lookup_order", '{"order_id":"A1"}'))
    assert call["item"] == {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "lookup_order",
        "arguments": '{"order_id":"A1"}',
    }
    out = wire(cmd.AddFunctionOutput("out_1", "call_1", '{"status":"shipped"}'))
    assert out["item"] == {
        "type": "function_call_output",
        "id": "out_1",
        "call_id": "call_1",
        "output": '{"status":"shipped"}',
    }


def test_plain_response_create_has_no_body() -> None:
    assert wire(cmd.CreateResponse()) == {"type": "response.create"}
    assert wire(cmd.CreateResponse(instructions="Apologise.")) == {
        "type": "response.create",
        "response": {"instructions": "Apologise."},
    }


def test_response_with_context_is_out_of_band() -> None:
    context = (
        Message("m1", Role.USER, "I need a refund", 0.0, 0.0),
        Message("m2", Role.ASSISTANT, "Let me check.", 0.0, 0.0),
    )
    data = wire(
        cmd.CreateResponse(instructions="Give a hint.", context=context, max_output_tokens=80)
    )
    assert data["response"] == {
        "conversation": "none",
        "input": [
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "I need a refund"}],
            },
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Let me check."}],
            },
        ],
        "instructions": "Give a hint.",
        "max_output_tokens": 80,
    }


def test_out_of_band_response_with_an_empty_window_sees_only_instructions() -> None:
    data = wire(cmd.CreateResponse(instructions="Say hi.", context=()))
    assert data["response"] == {"conversation": "none", "input": [], "instructions": "Say hi."}


def test_interruption_commands() -> None:
    assert wire(cmd.CancelResponse()) == {"type": "response.cancel"}
    assert wire(cmd.CancelResponse("resp_1")) == {
        "type": "response.cancel",
        "response_id": "resp_1",
    }
    assert wire(cmd.TruncateItem("item_1", 1234)) == {
        "type": "conversation.item.truncate",
        "item_id": "item_1",
        "content_index": 0,
        "audio_end_ms": 1234,
    }


def test_protocol_package_imports_no_io_library() -> None:
    """voxline.protocol is sans-I/O: none of its modules imports asyncio, websockets or httpx."""
    banned = {"asyncio", "websockets", "httpx", "httpx2", "socket"}
    for path in Path(protocol.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not {n.split(".")[0] for n in names} & banned, f"{path.name} imports {names}"
