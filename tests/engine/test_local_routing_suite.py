"""The customer-service routing suite on the real offline engine's decision (embedding router +
llama.cpp), from conversations/local/customer_service_routing.yaml: at least 95% must route right.

Each utterance is one fresh conversation with the scenario's router agent; only the decision
is taken (a reply is cut after its first token), so the whole suite stays within minutes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voxline.agents.graph import AgentGraph
from voxline.engine.modelfiles import DEFAULT_LLM, model_status
from voxline.engine.ports import ChatMessage, ToolChoice
from voxline.engine.router.embedder import minilm_model_dir
from voxline.errors import ModelFileError
from voxline.scenarios import customer_service
from voxline.testing.runner.spec import load_file

pytestmark = pytest.mark.slow

pytest.importorskip("llama_cpp")
if model_status(DEFAULT_LLM).parts_installed < len(DEFAULT_LLM.parts):
    pytest.skip(
        "the default model is not installed: voxline models install", allow_module_level=True
    )
try:
    minilm_model_dir()
except ModelFileError as exc:
    pytest.skip(str(exc), allow_module_level=True)

from voxline.engine.llm.llama import LlamaCppLLM, LlamaSettings  # noqa: E402

SUITE = Path(__file__).parents[2] / "conversations" / "local" / "customer_service_routing.yaml"


def _cases() -> list[tuple[str, str]]:
    cases = []
    for loaded in load_file(SUITE):
        step = loaded.spec.steps[0]
        if step.expect.handoff:
            want = f"transfer_to_{step.expect.handoff}"
        elif step.expect.tools:
            want = step.expect.tools[0].name
        else:
            want = "reply"
        cases.append((step.text or "", want))
    return cases


@pytest.fixture(scope="module")
def llm() -> Iterator[LlamaCppLLM]:
    model = LlamaCppLLM(LlamaSettings(temperature=0.0, n_ctx=2048, router="on"))
    yield model
    model.close()


def test_the_suite_has_enough_varied_utterances() -> None:
    cases = _cases()
    assert len(cases) >= 30
    assert {want for _, want in cases} >= {
        "transfer_to_support",
        "transfer_to_sales",
        "transfer_to_billing",
        "transfer_to_human_agent",
        "authenticate_user",
        "reply",
    }


def test_at_least_95_percent_of_turns_route_right(llm: LlamaCppLLM) -> None:
    with tempfile.TemporaryDirectory(prefix="voxline-routing-") as scratch:
        scenario = customer_service.build(Path(scratch))
        tools = AgentGraph(scenario.agent, scenario.agents).tool_specs(scenario.agent.name)
        instructions = scenario.agent.instructions
        assert isinstance(instructions, str)
        wrong = []
        cases = _cases()
        for utterance, want in cases:
            got = "reply"
            for out in llm.generate(
                instructions, [ChatMessage("user", utterance)], tools, max_tokens=1
            ):
                if isinstance(out, ToolChoice):
                    got = out.name
                break
            if got != want:
                wrong.append(f"{utterance!r}: wanted {want}, got {got}")
    assert len(wrong) <= 0.05 * len(cases), "\n".join(wrong)
