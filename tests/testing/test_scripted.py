"""ScriptedRealtimeModel's record of commands: complete by default, bounded with `keep`."""

from __future__ import annotations

import pytest

from voxline.core import commands as cmd
from voxline.core.config import SessionConfig
from voxline.errors import ConfigurationError
from voxline.testing import ScriptedRealtimeModel


async def _send_frames(model: ScriptedRealtimeModel, count: int) -> None:
    await model.connect(SessionConfig(instructions=""))
    for n in range(count):
        await model.send(cmd.SendAudio(bytes([n % 256, 0])))


async def test_every_command_is_recorded_by_default() -> None:
    model = ScriptedRealtimeModel()
    await _send_frames(model, 300)
    assert len(model.sent) == 300
    assert model.forgotten == 0


async def test_keep_bounds_the_record_to_the_latest_commands() -> None:
    model = ScriptedRealtimeModel(keep=10)
    await _send_frames(model, 300)
    await model.send(cmd.UpdateSession(SessionConfig(instructions="later")))
    assert len(model.sent) == 10
    assert model.forgotten == 291
    assert model.sent[-1] == cmd.UpdateSession(SessionConfig(instructions="later"))
    frames = model.sent_of(cmd.SendAudio)
    assert [c.audio[0] for c in frames if isinstance(c, cmd.SendAudio)] == list(range(35, 44))
    assert [c.instructions for c in model.configs] == ["", "later"]


async def test_keep_zero_records_nothing() -> None:
    model = ScriptedRealtimeModel(keep=0)
    await _send_frames(model, 5)
    assert (model.sent, model.configs, model.forgotten) == ([], [], 5)


def test_a_negative_keep_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="keep"):
        ScriptedRealtimeModel(keep=-1)
