"""Where and how to connect: the realtime URL, auth headers, retry policy, log redaction."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from voxline.errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "Credentials",
    "RetryPolicy",
    "is_azure",
    "realtime_url",
    "websocket_logger",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-realtime"

_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter for (re)connecting.

    Attempt n waits `initial_delay_s * multiplier**(n-1)` seconds (at most `max_delay_s`),
    scaled by a random factor in [1 - jitter, 1 + jitter].

    Attributes:
        attempts: How many connection attempts after a drop (and for the first connect).
        initial_delay_s: The wait before the first retry.
        multiplier: How much each wait grows.
        max_delay_s: The longest single wait.
        jitter: Relative randomness of each wait, 0 to 1.
    """

    attempts: int = 5
    initial_delay_s: float = 1.0
    multiplier: float = 2.0
    max_delay_s: float = 30.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ConfigurationError("RetryPolicy.attempts must be at least 1")
        if self.initial_delay_s < 0 or self.max_delay_s < 0 or self.multiplier < 1:
            raise ConfigurationError(
                "RetryPolicy delays cannot be negative and the multiplier must be >= 1"
            )
        if not 0 <= self.jitter <= 1:
            raise ConfigurationError("RetryPolicy.jitter must be between 0 and 1")

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        base = min(self.max_delay_s, self.initial_delay_s * self.multiplier ** (attempt - 1))
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return max(0.0, base * (1 + spread))


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key or an ephemeral client secret. Neither ever appears in a repr."""

    api_key: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if bool(self.api_key) == bool(self.client_secret):
            raise ConfigurationError(
                "give exactly one of api_key (server side) or client_secret (an ephemeral "
                "token from mint_client_secret); set OPENAI_API_KEY to use from_env()"
            )

    @property
    def kind(self) -> str:
        """`api_key` or `client_secret`, for logs."""
        return "api_key" if self.api_key else "client_secret"

    def headers(self, *, azure: bool) -> dict[str, str]:
        """Auth headers: `Authorization: Bearer ...`, or `api-key` for an Azure API key."""
        if azure and self.api_key:
            return {"api-key": self.api_key}
        return {"Authorization": f"Bearer {self.api_key or self.client_secret}"}


def is_azure(base_url: str) -> bool:
    """True for Azure OpenAI endpoints, which take the key in an `api-key` header."""
    host = urlsplit(base_url).hostname or ""
    return host.endswith((".openai.azure.com", ".cognitiveservices.azure.com"))


def realtime_url(base_url: str, model: str, extra_query: Mapping[str, str] | None = None) -> str:
    """The WebSocket URL, like the openai package builds it: `<base>/realtime?model=<model>`.

    http(s) becomes ws(s); a base that already ends in `/realtime` is kept as it is.

    Raises:
        ConfigurationError: the URL has no host or an unsupported scheme.
    """
    parts = urlsplit(base_url.strip())
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ConfigurationError(
            f"base URL {base_url!r} must look like https://host/v1 (http, https, ws or wss)"
        )
    path = parts.path.rstrip("/")
    if not path.endswith("/realtime"):
        path += "/realtime"
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "model"]
    query.append(("model", model))
    query.extend((extra_query or {}).items())
    return urlunsplit((scheme, parts.netloc, path, urlencode(query), ""))


_SECRET_HEADERS = frozenset({"authorization", "api-key"})


class _RedactSecrets(logging.Filter):
    """websockets logs every handshake header at DEBUG; blank out the credential ones."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            isinstance(args, tuple)
            and len(args) == 2
            and isinstance(args[0], str)
            and args[0].lower() in _SECRET_HEADERS
        ):
            record.args = (args[0], "[redacted]")
        return True


def websocket_logger(name: str = "voxline.models.openai.websocket") -> logging.Logger:
    """A logger to hand to websockets, with credential headers redacted."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, _RedactSecrets) for f in logger.filters):
        logger.addFilter(_RedactSecrets())
    return logger
