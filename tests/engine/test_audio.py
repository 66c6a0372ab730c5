"""PCM16 and G.711 codecs, resampling, framing and WAV files."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from voxline.engine.audio import (
    Framer,
    StreamResampler,
    alaw_to_float,
    as_audio,
    float_to_alaw,
    float_to_mulaw,
    float_to_pcm16,
    mulaw_to_float,
    pcm16_to_float,
    read_wav,
    resample,
    write_wav,
)
from voxline.engine.ports import Audio
from voxline.errors import AudioFormatError


def sine(freq: float, rate: int, seconds: float, amplitude: float = 0.5) -> Audio:
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(audio: Audio, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio))
    return float(np.argmax(spectrum) * rate / audio.size)


def test_pcm16_round_trip_is_exact_on_the_int16_grid() -> None:
    ints = np.array([-32768, -1, 0, 1, 12345, 32767], dtype="<i2")
    audio = pcm16_to_float(ints.tobytes())
    assert audio.dtype == np.float32
    assert audio[0] == -1.0
    assert float_to_pcm16(audio) == ints.tobytes()


def test_pcm16_encoding_clips_out_of_range_samples() -> None:
    data = float_to_pcm16(np.array([2.0, -2.0, 0.5], dtype=np.float32))
    assert np.frombuffer(data, dtype="<i2").tolist() == [32767, -32768, 16384]


def test_odd_pcm16_byte_count_is_a_typed_error() -> None:
    with pytest.raises(AudioFormatError, match="even number of bytes"):
        pcm16_to_float(b"\x00\x01\x02")


def test_stereo_arrays_are_refused() -> None:
    with pytest.raises(AudioFormatError, match="mono"):
        as_audio(np.zeros((10, 2)))


def test_mulaw_known_codes() -> None:
    assert float_to_mulaw(np.zeros(1, dtype=np.float32)) == b"\xff"
    assert mulaw_to_float(b"\xff")[0] == 0.0
    assert mulaw_to_float(b"\x00")[0] == pytest.approx(-32124 / 32768)
    assert mulaw_to_float(b"\x80")[0] == pytest.approx(32124 / 32768)


def test_alaw_known_codes() -> None:
    assert float_to_alaw(np.zeros(1, dtype=np.float32)) == b"\xd5"
    assert alaw_to_float(b"\xd5")[0] == pytest.approx(8 / 32768)
    assert alaw_to_float(b"\x55")[0] == pytest.approx(-8 / 32768)
    assert alaw_to_float(b"\xaa")[0] == pytest.approx(32256 / 32768)


def test_every_mulaw_code_survives_decode_then_encode() -> None:
    codes = bytes(c for c in range(256) if c != 0x7F)  # 0x7F is -0, which encodes as +0
    assert float_to_mulaw(mulaw_to_float(codes)) == codes


def test_every_alaw_code_survives_decode_then_encode() -> None:
    codes = bytes(range(256))
    assert float_to_alaw(alaw_to_float(codes)) == codes


@pytest.mark.parametrize(
    ("encode", "decode"), [(float_to_mulaw, mulaw_to_float), (float_to_alaw, alaw_to_float)]
)
def test_g711_keeps_a_tone_at_telephone_quality(
    encode: Callable[[Audio], bytes], decode: Callable[[bytes], Audio]
) -> None:
    tone = sine(440, 8000, 0.5)
    restored = decode(encode(tone))
    noise = restored - tone
    snr_db = 10 * np.log10(np.sum(tone**2) / np.sum(noise**2))
    assert snr_db > 30  # G.711 gives about 38 dB on a loud tone
    assert len(encode(tone)) == tone.size


def test_resample_keeps_pitch_and_duration() -> None:
    tone = sine(1000, 24_000, 1.0)
    down = resample(tone, 24_000, 16_000)
    assert down.dtype == np.float32
    assert abs(down.size - 16_000) <= 1
    assert peak_hz(down, 16_000) == pytest.approx(1000, abs=2)


def test_resample_same_rate_and_empty_input() -> None:
    tone = sine(100, 16_000, 0.1)
    same = resample(tone, 16_000, 16_000)
    assert np.array_equal(same, tone)
    assert same is not tone
    assert resample(np.zeros(0, dtype=np.float32), 22_050, 24_000).size == 0


def test_resample_rejects_a_bad_rate() -> None:
    with pytest.raises(AudioFormatError, match="from_rate"):
        resample(np.zeros(10, dtype=np.float32), 0, 16_000)
    with pytest.raises(AudioFormatError, match="to_rate"):
        StreamResampler(16_000, -1)


def test_stream_resampler_matches_whole_clip_resampling() -> None:
    tone = sine(300, 22_050, 1.0) + sine(2500, 22_050, 1.0, 0.2)
    stream = StreamResampler(22_050, 24_000)
    pieces = [stream.process(tone[i : i + 1234]) for i in range(0, tone.size, 1234)]
    chunked = np.concatenate([*pieces, stream.flush()])
    whole = resample(tone, 22_050, 24_000)
    assert abs(chunked.size - whole.size) <= 2
    n = min(chunked.size, whole.size)
    assert np.max(np.abs(chunked[:n] - whole[:n])) < 1e-3


def test_stream_resampler_starts_anew_after_flush() -> None:
    stream = StreamResampler(24_000, 16_000)
    first = np.concatenate([stream.process(sine(500, 24_000, 0.2)), stream.flush()])
    second = np.concatenate([stream.process(sine(500, 24_000, 0.2)), stream.flush()])
    assert np.array_equal(first, second)


def test_stream_resampler_passes_through_at_equal_rates() -> None:
    stream = StreamResampler(16_000, 16_000)
    chunk = sine(200, 16_000, 0.05)
    assert np.array_equal(stream.process(chunk), chunk)
    assert stream.flush().size == 0


def test_framer_cuts_exact_frames_and_keeps_the_rest() -> None:
    framer = Framer(512)
    audio = np.arange(2000, dtype=np.float32)
    frames = [*framer.push(audio[:700]), *framer.push(audio[700:1500])]
    assert [f.size for f in frames] == [512, 512]
    assert framer.pending == 1500 - 1024
    frames += list(framer.push(audio[1500:]))
    assert np.array_equal(np.concatenate(frames), audio[: 3 * 512])
    framer.reset()
    assert framer.pending == 0


def test_framer_rejects_a_bad_size() -> None:
    with pytest.raises(AudioFormatError):
        Framer(0)


def test_wav_round_trip(tmp_path: Path) -> None:
    tone = sine(440, 16_000, 0.25)
    path = tmp_path / "tone.wav"
    write_wav(path, tone, 16_000)
    back = read_wav(path)
    assert back.sample_rate == 16_000
    assert back.duration == pytest.approx(0.25)
    assert np.max(np.abs(back.samples - tone)) < 1 / 32768 + 1e-7


def test_stereo_wav_is_mixed_to_mono(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    frames = np.array([[1000, 3000], [-2000, 0]], dtype="<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(frames.tobytes())
    back = read_wav(path)
    assert back.samples.tolist() == pytest.approx([2000 / 32768, -1000 / 32768])


def test_unreadable_wav_files_are_typed_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not a wav file at all")
    with pytest.raises(AudioFormatError, match="not a readable WAV"):
        read_wav(junk)
    eight_bit = tmp_path / "8bit.wav"
    with wave.open(str(eight_bit), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(b"\x80" * 10)
    with pytest.raises(AudioFormatError, match="8-bit"):
        read_wav(eight_bit)
