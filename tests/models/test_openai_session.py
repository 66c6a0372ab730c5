"""A full RealtimeSession over OpenAIRealtimeModel and the fake server: the turns users have."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.models.openai_helpers import KEY, make_model, quiet, tone
from voxline import (
    Agent,
    ItemStatus,
    PolicyRule,
    RealtimeSession,
    SessionConfig,
    function_tool,
    keyword_guardrail,
)
from voxline.core import session_events as se
from voxline.core.events import ConnectionChanged, ConnectionState, ResponseStatus
from voxline.core.items import Message, Role
from voxline.models.openai import GPT_REALTIME_PRICES, PriceTable, estimate_cost
from voxline.testing import ManualClock, collect_until
from voxline.testing.realtime_server import FakeRealtimeServer, FakeReply, FakeToolCall


@function_tool
def lookup_order(order_id: str) -> dict[str, str]:
    """Look up an order.

    Args:
        order_id: The order number.
    """
    return {"order_id": order_id, "status": "shipped"}


SUPPORT = Agent(
    name="support",
    instructions="You help with orders.",
    tools=[lookup_order],
    output_guardrails=[keyword_guardrail([PolicyRule(r"\bguarantee", "OFF_BRAND", "no promises")])],
)
ROUTER = Agent(name="router", instructions="Route the caller.", handoffs=[SUPPORT])


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    async with FakeRealtimeServer(api_key=KEY) as fake:
        yield fake
    assert fake.invalid == [], "the adapter sent events that fail the openai types"


def is_done(event: se.SessionEvent) -> bool:
    return isinstance(event, se.ResponseFinished) and event.status is ResponseStatus.COMPLETED


async def test_a_spoken_turn_with_server_vad(server: FakeRealtimeServer) -> None:
    server.transcripts.append("where is my order")
    server.replies.append(FakeReply("Let me check that.", audio_chunks=2))
    async with RealtimeSession(SUPPORT, make_model(server.base_url)) as session:
        await session.send_audio(quiet(100))
        await session.send_audio(tone(300))
        for _ in range(6):
            await session.send_audio(quiet(100))
        events = await collect_until(session, is_done)
    kinds = [type(e) for e in events]
    assert se.UserSpeechStarted in kinds
    assert se.UserSpeechStopped in kinds
    assert sum(isinstance(e, se.AudioReceived) for e in events) == 2
    user = [m for m in session.history if isinstance(m, Message) and m.role is Role.USER]
    assert [m.text for m in user] == ["where is my order"]
    assistant = session.history[-1]
    assert isinstance(assistant, Message)
    assert (assistant.text, assistant.status) == ("Let me check that.", ItemStatus.COMPLETED)
    assert session.usage.total_tokens > 0


async def test_usage_and_its_cost_at_the_models_prices_or_the_sessions_own(
    server: FakeRealtimeServer,
) -> None:
    cheap = PriceTable(text_in=1, audio_in=1, cached_in=1, text_out=1, audio_out=1)
    for prices in (None, cheap):
        server.replies.extend([FakeReply("Hello.", audio_chunks=2), FakeReply("Bye.")])
        model = make_model(server.base_url)
        async with RealtimeSession(SUPPORT, model, prices=prices) as session:
            updates: list[se.UsageUpdated] = []
            for text in ("hi", "bye"):
                await session.send_text(text)
                updated = (await collect_until(session, se.UsageUpdated))[-1]
                assert isinstance(updated, se.UsageUpdated)
                updates.append(updated)
        expected = prices or model.prices
        assert session.prices is expected
        assert updates[-1].total == session.usage == model.usage
        assert session.usage.total_tokens > 0
        # each response is priced on its own usage; the session and the model sum the same
        costs = [estimate_cost(u.response, expected) for u in updates]
        assert [u.cost for u in updates] == costs
        assert updates[-1].total_cost == session.cost == pytest.approx(sum(costs))
        assert session.cost > 0
        if prices is None:
            assert model.cost == session.cost
    assert model.prices is GPT_REALTIME_PRICES
    assert session.cost < sum(estimate_cost(u.response, GPT_REALTIME_PRICES) for u in updates)


async def test_a_tool_call_round_trip(server: FakeRealtimeServer) -> None:
    server.replies.extend([FakeToolCall("lookup_order", {"order_id": "A1"}), FakeReply("Shipped.")])
    async with RealtimeSession(SUPPORT, make_model(server.base_url)) as session:
        await session.send_text("Where is A1?")
        events = await collect_until(
            session, lambda e: is_done(e) and len(server.of_type("response.create")) == 2
        )
    finished_calls = [e for e in events if isinstance(e, se.ToolCallFinished)]
    assert finished_calls[0].output == '{"order_id": "A1", "status": "shipped"}'
    outputs = [
        e["item"]
        for e in server.of_type("conversation.item.create")
        if e["item"]["type"] == "function_call_output"
    ]
    assert outputs[0]["output"] == finished_calls[0].output


async def test_a_handoff_updates_the_session_with_the_new_agent(server: FakeRealtimeServer) -> None:
    server.replies.extend([FakeToolCall("transfer_to_support", {}), FakeReply("Support here.")])
    async with RealtimeSession(ROUTER, make_model(server.base_url)) as session:
        await session.send_text("I have an order question")
        await collect_until(session, se.HandoffCompleted)
        await collect_until(session, is_done)
        assert session.agent.name == "support"
    first, second = server.sessions[0], server.sessions[1]
    assert first["instructions"] == "Route the caller."
    assert second["instructions"].startswith("You help with orders.")
    assert "lookup_order" in [t["name"] for t in second["tools"]]


async def test_user_barge_in_cancels_and_truncates_at_what_was_heard(
    server: FakeRealtimeServer,
) -> None:
    clock = ManualClock()
    server.replies.append(FakeReply("A long answer that goes on.", audio_chunks=10, hold_after=2))
    model = make_model(server.base_url)
    async with RealtimeSession(SUPPORT, model, clock=clock) as session:
        await session.send_text("Tell me everything")
        await collect_until(session, lambda e: isinstance(e, se.AudioReceived))
        await collect_until(session, lambda e: isinstance(e, se.AudioReceived))
        clock.advance(0.15)
        await session.send_audio(tone(100))
        events = await collect_until(session, se.ResponseFinished)
    truncate = (await server.wait_for("conversation.item.truncate"))[0]
    assert truncate["audio_end_ms"] == 150
    assert se.AudioInterrupted(truncate["item_id"], 150) in events
    finished_event = events[-1]
    assert isinstance(finished_event, se.ResponseFinished)
    assert finished_event.status is ResponseStatus.CANCELLED
    cut = next(m for m in session.history if isinstance(m, Message) and m.id == truncate["item_id"])
    assert (cut.status, cut.played_ms) == (ItemStatus.INCOMPLETE, 150)


async def test_push_to_talk(server: FakeRealtimeServer) -> None:
    server.transcripts.append("cancel my order")
    server.replies.append(FakeReply("Done."))
    config = SessionConfig(instructions="", turn_detection=None)
    async with RealtimeSession(SUPPORT, make_model(server.base_url), config=config) as session:
        await session.send_audio(tone(400))
        await session.commit_audio()
        await collect_until(
            session,
            lambda e: (
                isinstance(e, se.HistoryItemUpdated)
                and isinstance(e.item, Message)
                and e.item.text == "cancel my order"
            ),
        )
        await session.create_response()
        await collect_until(session, is_done)
    assert server.sessions[0]["audio"]["input"]["turn_detection"] is None
    assert not [e for e in server.received if "speech" in e["type"]]
    assert [e["type"] for e in server.received[-3:]] == [
        "input_audio_buffer.append",
        "input_audio_buffer.commit",
        "response.create",
    ]


async def test_a_guardrail_trip_cancels_and_retries(server: FakeRealtimeServer) -> None:
    server.replies.extend(
        [
            FakeReply("I guarantee it arrives Thursday.", audio_chunks=4, hold_after=2),
            FakeReply("It should arrive Thursday."),
        ]
    )
    async with RealtimeSession(
        SUPPORT, make_model(server.base_url), guardrail_debounce_chars=5
    ) as session:
        await session.send_text("When will it arrive?")
        tripped = await collect_until(session, se.GuardrailTripped)
        await collect_until(session, is_done)
    assert isinstance(tripped[-1], se.GuardrailTripped)
    assert tripped[-1].category == "OFF_BRAND"
    assert server.of_type("response.cancel")
    notes = [
        e["item"]
        for e in server.of_type("conversation.item.create")
        if e["item"].get("role") == "system"
    ]
    assert "guardrail" in notes[0]["content"][0]["text"]
    assert len(server.of_type("response.create")) == 2


async def test_a_dropped_socket_mid_reply_reconnects_and_replays(
    server: FakeRealtimeServer,
) -> None:
    server.replies.extend(
        [FakeReply("This answer is cut off.", audio_chunks=4, drop_after=2), FakeReply("Again.")]
    )
    async with RealtimeSession(SUPPORT, make_model(server.base_url)) as session:
        await session.send_text("Hello?")
        events = await collect_until(session, lambda e: is_done(e) and server.connections == 2)
    states = [(e.state, e.attempt) for e in events if isinstance(e, ConnectionChanged)]
    assert (ConnectionState.RECONNECTING, 1) in states
    assert states[-1] == (ConnectionState.CONNECTED, 1)
    cut = [m for m in session.history if isinstance(m, Message) and m.text.startswith("This")]
    assert cut[0].status is ItemStatus.INCOMPLETE
    assert len(server.sessions) == 2
    replayed = [
        e["item"]
        for e in server.of_type("conversation.item.create")
        if e["item"].get("role") == "user"
    ]
    assert [i["content"][0]["text"] for i in replayed] == ["Hello?", "Hello?"]
