"""The browser bridge on a real socket: uvicorn on 127.0.0.1 driven by a websockets client."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect

from tests.server.conftest import TIMEOUT_S, Scripts, serve
from tests.server.wsutil import kinds, next_json, until
from voxline.core import commands as cmd
from voxline.core.config import ServerVAD
from voxline.core.events import ResponseStarted
from voxline.server.app import create_app
from voxline.settings import Settings
from voxline.testing import call, on, reply, silence, user_speech


async def test_text_turn_streams_handoff_and_tool_breadcrumbs(
    settings: Settings, scripts: Scripts
) -> None:
    scripts.queue.append(
        [
            on(cmd.CreateResponse, call("transfer_to_support", {"reason": "order status"})),
            on(cmd.CreateResponse, call("lookup_order_by_phone", {"phone": "555 123 4567"})),
            on(cmd.CreateResponse, reply("Your order has shipped.", item_id="item_answer")),
        ]
    )
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws("?scenario=customer_service")) as ws,
    ):
        ready = await next_json(ws)
        assert ready["type"] == "session.ready"
        assert ready["scenario"] == "customer_service"
        assert ready["backend"] == "custom"
        assert ready["agent"] == "router"
        assert {"router", "support", "billing"} <= set(ready["agents"])
        assert ready["push_to_talk"] is False
        assert ready["triggers"] == []
        assert ready["coach"] is None
        await ws.send(json.dumps({"type": "text", "text": "Where is my order?"}))
        frames = []
        for _ in range(3):
            more, _finished = await until(ws, "response.finished")
            frames += more
    events = [json.loads(f) for f in frames if isinstance(f, str)]
    handoff = next(e for e in events if e["type"] == "handoff")
    assert (handoff["from"], handoff["to"], handoff["reason"]) == (
        "router",
        "support",
        "order status",
    )
    started = [e for e in events if e["type"] == "tool.started"]
    finished = [e for e in events if e["type"] == "tool.finished"]
    assert [e["name"] for e in started] == ["transfer_to_support", "lookup_order_by_phone"]
    lookup = finished[-1]
    assert lookup["name"] == "lookup_order_by_phone"
    assert lookup["is_error"] is False
    assert "Maria Lopez" in lookup["output"]
    assert isinstance(lookup["duration_ms"], int)
    user = next(e["item"] for e in events if e["type"] == "history.added")
    assert (user["kind"], user["role"], user["text"]) == ("message", "user", "Where is my order?")
    answer = [e["item"] for e in events if e["type"].startswith("history") and e["item"]["id"]
              == "item_answer"]  # fmt: skip
    assert answer[-1]["text"] == "Your order has shipped."
    assert answer[-1]["agent"] == "support"
    deltas = "".join(e["delta"] for e in events if e["type"] == "transcript.delta")
    assert deltas == "Your order has shipped."


async def test_microphone_audio_reaches_the_model(settings: Settings, scripts: Scripts) -> None:
    scripts.queue.append([on(cmd.SendAudio, user_speech("hello there"))])
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws()) as ws,
    ):
        await until(ws, "session.ready")
        frame = silence(40)
        await ws.send(frame)
        frames, _ = await until(ws, "speech.stopped")
        assert "speech.started" in kinds(frames)
        _, added = await until(ws, "history.added")
        assert added["item"]["role"] == "user"
        sent = scripts.models[0].sent_of(cmd.SendAudio)
        assert [c.audio for c in sent if isinstance(c, cmd.SendAudio)] == [frame]
    assert scripts.models[0].configs[0].turn_detection == ServerVAD()


async def test_agent_audio_follows_its_audio_item_marker(
    settings: Settings, scripts: Scripts
) -> None:
    scripts.queue.append(
        [on(cmd.CreateResponse, reply("Hi.", item_id="item_a", audio_ms=300, chunks=3))]
    )
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws()) as ws,
    ):
        await until(ws, "session.ready")
        await ws.send(json.dumps({"type": "text", "text": "hello"}))
        frames, _ = await until(ws, "response.finished")
    marker = kinds(frames).index("audio.item")
    assert json.loads(frames[marker])["item_id"] == "item_a"
    audio = [f for f in frames[marker + 1 :] if isinstance(f, bytes)]
    assert len(audio) == 3
    assert sum(len(a) for a in audio) == 300 * 48
    assert all(isinstance(f, str) for f in frames[:marker])


async def test_interrupt_flushes_agent_audio(settings: Settings, scripts: Scripts) -> None:
    scripts.queue.append(
        [
            on(
                cmd.CreateResponse,
                reply("A long answer.", item_id="item_long", audio_ms=3000, chunks=3, done=False),
            )
        ]
    )
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws()) as ws,
    ):
        await until(ws, "session.ready")
        await ws.send(json.dumps({"type": "text", "text": "talk to me"}))
        await until(ws, "audio.item")
        await ws.send(json.dumps({"type": "playback", "item_id": "item_long", "played_ms": 120}))
        await ws.send(json.dumps({"type": "interrupt"}))
        _, cut = await until(ws, "audio.interrupted")
        assert cut["item_id"] == "item_long"
        assert 0 <= cut["played_ms"] < 3000
        _, updated = await until(ws, "history.updated")
        assert updated["item"]["status"] == "incomplete"
    model = scripts.models[0]
    assert model.sent_of(cmd.CancelResponse)
    truncated = model.sent_of(cmd.TruncateItem)
    assert [c.item_id for c in truncated if isinstance(c, cmd.TruncateItem)] == ["item_long"]


async def test_push_to_talk_commits_and_asks_for_a_response(
    settings: Settings, scripts: Scripts
) -> None:
    scripts.queue.append([on(cmd.CommitAudio, user_speech("my bill is wrong")[2:])])
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws("?push_to_talk=true")) as ws,
    ):
        ready = await next_json(ws)
        assert ready["push_to_talk"] is True
        await ws.send(silence(100))
        await ws.send(json.dumps({"type": "audio.commit"}))
        _, added = await until(ws, "history.updated")
        assert added["item"]["text"] == "my bill is wrong"
        await ws.send(json.dumps({"type": "audio.clear"}))
        await ws.send(json.dumps({"type": "response.create"}))
        await ws.send(json.dumps({"type": "ping"}))
        await until(ws, "pong")
    model = scripts.models[0]
    assert model.configs[0].turn_detection is None
    assert model.sent_of(cmd.CommitAudio)
    assert model.sent_of(cmd.ClearAudio)
    assert model.sent_of(cmd.CreateResponse)


async def test_voice_coach_buttons_and_settings(settings: Settings, scripts: Scripts) -> None:
    scripts.queue += [[], [on(cmd.CreateResponse, reply("Ask about their budget."))]]
    async with (
        serve(create_app(settings, model_factory=scripts)) as server,
        connect(server.ws("?scenario=voice_coach")) as ws,
    ):
        ready = await next_json(ws)
        assert ready["coach"]["quick_phrases"] == ["good question"]
        assert set(ready["triggers"]) == {"quick_hint", "full_guidance", "interrupt"}
        first_session = ready["session_id"]
        await ws.send(
            json.dumps(
                {
                    "type": "coach.settings",
                    "quick_phrases": ["hint please"],
                    "full_phrases": ["help me"],
                    "interrupt_phrases": ["stop"],
                    "quick_window": 2,
                    "full_window": 6,
                }
            )
        )
        _, ack = await until(ws, "coach.updated")
        assert ack["coach"]["quick_phrases"] == ["hint please"]
        assert ack["applies"] == "new_conversation"
        assert ack["previous_session_id"] == first_session
        _, again = await until(ws, "session.ready")
        assert again["session_id"] != first_session
        assert again["coach"]["full_window"] == 6
        await asyncio.wait_for(scripts.models[0].closed.wait(), TIMEOUT_S)
        await ws.send(json.dumps({"type": "text", "text": "That's a hint please moment"}))
        _, fired = await until(ws, "trigger.fired")
        assert (fired["trigger"], fired["phrase"]) == ("quick_hint", "hint please")
        await until(ws, "response.finished")
    assert len(scripts.scenarios) == 2
    triggers = scripts.scenarios[1].triggers
    assert triggers is not None
    assert triggers.get("quick_hint").window == 2


async def test_closing_the_tab_frees_the_session(settings: Settings, scripts: Scripts) -> None:
    scripts.queue.append([on(cmd.CreateResponse, [ResponseStarted("resp_open")])])
    async with serve(create_app(settings, model_factory=scripts)) as server:
        async with connect(server.ws()) as ws:
            ready = await next_json(ws)
            assert ready["session_id"] in server.state.connections
            await ws.send(json.dumps({"type": "text", "text": "hello"}))
            await scripts.models[0].wait_sent(cmd.CreateResponse)
        await asyncio.wait_for(scripts.models[0].closed.wait(), TIMEOUT_S)
        assert server.state.connections == {}
        connection_count = await health_connections(server.http)
        assert connection_count == 0


async def health_connections(base: str) -> int:
    import httpx2

    async with httpx2.AsyncClient(base_url=base) as client:
        response = await client.get("/api/health")
    count: int = response.json()["connections"]
    return count
