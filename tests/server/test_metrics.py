"""Metrics: the meter of one conversation alone, and GET /metrics on a real server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

from tests.server.conftest import TIMEOUT_S, Scripts, serve
from tests.server.wsutil import next_json, until
from voxline.core import commands as cmd
from voxline.core import session_events as se
from voxline.core.events import ConnectionChanged, ConnectionState, ResponseStatus, Usage
from voxline.core.items import Message, Role
from voxline.engine.options import EngineStats
from voxline.errors import ToolExecutionError
from voxline.server.app import create_app
from voxline.server.metrics import ServerMetrics, store_health
from voxline.settings import Settings
from voxline.store import ConversationLog
from voxline.store.database import ConversationStore
from voxline.testing import ManualClock, call, on, reply


class EngineLike:
    """A model exposing the offline engine's `stats`."""

    def __init__(self) -> None:
        self.stats = EngineStats()


def metrics_with_clock() -> tuple[ServerMetrics, ManualClock]:
    clock = ManualClock()
    return ServerMetrics(clock=clock, process=False), clock


def value(metrics: ServerMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def user_message(text: str) -> Message:
    return Message(id="u1", role=Role.USER, text=text, created_at=0.0, updated_at=0.0)


def test_a_spoken_turn_is_timed_stage_by_stage() -> None:
    metrics, clock = metrics_with_clock()
    meter = metrics.conversation()
    meter.observe(se.UserSpeechStarted())
    clock.advance(2.0)
    meter.observe(se.UserSpeechStopped())
    clock.advance(0.25)
    meter.observe(se.HistoryItemUpdated(user_message("where is my order")))
    clock.advance(0.25)
    meter.observe(se.TranscriptDelta("a1", Role.ASSISTANT, "Let"))
    meter.observe(se.TranscriptDelta("a1", Role.ASSISTANT, " me"))  # only the first counts
    clock.advance(0.3)
    meter.observe(se.AudioReceived("a1", b"\x00\x00"))
    clock.advance(0.3)
    meter.observe(se.AudioReceived("a1", b"\x00\x00"))  # not a new turn
    meter.observe(se.ResponseFinished("r1", ResponseStatus.COMPLETED))
    stage = "voxline_turn_stage_seconds_sum"
    assert value(metrics, stage, stage="transcript") == pytest.approx(0.25)
    assert value(metrics, stage, stage="first_text") == pytest.approx(0.5)
    assert value(metrics, stage, stage="first_audio") == pytest.approx(0.8)
    assert value(metrics, "voxline_voice_to_voice_seconds_count") == 1
    assert value(metrics, "voxline_voice_to_voice_seconds_sum") == pytest.approx(0.8)
    assert value(metrics, "voxline_turns_total", status="completed") == 1
    assert value(metrics, "voxline_sessions_total") == 1


def test_typed_turns_have_no_voice_latency() -> None:
    metrics, _ = metrics_with_clock()
    meter = metrics.conversation()
    meter.observe(se.HistoryItemAdded(user_message("typed")))
    meter.observe(se.AudioReceived("a1", b"\x00\x00"))
    meter.observe(se.ResponseFinished("r1", ResponseStatus.CANCELLED))
    assert value(metrics, "voxline_voice_to_voice_seconds_count") == 0
    assert value(metrics, "voxline_turns_total", status="cancelled") == 1


def test_tools_handoffs_guardrails_reconnects_and_errors_are_counted() -> None:
    metrics, _ = metrics_with_clock()
    meter = metrics.conversation()
    meter.observe(se.ToolCallStarted("c1", "lookup", "{}", "support"))
    meter.observe(se.ToolCallFinished("c1", "lookup", "{}", is_error=False, duration_s=0.02))
    meter.observe(se.ToolCallFinished("c2", "lookup", "boom", is_error=True, duration_s=0.5))
    meter.observe(se.HandoffCompleted("router", "support", "order"))
    meter.observe(se.GuardrailTripped("a1", "moderation", "offensive", "rude"))
    meter.observe(ConnectionChanged(ConnectionState.RECONNECTING, attempt=1))
    meter.observe(ConnectionChanged(ConnectionState.CONNECTED))
    meter.observe(se.ErrorOccurred(ToolExecutionError("boom", tool_name="lookup")))
    assert value(metrics, "voxline_tool_call_seconds_count", tool="lookup") == 2
    assert value(metrics, "voxline_tool_call_seconds_sum", tool="lookup") == pytest.approx(0.52)
    assert value(metrics, "voxline_tool_call_failures_total", tool="lookup") == 1
    handoff = {"from_agent": "router", "to_agent": "support"}
    assert value(metrics, "voxline_handoffs_total", **handoff) == 1
    trip = {"guardrail": "moderation", "category": "offensive"}
    assert value(metrics, "voxline_guardrail_trips_total", **trip) == 1
    assert value(metrics, "voxline_model_reconnects_total") == 1
    assert value(metrics, "voxline_session_errors_total", error="ToolExecutionError") == 1


def test_tokens_and_their_estimated_cost_are_counted_per_response() -> None:
    metrics, _ = metrics_with_clock()
    meter = metrics.conversation()
    first = Usage(input_text_tokens=10, input_audio_tokens=5, output_audio_tokens=20)
    second = Usage(input_text_tokens=1, output_text_tokens=2)
    meter.observe(se.UsageUpdated(first, first, 0.25, 0.25))
    meter.observe(se.UsageUpdated(second, first + second, 0.5, 0.75))
    assert value(metrics, "voxline_model_tokens_total", direction="input") == 16
    assert value(metrics, "voxline_model_tokens_total", direction="output") == 22
    assert value(metrics, "voxline_model_cost_usd_total") == pytest.approx(0.75)


def test_the_engines_own_timings_are_read_once_each() -> None:
    metrics, _ = metrics_with_clock()
    model = EngineLike()
    meter = metrics.conversation(model)
    model.stats.first_audio_s.append(0.9)
    meter.observe(se.ResponseFinished("r1", ResponseStatus.COMPLETED))
    model.stats.first_audio_s.append(1.1)
    meter.observe(se.ResponseFinished("r2", ResponseStatus.COMPLETED))
    model.stats.first_audio_s.append(1.5)
    meter.end("closed")
    meter.end("closed")  # counted once
    assert value(metrics, "voxline_engine_first_audio_seconds_count") == 3
    assert value(metrics, "voxline_engine_first_audio_seconds_sum") == pytest.approx(3.5)
    assert value(metrics, "voxline_sessions_ended_total", reason="closed") == 1


def test_live_values_and_the_store_counter() -> None:
    metrics, _ = metrics_with_clock()
    assert value(metrics, "voxline_active_sessions", kind="bridge") == 0
    assert value(metrics, "voxline_store_write_failures_total") == 0
    metrics.watch_sessions(lambda: {"bridge": 3, "realtime": 1})
    failures = [0]
    metrics.watch_store(lambda: failures[0])
    failures[0] = 4
    assert value(metrics, "voxline_active_sessions", kind="bridge") == 3
    assert value(metrics, "voxline_active_sessions", kind="realtime") == 1
    assert value(metrics, "voxline_store_write_failures_total") == 4


async def test_get_metrics_after_a_real_conversation(settings: Settings, scripts: Scripts) -> None:
    scripts.queue.append(
        [
            on(cmd.CreateResponse, call("transfer_to_support", {"reason": "order status"})),
            on(cmd.CreateResponse, call("lookup_order_by_phone", {"phone": "555 123 4567"})),
            on(cmd.CreateResponse, reply("Your order has shipped.", audio_ms=100)),
        ]
    )
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        released = asyncio.Event()
        server.state.slots.on_release = lambda kind: released.set()
        async with connect(server.ws()) as ws:
            assert (await next_json(ws))["type"] == "session.ready"
            await ws.send(json.dumps({"type": "text", "text": "Where is my order?"}))
            for _ in range(3):
                await until(ws, "response.finished")
            during = await client.get("/metrics")
        await asyncio.wait_for(released.wait(), TIMEOUT_S)
        after = await client.get("/metrics")
    assert during.status_code == 200
    assert during.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(during.text)
        for s in family.samples
    }
    assert samples[("voxline_active_sessions", (("kind", "bridge"),))] == 1
    assert samples[("voxline_turns_total", (("status", "completed"),))] == 3
    assert samples[("voxline_handoffs_total", (("from_agent", "router"), ("to_agent", "support")))]
    assert samples[("voxline_tool_call_seconds_count", (("tool", "lookup_order_by_phone"),))] == 1
    assert samples[("voxline_store_write_failures_total", ())] == 0
    assert samples[("process_resident_memory_bytes", ())] > 0
    assert 'voxline_active_sessions{kind="bridge"} 0.0' in after.text
    assert 'voxline_sessions_ended_total{reason="closed"} 1.0' in after.text


def test_store_health_never_shows_the_url(tmp_path: Path) -> None:
    assert store_health(None) == {"state": "absent"}
    url = f"sqlite+aiosqlite:///{tmp_path / 'v.db'}"
    conversations = ConversationLog(ConversationStore(url))
    assert store_health(conversations)["state"] == "ok"
    stats = conversations.stats
    stats.submitted, stats.written, stats.write_failures = 5, 2, 1
    stats.last_error = f"cannot reach {url}"
    health = store_health(conversations)
    assert health == {
        "state": "failing",
        "database": "sqlite",
        "recording": False,
        "written": 2,
        "pending": 3,
        "write_failures": 1,
        "dropped": 0,
    }
    assert str(tmp_path) not in json.dumps(health)


async def test_health_and_metrics_report_the_store(settings: Settings, scripts: Scripts) -> None:
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        httpx2.AsyncClient(base_url=server.http) as client,
    ):
        health = (await client.get("/api/health")).json()
        conversations = server.state.conversations
        assert conversations is not None
        conversations.stats.write_failures = 2  # as the writer counts them
        metrics = (await client.get("/metrics")).text
    assert health["store"]["state"] == "ok"
    assert health["store"]["database"] == "sqlite"
    assert health["sessions"] == {"open": {}, "max": 50}
    assert health["auth_required"] is False
    assert "voxline_store_write_failures_total 2.0" in metrics
