"""build_local_model: the engine on its real components, and clear errors when one is missing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.core.items import Role
from voxline.engine import build_local_model
from voxline.engine.audio import float_to_pcm16, pcm16_to_float, read_wav, resample
from voxline.engine.local_model import LocalRealtimeModel
from voxline.engine.ports import LLM
from voxline.errors import ConfigurationError, ModelFileError
from voxline.testing.engine_fakes import ScriptedLLM

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
TIMEOUT_S = 60.0
"""A safety net only (real models on 2 cores): every wait ends on an observed event."""


def scripted(llm: ScriptedLLM) -> object:
    def factory(model_path: str | None) -> LLM:
        assert model_path is None
        return llm

    return factory


async def read_until(
    events: AsyncIterator[ev.ModelEvent], kind: type[ev.ModelEvent]
) -> list[ev.ModelEvent]:
    seen: list[ev.ModelEvent] = []

    async def read() -> None:
        async for event in events:
            seen.append(event)
            if isinstance(event, kind):
                return

    await asyncio.wait_for(read(), TIMEOUT_S)
    return seen


def recording_on_the_wire(clip: str) -> bytes:
    """A test recording as PCM16 24 kHz, with 0.5 s of silence before and 1 s after."""
    (path,) = LIBRIVOX.glob(f"*-{clip}.wav")
    recording = read_wav(path)
    speech = resample(recording.samples, recording.sample_rate, 24_000)
    silence = np.zeros(24_000, dtype=np.float32)
    return float_to_pcm16(np.concatenate([silence[:12_000], speech, silence]))


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


async def test_a_text_only_model_needs_only_the_language_model() -> None:
    llm = ScriptedLLM(["Hello from the engine."])
    model = build_local_model(text_only=True, llm_factory=scripted(llm))  # type: ignore[arg-type]
    events = model.events().__aiter__()
    await model.connect(SessionConfig(instructions="x", modalities=("text",)))
    await model.send(cmd.AddMessage("m1", Role.USER, "hi"))
    await model.send(cmd.CreateResponse())
    seen = await read_until(events, ev.ResponseDone)
    assert [e.text for e in seen if isinstance(e, ev.OutputItemDone)] == ["Hello from the engine."]
    await model.send(cmd.SendAudio(b"\x01\x00" * 2400))
    error = (await read_until(events, ev.ModelError))[-1]
    assert isinstance(error, ev.ModelError)
    assert "text-only session" in error.message
    await model.close()


def test_unknown_adapters_are_refused_before_anything_loads() -> None:
    def never(model_path: str | None) -> LLM:
        raise AssertionError("nothing should load")

    with pytest.raises(ConfigurationError, match="choose one of moonshine, pocketsphinx"):
        build_local_model(stt="whisper", llm_factory=never)
    with pytest.raises(ConfigurationError, match="unknown text to speech adapter 'kokoro'"):
        build_local_model(tts="kokoro", llm_factory=never)


def test_a_missing_language_model_file_is_a_model_file_error(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    with pytest.raises(ModelFileError, match="does not exist"):
        build_local_model(text_only=True, llm_model=tmp_path / "missing.gguf")
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="not a GGUF file"):
        build_local_model(text_only=True, llm_model=fake)


@pytest.mark.slow
async def test_real_speech_through_the_real_components() -> None:
    """silero VAD, moonshine and the installed TTS hear a recording and answer it aloud."""
    llm = ScriptedLLM(["Of course. He sounds like a decent fellow."])
    # espeak-ng loads instantly; Piper (the default when installed) is tested by its adapter
    model = build_local_model(tts="espeak", llm_factory=scripted(llm))  # type: ignore[arg-type]
    assert isinstance(model, LocalRealtimeModel)
    events = model.events().__aiter__()
    await model.connect(SessionConfig(instructions="Answer briefly."))
    wire = recording_on_the_wire("0880")  # "he was not an ill disposed young man"
    for i in range(0, len(wire), 960):  # 20 ms chunks, as a browser sends them
        await model.send(cmd.SendAudio(wire[i : i + 960]))
    seen = await read_until(events, ev.ResponseDone)
    kinds = {type(e) for e in seen}
    assert {ev.SpeechStarted, ev.SpeechStopped, ev.AudioCommitted} <= kinds
    (final,) = [e for e in seen if isinstance(e, ev.InputTranscriptCompleted)]
    assert "ill disposed young man" in " ".join(words(final.transcript))
    assert llm.calls[0].messages[0].content == final.transcript
    reply = b"".join(e.audio for e in seen if isinstance(e, ev.OutputAudioDelta))
    assert len(reply) > 48 * 1000  # over a second of speech
    done = seen[-1]
    assert isinstance(done, ev.ResponseDone)
    assert done.status is ev.ResponseStatus.COMPLETED
    # what it said can be understood: transcribe the reply back with the engine's own STT
    heard = model.stt.transcribe(resample(pcm16_to_float(reply), 24_000, model.stt.sample_rate))
    assert {"decent", "fellow"} <= set(words(heard))
    await model.close()
