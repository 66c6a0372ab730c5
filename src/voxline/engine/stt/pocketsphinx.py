"""PocketSphinx speech to text: the English model shipped in the `pocketsphinx` wheel.

Much less accurate than moonshine (about 20% WER) but small and streaming-capable: a
fallback when moonshine is not installed, and a source of early partial words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import numpy as np

from voxline.engine.audio import as_audio, float_to_pcm16
from voxline.engine.components import package_dir
from voxline.engine.ports import Audio
from voxline.errors import ModelFileError, SessionStateError

__all__ = ["POCKETSPHINX_INSTALL", "PocketSphinxSTT"]

POCKETSPHINX_INSTALL: Final = "pip install pocketsphinx"


class PocketSphinxSTT:
    """The `STT` port on PocketSphinx 5 with its default US English acoustic and language model.

    Output is lower-case words without punctuation. Besides `transcribe`, it recognizes
    a stream incrementally (`begin`, `feed` for partial words as audio arrives, `end`), at
    about 10 ms per 32 ms of audio: early cues while the user speaks. Not thread-safe, and
    one stream at a time: use one instance per audio stream.
    """

    sample_rate: int = 16_000

    def __init__(self, **config: Any) -> None:
        """Load the default model (about 0.5 s).

        Args:
            **config: PocketSphinx decoder settings (`hmm`, `lm`, `dict`, ...) that
                replace the defaults shipped in the wheel.

        Raises:
            ModelFileError: The package or its English model is missing.
        """
        root = package_dir("pocketsphinx")
        if root is None:
            raise ModelFileError(
                f"the PocketSphinx English model comes with the package 'pocketsphinx', "
                f"which is not installed; install it with `{POCKETSPHINX_INSTALL}`"
            )
        model = root / "model" / "en-us"
        if "hmm" not in config and not (model / "en-us").is_dir():
            raise ModelFileError(f"the PocketSphinx English model is missing from {model}")
        from pocketsphinx import Decoder  # an optional dependency: the `local` extra

        settings: dict[str, Any] = {"loglevel": "FATAL", "samprate": self.sample_rate}
        settings.update(config)
        try:
            self._decoder = Decoder(**settings)
        except (RuntimeError, ValueError) as exc:
            raise ModelFileError(f"PocketSphinx could not load its model: {exc}") from exc
        self.model_dir = Path(str(settings.get("hmm", model / "en-us")))
        self._streaming = False

    @property
    def streaming(self) -> bool:
        """True between `begin` and `end`."""
        return self._streaming

    def begin(self) -> None:
        """Start recognizing a stream fed piece by piece with `feed`.

        Raises:
            SessionStateError: A stream is already open.
        """
        if self._streaming:
            raise SessionStateError("a PocketSphinx stream is already open; call end() first")
        self._decoder.start_utt()
        self._streaming = True

    def feed(self, audio: Audio) -> str:
        """Recognize the next piece of the stream; returns the words so far (a partial).

        Raises:
            SessionStateError: No stream is open.
            AudioFormatError: The audio is not mono.
        """
        if not self._streaming:
            raise SessionStateError("no PocketSphinx stream is open; call begin() first")
        samples = as_audio(audio)
        if samples.size:
            self._decoder.process_raw(float_to_pcm16(samples), full_utt=False)
        return self._words()

    def end(self) -> str:
        """Close the stream; returns the final words.

        Raises:
            SessionStateError: No stream is open.
        """
        if not self._streaming:
            raise SessionStateError("no PocketSphinx stream is open; call begin() first")
        self._decoder.end_utt()
        self._streaming = False
        return self._words()

    def _words(self) -> str:
        hypothesis = self._decoder.hyp()
        return "" if hypothesis is None else str(hypothesis.hypstr).strip()

    def transcribe(self, audio: Audio) -> str:
        """The words in `audio` (mono float32 at 16 kHz), lower case; "" for silence.

        Raises:
            AudioFormatError: The audio is not mono.
            SessionStateError: A stream is open.
        """
        samples = as_audio(audio)
        if self._streaming:
            raise SessionStateError("a PocketSphinx stream is open; call end() first")
        if samples.size == 0 or not np.any(samples):
            return ""
        self._decoder.start_utt()
        self._decoder.process_raw(float_to_pcm16(samples), full_utt=True)
        self._decoder.end_utt()
        return self._words()
