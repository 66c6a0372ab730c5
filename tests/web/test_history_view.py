"""The History view in a real browser: list, filter, page, replay a transcript, delete."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.harness import live_server
from voxline.store import ConversationStore, default_url
from voxline.store.records import EndConversation, PutItem, StartConversation, Write

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def seed(data_dir: Path, count: int) -> None:
    writes: list[Write] = []
    for n in range(count):
        cid = f"conv{n:02d}"
        scenario = "voice_coach" if n == 0 else "customer_service"
        user = {"id": "u", "kind": "message", "role": "user", "text": f"question {n}"}
        answer = {"id": "a", "kind": "message", "role": "assistant", "text": f"answer {n}",
                  "agent": "support", "status": "completed"}  # fmt: skip
        handoff = {"id": "h", "kind": "handoff", "from_agent": "router", "to_agent": "support"}
        writes += [
            StartConversation(cid, scenario, "local", T0 + n * 3600),
            PutItem(cid, "u", 0, "message", T0, user),
            PutItem(cid, "h", 1, "handoff", T0, handoff),
            PutItem(cid, "a", 2, "message", T0, answer),
            EndConversation(cid, T0 + n * 3600 + 60, "done"),
        ]

    async def fill() -> None:
        store = ConversationStore(default_url(data_dir))
        await store.apply(writes)
        await store.close()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API runs a loop in this thread
        pool.submit(lambda: asyncio.run(fill())).result()


def test_history_lists_pages_filters_replays_and_deletes(page: Page, tmp_path: Path) -> None:
    data = tmp_path / "data"
    seed(data, 23)
    with live_server(data) as server:
        page.goto(server.url)
        page.click("#history-link")
        rows = page.locator("#history .history-row")
        expect(rows).to_have_count(20)
        expect(page.locator("main.layout")).to_be_hidden()
        expect(page.locator(".history-count")).to_have_text("1\u201320 of 23")
        page.get_by_role("button", name="Older").click()
        expect(rows).to_have_count(3)

        # the scenario filter suggests the server's scenarios
        suggested = page.locator("#history-scenarios option")
        expect(suggested).not_to_have_count(0)
        assert "voice_coach" in suggested.evaluate_all("options => options.map(o => o.value)")
        page.fill("#history input[name=scenario]", "voice_coach")
        page.get_by_role("button", name="Filter").click()
        expect(rows).to_have_count(1)
        rows.first.click()
        detail = page.locator(".history-detail")
        expect(detail.locator("h3")).to_have_text("Conversation conv00")
        lines = detail.locator(".history-transcript li")
        expect(lines).to_have_text(["You: question 0", "handoff: router → support",
                                    "support: answer 0"])  # fmt: skip
        expect(detail.get_by_role("button", name="Recording (WAV)")).to_have_count(0)

        page.once("dialog", lambda dialog: dialog.accept())
        detail.get_by_role("button", name="Delete").click()
        expect(page.locator(".history-message")).to_have_text("No conversations stored yet.")
        expect(rows).to_have_count(0)

        page.click(".history-back")
        expect(page.locator("main.layout")).to_be_visible()
        expect(page.locator("#history")).to_be_hidden()
