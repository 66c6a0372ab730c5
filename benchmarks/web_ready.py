"""Benchmark the web UI in Debian's chromium: page load to Connect ready, and Connect to talking.

Serves the real app (create_app, built-in scenarios, a scripted model so no engine loads)
with uvicorn on 127.0.0.1 and opens the page in fresh browser contexts. Measures, per run:
page navigation to the Connect button being usable (scenarios loaded), the click on Connect
to `session.ready` (audio context, worklets, microphone and socket up), and the first
microphone frame sent. Medians over repeats.

Run: .venv/bin/python benchmarks/web_ready.py [--repeat N]
Prints a table and writes benchmarks/results/web_ready.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import socket
import statistics
import tempfile
import threading
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import sync_playwright

from voxline.scenarios.base import Scenario
from voxline.server.app import create_app
from voxline.settings import Settings
from voxline.testing import ScriptedRealtimeModel

RESULTS = Path(__file__).parent / "results" / "web_ready.json"
CHROMIUM = "/usr/bin/chromium"


def scripted(_scenario: Scenario) -> ScriptedRealtimeModel:
    return ScriptedRealtimeModel()


def serve(data_dir: Path) -> tuple[uvicorn.Server, threading.Thread, str]:
    settings = Settings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, model_factory=scripted)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, ws_ping_interval=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


def measure(url: str, repeat: int) -> list[dict[str, float]]:
    runs = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
            ],
        )
        for _ in range(repeat):
            context = browser.new_context()
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("body[data-ready=true]")
            page.click("#connect")
            page.wait_for_function("window.voxline.stats.micFramesSent > 0", timeout=30000)
            t = page.evaluate("window.voxline.stats.timings")
            nav = page.evaluate(
                "(() => { const n = performance.getEntriesByType('navigation')[0];"
                " return { dcl: n.domContentLoadedEventEnd }; })()"
            )
            first_frame = page.evaluate("window.voxline.stats.timings.firstMicFrameMs")
            runs.append(
                {
                    "dom_content_loaded_ms": nav["dcl"],
                    "load_to_connect_ready_ms": t["readyMs"],
                    "connect_to_session_ready_ms": t["sessionReadyMs"] - t["connectClickMs"],
                    "connect_to_first_mic_frame_ms": first_frame - t["connectClickMs"],
                }
            )
            context.close()
        browser.close()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server, thread, url = serve(Path(tmp))
        try:
            runs = measure(url, args.repeat)
        finally:
            server.should_exit = True
            thread.join(10)
    summary: dict[str, Any] = {}
    print(f"{'measure':34} {'median ms':>10} {'min':>8} {'max':>8}")
    for key in runs[0]:
        values = [r[key] for r in runs]
        summary[key] = {
            "median": round(statistics.median(values), 1),
            "min": round(min(values), 1),
            "max": round(max(values), 1),
        }
        s = summary[key]
        print(f"{key:34} {s['median']:>10.1f} {s['min']:>8.1f} {s['max']:>8.1f}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": {"platform": platform.platform(), "python": platform.python_version()},
                "repeat": args.repeat,
                "results": summary,
                "runs": runs,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
