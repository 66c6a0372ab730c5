"""Who may connect: bearer tokens from the header or the browser subprotocol; refusals."""

from __future__ import annotations

import json

import pytest
from openai import AsyncOpenAI
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from tests.realtime_api.conftest import Engines, running
from voxline.errors import ConfigurationError
from voxline.models.base import RealtimeModel
from voxline.realtime_api import bearer_token


def only_secret(token: str | None) -> bool:
    return token == "secret"


@pytest.mark.parametrize(
    ("authorization", "subprotocols", "token"),
    [
        ("Bearer abc", [], "abc"),
        ("bearer  abc ", [], "abc"),
        ("Basic abc", [], None),
        ("Bearer ", ["realtime", "openai-insecure-api-key.xyz"], "xyz"),
        (None, ["realtime", "openai-insecure-api-key."], None),
        (None, [], None),
    ],
)
def test_bearer_token(
    authorization: str | None, subprotocols: list[str], token: str | None
) -> None:
    assert bearer_token(authorization, subprotocols) == token


async def test_the_sdk_with_the_right_key_gets_in_and_a_wrong_key_gets_403() -> None:
    async with running(Engines(), check_token=only_secret) as port:
        base_url = f"http://127.0.0.1:{port}/v1"
        good = AsyncOpenAI(base_url=base_url, api_key="secret")
        async with good.realtime.connect(model="m") as conn:
            first = json.loads(await conn.recv_bytes())
            assert first["type"] == "session.created"
        bad = AsyncOpenAI(base_url=base_url, api_key="wrong")
        with pytest.raises(InvalidStatus) as refused:
            await bad.realtime.connect(model="m").enter()
        assert refused.value.response.status_code == 403
        await good.close()
        await bad.close()


async def test_a_browser_passes_its_key_as_a_subprotocol() -> None:
    async with running(Engines(), check_token=only_secret) as port:
        url = f"ws://127.0.0.1:{port}/v1/realtime?model=m"
        offered = ["realtime", "openai-insecure-api-key.secret"]
        async with connect(url, subprotocols=offered) as ws:  # type: ignore[arg-type]
            assert ws.subprotocol == "realtime"
            assert json.loads(await ws.recv())["type"] == "session.created"
        with pytest.raises(InvalidStatus):
            await connect(url, subprotocols=["realtime"])  # type: ignore[list-item]


async def test_a_model_that_cannot_be_made_closes_the_socket_with_1011() -> None:
    def broken() -> RealtimeModel:
        raise ConfigurationError("the offline models are not installed")

    async with (
        running(broken) as port,
        connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws,
    ):
        with pytest.raises(ConnectionClosedError) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1011
    assert "not installed" in closed.value.rcvd.reason
