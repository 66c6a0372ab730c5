"""Item ids: short, unique, and deterministic when a test asks for it."""

from __future__ import annotations

import itertools
import os
from typing import Protocol


class IdFactory(Protocol):
    """Makes a new id with a readable prefix such as `msg` or `call`."""

    def __call__(self, prefix: str) -> str: ...


def random_id(prefix: str) -> str:
    """A unique id of at most 32 characters (the OpenAI Realtime limit for client item ids).

    64 random bits drawn once per process (again in a forked child), then a counter: unique
    across processes and restarts, and no system call for each id (one ran on every tool
    answer and message). A long prefix is shortened, never the unique part.
    """
    unique = f"{_salt}{next(_COUNTER):x}"
    return f"{prefix[: 31 - len(unique)]}_{unique}"


_salt = os.urandom(8).hex()
_COUNTER = itertools.count(1)


def _new_salt() -> None:
    global _salt
    _salt = os.urandom(8).hex()


os.register_at_fork(after_in_child=_new_salt)


class CountingIds:
    """Deterministic ids: `msg_1`, `msg_2`, `call_3`, ... in order of creation."""

    def __init__(self) -> None:
        self._n = 0

    def __call__(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self._n}"
