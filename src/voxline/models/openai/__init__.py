"""The OpenAI Realtime backend: a reconnecting WebSocket adapter, client secrets and cost.

Use `from_env()` (reads OPENAI_API_KEY and OPENAI_BASE_URL) and hand the model to a
RealtimeSession.
"""

from __future__ import annotations

import os
from typing import Any

from voxline.errors import ConfigurationError
from voxline.models.openai.model import OpenAIRealtimeModel
from voxline.models.openai.secrets import ClientSecret, mint_client_secret
from voxline.models.openai.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_MODEL,
    RetryPolicy,
    realtime_url,
)
from voxline.models.pricing import GPT_REALTIME_PRICES, PriceTable, estimate_cost

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "GPT_REALTIME_PRICES",
    "ClientSecret",
    "OpenAIRealtimeModel",
    "PriceTable",
    "RetryPolicy",
    "estimate_cost",
    "from_env",
    "mint_client_secret",
    "realtime_url",
]


def from_env(**overrides: Any) -> OpenAIRealtimeModel:
    """An OpenAIRealtimeModel configured like the `openai` package: from the environment.

    Reads OPENAI_API_KEY and OPENAI_BASE_URL (default https://api.openai.com/v1). Keyword
    arguments override them and pass through to OpenAIRealtimeModel (model, retry, prices, ...).

    Raises:
        ConfigurationError: no API key (nor a client_secret override) is available.
    """
    options: dict[str, Any] = dict(overrides)
    if not options.get("api_key") and not options.get("client_secret"):
        key = os.environ.get("OPENAI_API_KEY", "").strip()
        if not key:
            raise ConfigurationError(
                "OPENAI_API_KEY is not set: export it (or pass api_key=... / client_secret=...)"
                " to use the OpenAI realtime model, or use the offline engine instead"
            )
        options["api_key"] = key
    options.setdefault("base_url", os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL)
    return OpenAIRealtimeModel(**options)
