"""Read a WAV file as PCM16 24 kHz mono, the wire format, for `audio` steps."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from voxline.errors import InputError

WIRE_RATE = 24_000


def read_wav_pcm16(path: Path, rate: int = WIRE_RATE) -> bytes:
    """The samples of a 16-bit PCM WAV file, mixed to mono and resampled to `rate`.

    Resampling is linear interpolation: good enough to feed a speech recogniser in a test.

    Raises:
        InputError: the file is missing, not a WAV file, or not 16-bit PCM.
    """
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, source_rate = (
                wav.getsampwidth(),
                wav.getnchannels(),
                wav.getframerate(),
            )
            raw = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise InputError(f"cannot read WAV file {path}: {exc}") from None
    if width != 2:
        raise InputError(f"{path} has {8 * width}-bit samples; convert it to 16-bit PCM")
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    if source_rate != rate and samples.size:
        count = round(samples.size * rate / source_rate)
        positions = np.linspace(0, samples.size - 1, num=count, dtype=np.float64)
        samples = np.interp(positions, np.arange(samples.size), samples).astype(np.float32)
    clipped = np.clip(np.round(samples), -32768, 32767).astype("<i2")
    return clipped.tobytes()
