"""`voxline chat` on the scripted backend: lines in, agent answers, handoffs and tools out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from voxline.chat import chat_line, run_chat, usage_line
from voxline.core import commands as cmd
from voxline.core import session_events as se
from voxline.core.events import Usage
from voxline.core.items import Message, Role
from voxline.models.openai import OpenAIRealtimeModel, RetryPolicy
from voxline.scenarios import load
from voxline.testing import ScriptedRealtimeModel, call, on, reply
from voxline.testing.realtime_server import FakeRealtimeServer, FakeReply


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


def test_the_closing_line_says_the_tokens_and_their_cost_where_there_are_prices() -> None:
    usage = Usage(input_text_tokens=100, input_audio_tokens=20, output_audio_tokens=30)
    assert usage_line(usage, 0.01234, priced=True) == (
        "  · used 150 tokens (120 in, 30 out), about $0.0123"
    )
    assert usage_line(usage, 0.0, priced=False) == "  · used 150 tokens (120 in, 30 out)"
    assert usage_line(Usage(), 0.0, priced=True) is None


async def test_a_chat_over_the_openai_protocol_ends_with_what_it_cost() -> None:
    async with FakeRealtimeServer(api_key="k") as server:
        server.replies.append(FakeReply("Hello! How can I help?"))
        model = OpenAIRealtimeModel(
            api_key="k", base_url=server.base_url, retry=RetryPolicy(attempts=1)
        )
        printed: list[str] = []
        session = await run_chat(load("simple_handoff"), model, lines("hi"), printed.append)
    assert printed[-2] == "greeter> Hello! How can I help?"
    assert session.cost > 0
    assert printed[-1] == usage_line(session.usage, session.cost, priced=True)
    assert server.invalid == []
