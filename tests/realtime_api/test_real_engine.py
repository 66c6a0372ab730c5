"""The openai SDK against /v1/realtime on the real offline engine (skipped without its models)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from openai import AsyncOpenAI

from tests.realtime_api.conftest import running
from tests.realtime_api.sdk_client import Reader
from voxline.errors import ConfigurationError
from voxline.models.base import RealtimeModel

pytestmark = pytest.mark.slow

LLM_TIMEOUT_S = 180.0
"""A safety net for loading and running the real language model on a 2-core CPU."""


async def real_factory() -> Callable[[], RealtimeModel]:
    """`voxline.engine.build_local_model` for typed conversations, or a skip saying why not."""
    engine = importlib.import_module("voxline.engine")
    build = getattr(engine, "build_local_model", None)
    if build is None:
        pytest.skip("voxline.engine.build_local_model does not exist yet")

    def factory() -> RealtimeModel:
        model: RealtimeModel = build(text_only=True)
        return model

    try:
        probe = factory()
    except ConfigurationError as exc:
        pytest.skip(f"the offline engine's models are not installed: {exc}")
    await probe.close()
    return factory


async def test_the_sdk_holds_a_typed_conversation_with_the_real_engine() -> None:
    factory = await real_factory()
    async with running(factory) as port:
        client = AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x")
        async with client.realtime.connect(model="voxline-local") as connection:
            conn = Reader(connection)
            await conn.until("session.created")
            session: Any = {
                "type": "realtime",
                "instructions": "You are a helpful assistant. Answer in one short sentence.",
                "output_modalities": ["text"],
                "audio": {"input": {"turn_detection": None}},
            }
            await connection.session.update(session=session)
            await connection.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "What colour is the sky?"}],
                }
            )
            await connection.response.create(response={"max_output_tokens": 40})
            done: Any = await conn.until("response.done", timeout_s=LLM_TIMEOUT_S)
        await client.close()
    assert done.response.status == "completed"
    text = done.response.output[0].content[0].text
    assert text.strip()
    assert "".join(e.delta for e in conn.of("response.output_text.delta")) == text
