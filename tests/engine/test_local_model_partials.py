"""Transcribing while the user speaks: partial transcripts, the pause, and the CPU budget."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence

import pytest

from tests.engine.test_local_model import Engine, chunks, of, silence, speech
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import ToolSpec
from voxline.core.ids import CountingIds
from voxline.engine.local_model import LocalRealtimeModel
from voxline.engine.options import EngineOptions
from voxline.engine.ports import Audio, ChatMessage
from voxline.testing import ManualClock
from voxline.testing.engine_fakes import ScriptedLLM, ScriptedSTT


async def test_partial_transcripts_grow_while_the_user_speaks_and_the_last_is_reused() -> None:
    e = Engine(["please book a table for two"], ["Done."], ms_per_word=250)
    await e.start()
    for part in chunks(silence(100) + speech(1500)):
        await e.send(cmd.SendAudio(part))
    deltas = await e.until(ev.InputTranscriptDelta)
    for part in chunks(silence(500)):
        await e.send(cmd.SendAudio(part))
    events = await e.until(ev.ResponseDone)
    deltas += of(events, ev.InputTranscriptDelta)
    text = "".join(d.delta for d in of(deltas, ev.InputTranscriptDelta))
    assert "please book a table for two".startswith(text)
    assert of(events, ev.InputTranscriptCompleted)[0].transcript == "please book a table for two"
    assert e.model.stats.partials >= 2
    assert e.model.stats.reused_finals == 1
    # the final transcript cost no STT call after the end of speech
    assert len(e.stt.calls) == e.model.stats.partials
    await e.close()


async def test_a_pause_is_transcribed_even_behind_a_running_partial() -> None:
    e = Engine(["two pieces"], ["Ok."])
    await e.start()
    for part in chunks(silence(100) + speech(1000) + silence(500)):  # no await in between:
        await e.send(cmd.SendAudio(part))  # the 800 ms partial is still running at the pause
    events = await e.until(ev.ResponseDone)
    assert of(events, ev.InputTranscriptCompleted)[0].transcript == "two pieces"
    assert e.model.stats.partials == 2
    assert e.model.stats.reused_finals == 1
    assert len(e.stt.calls) == 2
    await e.close()


class TimedSTT(ScriptedSTT):
    """Takes `rtf` seconds of (manual) time per second of audio; a word per 100 ms."""

    def __init__(self, clock: ManualClock, rtf: float, transcripts: Sequence[str]) -> None:
        super().__init__(transcripts, ms_per_word=100)
        self.clock, self.rtf = clock, rtf

    def transcribe(self, audio: Audio) -> str:
        self.clock.advance(self.rtf * audio.size / self.sample_rate)
        return super().transcribe(audio)


def timed_engine(rtf: float, options: EngineOptions | None = None) -> Engine:
    e = Engine(turns=["Ok."])
    clock = ManualClock()
    e.stt = TimedSTT(
        clock, rtf, [" ".join(f"w{i}" for i in range(40)), " ".join(f"x{i}" for i in range(40))]
    )
    e.model = LocalRealtimeModel(
        e.vad, e.stt, e.llm, e.tts, clock=clock, ids=CountingIds(), options=options
    )
    e._events = e.model.events().__aiter__()
    return e


async def test_partials_run_every_interval_when_stt_is_fast() -> None:
    e = timed_engine(0.05)
    await e.start()
    for audio in (silence(100) + speech(900), speech(800), speech(800)):
        for part in chunks(audio):
            await e.send(cmd.SendAudio(part))
        await e.until(ev.InputTranscriptDelta)  # a partial at 800, 1600 and 2400 ms
    for part in chunks(silence(500)):
        await e.send(cmd.SendAudio(part))
    await e.until(ev.ResponseDone)
    assert e.model.stats.stt_rtf == pytest.approx(0.05)
    assert (e.model.stats.partials, e.model.stats.reused_finals) == (4, 1)
    await e.close()


async def test_partials_that_would_delay_the_final_transcript_are_skipped() -> None:
    e = timed_engine(1.0, EngineOptions(settle_at_pauses=False))  # no rolling pieces
    await e.start()
    for part in chunks(silence(100) + speech(900)):
        await e.send(cmd.SendAudio(part))
    await e.until(ev.InputTranscriptDelta)  # the first partial measured the STT's speed
    for part in chunks(speech(1600) + silence(500)):
        await e.send(cmd.SendAudio(part))
    await e.until(ev.ResponseDone)
    assert e.model.stats.stt_rtf == pytest.approx(1.0)
    # no partial while speaking after that; the pause is still transcribed and reused
    assert (e.model.stats.partials, e.model.stats.reused_finals) == (2, 1)
    await e.close()


async def test_a_long_stretch_without_a_pause_is_settled_piece_by_piece() -> None:
    e = timed_engine(1.0)  # too slow to re-read the growing turn while it is spoken
    await e.start()
    for part in chunks(silence(100) + speech(900)):
        await e.send(cmd.SendAudio(part))
    await e.until(ev.InputTranscriptDelta)  # the first partial measured the STT's speed
    for part in chunks(speech(3000) + silence(500)):  # the pause waits for the settled piece
        await e.send(cmd.SendAudio(part))
    events = await e.until(ev.ResponseDone)
    final = of(events, ev.InputTranscriptCompleted)[0].transcript
    # the first piece was settled at a quiet moment; the rest was read on its own
    assert final.startswith("w0 w1")
    assert " x0 " in f" {final} "
    assert e.stt.calls[-1] < 3.5 * 16_000  # the end re-read not the whole 4 s turn
    await e.close()


async def eventually(condition: Callable[[], object], timeout_s: float = 5.0) -> None:
    """Wait (polling the loop) until `condition()` is true; fail after `timeout_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(0.01)


async def test_partials_prime_the_llm_with_the_words_so_far() -> None:
    e = Engine(["please book a table for two"], ["Done."], ms_per_word=250)
    await e.start()
    for part in chunks(silence(100) + speech(1500)):
        await e.send(cmd.SendAudio(part))
    await e.until(ev.InputTranscriptDelta)
    await eventually(lambda: e.llm.primed)  # a partial while speaking primes the LLM
    for part in chunks(silence(500)):
        await e.send(cmd.SendAudio(part))
    await e.until(ev.ResponseDone)
    assert all("please book a table for two".startswith(words) for words in e.llm.primed)
    # the turn itself still sees the final transcript
    assert e.llm.calls[-1].messages[-1].content == "please book a table for two"
    await e.close()


async def test_priming_can_be_turned_off() -> None:
    from voxline.engine.options import EngineOptions

    e = Engine(
        ["please book a table for two"],
        ["Done."],
        ms_per_word=250,
        options=EngineOptions(prime=False),
    )
    await e.start()
    for part in chunks(silence(100) + speech(1500) + silence(500)):
        await e.send(cmd.SendAudio(part))
    await e.until(ev.ResponseDone)
    assert e.model.stats.partials >= 1
    assert e.llm.primed == []
    await e.close()


class PrimeFails(ScriptedLLM):
    def prime(self, *args: object, **kwargs: object) -> int:
        self.primed.append("failed")
        raise RuntimeError("prime broke")


async def test_a_failing_prime_costs_nothing_but_the_head_start() -> None:
    e = Engine(["please book a table for two"], ["Done."], ms_per_word=250)
    e.llm = PrimeFails(["Done."])
    e.model = LocalRealtimeModel(e.vad, e.stt, e.llm, e.tts, ids=CountingIds())
    e._events = e.model.events().__aiter__()
    await e.start()
    for part in chunks(silence(100) + speech(1500)):
        await e.send(cmd.SendAudio(part))
    await e.until(ev.InputTranscriptDelta)
    await eventually(lambda: e.llm.primed)
    for part in chunks(silence(500)):
        await e.send(cmd.SendAudio(part))
    events = await e.until(ev.ResponseDone)
    assert e.llm.primed == ["failed"]
    assert not of(events, ev.ModelError)
    assert of(events, ev.OutputTextDelta)
    await e.close()


async def test_after_a_pause_only_the_new_phrase_is_transcribed() -> None:
    e = Engine(["one two three four five", "six seven eight nine ten"], ["Ok."], ms_per_word=250)
    await e.start()
    for part in chunks(silence(100) + speech(1000) + silence(200)):
        await e.send(cmd.SendAudio(part))
    # the pause's transcript reveals a fourth word: the speaker's words so far are settled
    await e.until(lambda x: isinstance(x, ev.InputTranscriptDelta) and "four" in x.delta)
    head_samples = max(e.stt.calls)
    for part in chunks(speech(1000, freq=330.0) + silence(500)):
        await e.send(cmd.SendAudio(part))
    events = await e.until(ev.ResponseDone)
    final = of(events, ev.InputTranscriptCompleted)[0].transcript
    assert final == "one two three four six seven eight nine"
    later = e.stt.calls[e.stt.calls.index(head_samples) + 1 :]
    assert later, "the second phrase was transcribed"
    assert all(size < head_samples for size in later)  # only the audio after the pause
    await e.close()


async def test_settling_at_pauses_can_be_turned_off() -> None:
    from voxline.engine.options import EngineOptions

    e = Engine(
        ["one two three four five", "six seven eight nine ten"],
        ["Ok."],
        ms_per_word=250,
        options=EngineOptions(settle_at_pauses=False),
    )
    await e.start()
    for part in chunks(silence(100) + speech(1000) + silence(200)):
        await e.send(cmd.SendAudio(part))
    await e.until(lambda x: isinstance(x, ev.InputTranscriptDelta) and "four" in x.delta)
    for part in chunks(speech(1000, freq=330.0) + silence(500)):
        await e.send(cmd.SendAudio(part))
    events = await e.until(ev.ResponseDone)
    # the whole turn is transcribed again: the scripted STT sees one growing utterance
    assert of(events, ev.InputTranscriptCompleted)[0].transcript.startswith("one two three")
    assert max(e.stt.calls) > 2 * 16_000
    await e.close()


async def test_a_pause_primes_the_whole_prompt_and_the_turn_ending_there_keeps_it() -> None:
    e = Engine(["please book a table for two"], ["Done."], ms_per_word=250)
    await e.start()
    for part in chunks(silence(100) + speech(1500) + silence(200)):
        await e.send(cmd.SendAudio(part))
    await eventually(lambda: e.llm.primed_complete)  # the pause's words, ready to answer
    assert e.llm.primed_complete == ["please book a table for two"]
    for part in chunks(silence(300)):
        await e.send(cmd.SendAudio(part))
    events = await e.until(ev.ResponseDone)
    assert of(events, ev.InputTranscriptCompleted)[0].transcript == "please book a table for two"
    assert e.llm.calls[-1].messages[-1].content == "please book a table for two"
    await e.close()


class HoldingPrimeLLM(ScriptedLLM):
    """A complete prime that runs until it is told to stop (the LLM lane stays busy)."""

    def __init__(self, turns: Sequence[str]) -> None:
        super().__init__(turns)
        self.holding = threading.Event()
        self.prime_stopped = threading.Event()

    def prime(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        *,
        complete: bool = False,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        evaluated = super().prime(
            instructions, messages, tools, complete=complete, should_stop=should_stop
        )
        if complete and should_stop is not None:
            self.holding.set()
            deadline = time.monotonic() + 5.0
            while not should_stop() and time.monotonic() < deadline:
                time.sleep(0.005)
            if should_stop():
                self.prime_stopped.set()
        return evaluated


async def test_a_complete_prime_stops_when_the_caller_goes_on_after_the_pause() -> None:
    e = Engine(["please book a table", "please book a table for two"], ms_per_word=250)
    e.llm = e.model.llm = HoldingPrimeLLM(["Done."])
    await e.start()
    for part in chunks(silence(100) + speech(1000) + silence(200)):
        await e.send(cmd.SendAudio(part))
    await eventually(e.llm.holding.is_set)  # the pause's prime is running
    assert not e.llm.prime_stopped.is_set()
    for part in chunks(speech(300, freq=330.0)):  # the caller goes on
        await e.send(cmd.SendAudio(part))
    await eventually(e.llm.prime_stopped.is_set)
    for part in chunks(silence(500)):
        await e.send(cmd.SendAudio(part))
    events = await e.until(ev.ResponseDone)
    assert of(events, ev.ResponseDone)[0].status is ev.ResponseStatus.COMPLETED
    await e.close()
