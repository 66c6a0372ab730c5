"""build_local_model: the offline engine wired from the real components that are installed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from voxline.core.clock import Clock
from voxline.engine.local_model import EngineOptions, LocalRealtimeModel
from voxline.engine.ports import LLM, STT, TTS, VAD, Audio
from voxline.errors import ConfigurationError

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

    Loading takes a few seconds (the language model most of it); a server should load the
    components once and give each conversation its own `LocalRealtimeModel` over them.

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
    from voxline.engine.components import STT_NAMES, TTS_NAMES

    for kind, name, known in (
        ("speech to text", stt, STT_NAMES),
        ("text to speech", tts, TTS_NAMES),
    ):
        if name is not None and name not in known:
            raise ConfigurationError(
                f"unknown {kind} adapter {name!r}; choose one of {', '.join(known)}"
            )
    model_path = None if llm_model is None else str(llm_model)
    llm = (llm_factory or _llama)(model_path)
    if text_only:
        vad: VAD = _Unloaded("voice activity detection")
        speech_to_text: STT = _Unloaded("speech recognition")
        text_to_speech: TTS = _Unloaded("speech synthesis", sample_rate=24_000)
    else:
        from voxline.engine.components import create_stt, create_tts, create_vad

        vad, speech_to_text, text_to_speech = create_vad(), create_stt(stt), create_tts(tts)
    return LocalRealtimeModel(
        vad, speech_to_text, llm, text_to_speech, clock=clock, options=options
    )


def _llama(model_path: str | None) -> LLM:
    try:
        from voxline.engine.llm.llama import LlamaCppLLM, LlamaSettings
    except ImportError as exc:  # pragma: no cover - the module itself ships with voxline
        raise ConfigurationError(f"the llama.cpp adapter cannot be imported: {exc}") from exc
    return LlamaCppLLM(LlamaSettings(model_path=model_path))
