"""Per-call state is released when calls close; an idle server collects and trims its heap."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect

from tests.server.conftest import TIMEOUT_S, Scripts, serve
from tests.server.wsutil import next_json, until
from voxline.core import commands as cmd
from voxline.errors import ConfigurationError
from voxline.server.app import create_app
from voxline.server.memory import HeapTrimmer, glibc_trim
from voxline.settings import Settings
from voxline.testing import on, reply

CALLS = 5


class Counting:
    """A stand-in for malloc_trim (or gc.collect) that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return 1


async def test_an_idle_server_collects_and_trims_after_a_close() -> None:
    trim, collect = Counting(), Counting()
    heap = HeapTrimmer(lambda: False, delay_s=0, trim=trim, collect=collect)
    heap.conversation_closed()
    await asyncio.wait_for(heap.settled(), TIMEOUT_S)
    assert (collect.calls, trim.calls, heap.trims) == (1, 1, 1)


async def test_a_wave_of_closes_costs_two_checks_at_most() -> None:
    trim = Counting()
    heap = HeapTrimmer(lambda: False, delay_s=0, trim=trim, collect=Counting())
    for _ in range(5):
        heap.conversation_closed()
    await asyncio.wait_for(heap.settled(), TIMEOUT_S)
    assert trim.calls == 2  # the first close's check, then one for the closes behind it


async def test_nothing_is_collected_while_a_conversation_is_open() -> None:
    trim, collect = Counting(), Counting()
    open_calls = [1]
    heap = HeapTrimmer(lambda: open_calls[0] > 0, delay_s=0, trim=trim, collect=collect)
    heap.conversation_closed()
    await asyncio.wait_for(heap.settled(), TIMEOUT_S)
    assert (collect.calls, trim.calls) == (0, 0)
    open_calls[0] = 0
    heap.conversation_closed()
    await asyncio.wait_for(heap.settled(), TIMEOUT_S)
    assert (collect.calls, trim.calls) == (1, 1)


async def test_a_stopped_trimmer_schedules_nothing() -> None:
    trim = Counting()
    heap = HeapTrimmer(lambda: False, delay_s=60, trim=trim, collect=Counting())
    heap.conversation_closed()
    await heap.stop()
    heap.conversation_closed()
    await heap.settled()
    assert (trim.calls, heap.trims) == (0, 0)


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="delay"):
        HeapTrimmer(lambda: False, delay_s=-1)


def test_glibc_trim_runs_on_linux() -> None:
    trim = glibc_trim()
    if trim is None:
        pytest.skip("no glibc malloc_trim on this platform")
    assert trim() in (0, 1)


async def test_after_calls_close_no_per_call_state_is_left(
    settings: Settings, scripts: Scripts
) -> None:
    for _ in range(CALLS):
        scripts.queue.append([on(cmd.CreateResponse, reply("Noted.", audio_ms=200, chunks=2))])
    trim = Counting()
    async with serve(create_app(settings, model_factory=scripts)) as server:
        state = server.state
        state.heap = HeapTrimmer(
            lambda: bool(state.connections), delay_s=0, trim=trim, collect=Counting()
        )
        released = asyncio.Event()
        closed = 0

        def on_release(kind: str) -> None:
            nonlocal closed
            closed += 1
            if closed == CALLS:
                released.set()

        state.slots.on_release = on_release

        async def one_call(n: int) -> None:
            async with connect(server.ws()) as ws:
                assert (await next_json(ws))["type"] == "session.ready"
                await ws.send(json.dumps({"type": "text", "text": f"call {n}"}))
                await until(ws, "response.finished")

        await asyncio.gather(*(one_call(n) for n in range(CALLS)))
        await asyncio.wait_for(released.wait(), TIMEOUT_S)
        assert state.conversations is not None
        await asyncio.wait_for(state.conversations.settled(), TIMEOUT_S)
        heap = state.heap
        await asyncio.wait_for(heap.settled(), TIMEOUT_S)
        assert state.connections == {}
        assert state.slots.total == 0
        assert state.conversations.active == set()
        assert state.conversations.writer.queued == 0
        assert all(model.closed.is_set() for model in scripts.models)
        assert trim.calls >= 1  # once every conversation had closed
        assert heap.trims == trim.calls
