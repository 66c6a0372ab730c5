"""The outbound serialiser, without sockets: every session event and history item to JSON."""

from __future__ import annotations

import json

import pytest

from voxline.core import session_events as se
from voxline.core.events import ConnectionChanged, ConnectionState, ResponseStatus, Usage
from voxline.core.items import (
    FunctionCall,
    FunctionCallOutput,
    GuardrailFlag,
    GuardrailRecord,
    HandoffRecord,
    HistoryItem,
    ItemStatus,
    Message,
    Role,
    TriggerRecord,
)
from voxline.errors import ProtocolError, ToolExecutionError
from voxline.scenarios.voice_coach import CoachSettings
from voxline.server import wire

MSG = Message(
    "m1",
    Role.ASSISTANT,
    "Hi",
    1.0,
    2.0,
    ItemStatus.INCOMPLETE,
    "router",
    flag=GuardrailFlag("policy", "OFF_BRAND", "no promises"),
)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (
            MSG,
            {
                "kind": "message",
                "role": "assistant",
                "status": "incomplete",
                "agent": "router",
                "flag": {
                    "guardrail": "policy",
                    "category": "OFF_BRAND",
                    "rationale": "no promises",
                },
            },
        ),
        (
            FunctionCall("f1", "c1", "lookup", '{"a": 1}', 3.0, "support"),
            {"kind": "function_call", "call_id": "c1", "name": "lookup", "arguments": '{"a": 1}'},
        ),
        (
            FunctionCallOutput("o1", "c1", "lookup", "{}", 4.0, True, 0.25),
            {"kind": "function_call_output", "output": "{}", "is_error": True, "duration_s": 0.25},
        ),
        (
            HandoffRecord("h1", "router", "support", "orders", 5.0),
            {"kind": "handoff", "from_agent": "router", "to_agent": "support", "reason": "orders"},
        ),
        (
            GuardrailRecord("g1", "m1", "policy", "OFF_BRAND", "why", 6.0),
            {"kind": "guardrail", "item_id": "m1", "category": "OFF_BRAND"},
        ),
        (
            TriggerRecord("t1", "quick_hint", "quick_hint", "good question", ("m1",), 7.0),
            {
                "kind": "trigger",
                "trigger": "quick_hint",
                "phrase": "good question",
                "window": ["m1"],
            },
        ),
    ],
)
def test_history_items(item: HistoryItem, expected: dict[str, object]) -> None:
    out = wire.history_item(item)
    assert out["id"] == item.id
    assert out["created_at"] == item.created_at
    assert expected.items() <= out.items()
    json.dumps(out)


USAGE = Usage(input_text_tokens=3, output_audio_tokens=5)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (se.HistoryItemAdded(MSG), {"type": "history.added"}),
        (se.HistoryItemUpdated(MSG), {"type": "history.updated"}),
        (
            se.TranscriptDelta("m1", Role.USER, "he"),
            {"type": "transcript.delta", "item_id": "m1", "role": "user", "delta": "he"},
        ),
        (
            se.AudioInterrupted("m1", 420),
            {"type": "audio.interrupted", "item_id": "m1", "played_ms": 420},
        ),
        (se.UserSpeechStarted(), {"type": "speech.started"}),
        (se.UserSpeechStopped(), {"type": "speech.stopped"}),
        (
            se.ResponseFinished("r1", ResponseStatus.CANCELLED),
            {"type": "response.finished", "response_id": "r1", "status": "cancelled"},
        ),
        (
            se.HandoffCompleted("router", "billing", None),
            {"type": "handoff", "from": "router", "to": "billing", "reason": None},
        ),
        (
            se.ToolCallStarted("c1", "lookup", "{}", "support"),
            {
                "type": "tool.started",
                "call_id": "c1",
                "name": "lookup",
                "arguments": "{}",
                "agent": "support",
            },
        ),
        (
            se.ToolCallFinished("c1", "lookup", "ok", False, 0.0426),
            {"type": "tool.finished", "output": "ok", "is_error": False, "duration_ms": 43},
        ),
        (
            se.GuardrailTripped("m1", "policy", "OFF_BRAND", "why"),
            {"type": "guardrail.tripped", "item_id": "m1", "category": "OFF_BRAND"},
        ),
        (
            se.TriggerFired("quick_hint", "quick_hint", "good question", (MSG,)),
            {"type": "trigger.fired", "action": "quick_hint", "window": ["m1"]},
        ),
        (
            ConnectionChanged(ConnectionState.RECONNECTING, 2, "dropped"),
            {"type": "connection", "state": "reconnecting", "attempt": 2, "reason": "dropped"},
        ),
        (
            se.ErrorOccurred(ToolExecutionError("boom", tool_name="x")),
            {"type": "error", "code": "tool_execution_error", "message": "boom"},
        ),
        (
            se.ErrorOccurred(ProtocolError("bad", event_type="response.done")),
            {"type": "error", "code": "protocol_error", "event_type": "response.done"},
        ),
    ],
)
def test_events(event: se.SessionEvent, expected: dict[str, object]) -> None:
    out = wire.encode(event)
    assert isinstance(out, dict)
    assert expected.items() <= out.items()
    json.dumps(out)


def test_usage_carries_the_total_and_the_cost() -> None:
    out = wire.encode(se.UsageUpdated(USAGE, USAGE + USAGE, 0.25, 0.5))
    assert isinstance(out, dict)
    assert out["response"]["total_tokens"] == 8
    assert out["total"]["input_text_tokens"] == 6
    assert (out["cost_usd"], out["total_cost_usd"]) == (0.25, 0.5)


def test_audio_becomes_a_binary_chunk() -> None:
    assert wire.encode(se.AudioReceived("m1", b"\x01\x02")) == wire.AudioChunk("m1", b"\x01\x02")


def test_session_ready_and_coach() -> None:
    ready = wire.session_ready(
        session_id="s1",
        scenario="voice_coach",
        backend="local",
        agent="coach",
        agents=("coach",),
        push_to_talk=True,
        triggers=("quick_hint",),
        coach=CoachSettings(),
    )
    assert ready["coach"]["interrupt_phrases"] == ["got it"]
    assert ready["agents"] == ["coach"]
    assert wire.error("x", "y") == {"type": "error", "code": "x", "message": "y"}
    assert wire.pong() == {"type": "pong"}
