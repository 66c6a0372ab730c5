"""Saved llama.cpp contexts for agent prompt prefixes: compact in memory, optionally on disk.

llama-cpp-python's own `save_state` also copies its score matrix (up to n_batch x vocabulary
floats, about 155 MB for Qwen2.5), which voxline never reads: every turn evaluates at least one
token after a restore. A `SavedContext` keeps only the evaluated tokens and llama.cpp's
context state (the KV cache of the prefix, ~20 MB for a 700-token prompt), so restoring an
agent is a copy of that, and a handful of agents fit in memory.

`StateCache` keeps them on disk as well, keyed by the model file, the context settings and
the exact prefix text, so a restarted server prepares its agents in about a second instead of
prefilling each system prompt again (~10 s each on 2 cores). A file that is unreadable or
does not match is ignored and replaced, never trusted.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("voxline.engine")

MAGIC = b"VXLSTATE1\n"
_HEADER = struct.Struct("<QQ")  # token count, state bytes


@dataclass(frozen=True, slots=True)
class SavedContext:
    """A llama.cpp context after evaluating `tokens`.

    Attributes:
        tokens: The evaluated tokens, in order.
        data: llama.cpp's context state (`llama_state_get_data`).
    """

    tokens: tuple[int, ...]
    data: bytes


def save_context(llama: Any, lib: Any) -> SavedContext:
    """Copy the context of a `llama_cpp.Llama` (`lib` is the `llama_cpp` module)."""
    size = int(lib.llama_state_get_size(llama.ctx))
    buffer = (ctypes.c_uint8 * size)()
    written = int(lib.llama_state_get_data(llama.ctx, buffer, size))
    n = int(llama.n_tokens)
    tokens = tuple(int(t) for t in llama.input_ids[:n])
    return SavedContext(tokens, ctypes.string_at(buffer, written))


def restore_context(llama: Any, lib: Any, saved: SavedContext) -> bool:
    """Put `saved` back into `llama`; False (context left reset) if llama.cpp refuses it."""
    size = len(saved.data)
    buffer = (ctypes.c_uint8 * size).from_buffer_copy(saved.data)
    if int(lib.llama_state_set_data(llama.ctx, buffer, size)) != size:
        llama.reset()
        return False
    n = len(saved.tokens)
    llama.input_ids[:n] = np.asarray(saved.tokens, dtype=np.intc)
    llama.n_tokens = n
    return True


class StateCache:
    """Saved prefix contexts on disk, one file each, at most `max_files` (oldest go first).

    Args:
        directory: Where the files live (created on first save).
        identity: What the states depend on besides the prefix: the model file, context
            settings and llama.cpp version. A different identity never reads these files.
        max_files: Files kept; the least recently used are deleted beyond it.
    """

    def __init__(self, directory: Path, identity: str, *, max_files: int = 48) -> None:
        self.directory = directory
        self.identity = identity
        self.max_files = max_files

    def path_for(self, prefix: str) -> Path:
        """The file a prefix's state is kept in."""
        digest = hashlib.sha256(f"{self.identity}\n{prefix}".encode()).hexdigest()
        return self.directory / f"{digest[:40]}.state"

    def load(self, prefix: str, tokens: list[int]) -> SavedContext | None:
        """The saved context for `prefix`, if a valid file holds exactly `tokens`."""
        path = self.path_for(prefix)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        saved = _parse(raw)
        if saved is None or list(saved.tokens) != tokens:
            log.warning("ignoring a stale or damaged prefix state file %s", path.name)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept longer
        return saved

    def save(self, prefix: str, saved: SavedContext) -> None:
        """Write `saved` atomically; a full or read-only disk only costs the cache."""
        path = self.path_for(prefix)
        body = np.asarray(saved.tokens, dtype="<i4").tobytes()
        header = MAGIC + _HEADER.pack(len(saved.tokens), len(saved.data))
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(header + body)
                out.write(saved.data)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("could not save a prefix state to %s: %s", self.directory, exc)
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
            return
        self._prune()

    def _prune(self) -> None:
        files = sorted(self.directory.glob("*.state"), key=_mtime, reverse=True)
        for old in files[self.max_files :]:
            with contextlib.suppress(OSError):
                old.unlink()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _parse(raw: bytes) -> SavedContext | None:
    if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + _HEADER.size:
        return None
    n_tokens, n_data = _HEADER.unpack_from(raw, len(MAGIC))
    start = len(MAGIC) + _HEADER.size
    end_tokens = start + 4 * n_tokens
    if len(raw) != end_tokens + n_data:
        return None
    tokens = np.frombuffer(raw[start:end_tokens], dtype="<i4")
    return SavedContext(tuple(int(t) for t in tokens), raw[end_tokens:])


def model_identity(model_path: Path, *, n_ctx: int, n_batch: int, version: str) -> str:
    """What a saved state depends on: the exact model file and how the context was built."""
    stat = model_path.stat()
    return f"{model_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{n_ctx}|{n_batch}|{version}"
