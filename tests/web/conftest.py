"""Fixtures for the browser tests: Debian's chromium driven by Playwright, a fake microphone."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")

from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
)

WEB_ROOT = Path(__file__).resolve().parents[2] / "src" / "voxline" / "web"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SPOKEN = "Hello, I would like to check on my order please."

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def mic_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 48 kHz mono WAV of speech (espeak-ng, resampled by sox) for the fake microphone."""
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        pytest.skip("espeak-ng and sox are needed to make the fake microphone's recording")
    folder = tmp_path_factory.mktemp("mic")
    raw, wav = folder / "raw.wav", folder / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(raw), SPOKEN], check=True, capture_output=True)
    subprocess.run(
        ["sox", str(raw), "-r", "48000", "-c", "1", "-b", "16", str(wav), "pad", "0.3", "0.3"],
        check=True,
        capture_output=True,
    )
    return wav


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The one Playwright driver of the run (a second sync driver cannot start beside it)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with playwright_sync.sync_playwright() as pw:
        yield pw


def launch(playwright: Playwright, mic: str) -> Browser:
    """Debian's headless chromium whose fake microphone plays `mic` (a WAV path[%noloop])."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--autoplay-policy=no-user-gesture-required",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={mic}",
        ],
    )


@pytest.fixture(scope="session")
def browser(playwright: Playwright, mic_wav: Path) -> Iterator[Browser]:
    """One headless chromium for the whole run; its microphone plays `mic_wav` in a loop."""
    browser = launch(playwright, str(mic_wav))
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile (empty localStorage) with the microphone allowed."""
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 800})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on any uncaught script error."""
    errors: list[str] = []
    pg = context.new_page()
    pg.on("pageerror", lambda exc: errors.append(str(exc)))

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            errors.append(msg.text)

    pg.on("console", console)
    yield pg
    assert errors == [], f"the page logged errors: {errors}"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def static_url() -> Iterator[str]:
    """The web directory served as-is on 127.0.0.1 (for the pure JavaScript modules)."""
    handler = functools.partial(_Quiet, directory=str(WEB_ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()
