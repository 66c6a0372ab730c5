"""The examples run, and show what they promise."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from voxline.core import session_events as se

ROOT = Path(__file__).resolve().parents[2]


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


async def test_the_scripted_example_shows_handoff_tool_and_guardrail() -> None:
    example = load("scripted_conversation")
    lines: list[str] = []
    events = await example.main(lines.append)
    text = "\n".join(lines)
    assert "handoff router -> support (order question)" in text
    assert 'tool    support calls lookup_order({"order_id": "A1001"})' in text
    assert "tool    lookup_order -> ok" in text
    assert '"carrier": "DHL"' in text
    assert "guard   business_policy tripped: OFF_BRAND" in text
    assert "it is expected on Thursday" in text
    assert text.endswith("active agent at the end: support")
    assert sum(isinstance(e, se.GuardrailTripped) for e in events) == 1
