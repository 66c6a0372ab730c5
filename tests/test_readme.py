"""The README's code examples run as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from voxline.core import commands as cmd
from voxline.testing import ScriptedRealtimeModel, call, on, reply

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)


async def test_the_agent_and_tool_example_runs(capsys: Any) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(python_blocks()[0], "README.md", "exec"), namespace)
    model = ScriptedRealtimeModel(
        [
            on(cmd.CreateResponse, call("transfer_to_support", {"reason": "order"})),
            on(cmd.CreateResponse, call("lookup_order", {"order_id": "A1001"})),
            on(cmd.CreateResponse, reply("Order A1001 has shipped.")),
        ]
    )
    await namespace["main"](model)
    printed = capsys.readouterr().out
    assert "HandoffCompleted(from_agent='router', to_agent='support'" in printed
    assert '"status": "shipped"' in printed
    assert model.done
