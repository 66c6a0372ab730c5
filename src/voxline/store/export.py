"""A stored conversation as a Markdown transcript people can read (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from voxline.store.views import ConversationDetail

__all__ = ["to_markdown"]


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _line(item: dict[str, Any]) -> str | None:
    kind = item.get("kind")
    if kind == "message":
        who = "User" if item.get("role") == "user" else (item.get("agent") or item.get("role"))
        text = str(item.get("text") or "").strip() or "_(no transcript)_"
        cut = " _(cut off)_" if item.get("status") == "incomplete" else ""
        flag = item.get("flag")
        flagged = f" _(guardrail {flag['guardrail']}: {flag['category']})_" if flag else ""
        return f"**{who}:** {text}{cut}{flagged}"
    if kind == "function_call":
        return f"> tool call `{item.get('name')}` {item.get('arguments')}"
    if kind == "function_call_output":
        error = " (error)" if item.get("is_error") else ""
        ms = round(float(item.get("duration_s") or 0) * 1000)
        return f"> tool result `{item.get('name')}`{error} in {ms} ms: {item.get('output')}"
    if kind == "handoff":
        reason = f" ({item['reason']})" if item.get("reason") else ""
        return f"> handoff: {item.get('from_agent')} -> {item.get('to_agent')}{reason}"
    if kind == "guardrail":
        return f"> guardrail `{item.get('guardrail')}` tripped: {item.get('category')}"
    if kind == "trigger":
        return f"> trigger `{item.get('trigger')}` fired: {item.get('action')}"
    return None


def to_markdown(detail: ConversationDetail) -> str:
    """The transcript: a header with the facts, then one paragraph per item."""
    s = detail.summary
    latencies = [turn.latency_ms for turn in detail.turns]
    lines = [
        f"# Conversation {s.id}",
        "",
        f"- Scenario: {s.scenario}",
        f"- Backend: {s.backend}",
        f"- Started: {_when(s.started_at)}",
        f"- Ended: {_when(s.ended_at)}" + (f" ({s.end_reason})" if s.end_reason else ""),
        f"- Tokens: {s.total_tokens} (estimated cost ${s.cost_usd:.4f})",
    ]
    if latencies:
        lines.append(
            f"- Turn latency: median {sorted(latencies)[len(latencies) // 2]} ms "
            f"over {len(latencies)} turns"
        )
    lines += ["", "## Transcript", ""]
    for item in detail.items:
        line = _line(item)
        if line is not None:
            lines += [line, ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json_text(detail: ConversationDetail) -> str:
    """The JSON export, indented."""
    return json.dumps(detail.to_json(), indent=2, ensure_ascii=False) + "\n"
