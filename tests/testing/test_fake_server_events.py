"""The fake realtime server sends what a GA server sends around a response, all valid."""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.client import connect

from voxline.protocol import decode_event, parse_server_event
from voxline.testing.realtime_server import FakeRealtimeServer, FakeReply, FakeToolCall

KEY = "sk-test-fake-server"
_USED = {
    "response.created",
    "response.output_item.added",
    "response.output_item.done",
    "response.output_audio_transcript.delta",
    "response.output_audio.delta",
    "response.done",
}
"""The events of a spoken reply that voxline translates; it drops the rest (None)."""


async def _one_response(server: FakeRealtimeServer) -> list[dict[str, Any]]:
    """Ask for one response on a raw socket; every server event up to its rate limits."""
    url = server.base_url.replace("http://", "ws://") + "/realtime?model=gpt-realtime"
    events: list[dict[str, Any]] = []
    async with connect(url, additional_headers={"Authorization": f"Bearer {KEY}"}) as ws:
        await ws.send(json.dumps({"type": "response.create"}))
        async for raw in ws:
            event = json.loads(raw)
            events.append(event)
            if event["type"] == "rate_limits.updated":
                return events
    raise AssertionError("the server closed before the response ended")


def _types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events if e["type"] != "session.created"]


async def test_a_spoken_reply_opens_and_closes_like_a_ga_server() -> None:
    async with FakeRealtimeServer(api_key=KEY) as server:
        server.replies.append(FakeReply("Hello there.", audio_chunks=2))
        events = await _one_response(server)
    assert _types(events) == [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
        "response.output_audio_transcript.delta",
        "response.output_audio.delta",
        "response.output_audio_transcript.delta",
        "response.output_audio.delta",
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.content_part.done",
        "response.output_item.done",
        "conversation.item.done",
        "response.done",
        "rate_limits.updated",
    ]
    for event in events:
        parse_server_event(event)  # raises if the openai types refuse it
        assert decode_event(json.dumps(event)) is None or event["type"] in _USED, event
    done = next(e for e in events if e["type"] == "response.content_part.done")
    assert done["part"] == {"type": "audio", "transcript": "Hello there."}


async def test_a_tool_call_is_added_to_the_conversation_too() -> None:
    async with FakeRealtimeServer(api_key=KEY) as server:
        server.replies.append(FakeToolCall("lookup_order", {"order_id": "A1"}))
        events = await _one_response(server)
    assert _types(events) == [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "conversation.item.done",
        "response.done",
        "rate_limits.updated",
    ]
    for event in events:
        parse_server_event(event)
