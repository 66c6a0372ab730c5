"""The embedded offline engine: VAD, STT, LLM and TTS behind ports, run as a RealtimeModel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from voxline.engine.factory import build_local_model
    from voxline.engine.local_model import EngineOptions, LocalRealtimeModel

__all__ = ["EngineOptions", "LocalRealtimeModel", "build_local_model"]

_LAZY = {
    "build_local_model": "voxline.engine.factory",
    "EngineOptions": "voxline.engine.local_model",
    "LocalRealtimeModel": "voxline.engine.local_model",
}


def __getattr__(name: str) -> Any:
    """Import the engine on first use, so `voxline.engine.ports` stays a light import."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'voxline.engine' has no attribute {name!r}")
