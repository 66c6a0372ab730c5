"""Settings from the environment, with clear errors that never echo secrets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voxline.errors import ConfigurationError
from voxline.settings import CONFIG_ENV, CONFIG_FILE, Settings, is_loopback, load_settings


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


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No VOXLINE_* or OPENAI_* variables, and an empty working directory."""
    for name in list(os.environ):
        if name.startswith(("VOXLINE_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


KEY = "k-0123456789abcdef"


def test_a_toml_file_in_the_working_directory_is_read(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / CONFIG_FILE).write_text(
        'port = 9100\nlog_format = "json"\ncors_origins = ["https://app.example.com"]\n'
        f'api_keys = ["{KEY}"]\nsession_timeout_s = 60\n'
    )
    monkeypatch.setenv("VOXLINE_PORT", "9200")  # the environment wins over the file
    settings = load_settings()
    assert (settings.port, settings.log_format) == (9200, "json")
    assert settings.cors_origins == ["https://app.example.com"]
    assert settings.client_keys == [KEY]
    assert settings.session_timeout_s == 60


def test_voxline_config_names_the_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = clean_env / "elsewhere.toml"
    path.write_text('backend = "local"\nmax_sessions = 7\n')
    monkeypatch.setenv(CONFIG_ENV, str(path))
    assert load_settings().max_sessions == 7
    monkeypatch.setenv(CONFIG_ENV, str(clean_env / "missing.toml"))
    with pytest.raises(ConfigurationError, match=r"VOXLINE_CONFIG names .*missing\.toml"):
        load_settings()


def test_a_broken_toml_file_is_named(clean_env: Path) -> None:
    (clean_env / CONFIG_FILE).write_text("port = \n")
    with pytest.raises(ConfigurationError, match=r"voxline\.toml is not valid TOML"):
        load_settings()


def test_defaults_of_the_deployment_settings(clean_env: Path) -> None:
    settings = load_settings()
    assert settings.session_timeout_s == 1800
    assert settings.session_max_s is None
    assert (settings.max_sessions, settings.rate_limit) == (50, 120)
    assert (settings.log_format, settings.cors_origins, settings.api_keys) == ("console", [], [])


def test_lists_come_comma_separated_from_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXLINE_API_KEYS", f" {KEY} , {KEY}-2 ,")
    monkeypatch.setenv("VOXLINE_CORS_ORIGINS", "https://a.example.com,http://localhost:5173")
    monkeypatch.setenv("VOXLINE_BRIDGE_TOKEN", "older-token")
    settings = load_settings()
    assert settings.client_keys == [KEY, f"{KEY}-2", "older-token"]
    assert settings.cors_origins == ["https://a.example.com", "http://localhost:5173"]
    assert KEY not in repr(settings)


def test_every_problem_is_listed_once_without_values(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / CONFIG_FILE).write_text('prot = 80\nlog_format = "xml"\n')
    monkeypatch.setenv("VOXLINE_API_KEYS", "short-secret")
    monkeypatch.setenv("VOXLINE_CORS_ORIGINS", "https://a.example.com/path")
    monkeypatch.setenv("VOXLINE_MAX_SESSIONS", "0")
    monkeypatch.setenv("VOXLINE_SESSION_TIMEOUT_S", "-1")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(port=70_000)
    message = str(caught.value)
    lines = message.splitlines()
    assert lines[0] == "invalid settings (7 problems):"
    problems = [line.removeprefix("  - ") for line in lines[1:]]
    assert [p.split(" ")[0].rstrip(":") for p in problems] == [
        "prot",
        "port",
        "log_format",
        "api_keys",
        "cors_origins",
        "max_sessions",
        "session_timeout_s",
    ]
    assert "VOXLINE_MAX_SESSIONS" in message
    assert "at least 16 characters" in message
    assert "short-secret" not in message


def test_settings_that_do_not_fit_together(clean_env: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(host="0.0.0.0", backend="openai", session_timeout_s=60, session_max_s=30)
    lines = str(caught.value).splitlines()[1:]
    assert len(lines) == 3
    assert "OPENAI_API_KEY" in lines[0]
    assert "0.0.0.0 is reachable from other machines" in lines[1]
    assert "VOXLINE_API_KEYS" in lines[1]
    assert "session_max_s" in lines[2]
    assert load_settings(host="0.0.0.0", api_keys=KEY).host == "0.0.0.0"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("voice.example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_secrets_lists_every_secret_value(clean_env: Path) -> None:
    settings = load_settings(
        api_keys=KEY,
        bridge_token="bt",
        openai_api_key="sk-x",
        database_url="postgresql://u:pw@db/voxline",
    )
    assert settings.secrets == [KEY, "bt", "sk-x", "postgresql://u:pw@db/voxline"]
