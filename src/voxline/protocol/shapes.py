"""Shape checks for the fast paths, compiled to one straight-line function per shape.

A shape names every field a JSON object may have, what each must hold, and which must be
present. `shape()` turns it into a function with one inline type test per field, the way
`dataclasses` writes `__init__`: checking an event is then a single Python call instead of
a loop that calls a small checker per field. That matters on a realtime link, where most
events arrive after the process has sat idle, and code run for the first time since then
is several times slower than warm code (measured in benchmarks/README.md, "Eighth pass").

The field tests are the plain kinds below, `one_of` for a set of allowed strings, `Maybe`
(null or a check) and `ListOf` (a list, each element checked), or any `Check` (a nested
shape or a custom test), which is called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

__all__ = [
    "INT",
    "NONE",
    "NUMBER",
    "OPT_INT",
    "OPT_NUMBER",
    "OPT_STR",
    "STR",
    "Check",
    "Kind",
    "ListOf",
    "Maybe",
    "OneOf",
    "Spec",
    "one_of",
    "shape",
]

Check = Callable[[Any], bool]


class Kind(Enum):
    """A field test written inline: the JSON type the openai model declares, no coercion."""

    STR = "type(v) is str"
    INT = "type(v) is int"
    OPT_STR = "v is None or type(v) is str"
    OPT_INT = "v is None or type(v) is int"
    NONE = "v is None"
    NUMBER = "type(v) is float or type(v) is int"
    OPT_NUMBER = "v is None or type(v) is float or type(v) is int"


STR: Final = Kind.STR
INT: Final = Kind.INT
OPT_STR: Final = Kind.OPT_STR
OPT_INT: Final = Kind.OPT_INT
NONE: Final = Kind.NONE
NUMBER: Final = Kind.NUMBER
OPT_NUMBER: Final = Kind.OPT_NUMBER


class OneOf(frozenset[str | None]):
    """The allowed values of a string field (None among them: the field may be null)."""


def one_of(*allowed: str | None) -> OneOf:
    return OneOf(allowed)


@dataclass(frozen=True, slots=True)
class Maybe:
    """Null, or what `check` passes."""

    check: Check


@dataclass(frozen=True, slots=True)
class ListOf:
    """A list whose every element `check` passes (null too when `nullable`)."""

    check: Check
    nullable: bool = False


Spec = Kind | OneOf | Maybe | ListOf | Check


class _Missing:
    """What a compiled shape reads for an absent field."""


_MISSING: Final = _Missing()


def shape(required: Mapping[str, Spec], optional: Mapping[str, Spec] | None = None) -> Check:
    """A check passing a dict with only these fields, each fitting its spec, and every one of
    `required` present (a present field may still be null where its spec allows it)."""
    optional = {key: spec for key, spec in (optional or {}).items() if key not in required}
    names: dict[str, Any] = {"MISSING": _MISSING}
    lines = ["def fits(data):", "    if type(data) is not dict:", "        return False"]
    for index, (key, spec) in enumerate(required.items()):
        lines += [
            f"    v = data.get({key!r}, MISSING)",
            "    if v is MISSING:",
            "        return False",
        ]
        lines += _indent(_body(spec, f"r{index}", names), 4)
    if not optional:
        lines.append(f"    return len(data) == {len(required)}")
    else:
        # count the optional fields present: any field beyond them is unknown
        lines.append(f"    seen = {len(required)}")
        for index, (key, spec) in enumerate(optional.items()):
            lines += [f"    v = data.get({key!r}, MISSING)", "    if v is not MISSING:"]
            lines += _indent([*_body(spec, f"o{index}", names), "seen += 1"], 8)
        lines.append("    return len(data) == seen")
    exec("\n".join(lines), names)  # the source is built here from constant shapes
    fits: Check = names["fits"]
    return fits


def _body(spec: Spec, name: str, names: dict[str, Any]) -> list[str]:
    """Lines that return False unless the value `v` fits `spec`."""
    if isinstance(spec, ListOf):
        names[name] = spec.check
        loop = [
            "if type(v) is not list:",
            "    return False",
            "for x in v:",
            f"    if not {name}(x):",
            "        return False",
        ]
        return ["if v is not None:", *_indent(loop, 4)] if spec.nullable else loop
    return [f"if not ({_test(spec, name, names)}):", "    return False"]


def _test(spec: Kind | OneOf | Maybe | Check, name: str, names: dict[str, Any]) -> str:
    if isinstance(spec, Kind):
        return spec.value
    if isinstance(spec, Maybe):
        names[name] = spec.check
        return f"v is None or {name}(v)"
    names[name] = spec
    if isinstance(spec, OneOf):
        # the type test first: an unhashable value must not reach the set lookup
        return f"(v is None or type(v) is str) and v in {name}"
    return f"{name}(v)"


def _indent(lines: list[str], spaces: int) -> list[str]:
    return [" " * spaces + line for line in lines]
