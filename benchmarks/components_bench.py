"""Benchmark the offline audio components on this machine: VAD, STT and TTS speed and accuracy.

Measures silero VAD microseconds per 32 ms frame; moonshine and PocketSphinx real-time
factor and word error rate on Debian's pocketsphinx-testdata recordings; Piper and
espeak-ng time to first audio and real-time factor. Medians over repeats.

Wall-clock numbers suffer when other work shares the CPU (the JSON records the load
average); the cpu_* numbers are this process's CPU time over all its threads (espeak-ng
runs in a child process, so its cpu figure leaves the synthesis out).

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
    per_frame, cpu_per_frame = [], []
    for _ in range(repeat):
        vad.reset()
        start, cpu = time.perf_counter(), time.process_time()
        for frame in frames:
            vad.speech_probability(frame)
        per_frame.append((time.perf_counter() - start) / len(frames) * 1e6)
        cpu_per_frame.append((time.process_time() - cpu) / len(frames) * 1e6)
    return {
        "component": "vad silero",
        "load_s": round(load_s, 3),
        "frames": len(frames),
        "us_per_frame": round(statistics.median(per_frame), 1),
        "cpu_us_per_frame": round(statistics.median(cpu_per_frame), 1),
        "realtime_factor": round(statistics.median(per_frame) / 32_000, 4),
    }


def bench_stt(name: str, factory: Any, repeat: int) -> dict[str, Any]:
    stt: STT
    stt, load_s = timed_load(factory)
    result: dict[str, Any] = {"component": f"stt {name}", "load_s": round(load_s, 3)}
    for corpus, listing in (("librivox", "transcription"), ("cards", "cards.transcription")):
        pairs = recordings(corpus, listing)
        factors, cpu_factors, hypotheses = [], [], []
        for path, _ in pairs:
            audio = read_wav(path).samples
            seconds = audio.size / stt.sample_rate
            times, cpu_times = [], []
            for _ in range(repeat):
                start, cpu = time.perf_counter(), time.process_time()
                text = stt.transcribe(audio)
                times.append(time.perf_counter() - start)
                cpu_times.append(time.process_time() - cpu)
            hypotheses.append(text)
            factors.append(statistics.median(times) / seconds)
            cpu_factors.append(statistics.median(cpu_times) / seconds)
        result[f"{corpus}_wer"] = round(word_error_rate([r for _, r in pairs], hypotheses), 3)
        result[f"{corpus}_rtf"] = round(statistics.median(factors), 3)
        result[f"{corpus}_cpu_rtf"] = round(statistics.median(cpu_factors), 3)
        result[f"{corpus}_seconds"] = round(sum(read_wav(p).duration for p, _ in pairs), 1)
    return result


def bench_tts(name: str, factory: Any, repeat: int) -> dict[str, Any]:
    tts: TTS
    tts, load_s = timed_load(factory)
    first_audio, factors, cpu_factors = [], [], []
    for sentence in SENTENCES:
        for _ in range(repeat):
            start, cpu = time.perf_counter(), time.process_time()
            chunks = tts.synthesize(sentence)
            first = next(iter(chunks))
            first_audio.append(time.perf_counter() - start)
            seconds = (first.size + sum(c.size for c in chunks)) / tts.sample_rate
            factors.append((time.perf_counter() - start) / seconds)
            cpu_factors.append((time.process_time() - cpu) / seconds)
    return {
        "component": f"tts {name}",
        "load_s": round(load_s, 3),
        "sample_rate": tts.sample_rate,
        "first_audio_ms": round(statistics.median(first_audio) * 1000, 1),
        "first_audio_max_ms": round(max(first_audio) * 1000, 1),
        "realtime_factor": round(statistics.median(factors), 4),
        "cpu_realtime_factor": round(statistics.median(cpu_factors), 4),
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
    load_at_start = os.getloadavg()[0]
    rows = [
        bench_vad(args.repeat),
        bench_stt("moonshine", MoonshineSTT, args.repeat),
        bench_stt("pocketsphinx", PocketSphinxSTT, args.repeat),
        bench_tts("piper", PiperTTS, args.repeat),
        bench_tts("espeak", EspeakTTS, args.repeat),
    ]
    print(table(rows))
    load = os.getloadavg()
    print(f"load average (1 min): {load_at_start:.1f} at start, {load[0]:.1f} at end")
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1m_at_start": round(load_at_start, 2),
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
