"""The run context a tool, a guardrail or a dynamic instruction receives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from voxline.core.items import HistoryItem, Message, Role


@dataclass(frozen=True, slots=True)
class RunContext:
    """A snapshot of the conversation at the moment a tool or guardrail runs.

    Attributes:
        agent_name: The name of the active agent.
        history: Every history item so far, oldest first.
        metadata: Whatever the application passed in (user id, locale, ...).
        call_id: The function call being answered, when the context is a tool's.
    """

    agent_name: str
    history: tuple[HistoryItem, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    call_id: str | None = None

    def messages(self, last: int | None = None) -> tuple[Message, ...]:
        """The user and assistant messages with text, optionally only the last `last` of them."""
        found = tuple(
            item
            for item in self.history
            if isinstance(item, Message) and item.role is not Role.SYSTEM and item.text.strip()
        )
        return found if last is None else found[-last:] if last > 0 else ()
