"""The `voxline` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from voxline._version import __version__
from voxline.engine.modelfiles.cli import app as models_app
from voxline.server.cli import serve
from voxline.store.cli import app as conversations_app
from voxline.testing.runner.cli import run_tests_command

app = typer.Typer(
    name="voxline",
    help="Realtime multi-agent voice agents, on OpenAI or fully offline.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(models_app, name="models")
app.add_typer(conversations_app, name="conversations")
app.command("serve")(serve)
app.command("test")(run_tests_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"voxline {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """voxline: talk to agents that listen, speak, call tools and hand off."""


@app.command()
def chat(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="Which built-in scenario to talk to.")
    ] = "customer_service",
    backend: Annotated[
        str, typer.Option("--backend", "-b", help="local (offline engine, no key) or openai.")
    ] = "local",
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Where scenario data lives (default: $VOXLINE_DATA_DIR)."),
    ] = None,
) -> None:
    """Type to an agent in the terminal; see its replies, handoffs and tool calls.

    Reads one message per line and ends cleanly at the end of input, so it can be piped:
    `echo "where is my order?" | voxline chat`.
    """
    from voxline.backends import check_backend, create_model
    from voxline.chat import chat_main, prepared_engine
    from voxline.errors import ConfigurationError
    from voxline.scenarios import load

    def progress(line: str) -> None:
        typer.echo(line, err=True)  # stdout stays the conversation (it may be piped)

    try:
        chosen = load(scenario, data_dir=data_dir)
        if check_backend(backend) == "local":
            model = prepared_engine(chosen, progress=progress)
        else:
            model = create_model(backend, text_only=True)
    except ConfigurationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    chat_main(chosen, model)


def main() -> None:
    """Entry point of the `voxline` script."""
    app()
