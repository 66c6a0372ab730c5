"""Item ids: short, unique, and deterministic when a test asks for it."""

from __future__ import annotations

import uuid
from typing import Protocol


class IdFactory(Protocol):
    """Makes a new id with a readable prefix such as `msg` or `call`."""

    def __call__(self, prefix: str) -> str: ...


def random_id(prefix: str) -> str:
    """A random id of at most 32 characters (the OpenAI Realtime limit for client item ids)."""
    return f"{prefix}_{uuid.uuid4().hex[:24]}"[:32]


class CountingIds:
    """Deterministic ids: `msg_1`, `msg_2`, `call_3`, ... in order of creation."""

    def __init__(self) -> None:
        self._n = 0

    def __call__(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self._n}"
