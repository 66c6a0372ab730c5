"""The engine fakes in voxline.testing.engine_fakes behave as documented."""

from __future__ import annotations

import threading

import pytest

from voxline.core.config import ToolSpec
from voxline.engine.ports import LLM, STT, TTS, VAD, TextChunk, ToolChoice
from voxline.errors import ConfigurationError
from voxline.testing.engine_fakes import (
    HOLD,
    FakeTTS,
    FakeVAD,
    ScriptedLLM,
    ScriptedSTT,
    pcm16,
    quiet,
    tone,
)


def test_fakes_satisfy_the_ports() -> None:
    vad: VAD = FakeVAD()
    stt: STT = ScriptedSTT([])
    tts: TTS = FakeTTS()
    llm: LLM = ScriptedLLM([])
    assert (vad.sample_rate, vad.frame_size, stt.sample_rate, tts.sample_rate) == (
        16_000,
        512,
        16_000,
        22_050,
    )
    assert llm is not None


def test_audio_builders() -> None:
    assert tone(100).size == 2400
    assert quiet(10, rate=16_000).size == 160
    assert not quiet(10).any()
    data = pcm16(tone(10), quiet(10))
    assert len(data) == 2 * 480
    assert pcm16() == b""


def test_fake_vad_hears_tones_not_silence_and_checks_frames() -> None:
    vad = FakeVAD()
    assert vad.speech_probability(tone(32, rate=16_000)) == 1.0
    assert vad.speech_probability(quiet(32, rate=16_000)) == 0.0
    assert vad.frames == 2
    with pytest.raises(ConfigurationError):
        vad.speech_probability(quiet(10, rate=16_000))
    vad.reset()
    assert vad.resets == 1
    vad.fail_next(RuntimeError("x"))
    with pytest.raises(RuntimeError):
        vad.speech_probability(quiet(32, rate=16_000))
    assert vad.speech_probability(quiet(32, rate=16_000)) == 0.0  # only once


def test_scripted_stt_follows_utterances_by_their_audio() -> None:
    stt = ScriptedSTT(["one two three", "four", ValueError("garbled")], ms_per_word=100)
    first = tone(300, rate=16_000)
    assert stt.transcribe(first[:1600]) == "one"
    assert stt.transcribe(first) == "one two three"
    assert stt.transcribe(first[:3200]) == "one two"  # a prefix: still the same utterance
    assert stt.transcribe(tone(100, rate=16_000, freq=500.0)) == "four"
    with pytest.raises(ValueError, match="garbled"):
        stt.transcribe(quiet(100, rate=16_000))
    with pytest.raises(ConfigurationError):
        stt.transcribe(tone(100, rate=16_000, freq=900.0))
    assert stt.calls == [1600, 4800, 3200, 1600, 1600, 1600]
    assert stt.remaining == 0


def test_fake_tts_voices_each_word_in_proportion_to_its_length() -> None:
    tts = FakeTTS(sample_rate=10_000, ms_per_char=10)
    chunks = list(tts.synthesize("hi there", voice="v"))
    assert [c.size for c in chunks] == [300, 600]
    assert tts.spoken == ["hi there"]
    assert tts.voices == ["v"]
    assert tts.chunks == 2
    tts.fail_next(OSError("no voice"))
    with pytest.raises(OSError, match="no voice"):
        list(tts.synthesize("x"))


LOOKUP = ToolSpec("lookup", "Look up.", {"type": "object"})


def test_scripted_llm_plays_turns_and_records_calls() -> None:
    llm = ScriptedLLM(["Hello there.", ToolChoice("lookup", "{}"), KeyError("boom")])
    llm.prepare("be nice", [LOOKUP])
    assert llm.prepared == [("be nice", ("lookup",))]
    out = list(llm.generate("be nice", [], [LOOKUP], max_tokens=5))
    assert out == [TextChunk("Hello "), TextChunk("there.")]
    assert list(llm.generate("x", [], [])) == [ToolChoice("lookup", "{}")]
    with pytest.raises(KeyError):
        list(llm.generate("x", [], []))
    with pytest.raises(ConfigurationError):
        list(llm.generate("x", [], []))
    assert llm.calls[0].max_tokens == 5
    assert llm.calls[0].tools == (LOOKUP,)
    assert llm.remaining == 0


def test_scripted_llm_honours_should_stop_between_chunks() -> None:
    llm = ScriptedLLM(["one two three four"])
    seen: list[str] = []
    for chunk in llm.generate("x", [], [], should_stop=lambda: len(seen) >= 2):
        assert isinstance(chunk, TextChunk)
        seen.append(chunk.text)
    assert seen == ["one ", "two "]
    assert llm.stopped == 1


def test_scripted_llm_holds_until_released_or_stopped() -> None:
    llm = ScriptedLLM([["a b. c", HOLD, " d"], ["x", HOLD, " y"]])
    gen = llm.generate("x", [], [])
    assert [next(gen), next(gen), next(gen)] == [TextChunk("a "), TextChunk("b. "), TextChunk("c")]
    released = threading.Timer(0.01, llm.release)
    released.start()
    assert list(gen) == [TextChunk(" d")]
    stop = threading.Event()
    second = llm.generate("x", [], [], should_stop=stop.is_set)
    assert next(second) == TextChunk("x")
    threading.Timer(0.01, stop.set).start()
    assert list(second) == []
    assert llm.stopped == 1


def test_scripted_llm_gives_up_on_a_hold_nobody_releases() -> None:
    llm = ScriptedLLM([["a", HOLD]], hold_timeout_s=0.02)
    with pytest.raises(ConfigurationError, match="never released"):
        list(llm.generate("x", [], []))
    llm.fail_next(RuntimeError("down"))
    with pytest.raises(RuntimeError):
        llm.prepare("x", [])
