"""How a conversation behaves beyond what its agents say."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from voxline.core.config import SessionConfig
from voxline.core.events import Usage
from voxline.core.triggers import TriggerSet
from voxline.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class ConversationOptions:
    """How the conversation behaves, beyond what the agents say.

    Attributes:
        base_config: Audio formats, modalities and turn detection; instructions, voice and
            tools are filled in from the active agent.
        triggers: Trigger phrases and buttons, if any.
        auto_respond: Answer typed messages at once. False for agents that only speak when
            triggered (the voice coach).
        guardrail_debounce_chars: Run guardrails each time this many new characters streamed.
        max_guardrail_retries: How often a tripped reply is retried before giving up, per turn.
        metadata: Passed to tools and guardrails in the RunContext.
        estimate_cost: US dollars for a usage (the backend's prices, bound by the session);
            None: usage costs nothing (the offline engine, fakes).
    """

    base_config: SessionConfig = field(default_factory=lambda: SessionConfig(instructions=""))
    triggers: TriggerSet | None = None
    auto_respond: bool = True
    guardrail_debounce_chars: int = 60
    max_guardrail_retries: int = 1
    metadata: Mapping[str, Any] = field(default_factory=dict)
    estimate_cost: Callable[[Usage], float] | None = None

    def __post_init__(self) -> None:
        if self.guardrail_debounce_chars < 1:
            raise ConfigurationError("guardrail_debounce_chars must be at least 1")
        if self.max_guardrail_retries < 0:
            raise ConfigurationError("max_guardrail_retries cannot be negative")
