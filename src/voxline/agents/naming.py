"""Tool-name rules shared by tools and handoffs."""

from __future__ import annotations

import re

from voxline.errors import ConfigurationError

MAX_TOOL_NAME = 64
_VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def normalize_name(name: str) -> str:
    """Lower-case `name` and replace anything but letters, digits and `_` with `_`."""
    cleaned = re.sub(r"[^a-z0-9_]+", "_", name.strip().lower()).strip("_")
    return re.sub(r"_+", "_", cleaned)


def check_tool_name(name: str) -> str:
    """Return `name` if a model accepts it as a function name, else raise ConfigurationError."""
    if not _VALID.match(name):
        raise ConfigurationError(
            f"tool name {name!r} is not valid: use 1 to {MAX_TOOL_NAME} letters, digits, '_' or '-'"
        )
    return name


def handoff_tool_name(agent_name: str) -> str:
    """The tool that hands off to `agent_name`: `transfer_to_<normalised name>`."""
    base = normalize_name(agent_name)
    if not base:
        raise ConfigurationError(
            f"agent name {agent_name!r} has no letters or digits, so it cannot name a handoff tool"
        )
    return check_tool_name(f"transfer_to_{base}"[:MAX_TOOL_NAME])
