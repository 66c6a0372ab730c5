"""The transcript and event log views on their own: caps, streaming, breadcrumbs, filters."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

SETUP = """
  document.body.innerHTML = `<div id="box"><p id="note" hidden></p><ol id="list"></ol></div>
                             <span id="count"></span>`;
  const list = document.getElementById('list');
"""


@pytest.fixture
def js(page: Page, static_url: str) -> Page:
    page.goto(f"{static_url}/js/")
    return page


def run(page: Page, body: str) -> Any:
    return page.evaluate(f"async () => {{ {SETUP} {body} }}")


def test_transcript_streams_text_and_final_text_wins(js: Page) -> None:
    result = run(
        js,
        """
        const { Transcript } = await import('/js/transcript.js');
        const t = new Transcript(list, document.getElementById('note'));
        t.message({ id: 'u1', role: 'user', text: '', status: 'in_progress', created_at: 1 });
        const pending = list.querySelector('.msg.user').classList.contains('pending');
        t.delta('u1', 'user', 'Hel');
        t.delta('u1', 'user', 'lo');
        const streamed = list.querySelector('.msg.user .text').textContent;
        t.message({ id: 'u1', role: 'user', text: 'Hello.', status: 'completed', created_at: 1 });
        t.delta('u1', 'user', ' late');
        t.delta('a1', 'assistant', 'Hi');
        t.message({ id: 'a1', role: 'assistant', text: 'Hi', status: 'incomplete',
                    agent: 'router', created_at: 2 });
        t.message({ id: 's1', role: 'system', text: 'hidden', created_at: 3 });
        const a = list.querySelector('.msg.assistant');
        return { pending, streamed, final: list.querySelector('.msg.user .text').textContent,
                 who: a.querySelector('.who').textContent,
                 status: a.querySelector('.status').textContent, count: list.children.length };
        """,
    )
    assert result == {
        "pending": True,
        "streamed": "Hello",
        "final": "Hello.",
        "who": "router",
        "status": "interrupted",
        "count": 2,
    }


def test_transcript_breadcrumbs_show_once(js: Page) -> None:
    result = run(
        js,
        """
        const { Transcript } = await import('/js/transcript.js');
        const t = new Transcript(list, document.getElementById('note'));
        t.handoff('router', 'support', 'order question');
        t.handoff('router', 'support', 'order question', 1700000000);
        t.toolStarted({ call_id: 'c0', name: 'transfer_to_support', arguments: '{}' });
        t.toolStarted({ call_id: 'c1', name: 'lookup_order', arguments: '{"order_id":"A1"}' });
        t.toolStarted({ call_id: 'c1', name: 'lookup_order', arguments: '{"order_id":"A1"}' });
        t.toolFinished({ call_id: 'c1', name: 'lookup_order', output: 'boom', is_error: true,
                         duration_ms: 1500 });
        t.message({ id: 'a1', role: 'assistant', text: 'I guarantee it', created_at: 2 });
        const flag = { guardrail: 'policy', category: 'OFF_BRAND', rationale: 'no promises' };
        t.guardrail('a1', flag);
        t.guardrail('a1', flag);
        t.guardrail('gone', flag);
        return {
          kinds: [...list.children].map((li) => li.className),
          tool: list.querySelector('.tool .state').textContent,
          chips: list.querySelectorAll('.chip').length,
          chip: list.querySelector('.chip').textContent,
        };
        """,
    )
    assert result["kinds"] == [
        "entry crumb handoff",
        "entry crumb tool failed",
        "entry msg assistant flagged",
        "entry crumb guardrail",
    ]
    assert result["tool"] == "failed in 1.5 s"
    assert result["chips"] == 1
    assert "OFF_BRAND" in result["chip"]
    assert "no promises" in result["chip"]


def test_transcript_keeps_the_last_entries_and_says_so(js: Page) -> None:
    result = run(
        js,
        """
        const { Transcript } = await import('/js/transcript.js');
        const t = new Transcript(list, document.getElementById('note'), { cap: 200 });
        for (let i = 0; i < 250; i++) {
          t.message({ id: `m${i}`, role: i % 2 ? 'assistant' : 'user', text: `n${i}`,
                      created_at: i });
        }
        t.delta('m0', 'user', 'again');  // dropped items come back as new entries
        return { count: list.children.length, first: list.firstElementChild.textContent,
                 note: document.getElementById('note').textContent };
        """,
    )
    assert result["count"] == 200
    assert "n51" in result["first"]
    assert result["note"].startswith("51 earlier entries are hidden")


def test_event_log_caps_filters_and_counts_audio(js: Page) -> None:
    result = run(
        js,
        """
        const { EventLog } = await import('/js/eventlog.js');
        let now = 0;
        const log = new EventLog(list, document.getElementById('count'),
                                 { cap: 1000, now: () => now });
        for (let i = 0; i < 1100; i++) log.log('in', { type: 'transcript.delta', delta: `w${i}` });
        log.log('in', { type: 'tool.started', name: 'lookup_order' });
        for (let i = 0; i < 5; i++) log.audio('out', 1920);
        log.log('out', { type: 'audio.commit' });
        log.audio('out', 1920);
        now = 20000;
        log.audio('out', 1920);
        const binary = [...list.querySelectorAll('.binary .count')].map((e) => e.textContent);
        log.setFilter('LOOKUP');
        const visible = [...list.children].filter((li) => !li.hidden).map((li) => li.dataset.type);
        log.setFilter('');
        return { count: list.children.length, counter: document.getElementById('count').textContent,
                 first: list.firstElementChild.dataset.search, binary, visible,
                 all: [...list.children].filter((li) => !li.hidden).length };
        """,
    )
    assert result["count"] == 1000
    assert result["counter"] == "1000"
    assert "w105" in result["first"]
    assert result["binary"] == [
        "5 frames, 9.4 KB (200 ms PCM16)",
        "1 frame, 1.9 KB (40 ms PCM16)",
        "1 frame, 1.9 KB (40 ms PCM16)",
    ]
    assert result["visible"] == ["tool.started"]
    assert result["all"] == 1000
