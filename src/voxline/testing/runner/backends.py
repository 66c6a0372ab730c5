"""Backends for conversation tests: a registry of factories, with `scripted` built in."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from voxline.errors import ConfigurationError
from voxline.models.base import RealtimeModel
from voxline.scenarios.base import Scenario
from voxline.testing.runner.spec import ConversationSpec
from voxline.testing.scripted import ScriptedRealtimeModel

SCRIPTED = "scripted"


@dataclass(frozen=True, slots=True)
class BackendRequest:
    """What a factory is given to build a backend for one conversation.

    Attributes:
        scenario: The scenario the conversation runs.
        conversation: The parsed test file (metadata, timeouts, steps).
        data_dir: Scratch directory for this conversation (a fresh database lives here).
    """

    scenario: Scenario
    conversation: ConversationSpec
    data_dir: Path


@dataclass(slots=True)
class Backend:
    """A model to test against, and how to turn text into speech for `speak` steps.

    Attributes:
        model: The RealtimeModel the session runs on.
        speak: Text to PCM16 24 kHz mono audio (for `speak` steps), if the backend can.
        settle_s: Quiet time after a reply before a turn counts as over (live backends).
        close: Called once after the conversation, to free resources.
    """

    model: RealtimeModel
    speak: Callable[[str], bytes] | None = None
    settle_s: float | None = None
    close: Callable[[], Awaitable[None] | None] | None = None

    @property
    def scripted(self) -> ScriptedRealtimeModel | None:
        """The scripted model, when the file's model sections drive the backend."""
        return self.model if isinstance(self.model, ScriptedRealtimeModel) else None

    async def aclose(self) -> None:
        """Run the close hook, sync or async."""
        if self.close is not None:
            result = self.close()
            if inspect.isawaitable(result):
                await result


BackendFactory = Callable[[BackendRequest], Backend | Awaitable[Backend]]
"""Builds a Backend for one conversation (sync or async)."""


def _local(request: BackendRequest) -> Backend:
    from voxline.testing.runner.live import local_backend

    return local_backend(request)


def _openai(request: BackendRequest) -> Backend:
    from voxline.testing.runner.live import openai_backend

    return openai_backend(request)


_FACTORIES: dict[str, BackendFactory] = {"local": _local, "openai": _openai}
"""Built in: `local` (the offline engine, models loaded once per process) and `openai`."""


def register(name: str, factory: BackendFactory) -> None:
    """Make `backend: name` in test files build its model with `factory` (replaces any).

    Raises:
        ConfigurationError: an empty name, or an attempt to replace the built-in scripted one.
    """
    if not name.strip():
        raise ConfigurationError("a backend needs a name")
    if name == SCRIPTED:
        raise ConfigurationError("the scripted backend is built in and cannot be replaced")
    _FACTORIES[name] = factory


def unregister(name: str) -> None:
    """Forget a registered backend (no error if it was not registered)."""
    _FACTORIES.pop(name, None)


def names() -> list[str]:
    """Every backend a test file can name."""
    return sorted({SCRIPTED, *_FACTORIES})


async def create(name: str, request: BackendRequest) -> Backend:
    """Build the backend called `name` for one conversation.

    Raises:
        ConfigurationError: no backend has that name (the message lists those that do).
    """
    if name == SCRIPTED:
        return Backend(ScriptedRealtimeModel())
    factory = _FACTORIES.get(name)
    if factory is None:
        raise ConfigurationError(
            f"no backend named {name!r} is registered (known: {', '.join(names())}); "
            "register one with voxline.testing.runner.backends.register(name, factory)"
        )
    made = factory(request)
    backend = await made if inspect.isawaitable(made) else made
    if not isinstance(backend, Backend):
        raise ConfigurationError(
            f"the factory of backend {name!r} returned {type(backend).__name__}, not a Backend"
        )
    return backend
