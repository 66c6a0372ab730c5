"""One place that turns a backend name into a RealtimeModel, for `serve`, `chat` and `test`."""

from __future__ import annotations

import importlib
from typing import Any, Literal, get_args

from voxline.errors import ConfigurationError
from voxline.models.base import RealtimeModel

BackendName = Literal["local", "openai"]
BACKENDS: tuple[str, ...] = get_args(BackendName)


def check_backend(name: str) -> BackendName:
    """Return `name` if it is a known backend.

    Raises:
        ConfigurationError: unknown backend, with the known ones listed.
    """
    if name not in BACKENDS:
        raise ConfigurationError(
            f"unknown backend {name!r}; choose one of: {', '.join(BACKENDS)} "
            "(local = the offline engine, openai = the OpenAI Realtime API or any server "
            "that speaks its protocol, via OPENAI_BASE_URL)"
        )
    return name  # type: ignore[return-value]


def create_model(name: str, *, text_only: bool = False, **options: Any) -> RealtimeModel:
    """A new RealtimeModel for one conversation.

    Args:
        name: `local` (the embedded offline engine) or `openai` (reads OPENAI_API_KEY and
            OPENAI_BASE_URL).
        text_only: The conversation is typed (`voxline chat`): the offline engine then needs
            only its language model, not speech recognition or synthesis.
        **options: Passed to the backend's factory.

    Raises:
        ConfigurationError: unknown backend, missing key, or missing offline components
            (the message says what to install).
    """
    backend = check_backend(name)
    if backend == "openai":
        from voxline.models.openai import from_env

        return from_env(**options)
    try:
        engine = importlib.import_module("voxline.engine")
        factory = engine.build_local_model
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(
            f"the offline engine is not available ({exc}); install it with "
            "`pip install 'voxline[local]'` and run `voxline models install`"
        ) from None
    model: RealtimeModel = factory(text_only=text_only, **options)
    return model
