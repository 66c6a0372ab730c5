"""Simple handoff: a greeter that hands off to one specialist, the smallest multi-agent example."""

from __future__ import annotations

from voxline.agents.agent import Agent
from voxline.scenarios.base import Scenario


def build() -> Scenario:
    """A greeter and a haiku writer it hands off to."""
    haiku = Agent(
        name="haiku_writer",
        instructions=(
            "Ask the user for a topic if they have not given one, then reply with one haiku "
            "about it: three short lines of five, seven and five syllables."
        ),
        handoff_description="Writes a haiku on a topic the user chooses.",
    )
    greeter = Agent(
        name="greeter",
        instructions=(
            "Greet the user in one sentence and ask if they would like a haiku. If they say "
            "yes or name a topic, transfer to haiku_writer."
        ),
        handoffs=[haiku],
    )
    return Scenario(
        name="simple_handoff",
        title="Simple handoff",
        description="A greeter hands off to a haiku writer.",
        agent=greeter,
        agents=(greeter, haiku),
    )
