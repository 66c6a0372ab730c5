"""`voxline serve`: run the server (REST, browser bridge, web UI) under uvicorn."""

from __future__ import annotations

import asyncio
import logging

import typer
import uvicorn

from voxline import scenarios
from voxline.errors import ConfigurationError
from voxline.server.app import create_app
from voxline.server.logs import configure_logging
from voxline.settings import Settings, load_settings

__all__ = ["serve"]

log = logging.getLogger("voxline.server")


def _bound_port(server: uvicorn.Server, fallback: int) -> int:
    for listener in server.servers:
        for sock in listener.sockets:
            port: int = sock.getsockname()[1]
            return port
    return fallback


async def _announce(server: uvicorn.Server, settings: Settings, app_state: object) -> None:
    from voxline.server.app import ServerState

    assert isinstance(app_state, ServerState)
    while not server.started:  # uvicorn offers no event for this; a CLI-only poll
        if server.should_exit:
            return
        await asyncio.sleep(0.05)
    port = _bound_port(server, settings.port)
    url = f"http://{settings.host}:{port}/"
    typer.echo(f"voxline is listening on {url} (loading the {settings.backend} backend...)")
    try:
        await app_state.host.wait_ready()
    except ConfigurationError as exc:
        typer.echo(f"error: {exc}", err=True)
        server.should_exit = True
        return
    typer.echo(f"voxline is ready: open {url}  (scenario {settings.scenario})")


async def _run(settings: Settings) -> None:
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        log_level=settings.log_level.lower(),
        lifespan="on",
    )
    server = uvicorn.Server(config)
    announcer = asyncio.create_task(_announce(server, settings, app.state.voxline))
    try:
        await server.serve()
    finally:
        announcer.cancel()
        await asyncio.gather(announcer, return_exceptions=True)


def serve(
    host: str | None = typer.Option(None, help="Interface to listen on [default: 127.0.0.1]."),
    port: int | None = typer.Option(None, help="TCP port, 0 for any free one [default: 8000]."),
    scenario: str | None = typer.Option(
        None, help=f"Default scenario [default: customer_service]: {', '.join(scenarios.names())}."
    ),
    backend: str | None = typer.Option(
        None, help="local (the offline engine) or openai (needs OPENAI_API_KEY) [default: local]."
    ),
    log_level: str | None = typer.Option(None, help="DEBUG, INFO, WARNING or ERROR."),
) -> None:
    """Serve the web UI, the REST API (/docs) and the browser bridge (/ws/session).

    Every option can also come from the environment: VOXLINE_HOST, VOXLINE_PORT,
    VOXLINE_SCENARIO, VOXLINE_BACKEND, VOXLINE_LOG_LEVEL (and OPENAI_API_KEY), or from
    voxline.toml (or the file VOXLINE_CONFIG names). To listen beyond this machine, set
    VOXLINE_API_KEYS; see also VOXLINE_MAX_SESSIONS, VOXLINE_RATE_LIMIT,
    VOXLINE_SESSION_TIMEOUT_S, VOXLINE_CORS_ORIGINS and VOXLINE_LOG_FORMAT (console or json).
    """
    try:
        settings = load_settings(
            host=host, port=port, scenario=scenario, backend=backend, log_level=log_level
        )
        wanted = settings.scenario.strip().lower().replace("-", "_")
        if wanted not in scenarios.names():
            raise ConfigurationError(
                f"there is no scenario named {settings.scenario!r}; "
                f"known scenarios: {', '.join(scenarios.names())}"
            )
        configure_logging(
            settings.log_level, secrets=settings.secrets, log_format=settings.log_format
        )
        asyncio.run(_run(settings))
    except ConfigurationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
