"""Benchmark the offline audio components on this machine: VAD, STT and TTS speed and accuracy.

Measures silero VAD microseconds per 32 ms frame; moonshine and PocketSphinx real-time
factor and word error rate on Debian's pocketsphinx-testdata recordings; Piper and
espeak-ng time to first audio and real-time factor. Medians over repeats.

Run: .venv/bin/python benchmarks/components_bench.py [--repeat N]
Prints a table and writes benchmarks/results/components_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from voxline.engine.audio import Framer, read_wav
from voxline.engine.ports import STT, TTS
from voxline.engine.stt import MoonshineSTT, PocketSphinxSTT, word_error_rate
from voxline.engine.tts import EspeakTTS, PiperTTS
from voxline.engine.vad import SileroVAD

DATA = Path("/usr/share/pocketsphinx/test/data")
RESULTS = Path(__file__).parent / "results" / "components_bench.json"
SENTENCES = [
    "Thanks for calling, how can I help you today?",
    "Your flight to Boston leaves at seven fifteen tomorrow morning.",
    "I have transferred you to our billing team.",
    "Could you please confirm the last four digits of your phone number?",
    "Sure.",
]


def recordings(folder: str, listing: str) -> list[tuple[Path, str]]:
    """(wav path, reference transcript) pairs from a pocketsphinx-testdata folder."""
    out = []
    for line in (DATA / folder / listing).read_text().splitlines():
        match = re.fullmatch(r"<s>(.*)</s>\s*\((.*)\)", line.strip())
        if match:
            out.append((DATA / folder / f"{match.group(2)}.wav", match.group(1).strip()))
    return out


def timed_load(factory: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    component = factory()
    return component, time.perf_counter() - start


def bench_vad(repeat: int) -> dict[str, Any]:
    vad, load_s = timed_load(SileroVAD)
    frames = []
    for path, _ in recordings("librivox", "transcription"):
        frames += list(Framer(512).push(read_wav(path).samples))
    per_frame = []
    for _ in range(repeat):
        vad.reset()
        start = time.perf_counter()
        for frame in frames:
            vad.speech_probability(frame)
        per_frame.append((time.perf_counter() - start) / len(frames) * 1e6)
    return {
        "component": "vad silero",
        "load_s": round(load_s, 3),
        "frames": len(frames),
        "us_per_frame": round(statistics.median(per_frame), 1),
        "realtime_factor": round(statistics.median(per_frame) / 32_000, 4),
    }


def bench_stt(name: str, factory: Any, repeat: int) -> dict[str, Any]:
    stt: STT
    stt, load_s = timed_load(factory)
    result: dict[str, Any] = {"component": f"stt {name}", "load_s": round(load_s, 3)}
    for corpus, listing in (("librivox", "transcription"), ("cards", "cards.transcription")):
        pairs = recordings(corpus, listing)
        factors, hypotheses = [], []
        for path, _ in pairs:
            audio = read_wav(path).samples
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                text = stt.transcribe(audio)
                times.append(time.perf_counter() - start)
            hypotheses.append(text)
            factors.append(statistics.median(times) / (audio.size / stt.sample_rate))
        result[f"{corpus}_wer"] = round(word_error_rate([r for _, r in pairs], hypotheses), 3)
        result[f"{corpus}_rtf"] = round(statistics.median(factors), 3)
        result[f"{corpus}_seconds"] = round(sum(read_wav(p).duration for p, _ in pairs), 1)
    return result


def bench_tts(name: str, factory: Any, repeat: int) -> dict[str, Any]:
    tts: TTS
    tts, load_s = timed_load(factory)
    first_audio, factors = [], []
    for sentence in SENTENCES:
        for _ in range(repeat):
            start = time.perf_counter()
            chunks = tts.synthesize(sentence)
            first = next(iter(chunks))
            first_audio.append(time.perf_counter() - start)
            samples = first.size + sum(c.size for c in chunks)
            factors.append((time.perf_counter() - start) / (samples / tts.sample_rate))
    return {
        "component": f"tts {name}",
        "load_s": round(load_s, 3),
        "sample_rate": tts.sample_rate,
        "first_audio_ms": round(statistics.median(first_audio) * 1000, 1),
        "first_audio_max_ms": round(max(first_audio) * 1000, 1),
        "realtime_factor": round(statistics.median(factors), 4),
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'component':<18} {'load s':>7}  measurements", "-" * 78]
    for row in rows:
        rest = ", ".join(f"{k}={v}" for k, v in row.items() if k not in ("component", "load_s"))
        lines.append(f"{row['component']:<18} {row['load_s']:>7}  {rest}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per item (median kept)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows = [
        bench_vad(args.repeat),
        bench_stt("moonshine", MoonshineSTT, args.repeat),
        bench_stt("pocketsphinx", PocketSphinxSTT, args.repeat),
        bench_tts("piper", PiperTTS, args.repeat),
        bench_tts("espeak", EspeakTTS, args.repeat),
    ]
    print(table(rows))
    load = os.getloadavg()
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1m_at_end": round(load[0], 2),
        },
        "repeat": args.repeat,
        "numpy": np.__version__,
        "results": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
