"""Saved prefix contexts on disk: round trip, and anything odd is ignored, never trusted."""

from __future__ import annotations

import os
from pathlib import Path

from voxline.engine.llm.states import SavedContext, StateCache, model_identity


def _cache(tmp_path: Path, **kw: int) -> StateCache:
    return StateCache(tmp_path / "states", "model-a|4096", **kw)


def test_a_saved_context_comes_back_for_the_same_prefix_and_tokens(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    saved = SavedContext((1, 2, 3), b"\x00kv-cache\xff" * 10)
    cache.save("system: be brief", saved)
    assert cache.load("system: be brief", [1, 2, 3]) == saved
    assert cache.load("system: be kind", [1, 2, 3]) is None


def test_another_model_identity_never_reads_the_file(tmp_path: Path) -> None:
    _cache(tmp_path).save("p", SavedContext((1,), b"x"))
    other = StateCache(tmp_path / "states", "model-b|4096")
    assert other.load("p", [1]) is None


def test_a_file_whose_tokens_differ_is_deleted(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    cache.save("p", SavedContext((1, 2), b"x"))
    assert cache.load("p", [1, 3]) is None
    assert not cache.path_for("p").exists()


def test_a_damaged_file_is_ignored(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    cache.save("p", SavedContext((1, 2), b"state"))
    path = cache.path_for("p")
    path.write_bytes(path.read_bytes()[:-2])  # truncated
    assert cache.load("p", [1, 2]) is None
    path.write_bytes(b"not a state file at all")
    assert cache.load("p", [1, 2]) is None


def test_only_the_most_recent_files_are_kept(tmp_path: Path) -> None:
    cache = _cache(tmp_path, max_files=2)
    for n, prefix in enumerate(["a", "b", "c"]):
        cache.save(prefix, SavedContext((n,), b"s"))
        os.utime(cache.path_for(prefix), (1000 + n, 1000 + n))
    cache.save("d", SavedContext((9,), b"s"))
    kept = sorted(p.name for p in (tmp_path / "states").glob("*.state"))
    assert kept == sorted([cache.path_for("c").name, cache.path_for("d").name])


def test_an_unwritable_directory_only_costs_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = StateCache(blocker / "states", "m")
    cache.save("p", SavedContext((1,), b"s"))  # logs a warning, does not raise
    assert cache.load("p", [1]) is None


def test_the_identity_changes_with_the_model_file_and_settings(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights")
    a = model_identity(model, n_ctx=4096, n_batch=256, version="1")
    assert a != model_identity(model, n_ctx=2048, n_batch=256, version="1")
    model.write_bytes(b"other weights")
    assert a != model_identity(model, n_ctx=4096, n_batch=256, version="1")
