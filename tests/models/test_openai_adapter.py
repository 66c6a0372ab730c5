"""OpenAIRealtimeModel on a real socket to the fake server: turns, faults, reconnects, secrets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, cast

import pytest

from tests.models.openai_helpers import KEY, EventReader, RecordedSleep, make_model
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.core.items import Role
from voxline.errors import ConfigurationError, ConnectionClosedError, TransportError
from voxline.models import RealtimeModel
from voxline.models.openai import OpenAIRealtimeModel, estimate_cost, mint_client_secret
from voxline.testing.realtime_server import FakeRealtimeServer, FakeReply

CONFIG = SessionConfig(instructions="Be brief.", turn_detection=None)
S = ev.ConnectionState


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    async with FakeRealtimeServer(api_key=KEY) as fake:
        yield fake
    assert fake.invalid == [], "the adapter sent events that fail the openai types"


async def test_is_a_realtime_model_and_configures_the_session_first(
    server: FakeRealtimeServer,
) -> None:
    model = make_model(server.base_url)
    assert isinstance(model, RealtimeModel)
    reader = EventReader(model)
    await model.connect(CONFIG)
    await server.wait_for("session.update")
    assert server.received[0]["type"] == "session.update"
    assert server.sessions[0]["instructions"] == "Be brief."
    assert server.handshakes[0]["Authorization"] == f"Bearer {KEY}"
    await reader.wait(lambda e: e == ev.ConnectionChanged(S.CONNECTED, 1))
    assert reader.states()[:2] == [(S.CONNECTING, 1), (S.CONNECTED, 1)]
    await model.close()
    await reader.wait_end()
    assert reader.states()[-1] == (S.DISCONNECTED, 0)
    assert reader.error is None


async def test_a_turn_streams_audio_and_counts_usage(server: FakeRealtimeServer) -> None:
    server.replies.append(FakeReply("Hello there friend.", audio_chunks=3))
    model = make_model(server.base_url)
    reader = EventReader(model)
    await model.connect(CONFIG)
    await model.send(cmd.AddMessage("msg_1", Role.USER, "Hi"))
    await model.send(cmd.CreateResponse())
    await reader.wait(lambda e: isinstance(e, ev.ResponseDone))
    audio = [e for e in reader.events if isinstance(e, ev.OutputAudioDelta)]
    text = "".join(e.delta for e in reader.events if isinstance(e, ev.OutputTextDelta))
    assert len(audio) == 3
    assert all(len(e.audio) == 100 * 48 for e in audio)
    assert text == "Hello there friend."
    done = next(e for e in reader.events if isinstance(e, ev.ResponseDone))
    assert done.status is ev.ResponseStatus.COMPLETED
    assert done.usage is not None
    assert model.usage == done.usage
    assert model.cost == pytest.approx(estimate_cost(done.usage))
    assert model.cost > 0
    await model.close()
    await reader.stop()


async def test_refused_twice_connects_on_the_third_attempt_with_backoff(
    server: FakeRealtimeServer,
) -> None:
    server.refuse(2)
    sleep = RecordedSleep()
    model = make_model(server.base_url, sleep=sleep)
    reader = EventReader(model)
    await model.connect(CONFIG)
    await reader.wait(lambda e: isinstance(e, ev.ConnectionChanged) and e.state is S.CONNECTED)
    assert reader.states() == [
        (S.CONNECTING, 1),
        (S.CONNECTING, 2),
        (S.CONNECTING, 3),
        (S.CONNECTED, 3),
    ]
    assert len(server.handshakes) == 3
    assert len(sleep.delays) == 2
    assert 0.8 <= sleep.delays[0] <= 1.2
    assert 1.6 <= sleep.delays[1] <= 2.4
    await model.close()
    await reader.stop()


async def test_refused_every_time_gives_up_with_a_clear_error(server: FakeRealtimeServer) -> None:
    server.refuse(None)
    model = make_model(server.base_url, attempts=3)
    reader = EventReader(model)
    with pytest.raises(ConnectionClosedError, match=r"gave up after 3 .*HTTP 503"):
        await model.connect(CONFIG)
    assert len(server.handshakes) == 3
    await reader.wait_end()
    last = reader.events[-1]
    assert isinstance(last, ev.ConnectionChanged)
    assert last.state is S.DISCONNECTED
    assert last.reason is not None
    assert "503" in last.reason
    assert isinstance(reader.error, ConnectionClosedError)


async def test_a_refused_key_is_not_retried_and_never_shown(
    server: FakeRealtimeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "sk-wrong-SECRET-999"
    model = make_model(server.base_url, api_key=wrong)
    with pytest.raises(ConnectionClosedError, match=r"HTTP 401.*API key") as info:
        await model.connect(CONFIG)
    assert len(server.handshakes) == 1
    assert wrong not in str(info.value)
    assert wrong not in repr(model)
    assert wrong not in caplog.text
    assert "Authorization" in caplog.text  # the header was logged, redacted


async def test_credentials_never_appear_in_logs_events_or_reprs(
    server: FakeRealtimeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    model = make_model(server.base_url)
    reader = EventReader(model)
    await model.connect(CONFIG)
    await model.send(cmd.CreateResponse())
    await reader.wait(lambda e: isinstance(e, ev.ResponseDone))
    await server.drop()
    await reader.wait(lambda e: e == ev.ConnectionChanged(S.CONNECTED, 1))
    await model.close()
    await reader.stop()
    assert caplog.text
    assert KEY not in caplog.text
    assert KEY not in repr(model)
    assert all(KEY not in repr(event) for event in reader.events)


async def test_bad_server_messages_become_errors_and_the_session_lives(
    server: FakeRealtimeServer,
) -> None:
    model = make_model(server.base_url)
    reader = EventReader(model)
    await model.connect(CONFIG)
    await server.wait_for("session.update")
    await server.send("{this is not json")
    await server.send({"type": "response.teleport", "event_id": "e1"})
    await server.send(
        {"type": "error", "event_id": "e2", "error": {"type": "server_error", "message": "Oops."}}
    )
    await reader.wait(lambda e: isinstance(e, ev.ModelError) and e.message == "Oops.")
    errors = [e for e in reader.events if isinstance(e, ev.ModelError)]
    assert [e.code for e in errors] == ["invalid_json", "unknown_event", "server_error"]
    assert errors[0].raw == "{this is not json"
    await model.send(cmd.CreateResponse())
    await reader.wait(lambda e: isinstance(e, ev.ResponseDone))
    await model.close()
    await reader.stop()


async def test_drop_reconnects_and_refuses_commands_meanwhile(server: FakeRealtimeServer) -> None:
    sleep_started = RecordedSleep()
    model = make_model(server.base_url, sleep=sleep_started)
    reader = EventReader(model)
    await model.connect(CONFIG)
    await server.wait_for("session.update")
    server.refuse(1)
    await server.drop()
    await reader.wait(lambda e: isinstance(e, ev.ConnectionChanged) and e.state is S.RECONNECTING)
    await reader.wait(lambda e: e == ev.ConnectionChanged(S.CONNECTED, 2))
    reconnecting = [e for e in reader.events if isinstance(e, ev.ConnectionChanged)][2]
    assert reconnecting.reason is not None
    assert "1006" in reconnecting.reason
    assert reader.states()[2:] == [(S.RECONNECTING, 1), (S.RECONNECTING, 2), (S.CONNECTED, 2)]
    await server.wait_connections(2)
    await model.send(cmd.CreateResponse())
    await reader.wait(lambda e: isinstance(e, ev.ResponseDone))
    await model.close()
    await reader.stop()


async def test_send_while_reconnecting_is_a_transport_error(server: FakeRealtimeServer) -> None:
    gate = RecordedSleep()
    model = make_model(server.base_url, attempts=1, sleep=gate)
    reader = EventReader(model)
    await model.connect(CONFIG)
    await server.wait_for("session.update")
    server.refuse(None)
    await server.drop()
    await reader.wait(lambda e: isinstance(e, ev.ConnectionChanged) and e.state is S.RECONNECTING)
    with pytest.raises(TransportError):
        await model.send(cmd.CreateResponse())
    await reader.wait_end()
    assert isinstance(reader.error, ConnectionClosedError)
    assert reader.states()[-1][0] is S.DISCONNECTED
    with pytest.raises(ConnectionClosedError, match="gave up after 1"):
        await model.send(cmd.SendAudio(b"\x00\x00"))
    await model.close()


async def test_client_secret_is_minted_and_accepted(server: FakeRealtimeServer) -> None:
    secret = await mint_client_secret(
        KEY, config=CONFIG, expires_after_s=120, base_url=server.http_base_url
    )
    assert secret.value.startswith("ek_")
    assert secret.value not in repr(secret)
    model = make_model(server.base_url, api_key=None, client_secret=secret.value)
    reader = EventReader(model)
    await model.connect(CONFIG)
    await reader.wait(lambda e: isinstance(e, ev.ConnectionChanged) and e.state is S.CONNECTED)
    assert server.handshakes[-1]["Authorization"] == f"Bearer {secret.value}"
    await model.close()
    await reader.stop()


async def test_minting_with_a_wrong_key_is_a_configuration_error(
    server: FakeRealtimeServer,
) -> None:
    wrong = "sk-wrong-SECRET-777"
    with pytest.raises(ConfigurationError, match="refused the API key") as info:
        await mint_client_secret(wrong, base_url=server.http_base_url)
    assert wrong not in str(info.value)


def test_credentials_are_required_and_exclusive() -> None:
    with pytest.raises(ConfigurationError, match="exactly one"):
        OpenAIRealtimeModel()
    with pytest.raises(ConfigurationError, match="exactly one"):
        OpenAIRealtimeModel(api_key="a", client_secret="b")
    with pytest.raises(ConfigurationError, match="base URL"):
        OpenAIRealtimeModel(api_key="a", base_url="ftp://example.com")


async def test_events_are_read_by_one_task_at_a_time(server: FakeRealtimeServer) -> None:
    model = make_model(server.base_url)
    readers = [EventReader(model), EventReader(model)]
    await model.connect(CONFIG)
    ends = [asyncio.ensure_future(r.wait_end()) for r in readers]
    await asyncio.wait(ends, return_when=asyncio.FIRST_COMPLETED)
    refused = [r for r in readers if r.finished]
    assert len(refused) == 1
    assert isinstance(refused[0].error, ConfigurationError)
    assert "one task" in str(refused[0].error)
    (reader,) = [r for r in readers if not r.finished]
    await model.send(cmd.CreateResponse())
    await reader.wait(lambda e: isinstance(e, ev.ResponseDone))
    await model.close()
    await asyncio.gather(*ends)
    assert reader.error is None


class GatedSleep:
    """A backoff sleep that waits until the test opens the gate."""

    def __init__(self) -> None:
        self.asleep = asyncio.Event()
        self.gate = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.asleep.set()
        await self.gate.wait()


async def test_close_during_a_reconnect_backoff_makes_no_further_attempt(
    server: FakeRealtimeServer,
) -> None:
    sleep = GatedSleep()
    model = make_model(server.base_url, sleep=sleep)
    reader = EventReader(model)
    await model.connect(CONFIG)
    await server.wait_for("session.update")
    await server.drop()
    await sleep.asleep.wait()
    await model.close()
    sleep.gate.set()
    await reader.wait_end()
    assert reader.error is None
    assert reader.states()[-2:] == [(S.RECONNECTING, 1), (S.DISCONNECTED, 0)]
    assert server.connections == 1


class _TwoResponses:
    """A socket that delivers two response.done events back to back, then waits."""

    close_code: int | None = None
    close_reason = ""

    def __init__(self, usages: list[dict[str, object]]) -> None:
        self.inbox = [
            json.dumps(
                {
                    "type": "response.done",
                    "event_id": f"e{i}",
                    "response": {"id": f"r{i}", "status": "completed", "usage": usage},
                }
            )
            for i, usage in enumerate(usages)
        ]
        self.sent: list[str] = []

    async def recv(self, decode: bool | None = None) -> str:
        if self.inbox:
            return self.inbox.pop(0)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(self, message: str) -> None:
        self.sent.append(message)

    async def close(self) -> None:
        self.close_code = 1000


async def test_cost_counts_every_response_even_with_no_send_between_them() -> None:
    usages: list[dict[str, object]] = [
        {"input_token_details": {"text_tokens": 100}, "output_token_details": {"audio_tokens": 50}},
        {"input_token_details": {"audio_tokens": 30}, "output_token_details": {"text_tokens": 7}},
    ]
    socket = _TwoResponses(usages)

    class OnSocket(OpenAIRealtimeModel):
        async def _open(self) -> Any:
            return socket

    model = OnSocket(api_key=KEY)
    await model.connect(CONFIG)
    done: list[ev.ResponseDone] = []
    async with contextlib.aclosing(cast(AsyncGenerator[ev.ModelEvent], model.events())) as stream:
        async for event in stream:
            if isinstance(event, ev.ResponseDone):
                done.append(event)
                if len(done) == 2:
                    break
    expected = sum(estimate_cost(d.usage) for d in done if d.usage is not None)
    assert expected > 0
    assert model.cost == pytest.approx(expected)
    assert model.usage == ev.Usage(100, 30, 0, 7, 50)
    await model.close()
