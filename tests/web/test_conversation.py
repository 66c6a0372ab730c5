"""The web UI against a real server on 127.0.0.1, in chromium, with scripted models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.harness import TIMEOUT_S, LiveServer, live_server, spoken_reply
from tests.web.scenarios import DeskCatalog
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.testing import call, on, reply

WAIT_MS = TIMEOUT_S * 1000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path / "data", DeskCatalog(), scenario="support_desk") as running:
        yield running


def stats(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("() => ({ ...window.voxline.stats })")
    return result


def wait_js(page: Page, expression: str) -> None:
    page.wait_for_function(expression, timeout=WAIT_MS)


def open_ui(page: Page, server: LiveServer, *, push_to_talk: bool = False) -> None:
    page.goto(server.url)
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    if push_to_talk:
        page.check("#ptt-mode")


def connect(page: Page, server: LiveServer) -> None:
    page.click("#connect")
    wait_js(page, "window.voxline.app.session !== null")
    expect(page.locator("#st-connection")).to_have_attribute("data-state", "connected")


def desk_script() -> list[Any]:
    return [
        on(cmd.CreateResponse, call("transfer_to_support", {"reason": "order question"})),
        on(cmd.CreateResponse, call("lookup_order", {"order_id": "A1001"})),
        on(
            cmd.CreateResponse,
            spoken_reply(
                "Your order A1001 shipped with DHL.",
                audio_ms=600,
                tag="desk",
                usage=ev.Usage(input_text_tokens=1200, output_audio_tokens=60),
            ),
        ),
    ]


def test_typed_message_shows_handoff_tool_reply_and_plays_the_audio(
    page: Page, server: LiveServer
) -> None:
    server.backend.scripts.append(desk_script())
    open_ui(page, server)
    connect(page, server)
    page.fill("#text-input", "Where is my order A1001?")
    page.press("#text-input", "Enter")

    transcript = page.locator("#transcript")
    expect(transcript.locator(".msg.user .text")).to_have_text("Where is my order A1001?")
    expect(transcript.locator(".crumb.handoff")).to_contain_text("router \u2192 support")
    tool = transcript.locator(".crumb.tool")
    expect(tool).to_contain_text("lookup_order")
    expect(tool.locator(".state")).to_contain_text("done")
    tool.locator("summary").click()
    expect(tool.locator(".result")).to_contain_text('"carrier": "DHL"')
    expect(tool.locator(".args")).to_contain_text('"order_id": "A1001"')
    expect(transcript.locator(".msg.assistant .text")).to_have_text(
        "Your order A1001 shipped with DHL."
    )
    expect(page.locator("#agent-name")).to_have_text("support")
    expect(transcript.locator(".crumb.handoff")).to_have_count(1)
    # the usage so far, beside the agent (the scripted backend has no prices: no cost)
    expect(page.locator("#usage")).to_have_text("1,260 tokens")

    wait_js(page, "window.voxline.stats.playbackPlayedMs >= 550")
    played = stats(page)
    assert played["playbackSamplesReceived"] == 600 * 24
    assert played["flushes"] == 0
    log = page.locator("#log")
    expect(log.locator(".log-entry.out[data-type=playback]").first).to_be_attached()


def test_spoken_input_streams_the_microphone_and_shows_listening(
    page: Page, server: LiveServer
) -> None:
    first_audio = on(cmd.SendAudio, ev.SpeechStarted("user_1"))
    server.backend.scripts.append([first_audio])
    open_ui(page, server)
    connect(page, server)
    model = server.backend.model()
    server.backend.wait(lambda: len(model.audio_bytes()) >= 48000, "a second of microphone audio")
    expect(page.locator("#st-listening")).to_be_visible()

    audio = model.audio_bytes()
    assert len(audio) % 2 == 0
    samples = memoryview(audio).cast("h")
    assert max(abs(s) for s in samples) > 1000, "the fake microphone's speech reached the model"

    model.emit_threadsafe(
        ev.SpeechStopped("user_1"),
        ev.AudioCommitted("user_1"),
        ev.InputTranscriptCompleted("user_1", "Hello, I would like to check on my order."),
    )
    expect(page.locator("#st-listening")).to_be_hidden()
    expect(page.locator(".msg.user .text")).to_have_text(
        "Hello, I would like to check on my order."
    )


def test_push_to_talk_sends_audio_only_while_space_is_held(page: Page, server: LiveServer) -> None:
    open_ui(page, server, push_to_talk=True)
    connect(page, server)
    model = server.backend.model()
    assert model.configs[0].turn_detection is None
    expect(page.locator("#talk")).to_be_enabled()
    wait_js(page, "document.getElementById('mic-level').value > 0")  # the mic is live...
    assert model.audio_bytes() == b""  # ...but nothing is sent until the key goes down

    page.locator("body").press("Tab")  # focus leaves the inputs: space is push-to-talk
    page.keyboard.down("Space")
    expect(page.locator("#talk")).to_have_attribute("aria-pressed", "true")
    server.backend.wait(lambda: len(model.audio_bytes()) >= 9600, "200 ms of held-down audio")
    page.keyboard.up("Space")
    server.backend.wait(lambda: model.sent_of(cmd.CommitAudio), "audio.commit")

    kinds = [type(c) for c in model.sent if not isinstance(c, cmd.UpdateSession)]
    first_audio = kinds.index(cmd.SendAudio)
    assert cmd.ClearAudio in kinds[:first_audio], "pressing clears stale buffered audio first"
    assert kinds.index(cmd.CommitAudio) > first_audio
    expect(page.locator("#talk")).to_have_attribute("aria-pressed", "false")

    held = len(model.audio_bytes())
    page.locator("#talk").hover()
    page.mouse.down()  # holding the button works like the space bar
    expect(page.locator("#talk")).to_have_attribute("aria-pressed", "true")
    server.backend.wait(lambda: len(model.audio_bytes()) >= held + 9600, "held-button audio")
    page.mouse.up()
    server.backend.wait(lambda: len(model.sent_of(cmd.CommitAudio)) == 2, "a second commit")


def test_interrupting_the_agent_flushes_playback_and_truncates(
    page: Page, server: LiveServer
) -> None:
    long_reply = spoken_reply(
        "Let me tell you a long story.", audio_ms=6000, done=False, tag="long"
    )
    server.backend.scripts.append([on(cmd.CreateResponse, long_reply)])
    open_ui(page, server)
    connect(page, server)
    page.fill("#text-input", "Tell me a story")
    page.click("#send")
    expect(page.locator("#st-speaking")).to_be_visible()
    wait_js(page, "window.voxline.stats.playbackPlayedMs >= 300")

    page.click("#interrupt")
    wait_js(page, "window.voxline.stats.flushes >= 1")
    expect(page.locator("#st-speaking")).to_be_hidden()
    after = stats(page)
    assert after["flushedMs"] > 3000, "most of the six seconds were still queued"

    model = server.backend.model()
    server.backend.wait(lambda: model.sent_of(cmd.TruncateItem), "the truncation")
    truncate = model.sent_of(cmd.TruncateItem)[0]
    assert isinstance(truncate, cmd.TruncateItem)
    assert truncate.item_id == "item_long"
    assert 250 <= truncate.audio_end_ms <= after["playbackPlayedMs"] + 50
    expect(page.locator("#log .log-entry.out[data-type=interrupt]")).to_have_count(1)
    played_after = stats(page)["playbackPlayedMs"]
    assert played_after == after["playbackPlayedMs"], "nothing plays after the flush"


def test_server_interruption_flushes_playback(page: Page, server: LiveServer) -> None:
    long_reply = spoken_reply("Another long answer.", audio_ms=6000, done=False, tag="cut")
    server.backend.scripts.append([on(cmd.CreateResponse, long_reply)])
    open_ui(page, server)
    connect(page, server)
    page.fill("#text-input", "Talk to me")
    page.click("#send")
    wait_js(page, "window.voxline.stats.playbackPlayedMs >= 200")
    server.backend.model().emit_threadsafe(ev.SpeechStarted("user_barge"))
    wait_js(page, "window.voxline.stats.flushes >= 1")
    expect(page.locator("#st-speaking")).to_be_hidden()
    expect(page.locator("#log .log-entry.in[data-type='audio.interrupted']")).to_have_count(1)


def test_guardrail_chip_and_event_log_filter(page: Page, server: LiveServer) -> None:
    server.backend.scripts.append(
        [
            on(cmd.CreateResponse, call("transfer_to_support", {"reason": "order question"})),
            on(cmd.CreateResponse, reply("I guarantee your order arrives Thursday.")),
            on(cmd.CreateResponse, reply("Your order is expected on Thursday.")),
        ]
    )
    open_ui(page, server)
    connect(page, server)
    page.fill("#text-input", "When does it arrive?")
    page.press("#text-input", "Enter")

    chip = page.locator(".msg.assistant .chip.guardrail")
    expect(chip).to_have_count(1, timeout=WAIT_MS)
    expect(chip).to_contain_text("OFF_BRAND")
    expect(chip).to_contain_text("we never guarantee delivery dates")
    expect(page.locator(".msg.assistant.flagged .text")).to_contain_text("guarantee")

    log = page.locator("#log")
    entries = log.locator(".log-entry")
    expect(entries.first).to_be_attached()
    assert entries.count() > 5
    expect(log.locator(".log-entry.in[data-type='session.ready']")).to_have_count(1)
    expect(log.locator(".log-entry.out[data-type=text]")).to_have_count(1)

    page.fill("#log-filter", "guardrail")
    visible = log.locator(".log-entry:visible")
    expect(visible.first).to_be_visible()
    for type_ in visible.evaluate_all("els => els.map(e => e.dataset.search)"):
        assert "guardrail" in type_
    page.fill("#log-filter", "no-such-event-anywhere")
    expect(visible).to_have_count(0)
    page.fill("#log-filter", "")
    assert log.locator(".log-entry:visible").count() == entries.count()

    entry = log.locator(".log-entry.in[data-type='guardrail.tripped'] details").first
    entry.locator("summary").click()
    expect(entry.locator("pre")).to_contain_text('"category": "OFF_BRAND"')
