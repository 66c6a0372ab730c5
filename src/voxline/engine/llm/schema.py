"""Tool argument schemas: a GBNF grammar that only admits valid JSON, and a matching validator.

Supports the JSON Schema subset tools use: objects with properties (required first, optional
after), strings (with `enum`), integers, numbers, booleans, null, arrays, `anyOf`/`oneOf` of
those and `$ref` into `$defs`. The grammar is kept tight on purpose: grammar-constrained
sampling costs about 3x per token, so arguments come out compact, on one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from voxline.errors import ConfigurationError

__all__ = ["arguments_grammar", "gbnf_literal", "validate_arguments"]

_BASE_RULES = {
    "ws": '" "?',
    "string": r'"\"" ( [^"\\\x00-\x1f] | "\\" ["\\/bfnrt] )* "\""',
    "integer": '"-"? ( "0" | [1-9] [0-9]{0,15} )',
    "number": '"-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,10} )?',
    "boolean": '"true" | "false"',
    "null": '"null"',
}


def gbnf_literal(text: str) -> str:
    """`text` as a quoted GBNF literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


class _Builder:
    def __init__(self, root_schema: Mapping[str, Any], prefix: str) -> None:
        self.root_schema = root_schema
        self.prefix = prefix
        self.rules: dict[str, str] = {}
        self.used_base: set[str] = set()
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        clean = re.sub(r"[^a-zA-Z0-9-]+", "-", hint).strip("-") or "v"
        return f"{self.prefix}-{clean}-{self._count}"

    def base(self, rule: str) -> str:
        self.used_base.add(rule)
        if rule != "ws":
            self.used_base.add("ws")
        return rule

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return schema
        if not ref.startswith("#/$defs/") and not ref.startswith("#/definitions/"):
            raise ConfigurationError(f"tool schema reference {ref!r} is not supported")
        section, key = ref[2:].split("/", 1)
        defs = self.root_schema.get(section, {})
        if key not in defs:
            raise ConfigurationError(f"tool schema reference {ref!r} points nowhere")
        return self.resolve(defs[key])

    def value(self, schema: Mapping[str, Any], hint: str) -> str:
        schema = self.resolve(schema)
        if "enum" in schema or "const" in schema:
            options = schema["enum"] if "enum" in schema else [schema["const"]]
            return "( " + " | ".join(gbnf_literal(json.dumps(o)) for o in options) + " )"
        for key in ("anyOf", "oneOf"):
            if key in schema:
                alts = [self.value(s, hint) for s in schema[key]]
                return "( " + " | ".join(alts) + " )"
        kind = schema.get("type")
        if isinstance(kind, list):
            return "( " + " | ".join(self.value({**schema, "type": k}, hint) for k in kind) + " )"
        if kind == "object" or (kind is None and "properties" in schema):
            return self.object(schema, hint)
        if kind == "array":
            item = self.value(schema.get("items", {"type": "string"}), hint + "-item")
            rule = self.name(hint + "-array")
            self.rules[rule] = f'"[" ( {item} ( "," {self.base("ws")} {item} )* )? "]"'
            return rule
        if kind in ("string", "integer", "number", "boolean", "null"):
            return self.base(kind)
        if kind is None:
            return "( " + " | ".join(self.base(k) for k in ("string", "number", "boolean")) + " )"
        raise ConfigurationError(f"tool schema type {kind!r} is not supported")

    def object(self, schema: Mapping[str, Any], hint: str, *, open_brace: bool = True) -> str:
        props: Mapping[str, Any] = schema.get("properties", {})
        required = [k for k in schema.get("required", []) if k in props]
        optional = [k for k in props if k not in required]
        members = [self._member(k, props[k], hint) for k in required]
        optional_members = [self._member(k, props[k], hint) for k in optional]
        sep = f'"," {self.base("ws")}'
        rule = self.name(hint + "-obj")
        if members:
            body = f" {sep} ".join(members)
            body += "".join(f" ( {sep} {m} )?" for m in optional_members)
        elif optional_members:
            alts = []
            for i, first in enumerate(optional_members):
                tail = "".join(f" ( {sep} {m} )?" for m in optional_members[i + 1 :])
                alts.append(first + tail)
            body = "( " + " | ".join(alts) + " )?"
        else:
            body = ""
        opening = '"{" ' if open_brace else ""
        self.rules[rule] = f'{opening}{body} "}}"' if body else f'{opening}"}}"'
        return rule

    def _member(self, key: str, schema: Mapping[str, Any], hint: str) -> str:
        return f"{gbnf_literal(json.dumps(key) + ':')} {self.base('ws')} {self.value(schema, key)}"


def arguments_grammar(
    schema: Mapping[str, Any],
    *,
    rule: str = "root",
    include_optional: bool = True,
    open_brace: bool = True,
) -> str | None:
    """GBNF rules whose rule `rule` matches exactly the JSON objects valid for `schema`.

    Args:
        schema: The tool's JSON Schema (an object schema).
        rule: Name of the top rule; other rules get names derived from it.
        include_optional: Let the model write optional properties. False keeps the output
            shortest (only required properties).
        open_brace: False leaves the opening "{" out (the caller has already written it).

    Returns:
        The grammar, or None when there is nothing to write: the arguments are always {}.

    Raises:
        ConfigurationError: the schema uses a construct outside the supported subset.
    """
    if not include_optional:
        props = schema.get("properties", {})
        required = [k for k in schema.get("required", []) if k in props]
        schema = {**schema, "properties": {k: props[k] for k in required}}
    if not schema.get("properties"):
        return None
    builder = _Builder(schema, rule)
    top = builder.object(builder.resolve(schema), "args", open_brace=open_brace)
    lines = [f"{rule} ::= {top}"]
    lines += [f"{name} ::= {body}" for name, body in builder.rules.items()]
    lines += [f"{name} ::= {_BASE_RULES[name]}" for name in sorted(builder.used_base)]
    return "\n".join(lines) + "\n"


def validate_arguments(schema: Mapping[str, Any], value: Any) -> list[str]:
    """Problems with `value` against `schema` (the same subset as the grammar); empty if valid."""
    problems: list[str] = []
    _check(schema, schema, value, "", problems)
    return problems


def _check(  # noqa: C901
    root: Mapping[str, Any], schema: Mapping[str, Any], value: Any, path: str, out: list[str]
) -> None:
    where = path or "(root)"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        section, key = ref[2:].split("/", 1)
        schema = root.get(section, {}).get(key, {})
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {value!r} is not one of {schema['enum']!r}")
        return
    if "const" in schema and value != schema["const"]:
        out.append(f"{where}: must be {schema['const']!r}")
        return
    for key in ("anyOf", "oneOf"):
        if key in schema:
            if not any(_fits(root, s, value, path) for s in schema[key]):
                out.append(f"{where}: matches none of the allowed shapes")
            return
    kind = schema.get("type")
    kinds: Sequence[Any] = kind if isinstance(kind, list) else [kind] if kind else []
    if kinds and not any(_is_type(value, k) for k in kinds):
        out.append(f"{where}: expected {' or '.join(str(k) for k in kinds)}")
        return
    if isinstance(value, dict):
        props: Mapping[str, Any] = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                out.append(f"{path + '.' if path else ''}{name}: required")
        for name, item in value.items():
            if name in props:
                _check(root, props[name], item, f"{path}.{name}" if path else name, out)
            elif schema.get("additionalProperties") is False:
                out.append(f"{path + '.' if path else ''}{name}: not allowed")
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _check(root, schema["items"], item, f"{where}[{i}]", out)


def _fits(root: Mapping[str, Any], schema: Mapping[str, Any], value: Any, path: str) -> bool:
    problems: list[str] = []
    _check(root, schema, value, path, problems)
    return not problems


def _is_type(value: Any, kind: str) -> bool:
    match kind:
        case "object":
            return isinstance(value, dict)
        case "array":
            return isinstance(value, list)
        case "string":
            return isinstance(value, str)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        case "boolean":
            return isinstance(value, bool)
        case "null":
            return value is None
    return True
