"""Function tools: a Python function plus the JSON Schema the model sees, from its signature."""

from __future__ import annotations

import copy
import dataclasses
import dis
import functools
import inspect
import json
import json.encoder
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, overload

import pydantic

from voxline.agents.arguments import PlainArguments
from voxline.agents.context import RunContext
from voxline.agents.naming import check_tool_name
from voxline.core.config import ToolSpec
from voxline.errors import ConfigurationError, ToolArgumentsError

DEFAULT_TOOL_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class FunctionTool:
    """A tool the model can call.

    Build one with the `function_tool` decorator rather than by hand.

    Attributes:
        name: The function name the model sees.
        description: What the tool does, for the model.
        parameters: JSON Schema of the arguments.
        func: The Python function (sync or async).
        timeout_s: How long the session waits before answering the model with a timeout error.
    """

    name: str
    description: str
    parameters: Mapping[str, Any]
    func: Callable[..., Any]
    args_model: type[pydantic.BaseModel]
    timeout_s: float = DEFAULT_TOOL_TIMEOUT_S
    context_param: str | None = None
    is_async: bool = field(init=False, repr=False, compare=False)
    """True when calling the function returns an awaitable (asked on every call: found once)."""
    answers_at_once: bool = field(init=False, repr=False, compare=False)
    """True for an `async def` without `await`: a call always finishes in its first step, so
    the session runs it in place, without a task or a timer."""
    plain_arguments: PlainArguments | None = field(init=False, repr=False, compare=False)
    """Reads plain scalar arguments without pydantic (None: every field needs pydantic)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_async", inspect.iscoroutinefunction(self.func))
        object.__setattr__(self, "answers_at_once", _never_waits(self.func))
        object.__setattr__(self, "plain_arguments", PlainArguments.of(self.args_model))

    def spec(self) -> ToolSpec:
        """The tool as the model sees it."""
        return ToolSpec(self.name, self.description, self.parameters)

    def parse_arguments(self, raw: str) -> dict[str, Any]:
        """Parse the model's JSON arguments and validate them against the schema.

        Plain scalar arguments (the common tool) are read by `PlainArguments`; anything it
        cannot vouch for is parsed and validated in one pass by the arguments' pydantic model
        (in its JSON mode), which gives the same result or the typed error.

        Raises:
            ToolArgumentsError: the text is not a JSON object or does not fit the schema.
        """
        text = raw if raw.strip() else "{}"
        plain = self.plain_arguments
        if plain is not None:
            arguments = plain.parse(text)
            if arguments is not None:
                return arguments
        try:
            model = self.args_model.model_validate_json(text)
        except pydantic.ValidationError as exc:
            raise self._arguments_error(exc.errors()) from None
        return dict(model.__dict__)  # the fields, in order (extra fields are forbidden)

    def _arguments_error(self, errors: list[Any]) -> ToolArgumentsError:
        first = errors[0]
        if first["type"] == "json_invalid":
            why = first["msg"].removeprefix("Invalid JSON: ")
            problem = f"are not valid JSON ({why}); send a JSON object matching the tool's schema"
        elif first["type"] == "model_type":
            problem = f"must be a JSON object, got {_json_type(first['input'])}"
        else:
            problem = "do not match its schema: " + "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
                for err in errors
            )
        return ToolArgumentsError(f"arguments for {self.name} {problem}", tool_name=self.name)

    def bind(self, arguments: Mapping[str, Any], context: RunContext) -> dict[str, Any]:
        """Keyword arguments for `func`: the arguments, plus the context if it wants it."""
        kwargs = dict(arguments)
        if self.context_param is not None:
            kwargs[self.context_param] = context
        return kwargs


def _never_waits(func: Callable[..., Any]) -> bool:
    """True when calling `func` runs a coroutine whose own code has no `await`.

    A coroutine can only suspend at a YIELD_VALUE of its own frame (every `await`, `async
    for` and `async with` compiles to one), so one without it finishes in its first step.
    Only the code that runs is read: a partial's function or a method's function, never
    what a decorator wraps. Anything else (a callable object, a wrapper) counts as waiting.
    """
    while isinstance(func, functools.partial):
        func = func.func
    if inspect.ismethod(func):
        func = func.__func__
    code = getattr(func, "__code__", None) if inspect.isfunction(func) else None
    if not isinstance(code, types.CodeType) or not code.co_flags & inspect.CO_COROUTINE:
        return False
    return all(op.opname != "YIELD_VALUE" for op in dis.get_instructions(code))


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, for error messages."""
    names = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def serialize_output(value: Any) -> str:
    """Turn a tool's return value into the text the model reads."""
    if isinstance(value, str):
        return value
    if type(value) is dict or type(value) is list:
        return _OUTPUT_JSON(value)  # the common answer, without the model/dataclass checks
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return _OUTPUT_JSON(value)


def _output_json() -> Callable[[Any], str]:
    """json.dumps(value, default=str, ensure_ascii=False), going straight to the C encoder.

    `JSONEncoder.encode` takes two Python-level steps (and defines a closure) around the C
    encoder on every call; a tool's answer meets them cold once per turn, where they cost
    about 20 us (benchmarks/README.md, "Eighth pass"). The C encoder is built per call, with
    its own circular-reference check, exactly as `encode` builds it.
    """
    make: Any = getattr(json.encoder, "c_make_encoder", None)  # private to json, not typed
    if make is None:  # a Python without the C accelerator: the module's own encoder
        return json.JSONEncoder(default=str, ensure_ascii=False).encode
    escape = json.encoder.encode_basestring

    def encode(value: Any) -> str:
        return "".join(make({}, str, escape, None, ": ", ", ", False, False, True)(value, 0))

    return encode


_OUTPUT_JSON = _output_json()


_ARG_LINE = re.compile(r"^\s*(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_SECTION = re.compile(
    r"^\s*(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?):\s*$"
)


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into its description and per-argument descriptions."""
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    summary: list[str] = []
    args: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    for line in lines:
        header = _SECTION.match(line)
        if header:
            section, current = header.group(1), None
            continue
        if section is None:
            summary.append(line)
        elif section in ("Args", "Arguments", "Parameters"):
            match = _ARG_LINE.match(line)
            indent = len(line) - len(line.lstrip())
            if match and indent <= 4:
                current = match.group(1).lstrip("*")
                args[current] = match.group(2).strip()
            elif current is not None and line.strip():
                args[current] = f"{args[current]} {line.strip()}".strip()
    return " ".join(" ".join(summary).split()), args


def _strip_titles(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strip_titles(v) for k, v in schema.items() if k != "title"}
    if isinstance(schema, list):
        return [_strip_titles(v) for v in schema]
    return schema


def _is_context(annotation: Any) -> bool:
    return annotation is RunContext or annotation == "RunContext"


_ModelSpec = tuple[str, tuple[tuple[str, Any, type, Any, str | None], ...]]


def _args_model(spec: _ModelSpec) -> tuple[type[pydantic.BaseModel], dict[str, Any]]:
    """The pydantic model that validates a tool's arguments, and its JSON Schema."""
    tool_name, fields = spec
    definitions: dict[str, Any] = {
        name: (annotation, pydantic.Field(default, description=doc))
        for name, annotation, _kind, default, doc in fields
    }
    model: type[pydantic.BaseModel] = pydantic.create_model(
        f"{tool_name}_args",
        __config__=pydantic.ConfigDict(extra="forbid"),
        **definitions,
    )
    schema = _strip_titles(model.model_json_schema())
    schema.setdefault("properties", {})
    return model, schema


_cached_args_model = functools.lru_cache(maxsize=1024)(_args_model)
"""Argument models by tool name and parameters. Scenarios build their tools as closures on
every load (once per call on the server); building the model (about 2 ms) and keeping one
class per call (classes sit in reference cycles until a full collection) is paid once."""


def _build(
    func: Callable[..., Any],
    name: str | None,
    description: str | None,
    timeout_s: float,
) -> FunctionTool:
    if not callable(func):
        raise ConfigurationError(f"function_tool needs a function, got {func!r}")
    if timeout_s <= 0:
        raise ConfigurationError(f"tool timeout must be positive, got {timeout_s}")
    tool_name = check_tool_name(name or func.__name__)
    summary, arg_docs = parse_docstring(func.__doc__)
    try:
        hints = inspect.get_annotations(func, eval_str=True)
    except NameError as exc:
        raise ConfigurationError(
            f"tool {tool_name}: a type hint could not be resolved ({exc}); "
            "import the type at module level"
        ) from None
    fields: list[tuple[str, Any, type, Any, str | None]] = []
    context_param: str | None = None
    for param in inspect.signature(func).parameters.values():
        annotation = hints.get(param.name, Any)
        if _is_context(annotation):
            context_param = param.name
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ConfigurationError(
                f"tool {tool_name}: *args and **kwargs cannot be described to the model; "
                "name every parameter"
            )
        default = ... if param.default is inspect.Parameter.empty else param.default
        # the default's type is part of the key: 1 == True, but they make different models
        fields.append((param.name, annotation, type(default), default, arg_docs.get(param.name)))
    spec = (tool_name, tuple(fields))
    try:
        model, schema = _cached_args_model(spec)
    except TypeError:  # an unhashable default or annotation: build it for this tool alone
        model, schema = _args_model(spec)
    return FunctionTool(
        name=tool_name,
        description=description or summary or tool_name.replace("_", " "),
        parameters=copy.deepcopy(schema),
        func=func,
        args_model=model,
        timeout_s=timeout_s,
        context_param=context_param,
    )


@overload
def function_tool(func: Callable[..., Any], /) -> FunctionTool: ...


@overload
def function_tool(
    *,
    name: str | None = None,
    description: str | None = None,
    timeout_s: float = DEFAULT_TOOL_TIMEOUT_S,
) -> Callable[[Callable[..., Any]], FunctionTool]: ...


def function_tool(
    func: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout_s: float = DEFAULT_TOOL_TIMEOUT_S,
) -> FunctionTool | Callable[[Callable[..., Any]], FunctionTool]:
    """Make a function callable by the model.

    The JSON Schema comes from the type hints, the description from the docstring's first
    paragraph, and each argument's description from its `Args:` section. A parameter annotated
    `RunContext` receives the conversation context and is hidden from the model.

    Args:
        func: The function, when used as a bare `@function_tool`.
        name: The tool name the model sees (default: the function's name).
        description: Overrides the docstring's description.
        timeout_s: Seconds before the model is told the tool timed out (default 30).

    Example:
        >>> @function_tool
        ... def lookup_order(order_id: str) -> dict[str, str]:
        ...     '''Find an order.
        ...
        ...     Args:
        ...         order_id: The order number the customer gave.
        ...     '''
        ...     return {"status": "shipped"}
    """
    if func is not None:
        return _build(func, name, description, timeout_s)

    def decorate(f: Callable[..., Any]) -> FunctionTool:
        return _build(f, name, description, timeout_s)

    return decorate
