"""The `voxline` command line."""

from __future__ import annotations

import typer

from voxline._version import __version__
from voxline.engine.modelfiles.cli import app as models_app
from voxline.testing.runner.cli import run_tests_command

app = typer.Typer(
    name="voxline",
    help="Realtime multi-agent voice agents, on OpenAI or fully offline.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(models_app, name="models")
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


def main() -> None:
    """Entry point of the `voxline` script."""
    app()
