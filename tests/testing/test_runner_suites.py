"""The shipped scripted suites (conversations/*.yaml) pass; conversations/local/ needs models."""

from __future__ import annotations

from pathlib import Path

from voxline.testing.runner import run_paths, table

SUITES = Path(__file__).resolve().parents[2] / "conversations"


async def test_every_shipped_conversation_passes() -> None:
    report = await run_paths(sorted(SUITES.glob("*.yaml")))  # local/ runs in its own slow test
    assert report.passed, table(report)
    scenarios = {c.scenario for c in report.conversations}
    assert scenarios == {"customer_service", "chat_supervisor", "simple_handoff", "voice_coach"}


async def test_the_routing_suite_has_at_least_twenty_varied_turns() -> None:
    report = await run_paths([SUITES / "customer_service_routing.yaml"])
    turns = [t for c in report.conversations for t in c.turns]
    assert len(turns) >= 20
    assert len({t.label for t in turns}) == len(turns)
    targets = {t.observation.handoffs[0] for t in turns}
    assert targets == {"support", "sales", "billing", "human_agent"}
