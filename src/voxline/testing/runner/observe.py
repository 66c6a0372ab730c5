"""What happened in one turn, gathered from session events, and the checks run against it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from voxline.errors import InputError
from voxline.scenarios.phone import normalize_phone
from voxline.testing.runner.spec import ArgMatcher, Expect, Matcher, ToolExpectation


@dataclass(slots=True)
class ToolCallSeen:
    """A tool call of the turn and, once it finished, its output."""

    call_id: str
    name: str
    arguments: str
    output: str | None = None
    is_error: bool | None = None

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as a dict ({} when they are not a JSON object)."""
        try:
            data = json.loads(self.arguments) if self.arguments.strip() else {}
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}


@dataclass(slots=True)
class TurnObservation:
    """Everything the checks look at, for one turn."""

    agent: str = ""
    handoffs: list[str] = field(default_factory=list)
    tools: list[ToolCallSeen] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    guardrails: list[tuple[str, str]] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    latency_ms: float | None = None
    problem: str | None = None

    @property
    def reply(self) -> str:
        """Everything the assistant said in the turn (not counting guardrail-stopped text)."""
        return " ".join(r for r in self.replies if r)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One expectation: what was expected, what happened, and whether they agree."""

    name: str
    passed: bool
    expected: str
    actual: str


def _arg_ok(matcher: ArgMatcher, value: Any) -> bool:
    if isinstance(matcher, Matcher):
        text = "" if value is None else str(value)
        if matcher.regex is not None:
            return re.search(matcher.regex, text, re.IGNORECASE) is not None
        if matcher.contains is not None:
            return matcher.contains.lower() in text.lower()
        assert matcher.phone is not None
        try:
            return normalize_phone(text) == normalize_phone(matcher.phone)
        except InputError:
            return False
    return bool(matcher == value)


def _describe_matcher(matcher: ArgMatcher) -> str:
    if isinstance(matcher, Matcher):
        return " ".join(f"{k}={v!r}" for k, v in matcher.model_dump(exclude_none=True).items())
    return repr(matcher)


def _tool_fits(expected: ToolExpectation, seen: ToolCallSeen) -> bool:
    if seen.name != expected.name:
        return False
    args = seen.parsed_arguments()
    if not all(_arg_ok(m, args.get(k)) for k, m in expected.args.items()):
        return False
    if expected.is_error is not None and seen.is_error != expected.is_error:
        return False
    out = seen.output or ""
    return expected.output_contains is None or expected.output_contains.lower() in out.lower()


def _tool_check(expected: ToolExpectation, obs: TurnObservation) -> CheckResult:
    parts = [expected.name]
    parts += [f"{k} {_describe_matcher(m)}" for k, m in expected.args.items()]
    if expected.output_contains is not None:
        parts.append(f"output contains {expected.output_contains!r}")
    if expected.is_error is not None:
        parts.append("fails" if expected.is_error else "succeeds")
    seen = "; ".join(
        f"{t.name}({t.arguments}) -> {'error ' if t.is_error else ''}{(t.output or '')[:120]}"
        for t in obs.tools
    )
    ok = any(_tool_fits(expected, t) for t in obs.tools)
    return CheckResult("tool", ok, ", ".join(parts), seen or "no tool called")


def check(expect: Expect, obs: TurnObservation) -> list[CheckResult]:  # noqa: C901 - flat list
    """Every expectation of `expect` checked against `obs`, in a stable order."""
    results: list[CheckResult] = []
    add = results.append
    if obs.problem is not None:
        add(CheckResult("turn", False, "the turn completes", obs.problem))
    if expect.agent is not None:
        add(CheckResult("agent", obs.agent == expect.agent, expect.agent, obs.agent))
    handoffs = ", ".join(obs.handoffs) or "no handoff"
    if expect.handoff is not None:
        add(CheckResult("handoff", expect.handoff in obs.handoffs, expect.handoff, handoffs))
    if expect.no_handoff:
        add(CheckResult("no_handoff", not obs.handoffs, "no handoff", handoffs))
    for tool in expect.tools:
        add(_tool_check(tool, obs))
    called = [t.name for t in obs.tools]
    for name in expect.tools_not_called:
        add(CheckResult("tool_not_called", name not in called, f"{name} not called", str(called)))
    reply = obs.reply
    shown = repr(reply[:200]) if reply else "no reply"
    for text in expect.reply_contains:
        add(CheckResult("reply_contains", text.lower() in reply.lower(), repr(text), shown))
    if expect.reply_matches is not None:
        ok = re.search(expect.reply_matches, reply, re.IGNORECASE | re.DOTALL) is not None
        add(CheckResult("reply_matches", ok, f"/{expect.reply_matches}/", shown))
    for text in expect.reply_not_contains:
        ok = text.lower() not in reply.lower()
        add(CheckResult("reply_not_contains", ok, f"not {text!r}", shown))
    if expect.silent:
        said = reply or " ".join(obs.flagged)
        add(CheckResult("silent", not said, "no reply", repr(said[:200]) if said else "silent"))
    if expect.guardrail is not None:
        g = expect.guardrail
        ok = any(
            cat == g.category and (g.guardrail is None or name == g.guardrail)
            for name, cat in obs.guardrails
        )
        actual = ", ".join(f"{n}: {c}" for n, c in obs.guardrails) or "no guardrail tripped"
        add(CheckResult("guardrail", ok, g.category, actual))
    if expect.trigger is not None:
        fired = ", ".join(obs.triggers) or "no trigger fired"
        add(CheckResult("trigger", expect.trigger in obs.triggers, expect.trigger, fired))
    if expect.latency_ms is not None:
        lat = obs.latency_ms
        ok = lat is not None and lat <= expect.latency_ms
        actual = "no reply" if lat is None else f"{lat:.0f} ms"
        add(CheckResult("latency", ok, f"<= {expect.latency_ms:g} ms", actual))
    return results
