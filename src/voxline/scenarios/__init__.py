"""Built-in scenarios, each selectable by name: `load("customer_service")`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from voxline.engine.ports import LLM
from voxline.errors import ConfigurationError
from voxline.scenarios import chat_supervisor, customer_service, simple_handoff, voice_coach
from voxline.scenarios.base import Scenario
from voxline.scenarios.phone import normalize_phone
from voxline.scenarios.store import CustomerStore, default_data_dir
from voxline.scenarios.voice_coach import CoachSettings

__all__ = [
    "CoachSettings",
    "CustomerStore",
    "Scenario",
    "default_data_dir",
    "load",
    "names",
    "normalize_phone",
]

_Builder = Callable[[Path | None, LLM | None, CoachSettings | None], Scenario]

_BUILDERS: dict[str, _Builder] = {
    "customer_service": lambda data, _sup, _coach: customer_service.build(data),
    "chat_supervisor": lambda data, sup, _coach: chat_supervisor.build(data, sup),
    "simple_handoff": lambda _data, _sup, _coach: simple_handoff.build(),
    "voice_coach": lambda _data, _sup, coach: voice_coach.build(coach),
}


def names() -> list[str]:
    """The names of the built-in scenarios, sorted."""
    return sorted(_BUILDERS)


def load(
    name: str,
    *,
    data_dir: Path | None = None,
    supervisor: LLM | None = None,
    coach: CoachSettings | None = None,
) -> Scenario:
    """Build a scenario by name.

    Args:
        name: One of `names()`.
        data_dir: Where scenario data (the customer-service SQLite database) lives; default
            $VOXLINE_DATA_DIR or ~/.local/share/voxline.
        supervisor: The text model the chat_supervisor scenario consults.
        coach: Phrases, windows and answer length of the voice_coach scenario.

    Raises:
        ConfigurationError: no scenario has that name (the message lists the known ones).
    """
    builder = _BUILDERS.get(name.strip().lower().replace("-", "_"))
    if builder is None:
        raise ConfigurationError(
            f"there is no scenario named {name!r}; known scenarios: {', '.join(names())}"
        )
    return builder(data_dir, supervisor, coach)
