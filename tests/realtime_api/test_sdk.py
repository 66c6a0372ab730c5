"""The official openai SDK's realtime client against /v1/realtime on the offline engine (fakes)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from openai import AsyncOpenAI
from openai.resources.realtime.realtime import AsyncRealtimeConnection

from tests.realtime_api.conftest import LOOKUP_SCHEMA, Endpoint, lookup
from tests.realtime_api.sdk_client import Reader, spoken_turn
from voxline.testing.engine_fakes import HOLD

MODEL = "voxline-local"
TEXT_SESSION: Any = {
    "type": "realtime",
    "instructions": "Be brief.",
    "output_modalities": ["text"],
    "audio": {"input": {"turn_detection": None}},
}


@asynccontextmanager
async def connect(endpoint: Endpoint) -> AsyncIterator[Reader]:
    """An SDK connection through `base_url`, after its `session.created`.

    Script the engine first: each connection gets a new engine from the current script.
    """
    client = AsyncOpenAI(base_url=endpoint.base_url, api_key="x")
    async with client.realtime.connect(model=MODEL) as connection:
        reader = Reader(connection)
        created: Any = await reader.until("session.created")
        assert created.session.model == MODEL
        yield reader
    await client.close()


def c(reader: Reader) -> AsyncRealtimeConnection:
    return reader.connection


async def say(reader: Reader, text: str) -> None:
    await c(reader).conversation.item.create(
        item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    )


async def test_a_text_conversation(endpoint: Endpoint) -> None:
    llm = endpoint.engines.script("Hello there, friend.", "Goodbye now.")
    async with connect(endpoint) as conn:
        await c(conn).session.update(session=TEXT_SESSION)
        updated: Any = await conn.until("session.updated")
        assert (updated.session.instructions, updated.session.output_modalities) == (
            "Be brief.",
            ["text"],
        )
        assert updated.session.audio.input.turn_detection is None

        await say(conn, "Hi")
        added: Any = await conn.until("conversation.item.added")
        assert added.item.content[0].text == "Hi"
        user_id = added.item.id
        await c(conn).response.create()
        done: Any = await conn.until("response.done")

        assert done.response.status == "completed"
        assert done.response.usage.total_tokens > 0
        [message] = done.response.output
        assert (message.role, message.content[0].text) == ("assistant", "Hello there, friend.")
        deltas = "".join(e.delta for e in conn.of("response.output_text.delta"))
        assert deltas == "Hello there, friend."
        assert conn.since("response.created") == [
            "response.output_item.added",
            "conversation.item.added",
            "response.content_part.added",
            *["response.output_text.delta"] * 3,
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "conversation.item.done",
            "response.done",
        ]
        assistant_added: Any = conn.of("conversation.item.added")[-1]
        assert assistant_added.previous_item_id == user_id
        assert llm.calls[0].instructions == "Be brief."
        assert [(m.role, m.content) for m in llm.calls[0].messages] == [("user", "Hi")]

        await say(conn, "Bye")
        await c(conn).response.create()
        await conn.until("response.done")
        assert [m.content for m in llm.calls[1].messages] == ["Hi", "Hello there, friend.", "Bye"]


async def test_a_spoken_conversation(endpoint: Endpoint) -> None:
    endpoint.engines.script("It is noon.", transcripts=("what time is it",))
    async with connect(endpoint) as conn:
        session: Any = {
            "type": "realtime",
            "instructions": "Tell the time.",
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 24000},
                    "transcription": {"model": "gpt-4o-mini-transcribe"},
                    "turn_detection": {"type": "server_vad", "silence_duration_ms": 300},
                },
                "output": {"voice": "marin"},
            },
        }
        await c(conn).session.update(session=session)
        await conn.until("session.updated")
        for chunk in spoken_turn():
            await c(conn).input_audio_buffer.append(audio=chunk)

        started: Any = await conn.until("input_audio_buffer.speech_started")
        stopped: Any = await conn.until("input_audio_buffer.speech_stopped")
        committed: Any = await conn.until("input_audio_buffer.committed")
        assert started.item_id == stopped.item_id == committed.item_id
        assert stopped.audio_end_ms > started.audio_start_ms
        transcript: Any = await conn.until("conversation.item.input_audio_transcription.completed")
        assert transcript.transcript == "what time is it"
        user_done: Any = await conn.until("conversation.item.done", previous_item_id=None)
        assert user_done.item.content[0].transcript == "what time is it"

        done: Any = await conn.until("response.done")
        assert done.response.status == "completed"
        assert done.response.output_modalities == ["audio"]
        audio = b"".join(base64.b64decode(e.delta) for e in conn.of("response.output_audio.delta"))
        assert len(audio) > 0
        assert len(audio) % 2 == 0
        said: Any = conn.of("response.output_audio_transcript.done")[-1]
        assert said.transcript == "It is noon."
        [message] = done.response.output
        assert message.content[0].type == "output_audio"
        assert message.content[0].transcript == "It is noon."
        assert endpoint.engines.tts.voices[-1] == "marin"


async def test_a_function_call_and_its_output(endpoint: Endpoint) -> None:
    llm = endpoint.engines.script(lookup("A1"), "It has shipped.")
    async with connect(endpoint) as conn:
        tool = {
            "type": "function",
            "name": "lookup_order",
            "description": "Look up an order.",
            "parameters": LOOKUP_SCHEMA,
        }
        session: Any = {**TEXT_SESSION, "tools": [tool]}
        await c(conn).session.update(session=session)
        await conn.until("session.updated")
        await say(conn, "Where is order A1?")
        await c(conn).response.create()

        args: Any = await conn.until("response.function_call_arguments.done")
        assert (args.name, json.loads(args.arguments)) == ("lookup_order", {"order_id": "A1"})
        done: Any = await conn.until("response.done")
        [call] = done.response.output
        assert (call.type, call.call_id, call.status) == (
            "function_call",
            args.call_id,
            "completed",
        )

        await c(conn).conversation.item.create(
            item={"type": "function_call_output", "call_id": args.call_id, "output": '{"ok": 1}'}
        )
        output: Any = await conn.until("conversation.item.done")
        assert output.item.type == "function_call_output"
        await c(conn).response.create()
        final: Any = await conn.until("response.done")
        assert final.response.output[0].content[0].text == "It has shipped."
        seen = llm.calls[1].messages
        assert [(m.role, m.tool_name) for m in seen[1:]] == [
            ("assistant", "lookup_order"),
            ("tool", "lookup_order"),
        ]
        assert seen[2].content == '{"ok": 1}'
        assert llm.calls[0].tools[0].parameters == LOOKUP_SCHEMA


async def test_cancel_then_truncate_a_spoken_reply(endpoint: Endpoint) -> None:
    llm = endpoint.engines.script(["Let me tell you a long story. It", HOLD, " ends well."])
    async with connect(endpoint) as conn:
        await c(conn).session.update(session={"type": "realtime", "instructions": "Talk."})
        await conn.until("session.updated")
        await say(conn, "Tell me a story")
        await c(conn).response.create()
        created: Any = await conn.until("response.created")
        delta: Any = await conn.until("response.output_audio.delta")

        await c(conn).response.cancel(response_id=created.response.id)
        done: Any = await conn.until("response.done")
        assert done.response.status == "cancelled"
        assert done.response.status_details.reason == "client_cancelled"
        assert done.response.output[0].status == "incomplete"
        assert llm.stopped == 1

        await c(conn).conversation.item.truncate(
            item_id=delta.item_id, content_index=0, audio_end_ms=20
        )
        truncated: Any = await conn.until("conversation.item.truncated")
        assert (truncated.item_id, truncated.audio_end_ms) == (delta.item_id, 20)

        await c(conn).conversation.item.truncate(
            item_id=delta.item_id, content_index=0, audio_end_ms=10_000_000, event_id="late"
        )
        error: Any = await conn.until("error")
        assert (error.error.param, error.error.event_id) == ("audio_end_ms", "late")
        await c(conn).response.cancel(event_id="again")
        error = await conn.until("error")
        assert (error.error.code, error.error.event_id) == ("response_cancel_not_active", "again")


BAD_EVENTS = [
    ("not json", "invalid_json", None),
    ('{"type": "nope", "event_id": "e1"}', "unknown_event", "e1"),
    (
        '{"type": "conversation.item.delete", "item_id": "x", "event_id": "e2"}',
        "unsupported_event",
        "e2",
    ),
    ('{"type": "response.cancel", "response_id": 5, "event_id": "e3"}', "invalid_event", "e3"),
    (
        '{"type": "input_audio_buffer.append", "audio": "@@@", "event_id": "e4"}',
        "invalid_value",
        "e4",
    ),
    (
        '{"type": "conversation.item.create", "event_id": "e5", "item": {"type": '
        '"function_call_output", "call_id": "nope", "output": "{}"}}',
        "invalid_call_id",
        "e5",
    ),
    (
        '{"type": "session.update", "event_id": "e6", "session": {"type": "realtime", "tools": '
        '[{"type": "mcp", "server_label": "x", "server_url": "https://x"}]}}',
        "unsupported",
        "e6",
    ),
]


async def test_bad_events_get_errors_and_the_connection_stays_open(endpoint: Endpoint) -> None:
    endpoint.engines.script("Still here.")
    async with connect(endpoint) as conn:
        for raw, code, event_id in BAD_EVENTS:
            await c(conn).send_raw(raw)
            error: Any = await conn.until("error")
            assert (error.error.code, error.error.event_id) == (code, event_id), raw
            assert error.error.type == "invalid_request_error"
        assert conn.of("session.updated") == []
        await c(conn).session.update(session=TEXT_SESSION)
        await say(conn, "Are you there?")
        await c(conn).response.create()
        done: Any = await conn.until("response.done")
        assert done.response.output[0].content[0].text == "Still here."
