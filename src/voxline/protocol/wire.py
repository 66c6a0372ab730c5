"""Typed wire events: validate raw JSON against the openai package's realtime event models."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, get_args

from openai._models import BaseModel as OpenAIModel
from openai.types.realtime import RealtimeClientEvent, RealtimeServerEvent
from pydantic import ValidationError

from voxline.errors import ProtocolError

__all__ = [
    "CLIENT_EVENT_TYPES",
    "SERVER_EVENT_TYPES",
    "dumps",
    "parse_client_event",
    "parse_server_event",
]


def _by_type(union: Any) -> dict[str, type[OpenAIModel]]:
    """Map each member's `type` literal to its model class, from an Annotated union alias."""
    members = get_args(get_args(union)[0])
    table: dict[str, type[OpenAIModel]] = {}
    for model in members:
        for literal in get_args(model.model_fields["type"].annotation):
            table[literal] = model
    return table


CLIENT_EVENT_TYPES: Mapping[str, type[OpenAIModel]] = _by_type(RealtimeClientEvent)
"""Every client event type of the GA Realtime protocol, mapped to its openai model."""

SERVER_EVENT_TYPES: Mapping[str, type[OpenAIModel]] = _by_type(RealtimeServerEvent)
"""Every server event type of the GA Realtime protocol, mapped to its openai model."""


def _parse(
    raw: str | bytes | Mapping[str, Any], table: Mapping[str, type[OpenAIModel]], side: str
) -> OpenAIModel:
    if isinstance(raw, str | bytes):
        try:
            data: Any = json.loads(raw)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
            raise ProtocolError(
                f"the {side} sent text that is not JSON ({exc})", code="invalid_json", raw=text
            ) from None
    else:
        data = raw
    if not isinstance(data, dict):
        raise ProtocolError(
            f"a {side} event must be a JSON object, got {type(data).__name__}",
            code="invalid_event",
            raw=str(data),
        )
    kind = data.get("type")
    model = table.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise ProtocolError(
            f"unknown {side} event type {kind!r}",
            event_type=kind if isinstance(kind, str) else None,
            code="unknown_event",
            raw=data,
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()[:3]
        )
        raise ProtocolError(
            f"malformed {kind} event from the {side}: {problems}",
            event_type=kind,
            code="invalid_event",
            raw=data,
        ) from None


def parse_server_event(raw: str | bytes | Mapping[str, Any]) -> OpenAIModel:
    """Parse and validate one server event.

    Raises:
        ProtocolError: not JSON (`invalid_json`), an unknown type (`unknown_event`) or fields
            that fail the openai model (`invalid_event`). The raw payload is kept on the error.
    """
    return _parse(raw, SERVER_EVENT_TYPES, "server")


def parse_client_event(raw: str | bytes | Mapping[str, Any]) -> OpenAIModel:
    """Parse and validate one client event (used by the fake server and the tests).

    Raises:
        ProtocolError: as for `parse_server_event`.
    """
    return _parse(raw, CLIENT_EVENT_TYPES, "client")


def dumps(event: OpenAIModel) -> str:
    """Serialise an event to compact JSON, keeping only fields that were set (None included)."""
    return json.dumps(
        event.model_dump(mode="json", exclude_unset=True, by_alias=True),
        separators=(",", ":"),
    )
