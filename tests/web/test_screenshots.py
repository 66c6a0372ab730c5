"""Screenshots of a conversation at laptop and phone widths (docs/screenshots/ on request).

Set VOXLINE_SCREENSHOTS=1 to write them into docs/screenshots/ for the README; otherwise
they go to a temporary folder and the test only checks the layout holds at both widths.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.harness import LiveServer, live_server, spoken_reply
from tests.web.scenarios import DeskCatalog
from tests.web.test_conversation import WAIT_MS, connect, open_ui, wait_js
from voxline.core import commands as cmd
from voxline.core.events import Usage
from voxline.testing import call, on, reply

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path / "data", DeskCatalog(), scenario="support_desk") as running:
        yield running


def converse(page: Page, server: LiveServer) -> None:
    server.backend.scripts.append(
        [
            on(cmd.CreateResponse, call("transfer_to_support", {"reason": "order question"})),
            on(cmd.CreateResponse, call("lookup_order", {"order_id": "A1001"})),
            on(cmd.CreateResponse, reply("I guarantee it arrives Thursday.")),
            on(
                cmd.CreateResponse,
                spoken_reply(
                    "Your order A1001 shipped with DHL and is expected on Thursday.",
                    audio_ms=400,
                    tag="shot",
                    usage=Usage(
                        input_text_tokens=1480, input_audio_tokens=96, output_audio_tokens=240
                    ),
                ),
            ),
        ]
    )
    open_ui(page, server)
    connect(page, server)
    page.fill("#text-input", "Hi! Where is my order A1001?")
    page.press("#text-input", "Enter")
    expect(page.locator(".msg.assistant")).to_have_count(2, timeout=WAIT_MS)
    expect(page.locator(".msg.assistant").last).to_contain_text("expected on Thursday")
    wait_js(page, "window.voxline.stats.playbackPlayedMs >= 350")
    page.locator(".crumb.tool summary").click()
    page.locator("#text-input").blur()
    page.evaluate(
        "() => { const b = document.querySelector('.transcript-box'); "
        "b.scrollTop = b.scrollHeight; }"
    )


@pytest.mark.parametrize("size", sorted(SIZES))
def test_screenshot(browser: Browser, server: LiveServer, tmp_path: Path, size: str) -> None:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        converse(page, server)
        folder = DOCS if os.environ.get("VOXLINE_SCREENSHOTS") == "1" else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{size}.png"), full_page=False)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways at {width}px"
        for control in ("#connect", "#text-input", "#send", "#interrupt"):
            box = page.locator(control).bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= width
    finally:
        context.close()
