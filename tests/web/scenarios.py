"""The scenarios the browser tests run: a support desk (handoff, tool, guardrail) and the coach."""

from __future__ import annotations

from dataclasses import dataclass

from voxline import Agent, PolicyRule, function_tool, keyword_guardrail
from voxline.core.config import SessionConfig
from voxline.engine.ports import LLM
from voxline.errors import ConfigurationError
from voxline.scenarios import voice_coach
from voxline.scenarios.base import Scenario

ORDERS = {"A1001": {"status": "shipped", "carrier": "DHL", "eta": "Thursday"}}


@function_tool
def lookup_order(order_id: str) -> dict[str, str]:
    """Look up an order by its id.

    Args:
        order_id: The order number the customer gave, such as A1001.
    """
    return ORDERS.get(order_id.upper(), {"status": "not found"})


def support_desk() -> Scenario:
    """A router that hands off to support, which has a tool and a no-guarantees guardrail."""
    policy = keyword_guardrail(
        [PolicyRule(r"\bguarantee", "OFF_BRAND", "we never guarantee delivery dates")]
    )
    support = Agent(
        name="support",
        instructions="You help with orders. Look them up before answering.",
        tools=[lookup_order],
        handoffs=["router"],
        handoff_description="Orders, deliveries and returns.",
        output_guardrails=[policy],
    )
    router = Agent(
        name="router",
        instructions="Greet the customer and transfer them to the right specialist.",
        handoffs=[support],
    )
    return Scenario(
        name="support_desk",
        title="Support desk",
        description="A router hands off to support, which looks up orders.",
        agent=router,
        agents=(router, support),
        config=SessionConfig(instructions=""),
    )


@dataclass(frozen=True, slots=True)
class DeskCatalog:
    """The support desk first (the default), then the built-in voice coach."""

    def names(self) -> list[str]:
        return ["support_desk", "voice_coach"]

    def load(self, name: str, *, supervisor: LLM | None = None) -> Scenario:
        if name == "support_desk":
            return support_desk()
        if name == "voice_coach":
            return voice_coach.build()
        raise ConfigurationError(f"there is no scenario named {name!r}")
