"""The bridge's outbound wire format: session events to JSON objects, pure and socket-free."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, assert_never

from voxline.core import session_events as se
from voxline.core.events import ConnectionChanged, Usage
from voxline.core.items import (
    FunctionCall,
    FunctionCallOutput,
    GuardrailFlag,
    GuardrailRecord,
    HandoffRecord,
    HistoryItem,
    Message,
    TriggerRecord,
)
from voxline.errors import ProtocolError, VoxlineError
from voxline.scenarios.voice_coach import CoachSettings

__all__ = [
    "AudioChunk",
    "Json",
    "coach_json",
    "encode",
    "error",
    "error_code",
    "history_item",
    "pong",
    "session_ready",
    "usage_json",
]

Json = dict[str, Any]
"""One JSON object, ready for `json.dumps`."""


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """Agent audio for the browser: goes out as a binary frame after an `audio.item` marker."""

    item_id: str
    audio: bytes


def _flag(flag: GuardrailFlag | None) -> Json | None:
    if flag is None:
        return None
    return {"guardrail": flag.guardrail, "category": flag.category, "rationale": flag.rationale}


def history_item(item: HistoryItem) -> Json:
    """One history item as the JSON the page renders (`kind` plus the item's fields)."""
    match item:
        case Message():
            return {
                "id": item.id,
                "kind": "message",
                "created_at": item.created_at,
                "updated_at": item.updated_at,
                "role": item.role.value,
                "text": item.text,
                "status": item.status.value,
                "agent": item.agent,
                "from_audio": item.from_audio,
                "audio_ms": item.audio_ms,
                "played_ms": item.played_ms,
                "flag": _flag(item.flag),
            }
        case FunctionCall():
            return {
                "id": item.id,
                "kind": "function_call",
                "created_at": item.created_at,
                "call_id": item.call_id,
                "name": item.name,
                "arguments": item.arguments,
                "agent": item.agent,
            }
        case FunctionCallOutput():
            return {
                "id": item.id,
                "kind": "function_call_output",
                "created_at": item.created_at,
                "call_id": item.call_id,
                "name": item.name,
                "output": item.output,
                "is_error": item.is_error,
                "duration_s": item.duration_s,
            }
        case HandoffRecord():
            return {
                "id": item.id,
                "kind": "handoff",
                "created_at": item.created_at,
                "from_agent": item.from_agent,
                "to_agent": item.to_agent,
                "reason": item.reason,
            }
        case GuardrailRecord():
            return {
                "id": item.id,
                "kind": "guardrail",
                "created_at": item.created_at,
                "item_id": item.item_id,
                "guardrail": item.guardrail,
                "category": item.category,
                "rationale": item.rationale,
            }
        case TriggerRecord():
            return {
                "id": item.id,
                "kind": "trigger",
                "created_at": item.created_at,
                "trigger": item.trigger,
                "action": item.action,
                "phrase": item.phrase,
                "window": list(item.window),
            }
        case _:
            assert_never(item)


def usage_json(usage: Usage) -> Json:
    """Token counts, with their total."""
    return {
        "input_text_tokens": usage.input_text_tokens,
        "input_audio_tokens": usage.input_audio_tokens,
        "input_cached_tokens": usage.input_cached_tokens,
        "output_text_tokens": usage.output_text_tokens,
        "output_audio_tokens": usage.output_audio_tokens,
        "total_tokens": usage.total_tokens,
    }


def error_code(error: VoxlineError) -> str:
    """The `code` of an error the session survived: its class name in snake case."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


def error(code: str, message: str, event_type: str | None = None) -> Json:
    """An `error` event; `event_type` names the browser event that caused it, if any."""
    out: Json = {"type": "error", "code": code, "message": message}
    if event_type is not None:
        out["event_type"] = event_type
    return out


def pong() -> Json:
    """The answer to `ping`."""
    return {"type": "pong"}


def coach_json(settings: CoachSettings) -> Json:
    """The voice coach's settings as sent in `session.ready` and `coach.updated`."""
    return {
        "quick_phrases": list(settings.quick_phrases),
        "full_phrases": list(settings.full_phrases),
        "interrupt_phrases": list(settings.interrupt_phrases),
        "quick_window": settings.quick_window,
        "full_window": settings.full_window,
        "max_output_tokens": settings.max_output_tokens,
    }


def session_ready(
    *,
    session_id: str,
    scenario: str,
    backend: str,
    agent: str,
    agents: Sequence[str],
    push_to_talk: bool,
    triggers: Sequence[str],
    coach: CoachSettings | None,
) -> Json:
    """The first event on every bridge connection (and again after a conversation restart)."""
    return {
        "type": "session.ready",
        "session_id": session_id,
        "scenario": scenario,
        "backend": backend,
        "agent": agent,
        "agents": list(agents),
        "push_to_talk": push_to_talk,
        "triggers": list(triggers),
        "coach": None if coach is None else coach_json(coach),
    }


def encode(event: se.SessionEvent) -> Json | AudioChunk:  # noqa: C901  # one case per event
    """The wire form of one session event: a JSON object, or agent audio for a binary frame."""
    match event:
        case se.HistoryItemAdded():
            return {"type": "history.added", "item": history_item(event.item)}
        case se.HistoryItemUpdated():
            return {"type": "history.updated", "item": history_item(event.item)}
        case se.TranscriptDelta():
            return {
                "type": "transcript.delta",
                "item_id": event.item_id,
                "role": event.role.value,
                "delta": event.delta,
            }
        case se.AudioReceived():
            return AudioChunk(event.item_id, event.audio)
        case se.AudioInterrupted():
            return {
                "type": "audio.interrupted",
                "item_id": event.item_id,
                "played_ms": event.played_ms,
            }
        case se.UserSpeechStarted():
            return {"type": "speech.started"}
        case se.UserSpeechStopped():
            return {"type": "speech.stopped"}
        case se.ResponseFinished():
            return {
                "type": "response.finished",
                "response_id": event.response_id,
                "status": event.status.value,
            }
        case se.HandoffCompleted():
            return {
                "type": "handoff",
                "from": event.from_agent,
                "to": event.to_agent,
                "reason": event.reason,
            }
        case se.ToolCallStarted():
            return {
                "type": "tool.started",
                "call_id": event.call_id,
                "name": event.name,
                "arguments": event.arguments,
                "agent": event.agent,
            }
        case se.ToolCallFinished():
            return {
                "type": "tool.finished",
                "call_id": event.call_id,
                "name": event.name,
                "output": event.output,
                "is_error": event.is_error,
                "duration_ms": round(event.duration_s * 1000),
            }
        case se.GuardrailTripped():
            return {
                "type": "guardrail.tripped",
                "item_id": event.item_id,
                "guardrail": event.guardrail,
                "category": event.category,
                "rationale": event.rationale,
            }
        case se.TriggerFired():
            return {
                "type": "trigger.fired",
                "trigger": event.trigger,
                "action": event.action,
                "phrase": event.phrase,
                "window": [m.id for m in event.window],
            }
        case se.UsageUpdated():
            return {
                "type": "usage",
                "response": usage_json(event.response),
                "total": usage_json(event.total),
                "cost_usd": event.cost,
                "total_cost_usd": event.total_cost,
            }
        case se.ErrorOccurred():
            kind = event.error.event_type if isinstance(event.error, ProtocolError) else None
            return error(error_code(event.error), str(event.error), kind)
        case ConnectionChanged():
            return {
                "type": "connection",
                "state": event.state.value,
                "attempt": event.attempt,
                "reason": event.reason,
            }
        case _:
            assert_never(event)
