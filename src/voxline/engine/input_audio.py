"""Client input audio to engine samples: decode the wire format, resample to the VAD's rate."""

from __future__ import annotations

from voxline.core.config import AudioFormat
from voxline.engine.audio import (
    WIRE_SAMPLE_RATE,
    StreamResampler,
    alaw_to_float,
    mulaw_to_float,
    pcm16_to_float,
)
from voxline.engine.ports import Audio


class InputAudio:
    """Decodes a stream of input audio chunks in one wire format to samples at `rate`.

    A PCM16 chunk may end inside a sample; its odd byte waits for the next chunk.

    Args:
        input_format: The wire format of the chunks.
        rate: The sample rate to deliver (the VAD's).
    """

    def __init__(self, input_format: AudioFormat, rate: int) -> None:
        self._format = input_format
        wire_rate = WIRE_SAMPLE_RATE if input_format is AudioFormat.PCM16 else 8_000
        self._resampler = StreamResampler(wire_rate, rate)
        self._odd = b""

    def process(self, data: bytes) -> Audio:
        """The samples of one chunk (the resampler may hold some back until the next)."""
        return self._resampler.process(self._decode(data))

    def flush(self) -> Audio:
        """The samples the resampler held back (the end of the stream)."""
        return self._resampler.flush()

    def clear(self) -> None:
        """Drop whatever is held back: the resampler's tail and an odd byte."""
        self._resampler.flush()
        self._odd = b""

    def _decode(self, data: bytes) -> Audio:
        match self._format:
            case AudioFormat.PCM16:
                data = self._odd + data
                cut = len(data) - len(data) % 2
                self._odd = data[cut:]
                return pcm16_to_float(data[:cut])
            case AudioFormat.G711_ULAW:
                return mulaw_to_float(data)
            case AudioFormat.G711_ALAW:
                return alaw_to_float(data)
