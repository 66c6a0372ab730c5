"""A spoken turn's transcripts on the STT lane: partials, settled heads at pauses, the final."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from voxline.core.clock import Clock
from voxline.engine.audio import resample
from voxline.engine.locks import component_lock
from voxline.engine.options import EngineStats
from voxline.engine.ports import STT, Audio


@dataclass(slots=True)
class _SttJob:
    item_id: str
    samples: int
    future: asyncio.Future[str]
    at_pause: bool = False


@dataclass(frozen=True, slots=True)
class _Head:
    """A turn's words up to a pause the speaker went on after: later transcripts of the turn
    only transcribe the audio after it (a pause is silence, so no word is cut)."""

    item_id: str
    samples: int
    text: str


def timed_transcribe(stt: STT, audio: Audio, rate: int, clock: Clock, stats: EngineStats) -> str:
    """Runs on the STT lane; keeps `stats.stt_rtf` (compute time per audio second)."""
    seconds = audio.size / rate
    if stt.sample_rate != rate:
        audio = resample(audio, rate, stt.sample_rate)
    with component_lock(stt):
        began = clock.now()
        text = stt.transcribe(audio)
        spent = clock.now() - began
    if seconds > 0.5:  # short clips are dominated by fixed costs
        rtf = spent / seconds
        old = stats.stt_rtf
        stats.stt_rtf = rtf if old is None else 0.7 * old + 0.3 * rtf
    return text


class TurnTranscriber:
    """Transcribes the input turns, one job at a time on the STT lane.

    Keeps the latest job (the final transcript reuses it when it heard the whole turn) and
    the turn's settled head (later transcripts read only the audio after it).

    Args:
        read: Transcribes audio at `rate`; runs on `lane`.
        rate: The sample rate of the turns' audio.
        lane: The STT worker thread.
        stats: Where `partials` and `reused_finals` are counted (`stt_rtf` is read).
        track: Keeps a running job's future (so closing the model cancels it).
    """

    def __init__(
        self,
        read: Callable[[Audio], str],
        rate: int,
        lane: Executor,
        stats: EngineStats,
        track: Callable[[asyncio.Future[Any]], None],
    ) -> None:
        self._read, self._rate, self._lane = read, rate, lane
        self._stats, self._track = stats, track
        self.partial_at = 0  # turn samples heard by the latest partial
        self._stt_job: _SttJob | None = None
        self._head: _Head | None = None
        self._settling: asyncio.Future[str] | None = None  # a job that will move the head

    @property
    def busy(self) -> bool:
        """A job is still running."""
        return self._stt_job is not None and not self._stt_job.future.done()

    def is_pause_job(self, future: asyncio.Future[str]) -> bool:
        """`future` is the latest job, and it was started at a pause."""
        return (
            self._stt_job is not None and self._stt_job.future is future and self._stt_job.at_pause
        )

    async def final(self, item_id: str, audio: Audio) -> str:
        """The final transcript: a partial that heard all of `audio`, or a new one."""
        job = self._stt_job
        if job is not None and job.item_id == item_id and job.samples >= audio.size:
            try:
                text = await asyncio.shield(job.future)
                self._stats.reused_finals += 1
                return text
            except Exception:  # noqa: BLE001 - transcribe again below
                pass
        return await self._transcribe_turn(item_id, audio, self._settling)

    def start(
        self,
        item_id: str,
        audio: Audio,
        *,
        at_pause: bool,
        budget_ms: int,
        settle_at_pauses: bool,
        then: Callable[[asyncio.Future[str]], None],
    ) -> None:
        """A partial transcript of the turn so far, unless it would cost more than
        `budget_ms` (not at a pause); `then` gets its future when it is done."""
        rtf = self._stats.stt_rtf
        reads = self._tail_samples(item_id, audio.size)
        cost_ms = 0.0 if rtf is None else rtf * reads * 1000 / self._rate
        if not at_pause and cost_ms > budget_ms:
            # it could still be running when the turn ends, delaying the final one; a long
            # stretch without a pause is settled piece by piece instead
            # (either way the next try waits for another interval of speech, rather than
            # re-copying the growing turn on every VAD frame)
            self.partial_at = audio.size
            cut = self._quiet_cut(item_id, audio) if settle_at_pauses else None
            if cut is not None:
                self._run_stt(item_id, audio[:cut], at_pause=False, settle=True, then=then)
            return
        self.partial_at = audio.size
        self._run_stt(
            item_id, audio, at_pause=at_pause, settle=at_pause and settle_at_pauses, then=then
        )

    async def _transcribe_turn(
        self, item_id: str, audio: Audio, settling: asyncio.Future[str] | None = None
    ) -> str:
        """The words of the turn `item_id` so far: its settled head, if any, plus a
        transcript of the audio after it (all of `audio` without a head). `settling` is a
        job that will move the head, waited for first."""
        if settling is not None and not settling.done():
            # the STT lane is serial anyway: wait for the head it brings, then read less
            await asyncio.wait([settling])
        head = self._head
        if head is None or head.item_id != item_id or not 0 < head.samples < audio.size:
            return await self._transcribe(audio)
        tail = (await self._transcribe(audio[head.samples :])).strip()
        return f"{head.text} {tail}".strip()

    def _tail_samples(self, item_id: str, samples: int) -> int:
        """How much audio a transcript of the first `samples` of the turn has to read."""
        head = self._head
        if head is None or head.item_id != item_id or head.samples >= samples:
            return samples
        return samples - head.samples

    async def _transcribe(self, audio: Audio) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._lane, self._read, audio)

    def _run_stt(
        self,
        item_id: str,
        audio: Audio,
        *,
        at_pause: bool,
        settle: bool,
        then: Callable[[asyncio.Future[str]], None],
    ) -> None:
        self._stats.partials += 1
        future = asyncio.ensure_future(self._transcribe_turn(item_id, audio, self._settling))
        self._track(future)
        self._stt_job = _SttJob(item_id, audio.size, future, at_pause)
        if settle:
            self._settling = future
            future.add_done_callback(lambda f: self._settle(item_id, audio.size, f))
        future.add_done_callback(then)

    def _quiet_cut(self, item_id: str, audio: Audio) -> int | None:
        """Where to settle a long stretch of speech with no pause: the quietest 20 ms
        between 1 s after the settled head and 0.6 s before the end (the last words may
        still change), at most 4 s after the head; None when the stretch is too short."""
        rate = self._rate
        head = self._head
        start = head.samples if head is not None and head.item_id == item_id else 0
        low = start + rate
        high = min(audio.size - rate * 6 // 10, start + 4 * rate)
        window = rate // 50
        count = (high - low) // window
        if count < 5:
            return None
        frames = audio[low : low + count * window].reshape(count, window)
        quietest = int(np.argmin((frames.astype(np.float64) ** 2).mean(axis=1)))
        return low + quietest * window + window // 2

    def _settle(self, item_id: str, samples: int, future: asyncio.Future[str]) -> None:
        """A pause (or a quiet moment of a long stretch) was transcribed: its words are the
        turn's head, so later transcripts of the turn read only the audio after it."""
        if future.cancelled() or future.exception() is not None:
            return
        text = future.result().strip()
        head = self._head
        if text and (head is None or head.item_id != item_id or head.samples < samples):
            self._head = _Head(item_id, samples, text)
