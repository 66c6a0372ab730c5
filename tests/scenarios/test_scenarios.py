"""Built-in scenarios: selectable by name, valid agent graphs, tools backed by the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from voxline import scenarios
from voxline.agents.context import RunContext
from voxline.agents.graph import AgentGraph
from voxline.core import commands as cmd
from voxline.core import session_events as se
from voxline.core.config import ServerVAD
from voxline.errors import ConfigurationError
from voxline.scenarios.customer_service import build_tools
from voxline.scenarios.store import CustomerStore
from voxline.testing import ScriptedRealtimeModel, call, collect_until, on, reply


def test_names_lists_every_built_in_scenario() -> None:
    assert scenarios.names() == [
        "chat_supervisor",
        "customer_service",
        "simple_handoff",
        "voice_coach",
    ]


@pytest.mark.parametrize("name", scenarios.names())
def test_every_scenario_builds_a_valid_agent_graph(name: str, tmp_path: Path) -> None:
    scenario = scenarios.load(name, data_dir=tmp_path)
    graph = AgentGraph(scenario.agent, scenario.agents)
    assert set(graph.agents) == {a.name for a in scenario.agents}
    assert scenario.name == name
    assert scenario.title
    assert scenario.description


def test_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match="customer_service, simple_handoff"):
        scenarios.load("call_center")


def test_customer_service_routes_to_every_specialist(tmp_path: Path) -> None:
    scenario = scenarios.load("customer_service", data_dir=tmp_path)
    graph = AgentGraph(scenario.agent, scenario.agents)
    assert set(graph.tools("router")) == {
        "authenticate_user",
        "transfer_to_support",
        "transfer_to_sales",
        "transfer_to_billing",
        "transfer_to_human_agent",
    }
    for specialist in ("support", "sales", "billing", "human_agent"):
        assert "transfer_to_router" in graph.tools(specialist)


def _run(tools: dict[str, Any], name: str, **arguments: Any) -> Any:
    tool = tools[name]
    parsed = tool.parse_arguments(json.dumps(arguments))
    return tool.func(**tool.bind(parsed, RunContext("router")))


def test_customer_service_tools_read_and_write_the_database(tmp_path: Path) -> None:
    tools = build_tools(CustomerStore(tmp_path))
    auth = _run(tools, "authenticate_user", phone="five five five, one two three, 4567")
    assert auth == {"authenticated": True, "user_id": "U1001", "name": "Maria Lopez"}
    wrong = _run(tools, "authenticate_user", phone="5551234567", email="x@example.com")
    assert wrong["authenticated"] is False
    unreadable = _run(tools, "authenticate_user", phone="my phone")
    assert "expected 10 digits" in unreadable["reason"]
    assert _run(tools, "lookup_user_profile", user_id="U1002")["balance_due"] == "$49.99"
    orders = _run(tools, "lookup_order_by_phone", phone="(555) 123-4567")["orders"]
    assert orders[0]["order_id"] == "A1001"
    kb = _run(tools, "search_knowledge_base", query="wifi is slow", category="technical")
    assert kb["articles"][0]["id"] == "KB-01"
    ticket = _run(
        tools, "create_support_ticket", issue="No signal", category="technical", priority="urgent"
    )
    assert ticket["ticket_id"] == "TCK-1001"
    assert ticket["estimated_resolution"] == "within 4 hours"
    assert [t.issue for t in CustomerStore(tmp_path).tickets()] == ["No signal"]


def test_voice_coach_settings_shape_the_triggers() -> None:
    settings = scenarios.CoachSettings(quick_phrases=("any tips",), quick_window=2)
    scenario = scenarios.load("voice_coach", coach=settings)
    assert scenario.triggers is not None
    quick = scenario.triggers.get("quick_hint")
    assert (quick.phrases, quick.window) == (("any tips",), 2)
    assert scenario.auto_respond is False
    assert scenario.config.turn_detection == ServerVAD(create_response=False)
    with pytest.raises(ConfigurationError, match="window"):
        scenarios.CoachSettings(full_window=0)


async def test_a_scenario_runs_in_a_realtime_session(tmp_path: Path) -> None:
    scenario = scenarios.load("customer_service", data_dir=tmp_path)
    model = ScriptedRealtimeModel(
        [
            on(cmd.CreateResponse, call("transfer_to_support", {"reason": "order"})),
            on(cmd.CreateResponse, call("lookup_order_by_phone", {"phone": "555 123 4567"})),
            on(cmd.CreateResponse, reply("Your headphones shipped with DHL.")),
        ]
    )
    async with scenario.session(model, context={"channel": "test"}) as session:
        await session.send_text("Where is my order? My number is 555 123 4567.")
        events = await collect_until(
            session, lambda e: isinstance(e, se.ResponseFinished) and model.done
        )
        assert session.agent.name == "support"
    finished = [e for e in events if isinstance(e, se.ToolCallFinished)]
    assert "A1001" in finished[-1].output
