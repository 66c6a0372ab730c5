"""The report of installed audio components and the factories that build the best one."""

from __future__ import annotations

import json

import pytest

from voxline.engine.components import (
    available,
    create_stt,
    create_tts,
    create_vad,
    describe_components,
    package_dir,
    package_file,
)
from voxline.engine.tts import EspeakTTS, PiperTTS
from voxline.engine.vad import SileroVAD
from voxline.errors import ConfigurationError, ModelFileError


def test_everything_is_installed_here_and_the_report_is_json() -> None:
    statuses = available()
    assert [(s.kind, s.name) for s in statuses] == [
        ("vad", "silero"),
        ("stt", "moonshine"),
        ("stt", "pocketsphinx"),
        ("tts", "piper"),
        ("tts", "espeak"),
    ]
    assert all(s.installed and s.usable and s.loaded is None for s in statuses), statuses
    assert json.loads(json.dumps([s.to_dict() for s in statuses]))[0]["usable"] is True


def test_describe_components_gives_one_line_each() -> None:
    lines = describe_components()
    assert len(lines) == 5
    assert lines[0].startswith("vad silero")
    assert "installed" in lines[0]


def test_package_lookup_does_not_import_the_package() -> None:
    assert package_dir("silero_vad") is not None  # importing it would need torch
    assert package_dir("no_such_package_here") is None


def test_missing_package_files_say_what_to_install() -> None:
    with pytest.raises(ModelFileError, match=r"'no_such_package_here'.*pip install nspk"):
        package_file("no_such_package_here", "model.onnx", install="pip install nspk")
    with pytest.raises(ModelFileError, match=r"missing from the package 'silero_vad'"):
        package_file("silero_vad", "data/nope.onnx", install="pip install silero-vad")


def test_unknown_adapter_names_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="choose one of moonshine, pocketsphinx"):
        create_stt("whisper")
    with pytest.raises(ConfigurationError, match="choose one of piper, espeak"):
        create_tts("kokoro")


@pytest.mark.slow
def test_each_component_loads_and_the_factories_pick_the_best() -> None:
    statuses = available(load=True)  # loads each component once (Piper stays cached)
    assert all(s.loaded for s in statuses), [s for s in statuses if not s.loaded]
    assert isinstance(create_vad(), SileroVAD)
    assert isinstance(create_tts(), PiperTTS)
    assert isinstance(create_tts("espeak"), EspeakTTS)


def _missing(*args: object, **kwargs: object) -> None:
    raise ModelFileError("not installed on this imaginary machine")


def test_without_piper_the_best_voice_is_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("voxline.engine.tts.piper.PiperTTS", _missing)
    assert isinstance(create_tts(), EspeakTTS)
    monkeypatch.setattr("voxline.engine.tts.espeak.EspeakTTS", _missing)
    with pytest.raises(ModelFileError, match=r"no text to speech adapter.*piper: .*espeak: "):
        create_tts()
