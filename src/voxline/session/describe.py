"""One readable line per session event, for terminals and logs."""

from __future__ import annotations

from typing import assert_never

from voxline.core import session_events as se
from voxline.core.events import ConnectionChanged
from voxline.core.items import (
    FunctionCall,
    FunctionCallOutput,
    GuardrailRecord,
    HandoffRecord,
    Message,
    TriggerRecord,
)


def _clip(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(event: se.SessionEvent) -> str | None:  # noqa: C901 - one line per case
    """A one-line description, or None for events too chatty to print (deltas, audio)."""
    match event:
        case se.HistoryItemAdded(item=item) | se.HistoryItemUpdated(item=item):
            verb = "added" if isinstance(event, se.HistoryItemAdded) else "updated"
            match item:
                case Message():
                    if not item.text:
                        return None
                    who = item.agent or item.role.value
                    flag = f" [flagged {item.flag.category}]" if item.flag else ""
                    return f"{verb:7} {who}: {_clip(item.text)} ({item.status.value}){flag}"
                case FunctionCall() | FunctionCallOutput() | HandoffRecord() | GuardrailRecord():
                    return None
                case TriggerRecord():
                    return None
                case _:
                    assert_never(item)
        case se.TranscriptDelta() | se.AudioReceived() | se.UsageUpdated():
            return None
        case se.AudioInterrupted(item_id=item_id, played_ms=ms):
            return f"audio   interrupted {item_id} after {ms} ms"
        case se.UserSpeechStarted():
            return "speech  user started speaking"
        case se.UserSpeechStopped():
            return "speech  user stopped speaking"
        case se.ResponseFinished(response_id=rid, status=status):
            return f"done    response {rid} {status.value}"
        case se.HandoffCompleted(from_agent=src, to_agent=dst, reason=reason):
            because = f" ({reason})" if reason else ""
            return f"handoff {src} -> {dst}{because}"
        case se.ToolCallStarted(name=name, arguments=args, agent=agent):
            return f"tool    {agent} calls {name}({_clip(args, 80)})"
        case se.ToolCallFinished(name=name, output=out, is_error=err, duration_s=d):
            mark = "error" if err else "ok"
            return f"tool    {name} -> {mark} in {d * 1000:.0f} ms: {_clip(out, 100)}"
        case se.GuardrailTripped(guardrail=g, category=c, rationale=r):
            return f"guard   {g} tripped: {c}: {r}"
        case se.TriggerFired(trigger=t, phrase=p, window=w):
            heard = f' on "{p}"' if p else ""
            return f"trigger {t}{heard} with the last {len(w)} messages"
        case se.ErrorOccurred(error=e):
            return f"error   {type(e).__name__}: {e}"
        case ConnectionChanged(state=state, attempt=attempt, reason=reason):
            extra = f" attempt {attempt}" if attempt else ""
            extra += f": {reason}" if reason else ""
            return f"link    {state.value}{extra}"
        case _:
            assert_never(event)
