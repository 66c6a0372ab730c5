"""Plain arguments: the common tool signature checked without pydantic, with the same result.

Most tools take a few plain JSON scalars (`order_id: str`, `limit: int = 5`). For them the
arguments are read with `json.loads` (already warm: every server event goes through it)
and a type test per parameter. pydantic-core is a large library that a tool call wakes up
once per turn; cold, its validation took 55-58 us against 18-20 us for this check (see
benchmarks/README.md, "Eighth pass").

`PlainArguments.parse` answers only when it can vouch for the result being exactly what the
tool's pydantic model gives: exact JSON types (an int for a float is widened, as pydantic
does), no unknown or missing fields. For anything else (a coercion, an error, a `\\u` escape
whose handling differs between the two parsers) it returns None and the caller validates
with pydantic, which gives the result or the typed error.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import pydantic

__all__ = ["PlainArguments"]

_SCALARS: Final = frozenset({str, int, float, bool})
_IMMUTABLE_DEFAULTS: Final = (str, int, float, bool, type(None))


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    kind: type
    nullable: bool
    required: bool
    default: Any


class _Missing:
    """An absent argument."""


_MISSING: Final = _Missing()

_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
"""The json module's scanner, called directly: `json.loads` adds three Python-level steps,
which a tool call would meet cold."""


class PlainArguments:
    """The arguments of a tool whose parameters are all plain JSON scalars."""

    __slots__ = ("_params",)

    def __init__(self, params: tuple[_Param, ...]) -> None:
        self._params = params

    @classmethod
    def of(cls, model: type[pydantic.BaseModel]) -> PlainArguments | None:
        """The plain reader of `model`'s fields; None when any field needs pydantic."""
        params: list[_Param] = []
        for name, info in model.model_fields.items():
            plain = _plain_type(info.annotation)
            if plain is None or info.metadata or info.alias or info.default_factory:
                return None
            required = info.is_required()
            if not required and not isinstance(info.default, _IMMUTABLE_DEFAULTS):
                return None
            params.append(_Param(name, plain[0], plain[1], required, info.default))
        return cls(tuple(params))

    def parse(self, raw: str) -> dict[str, Any] | None:
        """The validated arguments in field order, defaults filled in; None: ask pydantic."""
        if "\\u" in raw:
            return None
        try:
            data, end = _scan(raw, 0)
        except (StopIteration, ValueError):
            return None
        if end != len(raw):
            return None  # surrounding whitespace or trailing text: pydantic decides
        if type(data) is not dict or len(data) > len(self._params):
            return None
        out: dict[str, Any] = {}
        given = 0
        for param in self._params:
            value = data.get(param.name, _MISSING)
            if value is _MISSING:
                if param.required:
                    return None
                out[param.name] = param.default
                continue
            given += 1
            if value is None:
                if not param.nullable:
                    return None
            elif type(value) is not param.kind:
                if param.kind is float and type(value) is int:
                    value = float(value)
                else:
                    return None
            out[param.name] = value
        return out if given == len(data) else None


def _plain_type(annotation: Any) -> tuple[type, bool] | None:
    """(the scalar type, whether null is allowed) for `str`, `int | None` and the like."""
    if annotation in _SCALARS:
        return annotation, False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        if len(args) == 2 and len(rest) == 1 and rest[0] in _SCALARS:
            return rest[0], True
    return None
