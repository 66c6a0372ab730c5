"""Benchmark the whole offline engine: from the end of the user's speech to the reply's audio.

Real recordings (Debian's pocketsphinx-testdata) are streamed into a LocalRealtimeModel in
real time, 20 ms at a time, as a browser would; silero VAD ends each turn, moonshine
transcribes, the language model answers and TTS speaks. Measured per turn, from the moment
the engine decided the turn had ended (SpeechStopped): the final transcript, the first text,
the first audio. Each clip is a caller's first turn with a cached agent, once with and once without
transcribing while the user speaks, alternating so both see the same machine load.

Run: .venv/bin/python benchmarks/engine_bench.py [--tts espeak|piper] [--scripted-llm]
Prints a table and writes benchmarks/results/engine_bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.engine.audio import float_to_pcm16, read_wav, resample
from voxline.engine.components import create_stt, create_tts, create_vad
from voxline.engine.local_model import EngineOptions, LocalRealtimeModel
from voxline.engine.ports import LLM, STT, TTS
from voxline.testing.engine_fakes import ScriptedLLM

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
RESULTS = Path(__file__).parent / "results" / "engine_bench.json"
INSTRUCTIONS = (
    "You are a friendly librarian on the phone. The caller reads you lines from a novel. "
    "Answer in one short sentence."
)
CHUNK = 960  # 20 ms of PCM16 24 kHz


def clips() -> list[bytes]:
    """Each recording as wire audio, with 0.3 s of silence before and 1 s after."""
    out = []
    for path in sorted(LIBRIVOX.glob("*.wav")):
        rec = read_wav(path)
        speech = resample(rec.samples, rec.sample_rate, 24_000)
        pad = np.zeros(24_000, dtype=np.float32)
        out.append(float_to_pcm16(np.concatenate([pad[:7_200], speech, pad])))
    return out


async def one_turn(
    model: LocalRealtimeModel, events: AsyncIterator[ev.ModelEvent], clip: bytes
) -> dict[str, float]:
    """Stream one clip in real time; time the events after the end of speech."""
    marks: dict[str, float] = {}
    start = time.perf_counter()

    async def feed() -> None:
        for n, i in enumerate(range(0, len(clip), CHUNK)):
            await model.send(cmd.SendAudio(clip[i : i + CHUNK]))
            await asyncio.sleep(max(0.0, start + (n + 1) * 0.02 - time.perf_counter()))

    feeder = asyncio.create_task(feed())
    while "done" not in marks:
        event = await anext(events)
        now = time.perf_counter()
        match event:
            case ev.SpeechStopped():
                marks["stopped"] = now
            case ev.InputTranscriptCompleted():
                marks.setdefault("transcript", now)
            case ev.OutputTextDelta():
                marks.setdefault("text", now)
            case ev.OutputAudioDelta():
                marks.setdefault("audio", now)
            case ev.ResponseDone():
                marks["done"] = now
            case ev.ModelError():
                print(f"  error: {event.message}")
            case _:
                pass
    await feeder
    stopped = marks.pop("stopped")
    return {k: round(v - stopped, 3) for k, v in marks.items()}


def median(turns: list[dict[str, float]], key: str) -> float:
    return round(statistics.median(t[key] for t in turns if key in t), 3)


def p95(turns: list[dict[str, float]], key: str) -> float:
    values = sorted(t[key] for t in turns if key in t)
    return round(values[min(len(values) - 1, round(0.95 * (len(values) - 1)))], 3)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tts", default=None, help="piper or espeak (default: best installed)")
    parser.add_argument("--scripted-llm", action="store_true", help="no language model")
    args = parser.parse_args()

    t0 = time.perf_counter()
    create_vad()
    stt: STT = create_stt()
    tts: TTS = create_tts(args.tts)
    loaded_audio_s = time.perf_counter() - t0
    configs = {"partials on": EngineOptions(), "partials off": EngineOptions(partials=False)}
    llms: dict[str, LLM] = {}
    prefill_s = 0.0
    for name in configs:  # one LLM each: a shared one would reuse the other's cached turn
        if args.scripted_llm:
            llms[name] = ScriptedLLM(["Thank you, that is a lovely line from the book."] * 20)
            continue
        from voxline.engine.llm.llama import LlamaCppLLM

        llms[name] = LlamaCppLLM()
        t1 = time.perf_counter()
        llms[name].prepare(INSTRUCTIONS, ())
        prefill_s = time.perf_counter() - t1
    audio = clips()
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "components": [type(stt).__name__, type(llms["partials on"]).__name__, type(tts).__name__],
        "load_audio_components_s": round(loaded_audio_s, 2),
        "llm_cold_prefill_s": round(prefill_s, 2),
        "runs": {},
    }
    turns: dict[str, list[dict[str, float]]] = {name: [] for name in configs}
    stats: dict[str, list[tuple[int, int]]] = {name: [] for name in configs}
    # Alternate the configurations turn by turn, so both see the same machine load. Each
    # turn is a new conversation with the same (cached) agent, like a caller's first turn.
    for clip in audio:
        for name, options in configs.items():
            model = LocalRealtimeModel(create_vad(), stt, llms[name], tts, options=options)
            events = model.events().__aiter__()
            await model.connect(SessionConfig(instructions=INSTRUCTIONS))
            await anext(events)  # connected
            turns[name].append(await one_turn(model, events, clip))
            stats[name].append((model.stats.partials, model.stats.reused_finals))
            await model.close()
    for name in configs:
        results["runs"][name] = {
            "turns": turns[name],
            "median_transcript_s": median(turns[name], "transcript"),
            "median_first_text_s": median(turns[name], "text"),
            "median_first_audio_s": median(turns[name], "audio"),
            "p95_first_audio_s": p95(turns[name], "audio"),
            "partials": sum(p for p, _ in stats[name]),
            "reused_finals": sum(r for _, r in stats[name]),
        }
    print(f"{results['machine']}; {', '.join(results['components'])}")
    print(f"audio components load {results['load_audio_components_s']} s, ", end="")
    print(f"LLM cold prefill {results['llm_cold_prefill_s']} s")
    print(
        f"{'from end of speech (median s)':<32}{'transcript':>11}{'text':>8}{'audio':>8}"
        f"{'audio p95':>10}  reused"
    )
    for name, run in results["runs"].items():
        print(
            f"{name:<32}{run['median_transcript_s']:>11}{run['median_first_text_s']:>8}"
            f"{run['median_first_audio_s']:>8}{run['p95_first_audio_s']:>10}  "
            f"{run['reused_finals']}/{len(audio)}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    asyncio.run(main())
