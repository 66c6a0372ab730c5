"""Spoken input end to end on the offline engine (fake ports): mic -> VAD -> STT -> LLM -> TTS.

The engine's server VAD (an energy threshold) hears the fake microphone's recording, so
`speech.started` comes from real audio the page captured, resampled and streamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.web.conftest import launch
from tests.web.harness import LiveServer, live_server
from tests.web.scenarios import DeskCatalog
from tests.web.test_conversation import WAIT_MS, connect, open_ui, stats, wait_js
from voxline.engine.local_model import LocalRealtimeModel
from voxline.engine.options import EngineOptions
from voxline.scenarios.base import Scenario
from voxline.testing.engine_fakes import FakeTTS, FakeVAD, ScriptedLLM, ScriptedSTT

HEARD = "Where is my order A1001?"
ANSWER = "Let me look that up for you."


@pytest.fixture(scope="module")
def once_browser(playwright: Playwright, mic_wav: Path) -> Iterator[Browser]:
    """A chromium whose fake microphone plays the recording once, then silence."""
    browser = launch(playwright, f"{mic_wav}%noloop")
    yield browser
    browser.close()


@pytest.fixture
def engine_server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path / "data", DeskCatalog(), scenario="support_desk") as running:

        def engine(_scenario: Scenario) -> LocalRealtimeModel:
            return LocalRealtimeModel(  # one scripted transcript for the whole recording:
                FakeVAD(),  # no phrase-by-phrase transcription at its inner pauses
                ScriptedSTT([HEARD]),
                ScriptedLLM([ANSWER]),
                FakeTTS(),
                options=EngineOptions(settle_at_pauses=False),
            )

        running.backend.factory = engine
        yield running


def test_speech_from_the_microphone_gets_a_spoken_answer(
    once_browser: Browser, engine_server: LiveServer
) -> None:
    context = once_browser.new_context()
    try:
        page: Page = context.new_page()
        open_ui(page, engine_server)
        connect(page, engine_server)
        expect(page.locator("#st-listening")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator(".msg.user .text")).to_have_text(HEARD, timeout=WAIT_MS)
        expect(page.locator(".msg.assistant .text")).to_have_text(ANSWER, timeout=WAIT_MS)
        wait_js(page, "window.voxline.stats.playbackPlayedMs > 500")
        counters = stats(page)
        assert counters["micFramesSent"] > 25  # over a second of 40 ms frames
        assert counters["playbackSamplesReceived"] > 24000 // 2
        log = page.locator("#log")
        expect(log.locator(".log-entry.in[data-type='speech.started']").first).to_be_attached()
        expect(log.locator(".log-entry.in[data-type='speech.stopped']").first).to_be_attached()
    finally:
        context.close()
