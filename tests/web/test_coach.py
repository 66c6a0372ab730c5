"""The voice coach controls: trigger buttons and settings sent to the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.harness import LiveServer, live_server
from tests.web.scenarios import DeskCatalog
from tests.web.test_conversation import WAIT_MS, connect, open_ui, wait_js
from voxline.core import commands as cmd


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path / "data", DeskCatalog(), scenario="voice_coach") as running:
        yield running


def test_coach_buttons_fire_triggers(page: Page, server: LiveServer) -> None:
    open_ui(page, server)
    expect(page.locator("#scenario")).to_have_value("voice_coach")
    connect(page, server)
    expect(page.locator("#coach")).to_be_visible()
    page.click("#coach-quick")
    expect(page.locator(".crumb.trigger").first).to_contain_text("quick_hint")
    model = server.backend.model()
    server.backend.wait(lambda: model.sent_of(cmd.CreateResponse), "the coach's response")
    page.click("#coach-full")
    expect(page.locator(".crumb.trigger").last).to_contain_text("full_guidance")
    page.click("#coach-stop")
    sent = page.locator("#log .log-entry.out[data-type=trigger]")
    expect(sent).to_have_count(3)
    assert "quick_hint" in (sent.first.get_attribute("data-search") or "")


def test_coach_settings_apply_and_persist(page: Page, server: LiveServer) -> None:
    open_ui(page, server)
    connect(page, server)
    page.locator("#coach-settings > summary").click()
    page.fill("#coach-quick-phrases", "give me a hint, what now")
    page.fill("#coach-quick-window", "2")
    page.click("#coach-form button[type=submit]")
    wait_js(page, "window.voxline.app.session?.coach?.quick_window === 2")
    assert page.evaluate("window.voxline.app.session.coach.quick_phrases") == [
        "give me a hint",
        "what now",
    ]
    expect(page.locator(".crumb.system").last).to_contain_text("New coach settings")
    assert len(server.backend.models) == 2

    page.fill("#coach-full-phrases", "")
    page.click("#coach-form button[type=submit]")
    expect(page.locator("#coach-status")).to_contain_text("at least one phrase")

    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    expect(page.locator("#coach-quick-phrases")).to_have_value("give me a hint, what now")
    connect(page, server)
    wait_js(page, "window.voxline.app.session?.coach?.quick_window === 2")
