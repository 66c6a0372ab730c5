"""The built-in live backends of conversation tests: the offline engine and the OpenAI API."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from voxline.testing.runner.backends import Backend, BackendRequest

if TYPE_CHECKING:
    from voxline.engine.parts import EngineParts
    from voxline.engine.ports import TTS

_lock = threading.Lock()
_parts: EngineParts | None = None
_voice: TTS | None = None


def shared_parts() -> EngineParts:
    """The engine's components, loaded on first use and shared by every conversation after.

    Raises:
        ModelFileError: a model is not installed (the message says how to install it).
    """
    global _parts
    with _lock:
        if _parts is None:
            from voxline.engine.parts import load_engine_parts

            _parts = load_engine_parts()
        return _parts


def _speaker(tts: TTS) -> Callable[[str], bytes]:
    from voxline.engine.tts.wire import synthesize_wire

    def speak(text: str) -> bytes:
        return b"".join(synthesize_wire(tts, text))

    return speak


def local_backend(request: BackendRequest) -> Backend:
    """A fresh offline-engine model over the shared components; `speak` uses its TTS."""
    parts = shared_parts()
    return Backend(parts.new_model(), speak=_speaker(parts.tts))


def openai_backend(request: BackendRequest) -> Backend:
    """The OpenAI Realtime API (OPENAI_API_KEY, OPENAI_BASE_URL); `speak` uses espeak-ng.

    Raises:
        ConfigurationError: no OPENAI_API_KEY.
    """
    global _voice
    from voxline.engine.components import create_tts
    from voxline.models.openai import from_env

    model = from_env()
    with _lock:
        if _voice is None:
            _voice = create_tts("espeak")
        voice = _voice
    return Backend(model, speak=_speaker(voice))
