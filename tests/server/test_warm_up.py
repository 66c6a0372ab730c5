"""Start-up prepares every agent of every scenario: the default scenario before calls are
taken, the others right after, with progress; a failure only defers that agent."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

from voxline import scenarios
from voxline.core.config import ToolSpec
from voxline.engine.parts import EngineParts
from voxline.server.app import BuiltinScenarios, ServerState, _scenarios_to_prepare
from voxline.server.backends import FactoryBackend, LocalBackend, ModelHost
from voxline.settings import Settings
from voxline.testing import ScriptedRealtimeModel
from voxline.testing.engine_fakes import FakeTTS, FakeVAD, ScriptedLLM, ScriptedSTT

TIMEOUT_S = 10


class GatedLLM(ScriptedLLM):
    """Waits in `prepare` for `gate` when asked for `slow` instructions; fails on `broken`."""

    def __init__(self, slow: str = "", broken: str = "") -> None:
        super().__init__([])
        self.slow, self.broken = slow, broken
        self.gate = threading.Event()

    def prepare(self, instructions: str, tools: Sequence[ToolSpec]) -> None:
        if instructions == self.broken:
            raise RuntimeError("prefill failed")
        if instructions == self.slow:
            assert self.gate.wait(TIMEOUT_S)
        super().prepare(instructions, tools)


def _host(llm: ScriptedLLM) -> ModelHost:
    parts = EngineParts(stt=ScriptedSTT([]), llm=llm, tts=FakeTTS(), make_vad=FakeVAD)
    return ModelHost(LocalBackend(lambda _progress: parts))


async def test_the_default_scenario_is_ready_first_and_the_rest_follow() -> None:
    first, second = scenarios.load("simple_handoff"), scenarios.load("voice_coach")
    coach = second.agent_configs()[0][1].instructions
    llm = GatedLLM(slow=coach)
    host = _host(llm)
    task = asyncio.create_task(host.warm_up(lambda _supervisor: [first, second]))
    await asyncio.wait_for(host.wait_ready(), TIMEOUT_S)
    assert host.ready
    assert [i for i, _ in llm.prepared] == [c.instructions for _, c in first.agent_configs()]
    assert host.health()["preparing"] is True
    llm.gate.set()
    await asyncio.wait_for(task, TIMEOUT_S)
    assert llm.prepared[-1][0] == coach
    assert host.health()["preparing"] is False
    lines = host.progress
    assert any(line.startswith("prepared agent simple_handoff/greeter (1/2") for line in lines)
    assert any(line.startswith("prepared agent voice_coach/coach (1/1") for line in lines)
    assert lines[-1] == "every scenario's agents are prepared"


async def test_tools_and_handoffs_are_part_of_what_is_prepared() -> None:
    service = scenarios.load("customer_service")
    llm = ScriptedLLM([])
    host = _host(llm)
    await asyncio.wait_for(host.warm_up(lambda _supervisor: [service]), TIMEOUT_S)
    router = dict(llm.prepared)[service.agent_configs()[0][1].instructions]
    assert "transfer_to_support" in router
    assert len(llm.prepared) == len(service.agents)


async def test_an_agent_that_fails_to_prepare_is_left_for_first_use() -> None:
    first = scenarios.load("simple_handoff")
    greeter = first.agent_configs()[0][1].instructions
    llm = GatedLLM(broken=greeter)
    host = _host(llm)
    await asyncio.wait_for(host.warm_up(lambda _supervisor: [first]), TIMEOUT_S)
    assert host.ready
    assert any("not prepared (prefill failed)" in line for line in host.progress)
    assert len(llm.prepared) == 1  # the haiku writer still was


async def test_a_factory_backend_has_nothing_to_prepare() -> None:
    host = ModelHost(FactoryBackend(lambda _scenario: ScriptedRealtimeModel([])))
    asked: list[object] = []

    def source(supervisor: object) -> list[scenarios.Scenario]:
        asked.append(supervisor)
        return [scenarios.load("voice_coach")]

    await asyncio.wait_for(host.warm_up(source), TIMEOUT_S)
    assert host.ready
    assert asked == []  # no scenario is loaded at start-up for nothing


def test_the_default_scenario_comes_first(tmp_path: Path) -> None:
    settings = Settings(scenario="voice_coach", data_dir=tmp_path)
    host = ModelHost(FactoryBackend(lambda _scenario: ScriptedRealtimeModel([])))
    state = ServerState(settings, host, BuiltinScenarios(tmp_path))
    names = [s.name for s in _scenarios_to_prepare(state, None)]
    assert names[0] == "voice_coach"
    assert sorted(names) == sorted(scenarios.names())
