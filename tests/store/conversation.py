"""A whole scripted conversation (handoff, tool call, guardrail trip, usage) for store tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from voxline.core import session_events as se
from voxline.core.events import Usage
from voxline.core.items import Message, Role
from voxline.models.pricing import GPT_REALTIME_PRICES, estimate_cost

ROOT = Path(__file__).resolve().parents[2]


def _example() -> ModuleType:
    name = "scripted_conversation"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


USAGE = Usage(input_text_tokens=1200, input_audio_tokens=300, output_audio_tokens=500)
COST = estimate_cost(USAGE, GPT_REALTIME_PRICES)


async def full_conversation() -> list[se.SessionEvent]:
    """The session events of the scripted example, plus spoken user turn and usage events."""
    events: list[se.SessionEvent] = await _example().main(lambda line: None)
    spoken = Message("user_spoken", Role.USER, "and my other order?", 10.0, 11.0, from_audio=True)
    usage = USAGE
    return [
        *events,
        se.UserSpeechStarted(),
        se.UserSpeechStopped(),
        se.HistoryItemAdded(spoken),
        se.TranscriptDelta("late", Role.ASSISTANT, "One"),
        se.AudioReceived("late", b"\x00\x00" * 240),
        # priced as a session on OpenAI prices it
        se.UsageUpdated(usage, usage, COST, COST),
    ]


def items_of(
    events: list[se.SessionEvent],
) -> dict[str, se.HistoryItemAdded | se.HistoryItemUpdated]:
    """The last event of each history item, by id, in order of first appearance."""
    last: dict[str, se.HistoryItemAdded | se.HistoryItemUpdated] = {}
    for event in events:
        if isinstance(event, se.HistoryItemAdded | se.HistoryItemUpdated):
            last[event.item.id] = event
    return last
