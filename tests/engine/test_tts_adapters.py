"""Piper and espeak-ng speak real sentences, and moonshine hears the words back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voxline.engine.audio import WIRE_SAMPLE_RATE, pcm16_to_float, resample
from voxline.engine.ports import TTS, Audio
from voxline.engine.stt import MoonshineSTT, normalize_words, word_error_rate
from voxline.engine.tts import EspeakTTS, PiperTTS, synthesize_wire, wire_chunks
from voxline.errors import AudioFormatError, ConfigurationError, ModelFileError

pytestmark = pytest.mark.slow

SENTENCE = "Your flight to Boston leaves at seven. Please arrive early."


@pytest.fixture(scope="module")
def stt() -> MoonshineSTT:
    return MoonshineSTT()


@pytest.fixture(scope="module")
def piper() -> PiperTTS:
    return PiperTTS()


@pytest.fixture(scope="module")
def espeak() -> EspeakTTS:
    return EspeakTTS()


def hear(tts: TTS, stt: MoonshineSTT, text: str) -> str:
    chunks = list(tts.synthesize(text))
    for chunk in chunks:
        assert chunk.dtype == np.float32
        assert chunk.ndim == 1
        assert np.max(np.abs(chunk)) <= 1.0
    audio = np.concatenate(chunks)
    return stt.transcribe(resample(audio, tts.sample_rate, stt.sample_rate))


def test_piper_speaks_clearly(piper: PiperTTS, stt: MoonshineSTT) -> None:
    assert piper.sample_rate == 22_050
    heard = hear(piper, stt, SENTENCE)
    assert word_error_rate([SENTENCE], [heard]) <= 0.1


def test_piper_yields_a_chunk_per_sentence(piper: PiperTTS) -> None:
    chunks = list(piper.synthesize(SENTENCE, voice="alloy"))  # an OpenAI voice: default speaker
    assert len(chunks) == 2
    seconds = sum(c.size for c in chunks) / piper.sample_rate
    assert 2.0 < seconds < 6.0


def test_piper_voice_is_loaded_once_per_process(piper: PiperTTS) -> None:
    again = PiperTTS()
    assert again.piper_voice is piper.piper_voice
    first: Audio = next(iter(again.synthesize("Hi.")))
    assert first.size > 0


def test_piper_missing_voice_is_a_model_file_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"nope\.onnx"):
        PiperTTS(tmp_path / "nope.onnx")


def test_espeak_is_intelligible(espeak: EspeakTTS, stt: MoonshineSTT) -> None:
    assert espeak.sample_rate == 22_050
    heard = set(normalize_words(hear(espeak, stt, SENTENCE)))
    assert {"flight", "boston", "7", "arrive"} <= heard  # "seven" normalizes to "7"


def test_espeak_uses_stdin_so_text_is_never_an_option(espeak: EspeakTTS) -> None:
    chunks = list(espeak.synthesize("--help me please"))
    assert len(chunks) == 1
    assert chunks[0].size > espeak.sample_rate // 2


def test_espeak_voices(espeak: EspeakTTS) -> None:
    british = np.concatenate(list(espeak.synthesize("Tomato.", voice="en-gb")))
    american = np.concatenate(list(espeak.synthesize("Tomato.", voice="alloy")))  # unknown
    assert british.size > 0
    assert american.size > 0
    assert not np.array_equal(british, american)
    with pytest.raises(ConfigurationError, match="no voice"):
        EspeakTTS("klingon-xx")
    with pytest.raises(ConfigurationError, match="words_per_minute"):
        EspeakTTS(words_per_minute=10)


def test_wire_chunks_are_pcm16_24khz_of_fixed_size(espeak: EspeakTTS) -> None:
    chunks = list(synthesize_wire(espeak, SENTENCE, chunk_ms=100))
    assert all(len(c) == 4800 for c in chunks[:-1])
    assert 0 < len(chunks[-1]) <= 4800
    native = sum(c.size for c in espeak.synthesize(SENTENCE)) / espeak.sample_rate
    wire = sum(len(c) for c in chunks) / 2 / WIRE_SAMPLE_RATE
    assert wire == pytest.approx(native, abs=0.01)


def test_wire_chunks_match_whole_clip_resampling() -> None:
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(22_050) / 22_050)).astype(np.float32)
    pieces = [tone[:5000], tone[5000:5001], tone[5001:]]
    streamed = pcm16_to_float(b"".join(wire_chunks(pieces, 22_050, chunk_ms=20)))
    whole = resample(tone, 22_050, WIRE_SAMPLE_RATE)
    assert abs(streamed.size - whole.size) <= 2
    n = min(streamed.size, whole.size)
    assert np.max(np.abs(streamed[:n] - whole[:n])) < 1e-3
    with pytest.raises(AudioFormatError):
        list(wire_chunks(pieces, 22_050, chunk_ms=0))
