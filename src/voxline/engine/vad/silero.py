"""Silero VAD run with onnxruntime from the ONNX file inside the `silero-vad` wheel (no torch)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from voxline.engine.components import package_file
from voxline.engine.ports import Audio
from voxline.errors import AudioFormatError, ModelFileError

__all__ = ["SILERO_INSTALL", "SileroVAD", "silero_model_path"]

SILERO_INSTALL: Final = "pip install --no-deps silero-vad"
"""How to install the model (its declared dependencies would pull torch, which is not used)."""

_CONTEXT: Final = 64  # samples of the previous frame the 16 kHz model sees before each frame


def silero_model_path() -> Path:
    """The silero_vad.onnx file inside the installed `silero-vad` package.

    Raises:
        ModelFileError: The package or the file is missing.
    """
    return package_file("silero_vad", "data/silero_vad.onnx", install=SILERO_INSTALL)


class SileroVAD:
    """The `VAD` port on silero VAD v5+: 16 kHz audio, 512-sample (32 ms) frames.

    The model carries a recurrent state and the last 64 samples of the previous frame from
    one call to the next, so frames must be fed in stream order; call `reset` between
    streams. Not thread-safe: use one instance per stream.
    """

    sample_rate: int = 16_000
    frame_size: int = 512

    def __init__(self, model_path: str | Path | None = None, *, threads: int = 1) -> None:
        """Load the model (about 2 MB; tens of milliseconds).

        Args:
            model_path: An ONNX file; by default the one inside the `silero-vad` package.
            threads: onnxruntime intra-op threads; one is plenty for a 32 ms frame.

        Raises:
            ModelFileError: The model file is missing or onnxruntime cannot load it.
        """
        import onnxruntime as ort  # an optional dependency: the `local` extra

        path = Path(model_path) if model_path is not None else silero_model_path()
        if not path.is_file():
            raise ModelFileError(f"the silero VAD model {path} does not exist")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelFileError(f"onnxruntime could not load the VAD model {path}: {exc}") from exc
        names = {i.name for i in self._session.get_inputs()}
        if names != {"input", "state", "sr"}:
            raise ModelFileError(
                f"{path} is not a silero VAD v5 model (inputs {sorted(names)}, expected "
                "input, state and sr)"
            )
        self.model_path = path
        self._sr = np.array(self.sample_rate, dtype=np.int64)
        self._state: npt.NDArray[np.float32] = np.zeros((2, 1, 128), dtype=np.float32)
        self._context: Audio = np.zeros(_CONTEXT, dtype=np.float32)

    def speech_probability(self, frame: Audio) -> float:
        """Probability in [0, 1] that `frame` (exactly 512 samples at 16 kHz) is speech.

        Raises:
            AudioFormatError: The frame does not hold exactly 512 mono samples.
        """
        if frame.ndim != 1 or frame.size != self.frame_size:
            raise AudioFormatError(
                f"silero VAD takes frames of exactly {self.frame_size} mono samples at "
                f"{self.sample_rate} Hz, got shape {frame.shape}; use voxline.engine.audio.Framer"
            )
        samples = frame.astype(np.float32, copy=False)
        window = np.concatenate([self._context, samples])[np.newaxis, :]
        probability, state = self._session.run(
            None, {"input": window, "state": self._state, "sr": self._sr}
        )
        self._state = state
        self._context = samples[-_CONTEXT:].copy()
        return float(probability[0, 0])

    def reset(self) -> None:
        """Forget the recurrent state and the carried context (start of a new stream)."""
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)
