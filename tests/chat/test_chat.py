"""`voxline chat` on the scripted backend: lines in, agent answers, handoffs and tools out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from voxline.chat import chat_line, run_chat
from voxline.core import commands as cmd
from voxline.core import session_events as se
from voxline.core.items import Message, Role
from voxline.scenarios import load
from voxline.testing import ScriptedRealtimeModel, call, on, reply


async def lines(*texts: str) -> AsyncIterator[str]:
    for text in texts:
        yield text


async def test_a_piped_chat_routes_calls_a_tool_and_ends_at_end_of_input(tmp_path: Path) -> None:
    scenario = load("customer_service", data_dir=tmp_path)
    model = ScriptedRealtimeModel(
        [
            on(cmd.CreateResponse, call("transfer_to_support", {"reason": "order"})),
            on(cmd.CreateResponse, reply("Sure, what is your phone number?")),
            on(cmd.CreateResponse, call("lookup_order_by_phone", {"phone": "(555) 123-4567"})),
            on(cmd.CreateResponse, reply("Your order has shipped.")),
        ]
    )
    printed: list[str] = []
    session = await run_chat(
        scenario, model, lines("where is my order?", "", "555 123 4567"), printed.append
    )
    text = "\n".join(printed)
    assert "handoff router -> support (order)" in text
    assert "support> Sure, what is your phone number?" in text
    assert "lookup_order_by_phone" in text
    assert text.rstrip().endswith("support> Your order has shipped.")
    assert session.closed
    assert model.done
    assert all(c.modalities == ("text",) for c in model.configs)


async def test_a_listen_only_scenario_does_not_wait_for_an_answer(tmp_path: Path) -> None:
    model = ScriptedRealtimeModel()
    printed: list[str] = []
    await run_chat(load("voice_coach"), model, lines("hello there"), printed.append)
    assert any(isinstance(c, cmd.AddMessage) for c in model.sent)
    assert not any(isinstance(c, cmd.CreateResponse) for c in model.sent)


def test_chat_lines_show_only_what_a_person_needs() -> None:
    msg = Message("a", Role.ASSISTANT, "hi", 0, 0, agent="router")
    assert chat_line(se.HistoryItemUpdated(msg)) == "router> hi"
    assert chat_line(se.HistoryItemAdded(msg)) is None
    assert chat_line(se.TranscriptDelta("a", Role.ASSISTANT, "h")) is None
    assert chat_line(se.GuardrailTripped("a", "p", "C", "r")) == "  ! guard   p tripped: C: r"


async def test_the_offline_chat_prepares_every_agent_before_the_first_message(
    tmp_path: Path,
) -> None:
    from voxline.chat import prepared_engine
    from voxline.engine.local_model import LocalRealtimeModel
    from voxline.testing.engine_fakes import ScriptedLLM

    scenario = load("simple_handoff", data_dir=tmp_path)
    llm = ScriptedLLM(["Hello! What should the haiku be about?"])
    said: list[str] = []
    model = prepared_engine(scenario, progress=said.append, llm_factory=lambda _path: llm)
    assert isinstance(model, LocalRealtimeModel)
    assert [i for i, _ in llm.prepared] == [c.instructions for _, c in scenario.agent_configs()]
    assert said[-2].startswith("prepared agent greeter (1/2")
    assert said[-1].startswith("prepared agent haiku_writer (2/2")
    out: list[str] = []
    await run_chat(scenario, model, lines("hi"), out.append)
    assert any("What should the haiku be about?" in line for line in out)
