"""Pure parts of the OpenAI backend: URLs, credentials, backoff, prices and from_env."""

from __future__ import annotations

import os
import random

import pytest

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import SessionConfig
from voxline.core.events import Usage
from voxline.core.items import Role
from voxline.errors import ConfigurationError
from voxline.models.openai import (
    GPT_REALTIME_PRICES,
    PriceTable,
    RetryPolicy,
    estimate_cost,
    from_env,
    realtime_url,
)
from voxline.models.openai.settings import Credentials, is_azure


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://api.openai.com/v1", "wss://api.openai.com/v1/realtime?model=gpt-realtime"),
        ("http://127.0.0.1:8000/v1/", "ws://127.0.0.1:8000/v1/realtime?model=gpt-realtime"),
        ("wss://proxy.example/v1/realtime", "wss://proxy.example/v1/realtime?model=gpt-realtime"),
        (
            "https://res.openai.azure.com/openai/v1?api-version=preview",
            "wss://res.openai.azure.com/openai/v1/realtime?api-version=preview&model=gpt-realtime",
        ),
    ],
)
def test_realtime_url_is_built_like_the_openai_package(base: str, url: str) -> None:
    assert realtime_url(base, "gpt-realtime") == url


@pytest.mark.parametrize("base", ["api.openai.com/v1", "ftp://x/v1", "https:///v1"])
def test_bad_base_urls_are_configuration_errors(base: str) -> None:
    with pytest.raises(ConfigurationError, match="base URL"):
        realtime_url(base, "gpt-realtime")


def test_azure_uses_the_api_key_header() -> None:
    assert is_azure("https://res.openai.azure.com/openai/v1")
    assert not is_azure("https://api.openai.com/v1")
    creds = Credentials(api_key="k")
    assert creds.headers(azure=True) == {"api-key": "k"}
    assert creds.headers(azure=False) == {"Authorization": "Bearer k"}
    assert Credentials(client_secret="ek").headers(azure=True) == {"Authorization": "Bearer ek"}
    assert "k" not in repr(Credentials(api_key="k-very-secret")).replace("kind", "")


def test_backoff_doubles_with_bounded_jitter() -> None:
    policy = RetryPolicy(initial_delay_s=1.0, multiplier=2.0, max_delay_s=5.0, jitter=0.2)
    rng = random.Random(7)
    delays = [policy.delay(n, rng) for n in range(1, 6)]
    for delay, base in zip(delays, [1, 2, 4, 5, 5], strict=True):
        assert base * 0.8 <= delay <= base * 1.2
    assert RetryPolicy(jitter=0).delay(3) == 4.0


@pytest.mark.parametrize(
    "kwargs",
    [{"attempts": 0}, {"initial_delay_s": -1}, {"multiplier": 0.5}, {"jitter": 2}],
)
def test_bad_retry_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_cost_of_one_million_tokens_of_each_kind() -> None:
    prices = GPT_REALTIME_PRICES
    assert estimate_cost(Usage(input_text_tokens=1_000_000)) == pytest.approx(prices.text_in)
    assert estimate_cost(Usage(input_audio_tokens=1_000_000)) == pytest.approx(prices.audio_in)
    assert estimate_cost(Usage(output_text_tokens=1_000_000)) == pytest.approx(prices.text_out)
    assert estimate_cost(Usage(output_audio_tokens=1_000_000)) == pytest.approx(prices.audio_out)


def test_cached_tokens_are_billed_at_the_cached_rate_from_text_first() -> None:
    prices = PriceTable(text_in=4, audio_in=32, cached_in=0.4, text_out=16, audio_out=64)
    usage = Usage(input_text_tokens=100, input_audio_tokens=100, input_cached_tokens=150)
    expected = (0 * 4 + 50 * 32 + 150 * 0.4) / 1_000_000
    assert estimate_cost(usage, prices) == pytest.approx(expected)
    assert estimate_cost(Usage(), prices) == 0


def test_negative_prices_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="text_out"):
        PriceTable(text_out=-1)


def test_from_env_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY is not set"):
        from_env()


def test_from_env_reads_key_and_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-SECRET")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:9999/v1")
    model = from_env(model="gpt-realtime-mini")
    assert model.url == "ws://localhost:9999/v1/realtime?model=gpt-realtime-mini"
    assert "sk-env-SECRET" not in repr(model)
    assert from_env(client_secret="ek_1", api_key=None).url.startswith("ws://localhost:9999")


@pytest.mark.openai
@pytest.mark.skipif(not os.environ.get("OPENAI_API_KEY"), reason="needs OPENAI_API_KEY")
async def test_live_openai_accepts_our_events_and_answers() -> None:
    model = from_env()
    await model.connect(SessionConfig(instructions="Answer in one word.", modalities=("text",)))
    try:
        await model.send(cmd.AddMessage("msg_live_1", Role.USER, "Say hello."))
        await model.send(cmd.CreateResponse())
        async for event in model.events():
            assert not isinstance(event, ev.ModelError), event.message
            if isinstance(event, ev.ResponseDone):
                assert event.usage is not None
                break
    finally:
        await model.close()
