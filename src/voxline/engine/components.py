"""Which offline audio components are installed, where their models are, and how to load them.

`available()` answers `/api/health` and `voxline models list`; `create_vad`, `create_stt`
and `create_tts` build the best installed adapter (or a named one) for the engine.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from voxline.engine.ports import STT, TTS, VAD
from voxline.errors import ConfigurationError, ModelFileError, VoxlineError

__all__ = [
    "STT_NAMES",
    "TTS_NAMES",
    "ComponentStatus",
    "available",
    "create_stt",
    "create_tts",
    "create_vad",
    "describe_components",
    "package_dir",
    "package_file",
]

# Every model here ships inside a package: no library may reach for a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

Kind = Literal["vad", "stt", "tts"]
_T = TypeVar("_T")

STT_NAMES = ("moonshine", "pocketsphinx")
"""Speech to text adapters, best first."""
TTS_NAMES = ("piper", "espeak")
"""Text to speech adapters, best first."""


def package_dir(package: str) -> Path | None:
    """The directory of installed `package`, or None when it is not installed.

    The package is located, not imported: some (silero_vad) import torch on import.
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def package_file(package: str, relative: str, *, install: str) -> Path:
    """The path of `relative` inside installed `package`.

    Args:
        package: The import name of the package that ships the file (`silero_vad`).
        relative: The file's path inside the package (`data/silero_vad.onnx`).
        install: The command that installs the package, quoted in the error.

    Raises:
        ModelFileError: The package is not installed or the file is missing from it.
    """
    root = package_dir(package)
    if root is None:
        raise ModelFileError(
            f"the model file {relative} comes from the Python package {package!r}, "
            f"which is not installed; install it with `{install}`"
        )
    path = root / relative
    if not path.is_file():
        raise ModelFileError(
            f"the model file {path} is missing from the package {package!r}; "
            f"reinstall it with `{install} --force-reinstall`"
        )
    return path


@dataclass(frozen=True, slots=True)
class ComponentStatus:
    """What `available()` found for one component.

    Attributes:
        kind: vad, stt or tts.
        name: The adapter's name, as `create_stt` / `create_tts` take it.
        installed: Its package and model files are present.
        loaded: True or False when `available(load=True)` tried to load it, else None.
        detail: The model's path when installed, else what is missing and how to install it.
        licence: The licence of the runtime and model, for people choosing.
    """

    kind: Kind
    name: str
    installed: bool
    loaded: bool | None
    detail: str
    licence: str

    @property
    def usable(self) -> bool:
        """Installed, and loadable if that was checked."""
        return self.installed and self.loaded is not False

    def to_dict(self) -> dict[str, str | bool | None]:
        """A JSON-able form for health endpoints."""
        return {
            "kind": self.kind,
            "name": self.name,
            "installed": self.installed,
            "loaded": self.loaded,
            "usable": self.usable,
            "detail": self.detail,
            "licence": self.licence,
        }


def _needs_onnxruntime() -> None:
    if importlib.util.find_spec("onnxruntime") is None:
        raise ModelFileError(
            'onnxruntime is not installed; install it with `pip install "voxline[local]"`'
        )


def _silero_path() -> Path:
    from voxline.engine.vad.silero import silero_model_path

    _needs_onnxruntime()
    return silero_model_path()


def _moonshine_path() -> Path:
    from voxline.engine.stt.moonshine import moonshine_model_dir

    _needs_onnxruntime()
    return moonshine_model_dir()


def _pocketsphinx_path() -> Path:
    from voxline.engine.stt.pocketsphinx import POCKETSPHINX_INSTALL

    return package_file(
        "pocketsphinx", "model/en-us/en-us.lm.bin", install=POCKETSPHINX_INSTALL
    ).parent


def _piper_path() -> Path:
    from voxline.engine.tts.piper import PIPER_INSTALL, joe_voice_path

    _needs_onnxruntime()
    if package_dir("piper") is None:
        raise ModelFileError(f"piper-tts is not installed; install it with `{PIPER_INSTALL}`")
    return joe_voice_path()


def _espeak_path() -> Path:
    from voxline.engine.tts.espeak import ESPEAK_INSTALL

    program = shutil.which("espeak-ng")
    if program is None:
        raise ModelFileError(f"espeak-ng is not on PATH; install it with `{ESPEAK_INSTALL}`")
    return Path(program)


def create_vad() -> VAD:
    """The silero VAD.

    Raises:
        ModelFileError: It is not installed.
    """
    from voxline.engine.vad.silero import SileroVAD

    return SileroVAD()


def create_stt(name: str | None = None) -> STT:
    """A speech to text adapter: `name` from STT_NAMES, or the best installed one.

    Raises:
        ConfigurationError: The name is unknown.
        ModelFileError: The named adapter (or, with no name, every one) is not installed.
    """
    from voxline.engine.stt.moonshine import MoonshineSTT
    from voxline.engine.stt.pocketsphinx import PocketSphinxSTT

    factories: dict[str, Callable[[], STT]] = {
        "moonshine": MoonshineSTT,
        "pocketsphinx": PocketSphinxSTT,
    }
    return _create("speech to text", factories, name)


def create_tts(name: str | None = None) -> TTS:
    """A text to speech adapter: `name` from TTS_NAMES, or the best installed one.

    Raises:
        ConfigurationError: The name is unknown.
        ModelFileError: The named adapter (or, with no name, every one) is not installed.
    """
    from voxline.engine.tts.espeak import EspeakTTS
    from voxline.engine.tts.piper import PiperTTS

    factories: dict[str, Callable[[], TTS]] = {"piper": PiperTTS, "espeak": EspeakTTS}
    return _create("text to speech", factories, name)


def _create(what: str, factories: dict[str, Callable[[], _T]], name: str | None) -> _T:
    if name is not None:
        if name not in factories:
            raise ConfigurationError(
                f"unknown {what} adapter {name!r}; choose one of {', '.join(factories)}"
            )
        return factories[name]()
    problems: list[str] = []
    for candidate, factory in factories.items():
        try:
            return factory()
        except ModelFileError as exc:
            problems.append(f"{candidate}: {exc}")
    raise ModelFileError(f"no {what} adapter is installed ({'; '.join(problems)})")


_CHECKS: tuple[tuple[Kind, str, str, Callable[[], Path], Callable[[], object]], ...] = (
    ("vad", "silero", "MIT", _silero_path, create_vad),
    ("stt", "moonshine", "MIT", _moonshine_path, lambda: create_stt("moonshine")),
    ("stt", "pocketsphinx", "BSD-2-Clause", _pocketsphinx_path, lambda: create_stt("pocketsphinx")),
    ("tts", "piper", "GPL-3.0 (runtime), CC0 (voice)", _piper_path, lambda: create_tts("piper")),
    ("tts", "espeak", "GPL-3.0 (separate program)", _espeak_path, lambda: create_tts("espeak")),
)


def available(*, load: bool = False) -> tuple[ComponentStatus, ...]:
    """Report every offline audio component: installed or not, and where its model is.

    Args:
        load: Also load each installed component to prove it works (a few seconds:
            Piper and moonshine take about a second each). Without it, only files are
            checked, which is instant.
    """
    statuses: list[ComponentStatus] = []
    for kind, name, licence, locate, factory in _CHECKS:
        try:
            detail = str(locate())
        except VoxlineError as exc:
            statuses.append(ComponentStatus(kind, name, False, None, str(exc), licence))
            continue
        loaded: bool | None = None
        if load:
            try:
                factory()
                loaded = True
            except VoxlineError as exc:
                loaded = False
                detail = str(exc)
        statuses.append(ComponentStatus(kind, name, True, loaded, detail, licence))
    return tuple(statuses)


def describe_components(*, load: bool = False) -> list[str]:
    """One line per component for `voxline models list`: kind, name, state, path or fix."""
    lines: list[str] = []
    for status in available(load=load):
        if not status.installed:
            state = "missing"
        elif status.loaded is None:
            state = "installed"
        else:
            state = "loads" if status.loaded else "BROKEN"
        lines.append(f"{status.kind:<3} {status.name:<12} {state:<9} {status.detail}")
    return lines
