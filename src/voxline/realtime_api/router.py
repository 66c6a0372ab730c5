"""The FastAPI router: a WebSocket route at /v1/realtime speaking the OpenAI Realtime protocol."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from fastapi import APIRouter, WebSocket

from voxline.core.config import SessionConfig
from voxline.core.ids import IdFactory, random_id
from voxline.errors import VoxlineError
from voxline.models.base import RealtimeModel
from voxline.realtime_api.connection import serve_connection

__all__ = ["DEFAULT_CONFIG", "INSECURE_KEY_PREFIX", "bearer_token", "router"]

log = logging.getLogger("voxline.realtime_api")

INSECURE_KEY_PREFIX = "openai-insecure-api-key."
"""Browsers cannot set headers on a WebSocket, so they pass the key as this subprotocol."""

DEFAULT_CONFIG = SessionConfig(instructions="", transcription_model=None)
"""A new connection's session before `session.update`: server VAD, PCM16 audio in and out,
spoken replies, and no input transcription events (as the OpenAI API starts)."""

_POLICY_VIOLATION = 1008
_INTERNAL_ERROR = 1011

TokenCheck = Callable[[str | None], bool]
"""Given the bearer token (None when there is none), says whether to let the client in."""


def bearer_token(authorization: str | None, subprotocols: Sequence[str]) -> str | None:
    """The client's token: `Authorization: Bearer <token>`, or the browser subprotocol."""
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    for protocol in subprotocols:
        if protocol.startswith(INSECURE_KEY_PREFIX) and len(protocol) > len(INSECURE_KEY_PREFIX):
            return protocol[len(INSECURE_KEY_PREFIX) :]
    return None


def router(
    model_factory: Callable[[], RealtimeModel],
    *,
    check_token: TokenCheck | None = None,
    config: SessionConfig = DEFAULT_CONFIG,
    path: str = "/v1/realtime",
    ids: IdFactory = random_id,
) -> APIRouter:
    """An APIRouter serving the OpenAI Realtime (GA) protocol on top of any RealtimeModel.

    Each connection gets a new model from `model_factory`; the client drives it with the
    GA client events exactly as it would drive OpenAI (the official `openai` SDK works with
    `base_url="http://host:port/v1"`). Tools run on the client: function calls are
    forwarded and `function_call_output` items accepted.

    Args:
        model_factory: Makes the model for one connection (the offline engine in
            production). It may raise a VoxlineError; the client then gets an error.
        check_token: Decides whether a client may connect, given its bearer token (from
            the `Authorization` header or the `openai-insecure-api-key.<token>`
            subprotocol). Refused clients get HTTP 403. None lets everyone in.
        config: The session before the client's first `session.update`.
        path: Where the WebSocket route lives.
        ids: Makes event, item and conversation ids.

    Returns:
        A router to `include_router` in a FastAPI app.
    """
    api = APIRouter()

    @api.websocket(path)
    async def realtime(websocket: WebSocket) -> None:
        offered: list[str] = list(websocket.scope.get("subprotocols") or [])
        token = bearer_token(websocket.headers.get("authorization"), offered)
        if check_token is not None and not check_token(token):
            log.info("refused a /v1/realtime client: bad or missing token")
            await websocket.close(_POLICY_VIOLATION)
            return
        try:
            model = model_factory()
        except VoxlineError as exc:
            log.error("could not create a realtime model: %s", exc)
            await websocket.accept(subprotocol="realtime" if "realtime" in offered else None)
            await websocket.close(_INTERNAL_ERROR, str(exc)[:120])
            return
        await serve_connection(
            websocket,
            model,
            config,
            model_name=websocket.query_params.get("model"),
            subprotocol="realtime" if "realtime" in offered else None,
            ids=ids,
        )

    return api
