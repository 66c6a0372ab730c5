"""Recording the conversation in the page and downloading it as a WAV file."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tests.web.harness import LiveServer, live_server, spoken_reply
from tests.web.scenarios import DeskCatalog
from tests.web.test_conversation import connect, open_ui, stats, wait_js
from voxline.core import commands as cmd
from voxline.testing import on


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path / "data", DeskCatalog(), scenario="support_desk") as running:
        yield running


def tone_share(window: np.ndarray, rate: int, hz: float = 440.0) -> float:
    """How much of a window's energy sits at `hz` (Goertzel power over total power)."""
    n = len(window)
    t = np.arange(n) / rate
    ref = np.exp(-2j * np.pi * hz * t)
    power = abs(np.dot(window, ref)) ** 2 * 2 / n
    total = float(np.dot(window, window))
    return float(power / total) if total > 0 else 0.0


def test_recording_downloads_a_wav_with_microphone_and_agent(
    page: Page, server: LiveServer
) -> None:
    reply = spoken_reply("Here is a tone for you.", audio_ms=1500, tag="rec")
    server.backend.scripts.append([on(cmd.CreateResponse, reply)])
    open_ui(page, server)
    connect(page, server)
    rate = page.evaluate("window.voxline.app.audio.ctx.sampleRate")

    page.click("#record")
    expect(page.locator("#st-recording")).to_be_visible()
    wait_js(page, f"window.voxline.stats.recordedSamples >= {rate}")  # a second of the mic
    page.fill("#text-input", "Play me something")
    page.press("#text-input", "Enter")
    wait_js(page, "window.voxline.stats.playbackPlayedMs >= 1450")
    with page.expect_download() as info:
        page.click("#record")
    download = info.value
    assert download.suggested_filename.startswith("voxline-")
    assert download.suggested_filename.endswith(".wav")
    expect(page.locator("#download")).to_be_visible()
    expect(page.locator("#st-recording")).to_be_hidden()

    data = Path(download.path()).read_bytes()
    assert data[:4] == b"RIFF"
    assert data[8:12] == b"WAVE"
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, rate)
        frames = wav.readframes(wav.getnframes())
    assert len(data) == 44 + len(frames)
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768
    assert len(samples) >= rate * 2.5

    size = rate // 20  # 50 ms windows
    windows = [samples[i : i + size] for i in range(0, len(samples) - size, size)]
    shares = [tone_share(w, rate) for w in windows]
    agent = [i for i, s in enumerate(shares) if s > 0.5 and np.sqrt(np.mean(windows[i] ** 2)) > 0.1]
    assert len(agent) >= 20, "about 1.5 s of the agent's 440 Hz voice is in the file"
    before = windows[: agent[0]]
    loudest_mic = max(float(np.sqrt(np.mean(w**2))) for w in before)
    assert loudest_mic > 0.01, "the microphone's speech is in the file before the agent speaks"

    counters = stats(page)
    assert counters["recordMicPeak"] > 0.02
    assert counters["recordAgentPeak"] > 0.4
