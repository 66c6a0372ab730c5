"""`voxline serve` serves /v1/realtime on its own backend, behind the same token as the bridge."""

from __future__ import annotations

from typing import Any

import pytest
from openai import AsyncOpenAI
from pydantic import SecretStr
from websockets.exceptions import InvalidStatus

from tests.realtime_api.sdk_client import Reader
from tests.server.conftest import serve
from tests.server.test_rest import fake_components
from voxline.server.app import create_app
from voxline.server.backends import LocalBackend
from voxline.settings import Settings

TEXT_SESSION: Any = {
    "type": "realtime",
    "instructions": "Be brief.",
    "output_modalities": ["text"],
    "audio": {"input": {"turn_detection": None}},
}


async def test_the_openai_sdk_talks_to_the_servers_engine(settings: Settings) -> None:
    app = create_app(settings, backend=LocalBackend(lambda _: fake_components(["Hi from serve."])))
    async with serve(app) as server:
        await app.state.voxline.host.wait_ready()
        client = AsyncOpenAI(base_url=f"{server.http}/v1", api_key="unused")
        async with client.realtime.connect(model="voxline-local") as connection:
            reader = Reader(connection)
            await reader.until("session.created")
            await connection.session.update(session=TEXT_SESSION)
            await reader.until("session.updated")
            await connection.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "hello"}],
                }
            )
            await connection.response.create()
            done: Any = await reader.until("response.done")
            texts = [
                part.text
                for item in done.response.output
                for part in item.content
                if getattr(part, "text", None)
            ]
            assert texts == ["Hi from serve."]
        await client.close()


async def test_the_bridge_token_guards_v1_realtime_too(settings: Settings) -> None:
    guarded = settings.model_copy(update={"bridge_token": SecretStr("s3cret")})
    app = create_app(guarded, backend=LocalBackend(lambda _: fake_components(["ok"])))
    async with serve(app) as server:
        await app.state.voxline.host.wait_ready()
        wrong = AsyncOpenAI(base_url=f"{server.http}/v1", api_key="nope")
        with pytest.raises(InvalidStatus, match="HTTP 403"):
            async with wrong.realtime.connect(model="m") as connection:
                await connection.recv()
        await wrong.close()
        right = AsyncOpenAI(base_url=f"{server.http}/v1", api_key="s3cret")
        async with right.realtime.connect(model="m") as connection:
            await Reader(connection).until("session.created")
        await right.close()
