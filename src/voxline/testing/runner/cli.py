"""`voxline test PATH...`: run conversation-test files and report; non-zero exit on failure."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from voxline.errors import ConversationFileError
from voxline.testing.runner.report import table, write
from voxline.testing.runner.run import run_paths


def run_tests_command(
    paths: Annotated[list[Path], typer.Argument(help="Conversation files or directories.")],
    backend: Annotated[
        str | None,
        typer.Option("--backend", "-b", help="Run every file on this backend instead."),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write JSON here.")] = None,
    junit_out: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML.")] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Scenario data directory (default: fresh per file)."),
    ] = None,
) -> None:
    """Run conversation tests: each turn's handoffs, tools, replies, guardrails and latency."""
    try:
        report = asyncio.run(run_paths(paths, backend=backend, data_dir=data_dir))
    except ConversationFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(table(report))
    write(report, json_path=json_out, junit_path=junit_out)
    if not report.passed:
        raise typer.Exit(1)
