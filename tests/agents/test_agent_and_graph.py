"""Agents and the agent graph: configuration errors are raised before the first call."""

from __future__ import annotations

import pytest

from voxline.agents import Agent, AgentGraph, Handoff, HandoffTool, RunContext, function_tool
from voxline.agents.naming import check_tool_name, handoff_tool_name, normalize_name
from voxline.errors import ConfigurationError, HandoffError


@function_tool
def ping() -> str:
    """Ping."""
    return "pong"


def test_agent_fields_are_frozen_tuples() -> None:
    agent = Agent(name="a", instructions="x", tools=[ping])
    assert agent.tools == (ping,)
    assert isinstance(agent.handoffs, tuple)
    clone = agent.clone(name="b")
    assert (clone.name, clone.tools) == ("b", (ping,))
    with pytest.raises(AttributeError):
        agent.name = "c"  # type: ignore[misc]


def test_agent_validation() -> None:
    with pytest.raises(ConfigurationError, match="non-empty name"):
        Agent(name=" ", instructions="x")
    with pytest.raises(ConfigurationError, match="instructions must be"):
        Agent(name="a", instructions=3)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="function_tool"):
        Agent(name="a", instructions="x", tools=[lambda: None])  # type: ignore[list-item]


def test_dynamic_instructions_must_return_text() -> None:
    agent = Agent(name="a", instructions=lambda ctx: 42)  # type: ignore[arg-type,return-value]
    with pytest.raises(ConfigurationError, match="returned int"):
        agent.resolve_instructions(RunContext(agent_name="a"))


def test_names_normalise_to_valid_tool_names() -> None:
    assert normalize_name("  Billing & Payments!! ") == "billing_payments"
    assert handoff_tool_name("Tier-2 Support") == "transfer_to_tier_2_support"
    assert len(handoff_tool_name("x" * 200)) == 64
    with pytest.raises(ConfigurationError, match="no letters"):
        handoff_tool_name("!!!")
    assert check_tool_name("ok-name_1") == "ok-name_1"


def test_the_graph_walks_handoffs_and_resolves_names_for_cycles() -> None:
    support = Agent(
        name="Support",
        instructions="s",
        handoffs=["router"],
        handoff_description="Fixes things.",
        tools=[ping],
    )
    billing = Agent(name="billing", instructions="b")
    router = Agent(
        name="router",
        instructions="r",
        handoffs=[support, Handoff(billing, description="Money questions.")],
    )
    graph = AgentGraph(router)
    assert set(graph.agents) == {"router", "Support", "billing"}
    tools = graph.tools("router")
    assert set(tools) == {"transfer_to_support", "transfer_to_billing"}
    to_support = tools["transfer_to_support"]
    assert isinstance(to_support, HandoffTool)
    assert (to_support.target, to_support.description) == ("Support", "Fixes things.")
    assert tools["transfer_to_billing"].description == "Money questions."
    assert (
        graph.tools("support")["transfer_to_router"].description
        == "Transfer the conversation to router."
    )
    specs = {s.name: s for s in graph.tool_specs("Support")}
    assert "reason" in specs["transfer_to_router"].parameters["properties"]
    assert graph.agent("SUPPORT") is support
    with pytest.raises(HandoffError, match="known: Support, billing, router"):
        graph.agent("sales")


def test_the_same_agent_listed_twice_is_fine_but_two_with_one_name_are_not() -> None:
    leaf = Agent(name="leaf", instructions="x")
    AgentGraph(Agent(name="root", instructions="x", handoffs=[leaf]), [leaf])
    twin = Agent(name="leaf", instructions="other")
    with pytest.raises(ConfigurationError, match="both named 'leaf'"):
        AgentGraph(Agent(name="root", instructions="x", handoffs=[leaf]), [twin])


def test_names_that_normalise_alike_are_a_configuration_error() -> None:
    a = Agent(name="Sales Team", instructions="x")
    b = Agent(name="sales-team", instructions="x")
    with pytest.raises(ConfigurationError, match="transfer_to_sales_team"):
        AgentGraph(Agent(name="root", instructions="x", handoffs=[a, b]))


def test_unknown_self_and_duplicate_handoffs_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="not an agent of this conversation"):
        AgentGraph(Agent(name="root", instructions="x", handoffs=["ghost"]))
    with pytest.raises(ConfigurationError, match="lists itself"):
        AgentGraph(Agent(name="root", instructions="x", handoffs=["root"]))
    leaf = Agent(name="leaf", instructions="x")
    with pytest.raises(ConfigurationError, match="used twice"):
        AgentGraph(Agent(name="root", instructions="x", handoffs=[leaf, "leaf"]))
    with pytest.raises(ConfigurationError, match="two tools named ping"):
        AgentGraph(Agent(name="root", instructions="x", tools=[ping, ping]))


def test_handoff_reason_parsing() -> None:
    assert HandoffTool.parse_reason('{"reason": "billing"}') == "billing"
    assert HandoffTool.parse_reason('{"reason": "  "}') is None
    assert HandoffTool.parse_reason("") is None
    assert HandoffTool.parse_reason("[1]") is None
    assert HandoffTool.parse_reason("{oops") is None
    assert Handoff("x").target_name == "x"


def test_run_context_messages() -> None:
    from voxline.core.items import Message, Role

    history = (
        Message("1", Role.USER, "a", 0, 0),
        Message("2", Role.SYSTEM, "b", 0, 0),
        Message("3", Role.ASSISTANT, "c", 0, 0),
    )
    ctx = RunContext(agent_name="x", history=history)
    assert [m.id for m in ctx.messages()] == ["1", "3"]
    assert [m.id for m in ctx.messages(last=1)] == ["3"]
    assert ctx.messages(last=0) == ()


def test_instructions_resolve_from_text_or_function() -> None:
    ctx = RunContext(agent_name="a", metadata={"name": "Ada"})
    assert Agent(name="a", instructions="fixed").resolve_instructions(ctx) == "fixed"
    greeter = Agent(name="a", instructions=lambda c: f"Greet {c.metadata['name']}.")
    assert greeter.resolve_instructions(ctx) == "Greet Ada."
    assert [
        h.target_name for h in Agent(name="r", instructions="x", handoffs=[greeter]).handoff_list()
    ] == ["a"]
