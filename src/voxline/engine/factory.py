"""build_local_model: the offline engine wired from the real components that are installed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from voxline.core.clock import Clock
from voxline.engine.local_model import EngineOptions, LocalRealtimeModel
from voxline.engine.parts import load_engine_parts
from voxline.engine.ports import LLM


def build_local_model(
    *,
    text_only: bool = False,
    stt: str | None = None,
    tts: str | None = None,
    llm_model: str | Path | None = None,
    options: EngineOptions | None = None,
    clock: Clock | None = None,
    llm_factory: Callable[[str | None], LLM] | None = None,
) -> LocalRealtimeModel:
    """The offline engine with its real components: silero VAD, the best installed STT and
    TTS (or the named ones), and the llama.cpp language model.

    Loading takes a few seconds (the language model most of it). For many conversations in
    one process, load once with `voxline.engine.parts.load_engine_parts` and call
    `EngineParts.new_model()` per conversation, as the server does.

    Args:
        text_only: Load only the language model (typed conversations). Audio sent to such a
            model is answered with a ModelError.
        stt: A speech to text adapter name (`voxline.engine.components.STT_NAMES`).
        tts: A text to speech adapter name (`voxline.engine.components.TTS_NAMES`).
        llm_model: A GGUF file; None uses `$VOXLINE_LLM_MODEL` or the default model.
        options: Latency/CPU trade-offs of the engine.
        clock: Time source for the engine's stats.
        llm_factory: Builds the LLM from `llm_model` (default: llama.cpp).

    Raises:
        ModelFileError: a component's package or model file is missing; the message says
            what to install.
        ConfigurationError: an unknown adapter name, or llama-cpp-python is not installed.
    """
    parts = load_engine_parts(
        text_only=text_only, stt=stt, tts=tts, llm_model=llm_model, llm_factory=llm_factory
    )
    return parts.new_model(options=options, clock=clock)
