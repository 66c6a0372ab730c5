"""describe(): one readable line per interesting event, None for chatty ones."""

from __future__ import annotations

from voxline.core import events as ev
from voxline.core import session_events as se
from voxline.core.items import (
    FunctionCall,
    GuardrailFlag,
    ItemStatus,
    Message,
    Role,
    TriggerRecord,
)
from voxline.errors import ToolTimeoutError
from voxline.session.describe import describe


def test_lines_for_each_kind_of_event() -> None:
    flagged = Message(
        "a1",
        Role.ASSISTANT,
        "x" * 200,
        0,
        0,
        agent="sales",
        flag=GuardrailFlag("p", "OFF_BRAND", "r"),
    )
    assert describe(se.HistoryItemUpdated(flagged)) == (
        f"updated sales: {'x' * 119}… (completed) [flagged OFF_BRAND]"
    )
    user = Message("u1", Role.USER, "hi", 0, 0, status=ItemStatus.IN_PROGRESS)
    assert describe(se.HistoryItemAdded(user)) == "added   user: hi (in_progress)"
    assert describe(se.HistoryItemAdded(Message("e", Role.USER, "", 0, 0))) is None
    assert describe(se.HistoryItemAdded(FunctionCall("i", "c", "f", "{}", 0))) is None
    assert (
        describe(se.HistoryItemAdded(TriggerRecord("t", "quick_hint", "quick_hint", None))) is None
    )
    assert describe(se.TranscriptDelta("a", Role.USER, "x")) is None
    assert describe(se.AudioInterrupted("a1", 420)) == "audio   interrupted a1 after 420 ms"
    assert describe(se.UserSpeechStarted()) == "speech  user started speaking"
    assert describe(se.UserSpeechStopped()) == "speech  user stopped speaking"
    assert (
        describe(se.ResponseFinished("r", ev.ResponseStatus.CANCELLED))
        == "done    response r cancelled"
    )
    assert describe(se.HandoffCompleted("a", "b", None)) == "handoff a -> b"
    assert describe(se.ToolCallStarted("c", "f", '{"x": 1}', "a")) == 'tool    a calls f({"x": 1})'
    assert (
        describe(se.ToolCallFinished("c", "f", "boom", True, 0.012))
        == "tool    f -> error in 12 ms: boom"
    )
    assert describe(se.GuardrailTripped("a", "p", "C", "why")) == "guard   p tripped: C: why"
    window = (Message("m", Role.USER, "q", 0, 0),)
    assert describe(se.TriggerFired("quick_hint", "quick_hint", "good question", window)) == (
        'trigger quick_hint on "good question" with the last 1 messages'
    )
    error = se.ErrorOccurred(ToolTimeoutError("slow", tool_name="f"))
    assert describe(error) == "error   ToolTimeoutError: slow"
    link = ev.ConnectionChanged(ev.ConnectionState.RECONNECTING, attempt=2, reason="closed")
    assert describe(link) == "link    reconnecting attempt 2: closed"
