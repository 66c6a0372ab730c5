"""Settings from the environment, with clear errors that never echo secrets."""

from __future__ import annotations

import pytest

from voxline.errors import ConfigurationError
from voxline.settings import Settings, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "VOXLINE_BACKEND", "VOXLINE_PORT", "VOXLINE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.host, settings.port, settings.backend) == ("127.0.0.1", 8000, "local")
    assert settings.scenario == "customer_service"
    assert not settings.has_openai_key


def test_environment_and_openai_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXLINE_BACKEND", "openai")
    monkeypatch.setenv("VOXLINE_PORT", "9001")
    monkeypatch.setenv("OPENAI_API_KEY", " sk-abc ")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    settings = load_settings(port=None, log_level="debug")
    assert (settings.backend, settings.port, settings.log_level) == ("openai", 9001, "DEBUG")
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-abc"
    assert settings.openai_base_url == "http://127.0.0.1:1/v1"
    assert "sk-abc" not in repr(settings)


def test_blank_keys_are_no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "   ")
    assert load_settings().openai_api_key is None


@pytest.mark.parametrize(
    ("overrides", "names"),
    [({"backend": "cloud"}, "backend"), ({"port": 70_000}, "port"), ({"log_level": "x"}, "log")],
)
def test_bad_values(overrides: dict[str, object], names: str) -> None:
    with pytest.raises(ConfigurationError, match=names):
        load_settings(**overrides)


def test_errors_never_echo_secrets() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(openai_api_key=12345678, backend="nope")
    assert "12345678" not in str(caught.value)
