"""EngineParts: the offline engine's components, loaded once and shared by many conversations."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from voxline.core.clock import Clock
from voxline.core.config import SessionConfig
from voxline.engine.local_model import EngineOptions, LocalRealtimeModel
from voxline.engine.locks import component_lock
from voxline.engine.ports import LLM, STT, TTS, VAD, Audio
from voxline.errors import ConfigurationError

log = logging.getLogger("voxline.engine")

Progress = Callable[[str], None]
"""Receives one human-readable line of loading progress."""


TEXT_ONLY = "this is a text-only session: the offline engine loaded no {what}"


class _Unloaded:
    """Stands in for a component a text-only session did not load; using it is an error."""

    def __init__(self, what: str, sample_rate: int = 16_000, frame_size: int = 512) -> None:
        self.what = what
        self.sample_rate = sample_rate
        self.frame_size = frame_size

    def _refuse(self) -> ConfigurationError:
        return ConfigurationError(
            TEXT_ONLY.format(what=self.what) + "; create the model with text_only=False"
        )

    def speech_probability(self, frame: Audio) -> float:
        raise self._refuse()

    def reset(self) -> None:
        """Nothing to reset."""

    def transcribe(self, audio: Audio) -> str:
        raise self._refuse()

    def synthesize(self, text: str, *, voice: str | None = None) -> Iterator[Audio]:
        raise self._refuse()


def check_adapter_names(stt: str | None, tts: str | None) -> None:
    """Refuse unknown adapter names before anything loads.

    Raises:
        ConfigurationError: a name no adapter has, with the known ones listed.
    """
    from voxline.engine.components import STT_NAMES, TTS_NAMES

    for kind, name, known in (
        ("speech to text", stt, STT_NAMES),
        ("text to speech", tts, TTS_NAMES),
    ):
        if name is not None and name not in known:
            raise ConfigurationError(
                f"unknown {kind} adapter {name!r}; choose one of {', '.join(known)}"
            )


def _quiet(line: str) -> None:
    """Discard progress."""


@dataclass(frozen=True, slots=True)
class EngineParts:
    """What every conversation on one process shares: speech to text, the language model and
    text to speech (each guarded by its own lock inside the engine), and a way to make the
    voice activity detector, which carries per-stream state and so is made per conversation.
    """

    stt: STT
    llm: LLM
    tts: TTS
    make_vad: Callable[[], VAD]

    def prepare_agents(
        self, agents: Sequence[tuple[str, SessionConfig]], progress: Progress = _quiet
    ) -> None:
        """Prefill each named agent's prompt (or restore it from disk), one progress line each.

        A failure is logged and reported through `progress`; that agent is then prepared on
        first use instead.
        """
        for n, (name, config) in enumerate(agents, start=1):
            began = time.perf_counter()
            tools = config.offered_tools
            try:
                with component_lock(self.llm):
                    self.llm.prepare(config.instructions, tools)
            except Exception as exc:  # noqa: BLE001 - the agent is prepared on first use instead
                log.warning("preparing agent %s failed: %s", name, exc)
                progress(f"agent {name} not prepared ({exc}); it will be on first use")
                continue
            spent = time.perf_counter() - began
            progress(f"prepared agent {name} ({n}/{len(agents)}, {spent:.1f} s)")

    def new_model(
        self, *, options: EngineOptions | None = None, clock: Clock | None = None
    ) -> LocalRealtimeModel:
        """A fresh LocalRealtimeModel for one conversation, over the shared parts (cheap)."""
        return LocalRealtimeModel(
            self.make_vad(), self.stt, self.llm, self.tts, clock=clock, options=options
        )


def load_engine_parts(
    *,
    text_only: bool = False,
    stt: str | None = None,
    tts: str | None = None,
    llm_model: str | Path | None = None,
    llm_factory: Callable[[str | None], LLM] | None = None,
    progress: Progress = _quiet,
) -> EngineParts:
    """Load silero VAD, the best installed (or the named) STT and TTS, and the language model.

    Args:
        text_only: Load only the language model (typed conversations); the audio parts are
            stand-ins that refuse to be used.
        stt: A speech to text adapter name (`voxline.engine.components.STT_NAMES`).
        tts: A text to speech adapter name (`voxline.engine.components.TTS_NAMES`).
        llm_model: A GGUF file; None uses `$VOXLINE_LLM_MODEL` or the default model.
        llm_factory: Builds the LLM from `llm_model` (default: llama.cpp).
        progress: Told what is loading, one line at a time.

    Raises:
        ModelFileError: a component's package or model file is missing; the message says
            what to install.
        ConfigurationError: an unknown adapter name, or llama-cpp-python is not installed.
    """
    check_adapter_names(stt, tts)
    if text_only:
        vad_maker: Callable[[], VAD] = lambda: _Unloaded("voice activity detection")  # noqa: E731
        speech_to_text: STT = _Unloaded("speech recognition")
        text_to_speech: TTS = _Unloaded("speech synthesis", sample_rate=24_000)
    else:
        from voxline.engine.components import create_stt, create_tts, create_vad

        progress("loading voice activity detection (silero)")
        create_vad()
        vad_maker = create_vad
        progress("loading speech to text")
        speech_to_text = create_stt(stt)
        progress(f"speech to text ready: {type(speech_to_text).__name__}")
        progress("loading text to speech")
        text_to_speech = create_tts(tts)
        progress(f"text to speech ready: {type(text_to_speech).__name__}")
    progress("loading the language model (llama.cpp, about 1 GB)")
    model_path = None if llm_model is None else str(llm_model)
    llm = (llm_factory or _llama)(model_path)
    progress(f"language model ready: {type(llm).__name__}")
    return EngineParts(stt=speech_to_text, llm=llm, tts=text_to_speech, make_vad=vad_maker)


def _llama(model_path: str | None) -> LLM:
    try:
        from voxline.engine.llm.llama import LlamaCppLLM, LlamaSettings
    except ImportError as exc:  # pragma: no cover - the module itself ships with voxline
        raise ConfigurationError(f"the llama.cpp adapter cannot be imported: {exc}") from exc
    return LlamaCppLLM(LlamaSettings(model_path=model_path))
