"""The voxline command line entry point."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from voxline import __version__
from voxline.cli import app


def test_version_flag() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"voxline {__version__}"


def test_the_installed_script_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "voxline", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert __version__ in done.stdout


def test_no_arguments_shows_help() -> None:
    result = CliRunner().invoke(app, [])
    assert "Usage" in result.output


def test_chat_with_a_bad_backend_or_scenario_says_why() -> None:
    result = CliRunner().invoke(app, ["chat", "--backend", "nope"], input="hi\n")
    assert result.exit_code == 2
    assert "unknown backend 'nope'" in result.output
    result = CliRunner().invoke(
        app, ["chat", "--scenario", "nope", "--backend", "openai"], input=""
    )
    assert result.exit_code == 2
    assert "no scenario named 'nope'" in result.output
