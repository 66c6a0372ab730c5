"""Model backends for the server: heavy models load once per process, models per connection."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from voxline.engine.parts import EngineParts
from voxline.engine.ports import LLM
from voxline.errors import ConfigurationError
from voxline.models.base import RealtimeModel
from voxline.scenarios.base import Scenario
from voxline.settings import Settings

__all__ = [
    "Backend",
    "BackendState",
    "FactoryBackend",
    "LocalBackend",
    "ModelFactory",
    "ModelHost",
    "OpenAIBackend",
    "backend_for",
    "load_default_parts",
]

log = logging.getLogger("voxline.server")

ModelFactory = Callable[[Scenario], RealtimeModel]
"""Makes the model of one conversation (one browser connection) for a scenario."""

Progress = Callable[[str], None]
"""Receives one line of loading progress."""


class Backend(Protocol):
    """Where a server's models come from."""

    @property
    def prepares_agents(self) -> bool:
        """Whether `prepare` does anything: start-up loads the scenarios only for such backends."""
        ...

    @property
    def name(self) -> str:
        """`local`, `openai`, or the name a test gives its factory."""
        ...

    def warm_up(self, progress: Progress) -> None:
        """Load what every connection shares (blocking; runs once in a worker thread).

        Raises:
            VoxlineError: a model is missing or cannot load; the message says how to fix it.
        """
        ...

    def prepare(self, scenarios: Sequence[Scenario], progress: Progress) -> None:
        """Do each agent's ahead-of-time work after `warm_up` (blocking; a worker thread).

        The offline engine prefills every agent's prompt here, so that neither the first
        turn nor a handoff pays for it. A failure is reported through `progress` and
        logged; the agent is then prepared on first use instead.
        """
        ...

    def create_model(self, scenario: Scenario | None) -> RealtimeModel:
        """A fresh model for one conversation (cheap: shared parts were loaded in warm_up).

        `scenario` is None for raw model access (`/v1/realtime`), where the client brings
        its own instructions and tools.
        """
        ...

    def describe(self) -> dict[str, Any]:
        """What is loaded, for `/api/health`; never secrets."""
        ...

    def supervisor(self) -> LLM | None:
        """A text model for scenarios that consult one (chat_supervisor), if the backend has it."""
        ...


@dataclass(frozen=True, slots=True)
class FactoryBackend:
    """A backend around a plain ModelFactory (tests, embedding apps): nothing to warm up."""

    factory: ModelFactory
    name: str = "custom"
    prepares_agents: bool = False

    def warm_up(self, progress: Progress) -> None:
        progress("using the injected model factory; nothing to load")

    def prepare(self, scenarios: Sequence[Scenario], progress: Progress) -> None:
        """Nothing to prepare: the factory's models are the caller's."""

    def create_model(self, scenario: Scenario | None) -> RealtimeModel:
        if scenario is None:
            raise ConfigurationError(
                "this server's model factory makes models for scenarios only; "
                "/v1/realtime needs the local or openai backend"
            )
        return self.factory(scenario)

    def describe(self) -> dict[str, Any]:
        return {"models": []}

    def supervisor(self) -> LLM | None:
        return None


def load_default_parts(progress: Progress) -> EngineParts:
    """Load the offline engine's real components, reporting progress.

    Raises:
        ModelFileError: a component or the language model is not installed.
        ConfigurationError: llama-cpp-python is missing.
    """
    from voxline.engine.parts import load_engine_parts

    return load_engine_parts(progress=progress)


class LocalBackend:
    """The embedded offline engine: STT, TTS and the LLM load once; each conversation gets
    its own LocalRealtimeModel and VAD on top of them.

    Args:
        load: Loads the shared components (tests pass fakes).
    """

    name = "local"
    prepares_agents = True

    def __init__(self, load: Callable[[Progress], EngineParts] = load_default_parts) -> None:
        self._load = load
        self._parts: EngineParts | None = None

    def warm_up(self, progress: Progress) -> None:
        self._parts = self._load(progress)

    def prepare(self, scenarios: Sequence[Scenario], progress: Progress) -> None:
        """Prefill every agent's prompt (from a saved state when one is on disk)."""
        if self._parts is not None:
            agents = [(f"{s.name}/{name}", c) for s in scenarios for name, c in s.agent_configs()]
            self._parts.prepare_agents(agents, progress)

    def create_model(self, scenario: Scenario | None) -> RealtimeModel:
        parts = self._parts
        if parts is None:
            raise ConfigurationError("the offline engine is still loading; try again shortly")
        return parts.new_model()

    def describe(self) -> dict[str, Any]:
        parts = self._parts
        if parts is None:
            return {"models": []}
        names = [type(parts.stt).__name__, type(parts.llm).__name__, type(parts.tts).__name__]
        return {"models": names}

    def supervisor(self) -> LLM | None:
        return None if self._parts is None else self._parts.llm


class OpenAIBackend:
    """The OpenAI Realtime API; the key stays on the server.

    Raises:
        ConfigurationError: no OpenAI API key is configured.
    """

    name = "openai"
    prepares_agents = False

    def __init__(self, settings: Settings) -> None:
        if settings.openai_api_key is None:
            raise ConfigurationError(
                "the openai backend needs an API key: export OPENAI_API_KEY (or "
                "VOXLINE_OPENAI_API_KEY), or use --backend local"
            )
        self._settings = settings

    def warm_up(self, progress: Progress) -> None:
        progress("OpenAI realtime backend: nothing to load")

    def prepare(self, scenarios: Sequence[Scenario], progress: Progress) -> None:
        """Nothing to prepare: OpenAI holds the models."""

    def create_model(self, scenario: Scenario | None) -> RealtimeModel:
        from voxline.models.openai import from_env

        key = self._settings.openai_api_key
        assert key is not None  # checked in __init__
        options: dict[str, Any] = {"api_key": key.get_secret_value()}
        if self._settings.openai_base_url:
            options["base_url"] = self._settings.openai_base_url
        if self._settings.openai_model:
            options["model"] = self._settings.openai_model
        return from_env(**options)

    def describe(self) -> dict[str, Any]:
        return {"models": [self._settings.openai_model or "default realtime model"]}

    def supervisor(self) -> LLM | None:
        return None


def backend_for(settings: Settings, model_factory: ModelFactory | None = None) -> Backend:
    """The backend `settings` ask for, or one around `model_factory` when given.

    Raises:
        ConfigurationError: the openai backend without an API key.
    """
    if model_factory is not None:
        return FactoryBackend(model_factory)
    if settings.backend == "openai":
        return OpenAIBackend(settings)
    return LocalBackend()


class BackendState(StrEnum):
    """Where the server is in loading its models."""

    WARMING = "warming"
    READY = "ready"
    FAILED = "failed"


ScenarioSource = Callable[[LLM | None], Sequence[Scenario]]
"""The scenarios whose agents to prepare at start-up, the default one first; gets the
backend's supervisor model (for scenarios that consult one)."""


class ModelHost:
    """Warms a backend up once (off the event loop) and hands out models when it is ready.

    Warm-up loads the shared models, then prepares the agents of the first scenario the
    `scenarios` source gives (the default one) and only then reports ready; the other
    scenarios' agents are prepared right after, in the background (`preparing` is True
    meanwhile, and the progress says how far it is).
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.state = BackendState.WARMING
        self.error: str | None = None
        self.progress: list[str] = []
        self.load_seconds: float | None = None
        self.preparing = False
        self._done = asyncio.Event()

    def _note(self, line: str) -> None:
        self.progress.append(line)
        log.info("%s", line, extra={"backend": self.backend.name})

    async def warm_up(self, scenarios: ScenarioSource | None = None) -> None:
        """Load the backend's shared models and prepare the scenarios' agents in a worker
        thread; never raises."""
        started = time.perf_counter()
        found: Sequence[Scenario] = ()
        try:
            await asyncio.to_thread(self.backend.warm_up, self._note)
            if scenarios is not None and self.backend.prepares_agents:
                found = await asyncio.to_thread(scenarios, self.backend.supervisor())
                await asyncio.to_thread(self.backend.prepare, found[:1], self._note)
        except Exception as exc:  # noqa: BLE001  # any loader failure must show in /api/health
            self.state, self.error = BackendState.FAILED, str(exc) or type(exc).__name__
            log.error("the %s backend failed to load: %s", self.backend.name, self.error)
        else:
            self.state = BackendState.READY
            self.load_seconds = time.perf_counter() - started
            log.info("the %s backend is ready (%.1f s)", self.backend.name, self.load_seconds)
        finally:
            self._done.set()
        if self.state is BackendState.READY and len(found) > 1:
            self.preparing = True
            try:
                await asyncio.to_thread(self.backend.prepare, found[1:], self._note)
            except Exception as exc:  # noqa: BLE001 - agents are then prepared on first use
                log.warning("preparing the other scenarios' agents failed: %s", exc)
            finally:
                self.preparing = False
                self._note("every scenario's agents are prepared")

    async def wait_ready(self) -> None:
        """Wait for warm-up to end.

        Raises:
            ConfigurationError: warm-up failed; the message says why.
        """
        await self._done.wait()
        if self.state is BackendState.FAILED:
            raise ConfigurationError(
                f"the {self.backend.name} backend is unavailable: {self.error}"
            )

    @property
    def ready(self) -> bool:
        """True once the shared models are loaded."""
        return self.state is BackendState.READY

    def create_model(self, scenario: Scenario | None) -> RealtimeModel:
        """A new model for one conversation (None: raw access for `/v1/realtime`).

        Raises:
            ConfigurationError: the backend is not ready, or cannot make a model.
        """
        if not self.ready:
            raise ConfigurationError(f"the {self.backend.name} backend is not ready")
        return self.backend.create_model(scenario)

    def supervisor(self) -> LLM | None:
        """The backend's text model for supervisor scenarios, once ready."""
        return self.backend.supervisor() if self.ready else None

    def health(self) -> dict[str, Any]:
        """The `/api/health` body."""
        return {
            "status": "ready" if self.state is BackendState.READY else self.state.value,
            "ready": self.state is BackendState.READY,
            "backend": self.backend.name,
            "error": self.error,
            "progress": list(self.progress[-10:]),
            "preparing": self.preparing,
            "load_seconds": self.load_seconds,
            **self.backend.describe(),
        }
