"""Mint ephemeral client secrets so browsers and phones connect without the server's API key."""

from __future__ import annotations

from dataclasses import dataclass, field

import openai
from openai import AsyncOpenAI

from voxline.core.config import SessionConfig
from voxline.errors import ConfigurationError, TransportError
from voxline.models.openai.settings import DEFAULT_BASE_URL, DEFAULT_MODEL
from voxline.protocol import session_request

__all__ = ["ClientSecret", "mint_client_secret"]


@dataclass(frozen=True, slots=True)
class ClientSecret:
    """An ephemeral token for one client; `value` never appears in a repr.

    Attributes:
        value: The token (`ek_...`): pass it as `client_secret` to OpenAIRealtimeModel.
        expires_at: When it stops working for new sessions, in Unix seconds.
    """

    value: str = field(repr=False)
    expires_at: int


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "[redacted]") if secret else text


async def mint_client_secret(
    api_key: str,
    *,
    config: SessionConfig | None = None,
    model: str = DEFAULT_MODEL,
    expires_after_s: int = 600,
    base_url: str = DEFAULT_BASE_URL,
    timeout_s: float = 10.0,
) -> ClientSecret:
    """Create a client secret with `POST /v1/realtime/client_secrets`.

    Args:
        api_key: The server's API key; it stays on the server.
        config: The session the secret is bound to (instructions, voice, tools, audio).
        model: The realtime model of that session.
        expires_after_s: Lifetime of the secret, 10 to 7200 seconds.
        base_url: The REST base URL.
        timeout_s: HTTP timeout.

    Raises:
        ConfigurationError: a bad lifetime, or the server refused the API key.
        TransportError: the request failed; the message never contains the key.
    """
    if not 10 <= expires_after_s <= 7200:
        raise ConfigurationError("expires_after_s must be between 10 and 7200 seconds")
    session = session_request(config or SessionConfig(instructions="")).model_dump(
        mode="json", exclude_unset=True
    )
    session["model"] = (config.model if config else None) or model
    client = AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=1)
    try:
        created = await client.realtime.client_secrets.create(
            session=session,  # type: ignore[arg-type]  # a validated session as JSON
            expires_after={"anchor": "created_at", "seconds": expires_after_s},
        )
    except openai.AuthenticationError:
        raise ConfigurationError(
            "the server refused the API key while minting a client secret (HTTP 401); "
            "check OPENAI_API_KEY"
        ) from None
    except openai.APIStatusError as exc:
        raise TransportError(
            f"minting a client secret failed: HTTP {exc.status_code}: "
            f"{_scrub(exc.message, api_key)}"
        ) from None
    except openai.APIError as exc:
        raise TransportError(
            f"minting a client secret failed: {_scrub(str(exc), api_key)}"
        ) from None
    finally:
        await client.close()
    return ClientSecret(created.value, created.expires_at)
