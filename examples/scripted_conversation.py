"""A scripted multi-agent conversation through the real RealtimeSession, printed as events.

A router greets, hands off to support; support looks up an order with a tool; its first
answer breaks business policy and a guardrail stops it; the retry stays within policy.
No audio, no key, no network: the model is scripted, everything else is the real session.

    python examples/scripted_conversation.py
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from voxline import (
    Agent,
    PolicyRule,
    RealtimeSession,
    SessionConfig,
    function_tool,
    keyword_guardrail,
)
from voxline.core import commands as cmd
from voxline.core import session_events as se
from voxline.session.describe import describe
from voxline.testing import ScriptedRealtimeModel, call, on, reply

ORDERS = {"A1001": {"status": "shipped", "carrier": "DHL", "eta": "Thursday"}}


@function_tool
def lookup_order(order_id: str) -> dict[str, str]:
    """Look up an order by its id.

    Args:
        order_id: The order number the customer gave, such as A1001.
    """
    return ORDERS.get(order_id.upper(), {"status": "not found"})


policy = keyword_guardrail(
    [PolicyRule(r"\bguarantee", "OFF_BRAND", "we never guarantee delivery dates")],
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


def is_retry(command: cmd.ModelCommand) -> bool:
    return isinstance(command, cmd.CreateResponse)


def script() -> ScriptedRealtimeModel:
    return ScriptedRealtimeModel(
        [
            on(cmd.CreateResponse, call("transfer_to_support", {"reason": "order question"})),
            on(cmd.CreateResponse, call("lookup_order", {"order_id": "A1001"})),
            on(
                cmd.CreateResponse,
                reply("Your order A1001 shipped with DHL. I guarantee it arrives Thursday."),
            ),
            on(is_retry, reply("Your order A1001 shipped with DHL; it is expected on Thursday.")),
        ]
    )


async def main(out: Callable[[str], object] = print) -> list[se.SessionEvent]:
    model = script()
    events: list[se.SessionEvent] = []
    config = SessionConfig(instructions="", modalities=("text",), turn_detection=None)
    async with RealtimeSession(
        router, model, config=config, guardrail_debounce_chars=20
    ) as session:
        out("user    Hi, where is my order A1001?")
        await session.send_text("Hi, where is my order A1001?")
        async for event in session:
            events.append(event)
            line = describe(event)
            if line:
                out(line)
            if (
                model.done
                and isinstance(event, se.ResponseFinished)
                and event.status == "completed"
            ):
                last = session.history[-1]
                if getattr(last, "flag", 1) is None:
                    break
    out(f"active agent at the end: {session.agent.name}")
    return events


if __name__ == "__main__":
    asyncio.run(main())
