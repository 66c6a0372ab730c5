"""The FastAPI app behind `voxline serve`: REST, the browser bridge and the web UI."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, HTTPException, Response, WebSocket
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.middleware.cors import CORSMiddleware

from voxline import scenarios as builtin
from voxline._version import __version__
from voxline.engine.ports import LLM
from voxline.errors import ConfigurationError, TransportError
from voxline.scenarios.base import Scenario
from voxline.server.backends import Backend, ModelFactory, ModelHost, backend_for
from voxline.server.bridge import Connection, serve_bridge
from voxline.server.history import history_router
from voxline.server.memory import HeapTrimmer
from voxline.server.metrics import CONTENT_TYPE, ServerMetrics, store_health
from voxline.server.security import KeyRing, RateLimiter, SecurityGate, SessionSlots
from voxline.settings import Settings, is_loopback
from voxline.store import ConversationLog

__all__ = [
    "BuiltinScenarios",
    "ClientToken",
    "ScenarioCatalog",
    "ScenarioInfo",
    "ServerState",
    "create_app",
]

log = logging.getLogger("voxline.server")

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
"""The static web UI, served at `/`."""


class ScenarioCatalog(Protocol):
    """The scenarios a server offers (the built-in ones unless an app passes its own)."""

    def names(self) -> list[str]:
        """Every scenario name, in display order."""
        ...

    def load(self, name: str, *, supervisor: LLM | None = None) -> Scenario:
        """Build one scenario.

        Raises:
            ConfigurationError: no scenario has that name.
        """
        ...


@dataclass(frozen=True, slots=True)
class BuiltinScenarios:
    """`voxline.scenarios`, with scenario data in `data_dir`."""

    data_dir: Path | None = None

    def names(self) -> list[str]:
        return builtin.names()

    def load(self, name: str, *, supervisor: LLM | None = None) -> Scenario:
        return builtin.load(name, data_dir=self.data_dir, supervisor=supervisor)


@dataclass(slots=True)
class ServerState:
    """Everything the routes share, at `app.state.voxline`.

    Attributes:
        settings: The process settings.
        host: The model backend and its loading state.
        catalog: The scenarios on offer.
        connections: Open bridge connections by session id.
        metrics: The Prometheus metrics served at `/metrics`.
        slots: Open conversations (sockets) against `settings.max_sessions`.
        heap: Gives freed memory back to the system once no conversation is open.
    """

    settings: Settings
    host: ModelHost
    catalog: ScenarioCatalog
    connections: dict[str, Connection] = field(default_factory=dict)
    conversations: ConversationLog | None = None
    metrics: ServerMetrics = field(default_factory=ServerMetrics)
    slots: SessionSlots = field(default_factory=lambda: SessionSlots(50))
    heap: HeapTrimmer | None = None


class ScenarioInfo(BaseModel):
    """One scenario as `GET /api/scenarios` lists it."""

    name: str
    title: str
    description: str
    start_agent: str
    agents: list[str]
    coach: bool = Field(description="Whether it has voice-coach triggers (show the coach panel).")
    triggers: list[str]
    auto_respond: bool
    default: bool


class ClientTokenRequest(BaseModel):
    """Optional body of `POST /api/client-token`."""

    expires_after_s: int = Field(default=600, ge=10, le=7200)


class ClientToken(BaseModel):
    """An ephemeral OpenAI client secret for one browser session."""

    value: str
    expires_at: int
    model: str | None


def _state(app: FastAPI) -> ServerState:
    state: ServerState = app.state.voxline
    return state


def _scenario_info(scenario: Scenario, default: str) -> ScenarioInfo:
    triggers = scenario.triggers.triggers if scenario.triggers is not None else ()
    return ScenarioInfo(
        name=scenario.name,
        title=scenario.title,
        description=scenario.description,
        start_agent=scenario.agent.name,
        agents=[a.name for a in scenario.agents],
        coach=bool(triggers),
        triggers=[t.name for t in triggers],
        auto_respond=scenario.auto_respond,
        default=scenario.name == default,
    )


def create_app(
    settings: Settings | None = None,
    *,
    model_factory: ModelFactory | None = None,
    backend: Backend | None = None,
    catalog: ScenarioCatalog | None = None,
    routers: Sequence[APIRouter] = (),
    web_dir: Path | None = WEB_DIR,
) -> FastAPI:
    """The voxline server as an ASGI app.

    Args:
        settings: Process settings (default: read from the environment).
        model_factory: Makes each conversation's model; None picks the backend from
            `settings.backend` (`local` loads the offline engine once, at startup).
        backend: A whole Backend (shared models loaded at startup, one model per
            conversation); takes precedence over `model_factory`.
        catalog: The scenarios offered (default: the built-in ones in `settings.data_dir`).
        routers: Extra routes to mount, such as the engine's OpenAI-compatible `/v1/realtime`.
        web_dir: The static UI served at `/` (skipped when the directory does not exist).

    Raises:
        ConfigurationError: the settings cannot work (the openai backend without a key, or a
            host other machines can reach with no API keys to check).
    """
    chosen = settings or Settings()
    _check_exposure(chosen)
    host = ModelHost(backend or backend_for(chosen, model_factory))
    state = ServerState(
        chosen,
        host,
        catalog or BuiltinScenarios(chosen.data_dir),
        slots=SessionSlots(chosen.max_sessions),
    )
    state.metrics.watch_sessions(state.slots.by_kind)
    slots = state.slots
    state.heap = HeapTrimmer(lambda: slots.total > 0)

    conversations = state.conversations = ConversationLog.from_settings(
        chosen.database_url, chosen.data_dir, recording=chosen.recording
    )
    state.metrics.watch_store(lambda: conversations.stats.write_failures)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warm = asyncio.create_task(
            host.warm_up(partial(_scenarios_to_prepare, state)), name="voxline-warm-up"
        )
        await conversations.start()
        try:
            yield
        finally:
            warm.cancel()
            await asyncio.gather(warm, return_exceptions=True)
            for connection in list(state.connections.values()):
                await connection.session.close()
            await conversations.stop()
            if state.heap is not None:
                await state.heap.stop()

    app = FastAPI(
        title="voxline",
        version=__version__,
        description="Realtime multi-agent voice agents: REST, the browser bridge and the UI.",
        lifespan=lifespan,
    )
    app.state.voxline = state
    _secure(app, state)

    @app.get("/api/scenarios", response_model=list[ScenarioInfo], tags=["api"])
    async def list_scenarios() -> list[ScenarioInfo]:
        """The scenarios a browser can pick, with their agents and coach triggers."""
        found = []
        for name in state.catalog.names():
            scenario = await asyncio.to_thread(state.catalog.load, name)
            found.append(_scenario_info(scenario, state.settings.scenario))
        return found

    @app.get("/api/health", tags=["api"])
    async def health() -> dict[str, Any]:
        """Backend, loaded models and whether the server is ready or still warming up."""
        return {
            **host.health(),
            "version": __version__,
            "connections": len(state.connections),
            "sessions": {"open": state.slots.by_kind(), "max": state.slots.limit},
            "auth_required": bool(state.settings.client_keys),
            "store": store_health(state.conversations),
        }

    @app.get("/metrics", tags=["api"], response_class=Response)
    async def metrics() -> Response:
        """Prometheus metrics (text exposition format); needs an API key when keys are set."""
        return Response(state.metrics.render(), media_type=CONTENT_TYPE)

    @app.post("/api/client-token", response_model=ClientToken, tags=["api"])
    async def client_token(body: ClientTokenRequest | None = None) -> ClientToken:
        """Mint an ephemeral OpenAI client secret (only with the openai backend and a key)."""
        return await _mint(state, body or ClientTokenRequest())

    @app.websocket("/ws/session")
    async def bridge(websocket: WebSocket) -> None:
        """The browser bridge; see docs/bridge.md."""
        await serve_bridge(websocket, state)

    app.include_router(_realtime_router(state))
    app.include_router(history_router(lambda: state.conversations))
    for extra in routers:
        app.include_router(extra)
    if web_dir is not None and web_dir.is_dir():
        app.mount("/", StaticFiles(directory=web_dir, html=True), name="web")
    return app


def _scenarios_to_prepare(state: ServerState, supervisor: LLM | None) -> list[Scenario]:
    """Every scenario on offer, the default one first (its agents are ready before calls)."""
    names = state.catalog.names()
    default = state.settings.scenario
    ordered = [default] if default in names else []
    ordered += [name for name in names if name != default]
    found = []
    for name in ordered:
        try:
            found.append(state.catalog.load(name, supervisor=supervisor))
        except Exception as exc:  # noqa: BLE001 - it fails where it is used; the rest prepare
            log.warning("scenario %s cannot be prepared: %s", name, exc)
    return found


def _check_exposure(settings: Settings) -> None:
    if not is_loopback(settings.host) and not settings.client_keys:
        raise ConfigurationError(
            f"refusing to serve on {settings.host} without API keys: anyone who can reach it "
            "could use it; set VOXLINE_API_KEYS, or listen on 127.0.0.1"
        )


def _secure(app: FastAPI, state: ServerState) -> None:
    """Keys, rate limit and session slots on every request and socket; CORS outside them."""
    settings = state.settings
    app.add_middleware(
        SecurityGate,
        keys=KeyRing(settings.client_keys),
        limiter=RateLimiter(settings.rate_limit),
        slots=state.slots,
        on_refused=state.metrics.refused,
    )
    if settings.cors_origins:  # added last: the outermost, so refusals carry CORS headers too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
        )


def _realtime_router(state: ServerState) -> APIRouter:
    """`/v1/realtime`: the OpenAI Realtime protocol on this server's backend."""
    from voxline.realtime_api import router

    # the SecurityGate middleware has checked the key (and taken a session slot) already
    return router(lambda: state.host.create_model(None))


async def _mint(state: ServerState, body: ClientTokenRequest) -> ClientToken:
    settings = state.settings
    if settings.backend != "openai" or state.host.backend.name != "openai":
        raise HTTPException(
            status_code=404,
            detail="client tokens exist only with the openai backend (voxline serve --backend "
            "openai); this server runs the " + state.host.backend.name + " backend",
        )
    key = settings.openai_api_key
    if key is None:
        raise HTTPException(status_code=409, detail="no OpenAI API key is configured")
    from voxline.models.openai import DEFAULT_BASE_URL, DEFAULT_MODEL, mint_client_secret

    model = settings.openai_model or DEFAULT_MODEL
    try:
        secret = await mint_client_secret(
            key.get_secret_value(),
            model=model,
            expires_after_s=body.expires_after_s,
            base_url=settings.openai_base_url or DEFAULT_BASE_URL,
        )
    except ConfigurationError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except TransportError as exc:
        raise HTTPException(status_code=502, detail=str(exc)) from None
    log.info("minted a client secret (expires_at=%d)", secret.expires_at)
    return ClientToken(value=secret.value, expires_at=secret.expires_at, model=model)
