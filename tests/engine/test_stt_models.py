"""Moonshine and PocketSphinx on real English recordings, scored by word error rate."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from voxline.engine.audio import read_wav, resample
from voxline.engine.ports import STT
from voxline.engine.stt import MoonshineSTT, PocketSphinxSTT, word_error_rate
from voxline.engine.stt.ortconvert import cache_dir, optimized_model
from voxline.errors import AudioFormatError, ModelFileError, SessionStateError

pytestmark = pytest.mark.slow

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
# The three shortest clips (11.6 s of speech) keep the suite fast; the benchmark uses all.
CLIPS = ("0880", "0890", "0930")


def references() -> dict[str, str]:
    listing = LIBRIVOX / "transcription"
    assert listing.is_file(), f"{listing} is missing: run `apt-get install pocketsphinx-testdata`"
    out = {}
    for line in listing.read_text().splitlines():
        match = re.fullmatch(r"<s>(.*)</s>\s*\((.*)\)", line.strip())
        assert match is not None, line
        out[match.group(2)[-4:]] = match.group(1).strip()
    return out


@pytest.fixture(scope="module")
def moonshine() -> MoonshineSTT:
    return MoonshineSTT()


@pytest.fixture(scope="module")
def pocketsphinx() -> PocketSphinxSTT:
    return PocketSphinxSTT()


def wer_on_clips(stt: STT) -> float:
    refs = references()
    hyps = []
    for clip in CLIPS:
        (path,) = LIBRIVOX.glob(f"*-{clip}.wav")
        recording = read_wav(path)
        assert recording.sample_rate == stt.sample_rate
        hyps.append(stt.transcribe(recording.samples))
    return word_error_rate([refs[c] for c in CLIPS], hyps)


def test_moonshine_transcribes_real_speech_accurately(moonshine: MoonshineSTT) -> None:
    assert wer_on_clips(moonshine) <= 0.10  # measured 0.0 on these clips


def test_moonshine_punctuates(moonshine: MoonshineSTT) -> None:
    (path,) = LIBRIVOX.glob("*-0930.wav")
    text = moonshine.transcribe(read_wav(path).samples)
    assert text == "He might even have been made amiable himself."


def test_moonshine_hears_nothing_in_silence_or_a_blip(moonshine: MoonshineSTT) -> None:
    assert moonshine.transcribe(np.zeros(800, dtype=np.float32)) == ""
    assert moonshine.transcribe(np.zeros(0, dtype=np.float32)) == ""


def test_moonshine_output_is_bounded_on_silence(moonshine: MoonshineSTT) -> None:
    text = moonshine.transcribe(np.zeros(16_000, dtype=np.float32))
    assert len(text.split()) <= 10  # at most 6.5 tokens per second plus four


def test_moonshine_refuses_stereo(moonshine: MoonshineSTT) -> None:
    with pytest.raises(AudioFormatError, match="mono"):
        moonshine.transcribe(np.zeros((16_000, 2), dtype=np.float32))


def test_moonshine_missing_files_name_the_file_and_the_package(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"encoder_model\.ort.*moonshine-cpp"):
        MoonshineSTT(tmp_path)


def test_moonshine_corrupt_files_are_model_file_errors(tmp_path: Path) -> None:
    for name in ("encoder_model.ort", "decoder_model_merged.ort", "tokenizer.bin"):
        (tmp_path / name).write_bytes(b"\x05junk")
    with pytest.raises(ModelFileError, match="could not load"):
        MoonshineSTT(tmp_path)


def test_moonshine_on_resampled_telephone_audio(moonshine: MoonshineSTT) -> None:
    (path,) = LIBRIVOX.glob("*-0880.wav")
    narrow = resample(read_wav(path).samples, 16_000, 8_000)
    text = moonshine.transcribe(resample(narrow, 8_000, 16_000))
    assert word_error_rate([references()["0880"]], [text]) <= 0.25


def test_pocketsphinx_is_a_rough_fallback(pocketsphinx: PocketSphinxSTT) -> None:
    assert wer_on_clips(pocketsphinx) <= 0.45  # measured 0.27 on all five clips


def test_pocketsphinx_hears_nothing_in_silence(pocketsphinx: PocketSphinxSTT) -> None:
    assert pocketsphinx.transcribe(np.zeros(16_000, dtype=np.float32)) == ""
    assert pocketsphinx.transcribe(np.zeros(0, dtype=np.float32)) == ""


def test_pocketsphinx_bad_model_settings_are_model_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="could not load"):
        PocketSphinxSTT(hmm=str(tmp_path))


def test_optimized_and_shipped_models_agree(moonshine: MoonshineSTT) -> None:
    (path,) = LIBRIVOX.glob("*-0880.wav")
    audio = read_wav(path).samples
    shipped = MoonshineSTT(optimize=False)  # the ORT-format files as they are: slow
    assert shipped.transcribe(audio) == moonshine.transcribe(audio)


def test_conversion_falls_back_on_unreadable_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.ort"
    junk.write_bytes(b"junk")
    assert optimized_model(junk, cache=tmp_path / "cache") is None


def test_the_cache_directory_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXLINE_CACHE_DIR", "/srv/cache")
    assert cache_dir() == Path("/srv/cache")
    monkeypatch.delenv("VOXLINE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert cache_dir() == Path("/xdg/voxline")


def test_pocketsphinx_streams_partial_words(pocketsphinx: PocketSphinxSTT) -> None:
    (path,) = LIBRIVOX.glob("*-0880.wav")
    audio = read_wav(path).samples
    whole = pocketsphinx.transcribe(audio)
    pocketsphinx.begin()
    partials = [pocketsphinx.feed(audio[i : i + 512]) for i in range(0, audio.size, 512)]
    final = pocketsphinx.end()
    assert final == whole
    assert "" in partials[:5]  # nothing is heard in the first 160 ms
    words_so_far = [len(p.split()) for p in partials]
    assert max(words_so_far[: len(words_so_far) // 2]) >= 2  # words arrive while speaking
    assert not pocketsphinx.streaming


def test_pocketsphinx_stream_misuse_is_a_state_error(pocketsphinx: PocketSphinxSTT) -> None:
    with pytest.raises(SessionStateError, match="begin"):
        pocketsphinx.feed(np.zeros(512, dtype=np.float32))
    with pytest.raises(SessionStateError, match="begin"):
        pocketsphinx.end()
    pocketsphinx.begin()
    try:
        with pytest.raises(SessionStateError, match="already open"):
            pocketsphinx.begin()
        with pytest.raises(SessionStateError, match="end"):
            pocketsphinx.transcribe(np.zeros(512, dtype=np.float32))
    finally:
        pocketsphinx.end()
