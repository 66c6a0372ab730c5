"""From a TTS adapter's float audio at its own rate to PCM16 24 kHz chunks for the wire."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from voxline.engine.audio import WIRE_SAMPLE_RATE, StreamResampler, float_to_pcm16
from voxline.engine.ports import TTS, Audio
from voxline.errors import AudioFormatError

__all__ = ["synthesize_wire", "wire_chunks"]


def wire_chunks(
    audio: Iterable[Audio],
    sample_rate: int,
    *,
    chunk_ms: int = 100,
    wire_rate: int = WIRE_SAMPLE_RATE,
) -> Iterator[bytes]:
    """Resample a stream of float chunks to `wire_rate` and re-cut it as PCM16 bytes.

    Every chunk but the last holds exactly `chunk_ms` of audio; each is yielded as soon as
    enough input has arrived, so the first sentence plays while later ones are made.

    Raises:
        AudioFormatError: `chunk_ms` is not positive, or a rate is not.
    """
    if chunk_ms <= 0:
        raise AudioFormatError(f"chunk_ms must be positive, got {chunk_ms}")
    resampler = StreamResampler(sample_rate, wire_rate)
    size = wire_rate * chunk_ms // 1000
    pending = np.zeros(0, dtype=np.float32)
    for piece in audio:
        pending = np.concatenate([pending, resampler.process(piece)])
        whole = pending.size - pending.size % size
        for start in range(0, whole, size):
            yield float_to_pcm16(pending[start : start + size])
        pending = pending[whole:]
    pending = np.concatenate([pending, resampler.flush()])
    for start in range(0, pending.size, size):
        yield float_to_pcm16(pending[start : start + size])


def synthesize_wire(
    tts: TTS, text: str, *, voice: str | None = None, chunk_ms: int = 100
) -> Iterator[bytes]:
    """Speak `text` with `tts` as PCM16 24 kHz chunks of `chunk_ms` each."""
    return wire_chunks(tts.synthesize(text, voice=voice), tts.sample_rate, chunk_ms=chunk_ms)
