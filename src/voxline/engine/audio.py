"""Audio plumbing for the engine: PCM16 and G.711 codecs, resampling, framing and WAV files.

Inside the engine audio is mono float32 in [-1, 1] (`voxline.engine.ports.Audio`); the
wire (OpenAI Realtime and the browser) carries little-endian PCM16 at 24 kHz, or G.711
mu-law / A-law at 8 kHz. Everything here is pure and synchronous except `read_wav` and
`write_wav`, which touch one file.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import soxr

from voxline.engine.ports import Audio
from voxline.errors import AudioFormatError

__all__ = [
    "WIRE_SAMPLE_RATE",
    "Framer",
    "Quality",
    "StreamResampler",
    "WavAudio",
    "alaw_to_float",
    "as_audio",
    "float_to_alaw",
    "float_to_mulaw",
    "float_to_pcm16",
    "mulaw_to_float",
    "pcm16_to_float",
    "read_wav",
    "resample",
    "write_wav",
]

WIRE_SAMPLE_RATE: Final = 24_000
"""The sample rate of PCM16 audio on the wire (OpenAI Realtime's `pcm16`)."""

Quality = Literal["QQ", "LQ", "MQ", "HQ", "VHQ"]
"""soxr quality presets, from quick to very high."""

_INT16_SCALE: Final = 32768.0


def as_audio(samples: npt.ArrayLike) -> Audio:
    """Return `samples` as a contiguous 1-D float32 array, the engine's audio type.

    Raises:
        AudioFormatError: The samples are not one-dimensional (mono).
    """
    array = np.ascontiguousarray(samples, dtype=np.float32)
    if array.ndim != 1:
        raise AudioFormatError(
            f"expected mono audio (a 1-D array), got an array of shape {array.shape}; "
            "mix the channels down first"
        )
    return array


def pcm16_to_float(data: bytes | bytearray | memoryview) -> Audio:
    """Decode little-endian signed 16-bit PCM bytes to float32 samples in [-1, 1).

    Raises:
        AudioFormatError: The byte count is odd (a sample was cut in half).
    """
    if len(data) % 2:
        raise AudioFormatError(
            f"PCM16 audio must have an even number of bytes, got {len(data)}; "
            "keep the odd byte and send it with the next chunk"
        )
    ints = np.frombuffer(data, dtype="<i2")
    return (ints.astype(np.float32) / np.float32(_INT16_SCALE)).astype(np.float32)


def float_to_pcm16(audio: npt.ArrayLike) -> bytes:
    """Encode float samples as little-endian signed 16-bit PCM, clipping to [-1, 1]."""
    samples = as_audio(audio)
    scaled = np.clip(np.rint(samples * _INT16_SCALE), -32768, 32767)
    return bytes(scaled.astype("<i2").tobytes())


# G.711 (ITU-T) companding, computed on 14-bit (mu-law) and 13-bit (A-law) magnitudes.
_MULAW_BIAS: Final = 0x84
_MULAW_CLIP: Final = 32635


def _to_int16(audio: npt.ArrayLike) -> npt.NDArray[np.int32]:
    samples = as_audio(audio)
    pcm: npt.NDArray[np.int32] = np.clip(np.rint(samples * _INT16_SCALE), -32768, 32767).astype(
        np.int32
    )
    return pcm


def _segment(magnitude: npt.NDArray[np.int32], base_shift: int) -> npt.NDArray[np.int32]:
    """The G.711 exponent: how many doublings above the first segment `magnitude` sits."""
    shifted = magnitude >> base_shift
    exponent = np.zeros_like(magnitude)
    for step in range(1, 8):
        exponent[shifted >= (1 << step)] = step
    return exponent


def float_to_mulaw(audio: npt.ArrayLike) -> bytes:
    """Encode float samples as G.711 mu-law bytes (one byte per sample)."""
    pcm = _to_int16(audio)
    sign = np.where(pcm < 0, 0x80, 0x00)
    magnitude = np.minimum(np.abs(pcm), _MULAW_CLIP) + _MULAW_BIAS
    exponent = _segment(magnitude, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    code = ~(sign | (exponent << 4) | mantissa) & 0xFF
    return bytes(code.astype(np.uint8).tobytes())


def mulaw_to_float(data: bytes | bytearray | memoryview) -> Audio:
    """Decode G.711 mu-law bytes to float32 samples in [-1, 1)."""
    code = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = (((mantissa << 3) + _MULAW_BIAS) << exponent) - _MULAW_BIAS
    pcm = np.where(code & 0x80, -magnitude, magnitude)
    return (pcm.astype(np.float32) / np.float32(_INT16_SCALE)).astype(np.float32)


def float_to_alaw(audio: npt.ArrayLike) -> bytes:
    """Encode float samples as G.711 A-law bytes (one byte per sample)."""
    pcm = _to_int16(audio) >> 3  # A-law works on 13-bit samples
    sign = np.where(pcm >= 0, 0x80, 0x00)
    magnitude = np.where(pcm >= 0, pcm, -pcm - 1)
    magnitude = np.minimum(magnitude, 0x0FFF)
    exponent = _segment(magnitude, 4)
    mantissa = np.where(exponent == 0, magnitude >> 1, magnitude >> exponent) & 0x0F
    code = (sign | (exponent << 4) | mantissa) ^ 0x55
    return bytes(code.astype(np.uint8).tobytes())


def alaw_to_float(data: bytes | bytearray | memoryview) -> Audio:
    """Decode G.711 A-law bytes to float32 samples in [-1, 1)."""
    code = np.frombuffer(data, dtype=np.uint8).astype(np.int32) ^ 0x55
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = np.where(
        exponent == 0,
        (mantissa << 4) + 8,
        ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0),
    )
    pcm = np.where(code & 0x80, magnitude, -magnitude)
    return (pcm.astype(np.float32) / np.float32(_INT16_SCALE)).astype(np.float32)


def _check_rate(name: str, rate: int) -> None:
    if rate <= 0:
        raise AudioFormatError(f"{name} must be a positive number of Hz, got {rate}")


def resample(audio: npt.ArrayLike, from_rate: int, to_rate: int, quality: Quality = "HQ") -> Audio:
    """Resample a whole clip from `from_rate` to `to_rate` Hz with soxr.

    Use `StreamResampler` instead for audio that arrives in chunks: resampling each chunk
    on its own clicks at every boundary.

    Raises:
        AudioFormatError: A rate is not positive or the audio is not mono.
    """
    _check_rate("from_rate", from_rate)
    _check_rate("to_rate", to_rate)
    samples = as_audio(audio)
    if from_rate == to_rate or samples.size == 0:
        return samples.copy()
    out = soxr.resample(samples, from_rate, to_rate, quality=quality)
    return np.ascontiguousarray(out, dtype=np.float32)


class StreamResampler:
    """Resamples chunked audio continuously (soxr.ResampleStream), without boundary clicks.

    The filter holds back a few milliseconds, so output lags input slightly; call
    `flush` at the end of a stream to get the tail, after which the resampler starts anew.
    """

    def __init__(self, from_rate: int, to_rate: int, quality: Quality = "HQ") -> None:
        """Create a resampler from `from_rate` to `to_rate` Hz.

        Raises:
            AudioFormatError: A rate is not positive.
        """
        _check_rate("from_rate", from_rate)
        _check_rate("to_rate", to_rate)
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._quality: Quality = quality
        self._stream = self._new_stream()

    def _new_stream(self) -> soxr.ResampleStream | None:
        if self.from_rate == self.to_rate:
            return None
        return soxr.ResampleStream(
            self.from_rate, self.to_rate, 1, dtype="float32", quality=self._quality
        )

    def process(self, chunk: npt.ArrayLike) -> Audio:
        """Resample the next chunk; returns whatever output is ready (possibly empty)."""
        samples = as_audio(chunk)
        if self._stream is None:
            return samples.copy()
        out = self._stream.resample_chunk(samples, last=False)
        return np.ascontiguousarray(out, dtype=np.float32)

    def flush(self) -> Audio:
        """End the stream: return the held-back tail and reset for a new stream."""
        if self._stream is None:
            return np.zeros(0, dtype=np.float32)
        out = self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        self._stream = self._new_stream()
        return np.ascontiguousarray(out, dtype=np.float32)


class Framer:
    """Cuts a stream of arbitrary-sized chunks into frames of exactly `frame_size` samples.

    The remainder is kept for the next call, so no sample is lost or repeated.
    """

    def __init__(self, frame_size: int) -> None:
        """Create a framer.

        Raises:
            AudioFormatError: `frame_size` is not positive.
        """
        if frame_size <= 0:
            raise AudioFormatError(f"frame_size must be positive, got {frame_size}")
        self.frame_size = frame_size
        self._pending = np.zeros(0, dtype=np.float32)

    @property
    def pending(self) -> int:
        """Samples held back, waiting to fill the next frame."""
        return int(self._pending.size)

    def push(self, chunk: npt.ArrayLike) -> Iterator[Audio]:
        """Add `chunk` and yield every complete frame now available."""
        samples = np.concatenate([self._pending, as_audio(chunk)])
        whole = samples.size - samples.size % self.frame_size
        self._pending = samples[whole:].copy()
        for start in range(0, whole, self.frame_size):
            yield samples[start : start + self.frame_size]

    def reset(self) -> None:
        """Drop the held-back samples (start of a new stream)."""
        self._pending = np.zeros(0, dtype=np.float32)


@dataclass(frozen=True, slots=True)
class WavAudio:
    """A decoded WAV file: mono float32 samples and their rate."""

    samples: Audio
    sample_rate: int

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.samples.size / self.sample_rate


def read_wav(path: str | Path) -> WavAudio:
    """Read a PCM16 WAV file; several channels are averaged down to mono.

    Raises:
        AudioFormatError: The file is not a 16-bit PCM WAV file.
        FileNotFoundError: There is no such file.
    """
    try:
        with wave.open(str(path), "rb") as wav:
            width = wav.getsampwidth()
            channels = wav.getnchannels()
            rate = wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(f"{path} is not a readable WAV file: {exc}") from exc
    if width != 2:
        raise AudioFormatError(
            f"{path} has {8 * width}-bit samples; only 16-bit PCM WAV is supported "
            "(convert it, e.g. `sox in.wav -b 16 out.wav`)"
        )
    samples = pcm16_to_float(frames)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype(np.float32)
    return WavAudio(samples=samples, sample_rate=rate)


def write_wav(path: str | Path, audio: npt.ArrayLike, sample_rate: int) -> None:
    """Write mono float samples to `path` as a 16-bit PCM WAV file.

    Raises:
        AudioFormatError: The rate is not positive or the audio is not mono.
    """
    _check_rate("sample_rate", sample_rate)
    data = float_to_pcm16(audio)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(data)
