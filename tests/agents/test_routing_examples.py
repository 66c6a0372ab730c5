"""Agent.routing_examples: quoted after the handoff tool's description, for routing."""

from __future__ import annotations

import pytest

from voxline.agents.agent import Agent, Handoff
from voxline.agents.graph import AgentGraph
from voxline.errors import ConfigurationError


def _billing() -> Agent:
    return Agent(
        name="billing",
        instructions="Help with bills.",
        handoff_description="Bills and refunds.",
        routing_examples=["How does autopay work?", "I want my money back."],
    )


def test_examples_are_quoted_after_the_handoff_description() -> None:
    router = Agent(name="router", instructions="Route.", handoffs=[_billing()])
    (spec,) = AgentGraph(router).tool_specs("router")
    assert spec.description == (
        'Bills and refunds. For example: "How does autopay work?"; "I want my money back.".'
    )


def test_an_explicit_handoff_description_is_kept_as_given() -> None:
    router = Agent(
        name="router", instructions="Route.", handoffs=[Handoff(_billing(), "Money matters.")]
    )
    (spec,) = AgentGraph(router).tool_specs("router")
    assert spec.description == "Money matters."


def test_examples_are_a_tuple_and_one_string_is_refused() -> None:
    assert _billing().routing_examples == ("How does autopay work?", "I want my money back.")
    with pytest.raises(ConfigurationError, match="routing_examples"):
        Agent(name="x", instructions="x", routing_examples="one string")
