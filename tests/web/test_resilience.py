"""Dropped connections, a refused conversation and a missing microphone, in the browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.harness import LiveServer, live_server
from tests.web.scenarios import DeskCatalog
from tests.web.test_conversation import WAIT_MS, connect, open_ui, stats, wait_js
from voxline.core import commands as cmd
from voxline.testing import on, reply


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path / "data", DeskCatalog(), scenario="support_desk") as running:
        yield running


def test_a_dropped_connection_reconnects_and_the_transcript_continues(
    page: Page, server: LiveServer
) -> None:
    server.backend.scripts.append([on(cmd.CreateResponse, reply("Hello there."))])
    server.backend.scripts.append([on(cmd.CreateResponse, reply("Still here."))])
    open_ui(page, server)
    connect(page, server)
    page.fill("#text-input", "Hi")
    page.press("#text-input", "Enter")
    expect(page.locator(".msg.assistant .text")).to_have_text("Hello there.")

    page.evaluate("window.voxline.app.connection.simulateDrop()")
    expect(page.locator(".crumb.system").first).to_contain_text("reconnecting")
    expect(page.locator(".crumb.system").last).to_contain_text("Connected again", timeout=WAIT_MS)
    expect(page.locator("#st-connection")).to_have_attribute("data-state", "connected")
    assert stats(page)["reconnects"] == 1
    assert len(server.backend.models) == 2

    page.fill("#text-input", "Are you there?")
    page.press("#text-input", "Enter")
    expect(page.locator(".msg.assistant .text")).to_have_text(["Hello there.", "Still here."])
    expect(page.locator(".msg.user .text")).to_have_text(["Hi", "Are you there?"])


def test_a_refused_conversation_shows_why_and_does_not_retry(
    page: Page, server: LiveServer
) -> None:
    open_ui(page, server)
    page.evaluate(
        """() => {
        const select = document.getElementById('scenario');
        select.add(new Option('Missing', 'no_such_scenario'));
        select.value = 'no_such_scenario';
        }"""
    )
    page.click("#connect")
    expect(page.locator("#banner")).to_be_visible()
    expect(page.locator("#banner-text")).to_contain_text("no_such_scenario")
    expect(page.locator("#st-connection")).to_have_attribute("data-state", "closed")
    assert stats(page)["reconnects"] == 0
    expect(page.locator("#connect")).to_have_text("Connect")
    page.click("#banner-close")
    expect(page.locator("#banner")).to_be_hidden()


def test_without_a_microphone_the_page_says_why_and_typing_works(
    page: Page, server: LiveServer
) -> None:
    page.add_init_script(
        """navigator.mediaDevices.getUserMedia = () =>
             Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"""
    )
    server.backend.scripts.append([on(cmd.CreateResponse, reply("Typing works."))])
    open_ui(page, server)
    connect(page, server)
    note = page.locator("#mic-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("denied")
    expect(note).to_contain_text("type")
    page.fill("#text-input", "Hello")
    page.press("#text-input", "Enter")
    expect(page.locator(".msg.assistant .text")).to_have_text("Typing works.")
    assert stats(page)["micFramesSent"] == 0


def test_preferences_persist_across_reloads(page: Page, server: LiveServer) -> None:
    open_ui(page, server)
    page.check("#ptt-mode")
    page.check("#mute")
    page.locator("#log-panel > summary").click()
    page.select_option("#scenario", "voice_coach")
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    expect(page.locator("#ptt-mode")).to_be_checked()
    expect(page.locator("#mute")).to_be_checked()
    expect(page.locator("#st-muted")).to_be_visible()
    expect(page.locator("#log-panel")).not_to_have_attribute("open", "")
    expect(page.locator("#scenario")).to_have_value("voice_coach")
    wait_js(page, "localStorage.getItem('voxline.prefs.v1') !== null")
    page.uncheck("#ptt-mode")
    connect(page, server)
    assert page.evaluate("window.voxline.app.audio.mute.gain.value") == 0
    page.uncheck("#mute")
    assert page.evaluate("window.voxline.app.audio.mute.gain.value") == 1
    expect(page.locator("#st-muted")).to_be_hidden()
