"""`voxline serve` refuses bad options with a clear message before starting anything."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from voxline.cli import app


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`serve` configures the voxline and uvicorn loggers; put them back for other tests."""
    names = ("voxline", "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {n: (list(logging.getLogger(n).handlers), logging.getLogger(n).propagate,
                 logging.getLogger(n).level) for n in names}  # fmt: skip
    yield
    for name, (handlers, propagate, level) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers, logger.propagate = handlers, propagate
        logger.setLevel(level)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--backend", "cloud"], "backend"),
        (["--scenario", "nope"], "known scenarios"),
        (["--backend", "openai"], "OPENAI_API_KEY"),
        (["--port", "70000"], "port"),
    ],
)
def test_serve_refuses_bad_options(
    monkeypatch: pytest.MonkeyPatch, args: list[str], says: str
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("VOXLINE_OPENAI_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 2
    assert "error:" in result.output
    assert says in result.output


def test_serve_is_listed() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--backend" in result.output
