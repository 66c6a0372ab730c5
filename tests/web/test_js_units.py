"""The page's pure JavaScript helpers, run in the real browser (no server, no audio)."""

from __future__ import annotations

import io
import re
import wave
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

BRIDGE_DOC = Path(__file__).resolve().parents[2] / "docs" / "bridge.md"


@pytest.fixture
def js(page: Page, static_url: str) -> Page:
    """A page on the web root's origin, so `import('/js/...')` loads the real modules."""
    page.goto(f"{static_url}/js/")
    return page


def run(page: Page, body: str, arg: Any = None) -> Any:
    """Evaluate an async function body with `arg` in scope."""
    return page.evaluate(f"async (arg) => {{ {body} }}", arg)


def test_resampler_halves_48k_to_24k_and_keeps_the_tone(js: Page) -> None:
    result = run(
        js,
        """
        const { Resampler } = await import('/js/pcm.js');
        const n = 48000, tone = 440;
        const input = new Float32Array(n);
        for (let i = 0; i < n; i++) input[i] = 0.5 * Math.sin(2 * Math.PI * tone * i / 48000);
        const whole = new Resampler(48000, 24000).process(input);
        const r = new Resampler(48000, 24000);
        const parts = [];
        for (let i = 0; i < n; i += 128) parts.push(...r.process(input.subarray(i, i + 128)));
        let crossings = 0;
        for (let i = 101; i < whole.length; i++) if (whole[i - 1] < 0 && whole[i] >= 0) crossings++;
        let diff = 0;
        for (let i = 0; i < whole.length; i++) diff = Math.max(diff, Math.abs(whole[i] - parts[i]));
        const peak = Math.max(...whole.subarray(100));
        return { length: whole.length, parts: parts.length, crossings, diff, peak };
        """,
    )
    assert abs(result["length"] - 24000) <= 2
    assert result["parts"] == result["length"]
    assert result["diff"] < 1e-6, "block-by-block output must equal one-shot output"
    assert 436 <= result["crossings"] <= 440
    assert 0.45 < result["peak"] < 0.55


def test_resampler_upsamples_and_rejects_bad_rates(js: Page) -> None:
    result = run(
        js,
        """
        const { Resampler } = await import('/js/pcm.js');
        const up = new Resampler(24000, 48000).process(new Float32Array(2400).fill(0.25));
        let error = null;
        try { new Resampler(0, 24000); } catch (e) { error = e.name; }
        return { length: up.length, last: up[up.length - 1], error };
        """,
    )
    assert abs(result["length"] - 4800) <= 2
    assert result["last"] == pytest.approx(0.25)
    assert result["error"] == "RangeError"


def test_pcm16_conversion_clamps_and_round_trips(js: Page) -> None:
    result = run(
        js,
        """
        const { floatToPcm16, pcm16ToFloat } = await import('/js/pcm.js');
        const ints = floatToPcm16(new Float32Array([0, 0.5, -0.5, 2, -2]));
        const back = pcm16ToFloat(ints.buffer);
        return { ints: Array.from(ints), back: Array.from(back) };
        """,
    )
    assert result["ints"] == [0, 16384, -16384, 32767, -32768]
    assert result["back"][1] == pytest.approx(0.5, abs=1e-4)


def test_wav_encoder_writes_a_header_python_can_read(js: Page) -> None:
    data = run(
        js,
        """
        const { encodeWav, decodeWav } = await import('/js/wav.js');
        const a = new Float32Array([0, 0.5, -0.5]), b = new Float32Array([1, -1]);
        const buf = encodeWav([a, b], 24000);
        const decoded = decodeWav(buf);
        return { bytes: Array.from(new Uint8Array(buf)), rate: decoded.sampleRate,
                 samples: Array.from(decoded.samples) };
        """,
    )
    with wave.open(io.BytesIO(bytes(data["bytes"]))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 24000)
        assert wav.getnframes() == 5
    assert data["rate"] == 24000
    assert data["samples"] == [0, 16384, -16384, 32767, -32768]


def test_backoff_doubles_to_a_cap_and_resets(js: Page) -> None:
    delays = run(
        js,
        """
        const { Backoff } = await import('/js/backoff.js');
        const b = new Backoff({ baseMs: 500, maxMs: 10000, jitter: 0.5, random: () => 0 });
        const out = [];
        for (let i = 0; i < 7; i++) out.push(b.next());
        b.reset();
        out.push(b.next());
        const jittered = new Backoff({ baseMs: 1000, jitter: 0.5, random: () => 1 }).next();
        return { out, jittered };
        """,
    )
    assert delays["out"] == [500, 1000, 2000, 4000, 8000, 10000, 10000, 500]
    assert delays["jittered"] == 500


def test_prefs_survive_bad_storage_and_validate_coach_settings(js: Page) -> None:
    result = run(
        js,
        """
        const { Prefs, parsePrefs, PREFS_KEY, DEFAULT_COACH } = await import('/js/prefs.js');
        const store = new Map();
        const storage = { getItem: (k) => store.get(k) ?? null,
                          setItem: (k, v) => store.set(k, v) };
        const p = new Prefs(storage);
        p.set('pushToTalk', true);
        p.set('coach', DEFAULT_COACH);
        const again = new Prefs(storage);
        const broken = { getItem: () => { throw new Error('denied'); },
                         setItem: () => { throw new Error('quota'); } };
        const b = new Prefs(broken);
        b.set('muted', true);
        return {
          reloaded: [again.get('pushToTalk'), again.get('coach').quick_window],
          garbage: parsePrefs('{not json'),
          wrongTypes: parsePrefs(JSON.stringify({ muted: 'yes', coach: { quick_window: 0 } })),
          memoryOnly: b.get('muted'),
          key: store.has(PREFS_KEY),
        };
        """,
    )
    assert result["reloaded"] == [True, 3]
    assert result["garbage"]["pushToTalk"] is False
    assert result["wrongTypes"]["muted"] is False
    assert result["wrongTypes"]["coach"] is None
    assert result["memoryOnly"] is True
    assert result["key"] is True


def test_session_url_and_audio_frames(js: Page) -> None:
    result = run(
        js,
        """
        const { sessionUrl, audioFrames, client } = await import('/js/protocol.js');
        const url = sessionUrl(new URL('https://example.org:8443/?token=s3cret'),
                               { scenario: 'voice_coach', pushToTalk: true });
        const plain = sessionUrl(new URL('http://127.0.0.1:8000/'),
                                 { scenario: 'customer_service', pushToTalk: false });
        const frames = audioFrames(new ArrayBuffer(201), 100).map((f) => f.byteLength);
        return { url, plain, frames, playback: client.playback('item_1', 1234.6) };
        """,
    )
    assert result["url"] == (
        "wss://example.org:8443/ws/session?scenario=voice_coach&push_to_talk=true&token=s3cret"
    )
    assert result["plain"].startswith("ws://127.0.0.1:8000/ws/session?scenario=customer_service")
    assert result["frames"] == [100, 100]
    assert result["playback"] == {"type": "playback", "item_id": "item_1", "played_ms": 1235}


def _documented_server_events() -> set[str]:
    text = BRIDGE_DOC.read_text(encoding="utf-8")
    table = text.split("## Server -> browser events", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for cell in re.findall(r"^\| `([^|]+)` \|", table, flags=re.MULTILINE):
        names.update(re.findall(r"[a-z.]+", cell.replace("`", " ")))
    return names


def test_usage_summary_counts_tokens_and_prices_them_only_where_there_are_prices(
    js: Page,
) -> None:
    result = run(
        js,
        """
        const { usageSummary } = await import('/js/format.js');
        return [usageSummary(1234, 0.012345), usageSummary(5, 0), usageSummary(0, 0),
                usageSummary(undefined, undefined), usageSummary(90000, 2.5)];
        """,
    )
    assert result == [
        "1,234 tokens \u00b7 about $0.0123",
        "5 tokens",
        "",
        "",
        "90,000 tokens \u00b7 about $2.50",
    ]


def test_every_documented_server_event_is_known_to_the_page(js: Page) -> None:
    known = set(run(js, "return [...(await import('/js/protocol.js')).SERVER_EVENTS];"))
    documented = _documented_server_events()
    assert {"session.ready", "audio.interrupted", "guardrail.tripped"} <= documented
    assert documented <= known, f"the page does not know {sorted(documented - known)}"
