"""Settings: how a voxline process is configured (arguments, VOXLINE_*, .env, voxline.toml)."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from voxline.errors import ConfigurationError

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE",
    "Backend",
    "LogFormat",
    "Settings",
    "is_loopback",
    "load_settings",
]

CONFIG_FILE = "voxline.toml"
"""The settings file read from the working directory when it exists."""

CONFIG_ENV = "VOXLINE_CONFIG"
"""Names another settings file (which must then exist)."""

Backend = Literal["local", "openai"]
"""Which model answers: the embedded offline engine or the OpenAI Realtime API."""

LogFormat = Literal["console", "json"]
"""How log lines look: key=value text for people, or one JSON object per line for collectors."""


class Settings(BaseSettings):
    """Process-wide settings of voxline (the server and, later, the other commands).

    Every field can be set from the environment as ``VOXLINE_<FIELD>`` (``VOXLINE_BACKEND=openai``),
    from a ``.env`` file in the working directory, or from a TOML file (``voxline.toml`` in the
    working directory, or the file ``VOXLINE_CONFIG`` names) with the field names as top-level
    keys. Arguments win over the environment, the environment over ``.env``, and ``.env`` over
    the TOML file. The OpenAI key and base URL also honour the `openai` package's own
    ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``. Lists (``api_keys``, ``cors_origins``) are
    comma-separated in the environment and TOML arrays in the file.

    Use `load_settings` to get every problem at once (`Settings()` stops at the field errors and
    does not check how fields fit together).

    Attributes:
        host: Interface `voxline serve` listens on (127.0.0.1: this machine only).
        port: TCP port of the server.
        scenario: The scenario a browser gets when it does not name one.
        backend: ``local`` (the offline engine) or ``openai``.
        openai_api_key: The server's OpenAI key; it never leaves the server.
        openai_base_url: OpenAI (or Azure / compatible) REST base URL; None uses the default.
        openai_model: The realtime model name for the openai backend; None uses the default.
        data_dir: Where scenario data (the customer-service database) lives.
        bridge_token: An older name for one API key (accepted wherever `api_keys` are).
        outbound_queue: Frames (events and audio) buffered per browser before audio is dropped.
        log_level: Python logging level name of the ``voxline`` loggers.
        log_format: ``console`` (key=value lines) or ``json`` (one object per line).
        api_keys: Bearer tokens that open the REST API, ``/metrics``, the browser bridge and
            ``/v1/realtime``. Required when `host` is not a loopback address; when any is set,
            every client needs one, on loopback too.
        cors_origins: Origins (``https://app.example.com``) whose pages may call the server;
            ``*`` allows any. Empty: same-origin only.
        max_sessions: Conversations (bridge and ``/v1/realtime`` sockets) open at once; more
            are refused with ``too_many_sessions``, never by dropping a live one.
        rate_limit: Requests and new connections per client address per minute (bursts up to
            the same number); 0 turns the limit off. Frames of a live call never count.
        session_timeout_s: A conversation idle (nothing heard, nothing said) this long is
            ended cleanly with a ``session.ended`` event.
        session_max_s: A conversation this long is ended the same way; None: no cap.
    """

    model_config = SettingsConfigDict(
        env_prefix="VOXLINE_",
        env_file=".env",
        extra="ignore",
        validate_default=True,
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    scenario: str = "customer_service"
    backend: Backend = "local"
    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("VOXLINE_OPENAI_API_KEY", "OPENAI_API_KEY", "openai_api_key"),
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "VOXLINE_OPENAI_BASE_URL", "OPENAI_BASE_URL", "openai_base_url"
        ),
    )
    openai_model: str | None = None
    data_dir: Path | None = None
    database_url: str | None = Field(
        default=None, description="Conversation store URL; None: SQLite in the data directory."
    )
    recording: bool = Field(
        default=False, description="Keep a stereo WAV of each conversation (mic left, agent right)."
    )
    bridge_token: SecretStr | None = None
    outbound_queue: int = Field(default=512, ge=8, le=100_000)
    log_level: str = "INFO"
    log_format: LogFormat = "console"
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_sessions: int = Field(default=50, ge=1, le=100_000)
    rate_limit: int = Field(default=120, ge=0, le=1_000_000)
    session_timeout_s: float = Field(default=1800.0, gt=0)
    session_max_s: float | None = Field(default=None, gt=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then ``.env``, then the TOML file."""
        toml = InitSettingsSource(settings_cls, init_kwargs=read_config_file()[1])
        return init_settings, env_settings, dotenv_settings, file_secret_settings, toml

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("api_keys", mode="after")
    @classmethod
    def _usable_keys(cls, value: list[SecretStr]) -> list[SecretStr]:
        keys = [SecretStr(k.get_secret_value().strip()) for k in value]
        for key in keys:
            if len(key.get_secret_value()) < 16 or any(c.isspace() for c in key.get_secret_value()):
                raise ValueError(
                    "each API key must be at least 16 characters without spaces "
                    "(make one with: python -c 'import secrets; print(secrets.token_urlsafe())')"
                )
        return keys

    @field_validator("cors_origins", mode="after")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin == "*":
                continue
            scheme, sep, rest = origin.partition("://")
            if scheme not in {"http", "https"} or not sep or not rest or "/" in rest:
                raise ValueError(
                    f"{origin!r} is not an origin: write scheme://host[:port] with no path "
                    "(https://app.example.com), or * for any"
                )
        return value

    @field_validator("host", mode="after")
    @classmethod
    def _host(cls, value: str) -> str:
        if not value.strip() or any(c.isspace() for c in value.strip()):
            raise ValueError("host must be an interface address or name, such as 127.0.0.1")
        return value.strip()

    @field_validator("openai_api_key", "bridge_token", mode="after")
    @classmethod
    def _blank_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        return SecretStr(value.get_secret_value().strip())

    @field_validator("log_level", mode="after")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}:
            raise ValueError("log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @property
    def has_openai_key(self) -> bool:
        """True when an OpenAI API key is configured."""
        return self.openai_api_key is not None

    @property
    def client_keys(self) -> list[str]:
        """Every bearer token a client may present (`api_keys` and the `bridge_token`)."""
        keys = [k.get_secret_value() for k in self.api_keys]
        if self.bridge_token is not None:
            keys.append(self.bridge_token.get_secret_value())
        return keys

    @property
    def secrets(self) -> list[str]:
        """Every secret value these settings hold, for log redaction."""
        found = self.client_keys
        if self.openai_api_key is not None:
            found.append(self.openai_api_key.get_secret_value())
        if self.database_url and "@" in self.database_url:
            found.append(self.database_url)  # a URL with a password in it
        return found

    def problems(self) -> list[str]:
        """What stops these (individually valid) settings from working together, one per line."""
        found = []
        if self.backend == "openai" and self.openai_api_key is None:
            found.append(
                "backend: the openai backend needs an API key: set OPENAI_API_KEY (or "
                "VOXLINE_OPENAI_API_KEY), or use the local backend"
            )
        if not is_loopback(self.host) and not self.client_keys:
            found.append(
                f"api_keys: host {self.host} is reachable from other machines, so clients must "
                "authenticate: set VOXLINE_API_KEYS (comma-separated bearer tokens), or listen "
                "on 127.0.0.1"
            )
        if self.session_max_s is not None and self.session_max_s < self.session_timeout_s:
            found.append(
                "session_max_s: the longest conversation must not be shorter than the idle "
                "timeout (session_timeout_s)"
            )
        return found


def is_loopback(host: str) -> bool:
    """True when `host` only accepts connections from this machine (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def read_config_file() -> tuple[Path | None, dict[str, Any]]:
    """The TOML settings file (`VOXLINE_CONFIG`, else ``./voxline.toml``) and its table.

    Returns:
        The file read (None when there is none) and its top-level keys.

    Raises:
        ConfigurationError: `VOXLINE_CONFIG` names a missing file, or the file is not TOML.
    """
    named = os.environ.get(CONFIG_ENV, "").strip()
    path = Path(named) if named else Path(CONFIG_FILE)
    if not path.is_file():
        if named:
            raise ConfigurationError(f"{CONFIG_ENV} names {named}, which is not a readable file")
        return None, {}
    try:
        return path, tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read the settings file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"the settings file {path} is not valid TOML: {exc}") from None


def load_settings(**overrides: object) -> Settings:
    """Settings from the TOML file, ``.env`` and the environment, with `overrides` on top.

    None values in `overrides` are ignored, so command-line options left out do not hide the
    environment.

    Raises:
        ConfigurationError: the settings cannot work. The message lists every problem found,
            one per line (``  - field: what is wrong``), and never echoes a value.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    path, table = read_config_file()
    problems = [
        f"{key}: unknown setting in {path} (known: {', '.join(sorted(Settings.model_fields))})"
        for key in table
        if key not in Settings.model_fields
    ]
    try:
        settings = Settings(**given)  # type: ignore[arg-type]  # checked by pydantic
    except ValidationError as exc:
        problems += [_describe(err) for err in exc.errors(include_input=False, include_url=False)]
    else:
        problems += settings.problems()
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ConfigurationError(f"invalid settings ({len(problems)} problems):\n{lines}")
    return settings


def _describe(error: Any) -> str:
    """One validation error as `field (VOXLINE_FIELD): message`, never with the value."""
    loc = [str(p) for p in error["loc"]]
    name = loc[0].lower().removeprefix("voxline_") if loc else "settings"
    if name in {"openai_api_key", "openai_base_url"} or name in Settings.model_fields:
        where = f"{name} (VOXLINE_{name.upper()})"
    else:
        where = name
    if len(loc) > 1:
        where += f" item {loc[1]}" if loc[1].isdigit() else f" {'.'.join(loc[1:])}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"
