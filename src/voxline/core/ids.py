"""Item ids: short, unique, and deterministic when a test asks for it."""

from __future__ import annotations

import os
from typing import Protocol


class IdFactory(Protocol):
    """Makes a new id with a readable prefix such as `msg` or `call`."""

    def __call__(self, prefix: str) -> str: ...


def random_id(prefix: str) -> str:
    """A random id of at most 32 characters (the OpenAI Realtime limit for client item ids).

    96 random bits as 24 hex digits, read straight from the OS (building a `uuid.UUID` to
    keep 24 of its digits took four times as long, on every tool answer and message).
    """
    return f"{prefix}_{os.urandom(12).hex()}"[:32]


class CountingIds:
    """Deterministic ids: `msg_1`, `msg_2`, `call_3`, ... in order of creation."""

    def __init__(self) -> None:
        self._n = 0

    def __call__(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self._n}"
