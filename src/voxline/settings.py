"""Settings: how a voxline process is configured, from arguments, VOXLINE_* variables or .env."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from voxline.errors import ConfigurationError

__all__ = ["Backend", "Settings", "load_settings"]

Backend = Literal["local", "openai"]
"""Which model answers: the embedded offline engine or the OpenAI Realtime API."""


class Settings(BaseSettings):
    """Process-wide settings of voxline (the server and, later, the other commands).

    Every field can be set from the environment as ``VOXLINE_<FIELD>`` (``VOXLINE_BACKEND=openai``)
    or from a ``.env`` file in the working directory; the OpenAI key and base URL also honour
    the `openai` package's own ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``.

    Attributes:
        host: Interface `voxline serve` listens on (127.0.0.1: this machine only).
        port: TCP port of the server.
        scenario: The scenario a browser gets when it does not name one.
        backend: ``local`` (the offline engine) or ``openai``.
        openai_api_key: The server's OpenAI key; it never leaves the server.
        openai_base_url: OpenAI (or Azure / compatible) REST base URL; None uses the default.
        openai_model: The realtime model name for the openai backend; None uses the default.
        data_dir: Where scenario data (the customer-service database) lives.
        bridge_token: When set, browsers must pass ``?token=...`` to open ``/ws/session``.
        outbound_queue: Frames (events and audio) buffered per browser before audio is dropped.
        log_level: Python logging level name of the ``voxline`` loggers.
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


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment with `overrides` on top (None values are ignored).

    Raises:
        ConfigurationError: a value does not validate; the message names the field and never
            echoes secrets.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]  # checked by pydantic
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors(include_input=False)
        )
        raise ConfigurationError(f"invalid settings: {problems}") from None
