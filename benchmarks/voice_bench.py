"""Benchmark voice to voice on the offline engine: end of speech to first reply audio, and
barge-in (the caller talks over the reply) to the engine noticing and cancelling.

Real recordings (Debian's pocketsphinx-testdata) are streamed into a LocalRealtimeModel in real
time, 20 ms at a time. Times are measured from the speech itself (onset/offset found by energy
in the recording), so the end-of-turn window (ServerVAD silence_duration_ms, 300 ms by default)
is included, as a caller would experience it:

- voice to voice: speech offset -> first OutputAudioDelta, split into the end-of-turn wait
  (-> SpeechStopped), the final transcript, the first text and the first audio;
- barge-in: once the reply's audio has started, the next recording is streamed; its speech
  onset -> SpeechStarted (a client stops playback there) and -> ResponseDone(cancelled) when
  the response was still running.

- reply audio stalls: a player fed by the reply's audio deltas as they arrive runs dry
  whenever the next piece is late (the caller hears a gap); their total, while the reply
  plays (until the barge-in, or with --no-barge until its end).

Run: .venv/bin/python benchmarks/voice_bench.py [--rounds N] [--tts espeak|piper] [--scripted-llm]
     [--first-piece CLAUSE,MAX] [--pause-ms MS] [--partial-ms MS] [--no-barge] [--out FILE]
Prints a table (median, p95) and writes benchmarks/results/voice_bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.engine.audio import float_to_pcm16, read_wav, resample
from voxline.engine.components import create_stt, create_tts, create_vad
from voxline.engine.local_model import LocalRealtimeModel
from voxline.engine.options import EngineOptions
from voxline.engine.ports import LLM
from voxline.testing.engine_fakes import ScriptedLLM

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
RESULTS = Path(__file__).parent / "results" / "voice_bench.json"
INSTRUCTIONS = (
    "You are a friendly librarian on the phone. The caller reads you lines from a novel. "
    "Answer in two short sentences."
)
RATE = 24_000
CHUNK = 480  # 20 ms of 24 kHz samples
LEAD = 0.3  # silence before each recording


class Clip:
    """A recording as wire audio with its speech onset and offset (seconds into the audio)."""

    def __init__(self, path: Path) -> None:
        rec = read_wav(path)
        speech = resample(rec.samples, rec.sample_rate, RATE)
        pad = np.zeros(RATE, dtype=np.float32)
        samples = np.concatenate([pad[: int(LEAD * RATE)], speech, pad])
        frames = samples[: len(samples) // CHUNK * CHUNK].reshape(-1, CHUNK)
        rms = np.sqrt((frames**2).mean(axis=1))
        loud = np.flatnonzero(rms > 0.1 * rms.max())
        self.onset = float(loud[0] * CHUNK / RATE)
        self.offset = float((loud[-1] + 1) * CHUNK / RATE)
        self.wire = float_to_pcm16(samples)
        self.name = path.stem


class Streams:
    """Streams clips into a model in real time, each in its own task."""

    def __init__(self, model: LocalRealtimeModel) -> None:
        self.model = model
        self.tasks: list[asyncio.Task[None]] = []

    def start(self, clip: Clip) -> float:
        """Start streaming `clip`; returns the wall time its audio starts at."""
        start = time.perf_counter()
        step = CHUNK * 2

        async def feed() -> None:
            for n, i in enumerate(range(0, len(clip.wire), step)):
                await self.model.send(cmd.SendAudio(clip.wire[i : i + step]))
                await asyncio.sleep(max(0.0, start + (n + 1) * 0.02 - time.perf_counter()))

        self.tasks.append(asyncio.create_task(feed()))
        return start

    async def finish(self) -> None:
        """Wait until every clip has been streamed."""
        await asyncio.gather(*self.tasks)
        self.tasks.clear()


class Playback:
    """A client's player fed by the reply's audio deltas as they arrive: how long it ran dry.

    Playing starts with the first delta; a delta arriving after everything before it has
    played is a stall (the caller hears a gap) of the time the player waited.
    """

    def __init__(self) -> None:
        self.ends_at: float | None = None
        self.stall_s = 0.0
        self.stalls = 0

    def add(self, now: float, audio: bytes) -> None:
        """A delta of `audio` arrived at `now`."""
        seconds = len(audio) / 2 / RATE
        if self.ends_at is None:
            self.ends_at = now + seconds
            return
        if now > self.ends_at:
            self.stall_s += now - self.ends_at
            self.stalls += 1
            self.ends_at = now
        self.ends_at += seconds


class Round:
    """What one round's events show, as seconds from the speech itself."""

    def __init__(self, streams: Streams, turn: Clip, barge: Clip | None) -> None:
        self.streams = streams
        self.barge = barge
        self.speech_end = streams.start(turn) + turn.offset
        self.barge_onset = 0.0
        self.marks: dict[str, float] = {}
        self.text = ""  # the reply's text so far
        self.at_audio = ""  # ... when its first audio left
        self.reply = ""
        self.playback = Playback()

    def finished(self) -> bool:
        """With a barge-in: once it is heard and the reply's response has ended (cancelled,
        or completed before the caller spoke: then only SpeechStarted counts, as a client
        stops playback); without: once the reply is done."""
        ended = bool({"cancelled", "completed"} & self.marks.keys())
        return ended and (self.barge is None or "barge_started" in self.marks)

    def on(self, event: ev.ModelEvent, now: float) -> None:
        marks = self.marks
        match event:
            case ev.SpeechStopped() if "stopped" not in marks:
                marks["stopped"] = now - self.speech_end
            case ev.InputTranscriptCompleted() if "transcript" not in marks:
                marks["transcript"] = now - self.speech_end
            case ev.OutputTextDelta() if not self.reply:
                marks.setdefault("text", now - self.speech_end)
                self.text += event.delta
            case ev.OutputAudioDelta() if "audio" not in marks:
                marks["audio"] = now - self.speech_end
                self.at_audio = self.text
                self.reply = event.response_id
                self.playback.add(now, event.audio)
                if self.barge is not None:
                    self.barge_onset = self.streams.start(self.barge) + self.barge.onset
            case ev.OutputAudioDelta() if event.response_id == self.reply:
                self.playback.add(now, event.audio)
            case ev.SpeechStarted() if self.barge_onset and "barge_started" not in marks:
                marks["barge_started"] = now - self.barge_onset
            case ev.ResponseDone() if event.response_id == self.reply:
                if event.status is ev.ResponseStatus.CANCELLED:
                    marks["cancelled"] = now - self.barge_onset
                elif self.barge is None:
                    marks["completed"] = now - self.speech_end
                else:
                    marks["completed"] = now - self.barge_onset  # negative: before the barge-in
            case ev.ModelError():
                print(f"  error: {event.message}")
            case _:
                pass


async def one_round(
    model: LocalRealtimeModel,
    events: AsyncIterator[ev.ModelEvent],
    turn: Clip,
    barge: Clip | None,
) -> tuple[dict[str, float], str]:
    """One spoken turn, then (with `barge`) a barge-in over its reply; seconds from the speech
    itself. Also returns the reply's text generated when its first audio left."""
    streams = Streams(model)
    state = Round(streams, turn, barge)
    while not state.finished():
        event = await asyncio.wait_for(anext(events), timeout=300)
        state.on(event, time.perf_counter())
    marks = state.marks
    marks["stall_s"] = state.playback.stall_s
    marks["stalls"] = state.playback.stalls
    # Let the barge-in turn finish streaming; its own reply is not measured.
    await streams.finish()
    return {k: round(v, 3) for k, v in marks.items()}, state.at_audio.strip()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="turns (each with a barge-in)")
    parser.add_argument("--tts", default=None, help="piper or espeak (default: best installed)")
    parser.add_argument("--scripted-llm", action="store_true", help="no language model")
    parser.add_argument(
        "--first-piece",
        default="1,3",
        help="EngineOptions first_clause_words,first_piece_words (default 1,3)",
    )
    parser.add_argument("--pause-ms", type=int, default=100, help="EngineOptions pause_ms")
    parser.add_argument(
        "--partial-ms", type=int, default=800, help="EngineOptions partial_interval_ms"
    )
    parser.add_argument(
        "--no-barge",
        action="store_true",
        help="no barge-in: each reply plays to its end (measures stalls over whole replies)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="the JSON file to write")
    args = parser.parse_args()
    clips = [Clip(p) for p in sorted(LIBRIVOX.glob("*.wav"))]
    asyncio.run(run(args, clips))


async def run(args: argparse.Namespace, clips: list[Clip]) -> None:
    """Load the components, play the rounds, print and save the table."""
    stt, tts = create_stt(), create_tts(args.tts)
    reply = "Thank you, that is a lovely line. Which chapter is it from, and do you like it?"
    llm: LLM
    if args.scripted_llm:
        llm = ScriptedLLM([reply] * (2 * args.rounds))
    else:
        from voxline.engine.llm.llama import LlamaCppLLM

        llm = LlamaCppLLM()
        llm.prepare(INSTRUCTIONS, ())
    clause, piece = (int(x) for x in args.first_piece.split(","))
    options = EngineOptions(
        first_clause_words=clause,
        first_piece_words=piece,
        pause_ms=args.pause_ms,
        partial_interval_ms=args.partial_ms,
    )
    rounds: list[dict[str, object]] = []
    for n in range(args.rounds):
        turn, barge = clips[n % len(clips)], clips[(n + 1) % len(clips)]
        model = LocalRealtimeModel(create_vad(), stt, llm, tts, options=options)
        events = model.events().__aiter__()
        await model.connect(SessionConfig(instructions=INSTRUCTIONS))
        await anext(events)  # connected
        turns_before = getattr(llm, "turn_count", 0)
        timings, first_piece = await one_round(
            model, events, turn, None if args.no_barge else barge
        )
        await model.close()
        marks: dict[str, object] = {**timings, "first_piece": first_piece}
        marks["primed_tokens"] = model.stats.primed_tokens
        if model.stats.stt_rtf is not None:
            marks["stt_rtf"] = round(model.stats.stt_rtf, 3)
        recent = list(getattr(llm, "recent_stats", ()))
        new_turns = getattr(llm, "turn_count", 0) - turns_before
        if new_turns > 0 and len(recent) >= new_turns:  # the measured reply's LLM turn
            stats = recent[-new_turns]
            marks["llm_prompt_tokens"] = stats.prompt_tokens
            marks["llm_decision_s"] = round(stats.decision_s, 3)
            marks["llm_tokens_per_s"] = round(stats.tokens_per_s, 1)
        print(f"  round {n + 1}: {marks}", flush=True)
        rounds.append(marks)

    keys = ["stopped", "transcript", "text", "audio", "barge_started", "cancelled", "stall_s"]
    labels = {
        "stopped": "end-of-turn wait (SpeechStopped)",
        "transcript": "final transcript",
        "text": "first reply text",
        "audio": "first reply audio (voice to voice)",
        "barge_started": "barge-in: SpeechStarted",
        "cancelled": "barge-in: response cancelled",
        "stall_s": "reply audio stalls (total, played)",
    }
    summary: dict[str, object] = {
        "first_piece_words": [clause, piece],
        "pause_ms": args.pause_ms,
        "partial_interval_ms": args.partial_ms,
        "barge_in": not args.no_barge,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        "components": [type(stt).__name__, type(llm).__name__, type(tts).__name__],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(f"\n{summary['machine']}; {', '.join(summary['components'])}")  # type: ignore[arg-type]
    print(f"{'seconds from the speech':38}{'n':>4}{'median':>9}{'p95':>8}")
    for key in keys:
        values = [float(str(r[key])) for r in rounds if key in r]
        if not values:
            continue
        row = {"n": len(values), "median": round(statistics.median(values), 3)}
        row["p95"] = pct(values, 0.95)
        summary[key] = row
        print(f"{labels[key]:38}{row['n']:>4}{row['median']:>9}{row['p95']:>8}")
    print(f"peak memory {summary['peak_rss_mib']} MiB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "rounds": rounds}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
