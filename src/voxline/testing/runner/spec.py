"""The conversation-test file format (YAML), validated with pydantic, with line numbers kept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from voxline.errors import ConversationFileError

INHERITED = ("scenario", "backend", "metadata", "timeout_s", "settle_ms")
STEP_KINDS = (
    "user",
    "user_message",
    "speak",
    "audio",
    "tool_call",
    "agent_handoff",
    "trigger",
    "wait",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Matcher(_Strict):
    """How an argument is compared: exactly, by regex, by normalised phone, or by substring."""

    regex: str | None = None
    phone: str | None = None
    contains: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Matcher:
        if sum(v is not None for v in (self.regex, self.phone, self.contains)) != 1:
            raise ValueError("give exactly one of regex, phone, contains")
        return self


ArgMatcher = Matcher | str | int | float | bool | None


class ToolExpectation(_Strict):
    """A tool the turn must call, optionally with argument matchers and output checks."""

    name: str
    args: dict[str, ArgMatcher] = Field(default_factory=dict)
    output_contains: str | None = None
    is_error: bool | None = None


class GuardrailExpectation(_Strict):
    """A guardrail that must trip in the turn."""

    category: str
    guardrail: str | None = None


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str | dict) else value


class Expect(_Strict):
    """What must be true at the end of a turn; every field is optional."""

    agent: str | None = None
    handoff: str | None = None
    no_handoff: bool = False
    tools: list[ToolExpectation] = Field(default_factory=list, alias="tool")
    tools_not_called: list[str] = Field(default_factory=list)
    reply_contains: list[str] = Field(default_factory=list)
    reply_matches: str | None = None
    reply_not_contains: list[str] = Field(default_factory=list)
    silent: bool = False
    guardrail: GuardrailExpectation | None = None
    trigger: str | None = None
    latency_ms: float | None = Field(default=None, gt=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key in ("reply_contains", "reply_not_contains", "tools_not_called"):
            if key in data:
                data[key] = _listify(data[key])
        for key in ("tool", "tools"):
            if key in data:
                data["tool"] = [
                    {"name": t} if isinstance(t, str) else t for t in _listify(data.pop(key))
                ]
        if isinstance(data.get("guardrail"), str):
            data["guardrail"] = {"category": data["guardrail"]}
        return data


class ModelAction(_Strict):
    """One scripted response: words said, then optionally one tool call or handoff."""

    say: str | None = None
    call: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    handoff: str | None = None
    reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"say": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _something(self) -> ModelAction:
        if self.call and self.handoff:
            raise ValueError("a response calls a tool or hands off, not both")
        if self.say is None and not self.call and not self.handoff:
            raise ValueError("a model action needs say, call or handoff")
        if self.args and not self.call:
            raise ValueError("args belong to a call")
        return self


class ToolCallStep(_Strict):
    """Call a tool of the active agent directly, as if the model had."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class Step(_Strict):
    """One step: exactly one action key, the scripted model behaviour, and expectations."""

    kind: Literal["user", "speak", "audio", "tool_call", "agent_handoff", "trigger", "wait"]
    text: str | None = None
    audio: Path | None = None
    transcript: str | None = None
    tool_call: ToolCallStep | None = None
    target: str | None = None
    wait_ms: float = 0.0
    model: list[ModelAction] = Field(default_factory=list)
    expect: Expect = Field(default_factory=Expect)
    name: str | None = None
    line: int = 0

    @model_validator(mode="before")
    @classmethod
    def _action(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"a step is a mapping with one of: {', '.join(STEP_KINDS)}")
        found = [k for k in STEP_KINDS if k in data]
        if len(found) != 1:
            what = ", ".join(found) if found else "none"
            raise ValueError(f"a step needs exactly one of {', '.join(STEP_KINDS)} (found {what})")
        data = dict(data)
        key = found[0]
        value = data.pop(key)
        kind = "user" if key == "user_message" else key
        data["kind"] = kind
        if kind in ("user", "speak", "trigger"):
            data["text"] = value
        elif kind == "audio":
            data["audio"] = value
        elif kind == "tool_call":
            data["tool_call"] = value
        elif kind == "agent_handoff":
            data["target"] = value
        else:
            data["wait_ms"] = value
        return data

    @model_validator(mode="after")
    def _complete(self) -> Step:
        if self.kind in ("user", "speak", "trigger") and not (self.text or "").strip():
            raise ValueError(f"{self.kind} needs non-empty text")
        if self.kind == "wait" and self.wait_ms < 0:
            raise ValueError("wait is a number of milliseconds, 0 or more")
        return self

    @property
    def label(self) -> str:
        """A short description for reports."""
        if self.name:
            return self.name
        detail = {
            "user": self.text,
            "speak": self.text,
            "trigger": self.text,
            "audio": str(self.audio),
            "tool_call": self.tool_call.name if self.tool_call else "",
            "agent_handoff": self.target,
            "wait": f"{self.wait_ms:g} ms",
        }[self.kind]
        return f"{self.kind}: {detail}"


class ConversationSpec(_Strict):
    """One conversation: a scenario, a backend, user metadata and the steps."""

    name: str | None = None
    description: str | None = None
    scenario: str
    backend: str = "scripted"
    metadata: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float = Field(default=30.0, gt=0)
    settle_ms: float = Field(default=800.0, ge=0)
    steps: list[Step] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class LoadedConversation:
    """A validated conversation with where it came from."""

    spec: ConversationSpec
    path: Path
    index: int
    line: int

    @property
    def title(self) -> str:
        """`file.yaml` or `file.yaml#2 name` for reports."""
        base = self.path.name if self.index == 0 else f"{self.path.name}#{self.index + 1}"
        return f"{base} {self.spec.name}" if self.spec.name else base


def _node_line(node: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """The 1-based line of the deepest node that `loc` (a pydantic error path) reaches."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        else:
            child = None
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def _documents(text: str) -> Iterator[tuple[yaml.Node, Any]]:
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node, loader.construct_document(node)
    finally:
        loader.dispose()


def _step_lines(node: yaml.Node) -> list[int]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "steps" and isinstance(value, yaml.SequenceNode):
                return [int(s.start_mark.line) + 1 for s in value.value]
    return []


def load_file(path: Path) -> list[LoadedConversation]:
    """Read and validate every conversation (YAML document) of a file.

    Later documents inherit scenario, backend, metadata, timeout_s and settle_ms from the
    first one when they leave them out, so one file can hold many short conversations.

    Raises:
        ConversationFileError: unreadable file, bad YAML or a field that does not validate;
            the message gives the path, the line and what is wrong.
    """
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConversationFileError(f"cannot read the file ({exc})", path=shown) from None
    loaded: list[LoadedConversation] = []
    first: dict[str, Any] = {}
    try:
        docs = list(_documents(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ConversationFileError(
            f"not valid YAML: {exc.problem}", path=shown, line=line
        ) from None
    if not docs:
        raise ConversationFileError("the file holds no conversation", path=shown)
    for index, (node, data) in enumerate(docs):
        line = int(node.start_mark.line) + 1
        if not isinstance(data, dict):
            raise ConversationFileError("a conversation is a mapping", path=shown, line=line)
        if index == 0:
            first = {k: data[k] for k in INHERITED if k in data}
        merged = {**first, **data}
        try:
            spec = ConversationSpec.model_validate(merged)
        except pydantic.ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
            raise ConversationFileError(
                f"{where}: {err['msg']}{more}", path=shown, line=_node_line(node, err["loc"])
            ) from None
        lines = _step_lines(node)
        steps = [
            s.model_copy(update={"line": lines[i] if i < len(lines) else line})
            for i, s in enumerate(spec.steps)
        ]
        loaded.append(
            LoadedConversation(spec.model_copy(update={"steps": steps}), path, index, line)
        )
    return loaded
