"""How Conversation.feed finds the handler of an input: by exact type, then by base class."""

from __future__ import annotations

from typing import get_args

import pytest

from voxline.agents import Agent
from voxline.core import commands as cmd
from voxline.core import conversation
from voxline.core import session_events as se
from voxline.core.conversation import Input
from voxline.core.inputs import UserText

from .harness import Harness

AGENT = Agent(name="a", instructions="x")


def test_every_input_type_has_a_handler() -> None:
    kinds = set(get_args(Input))
    assert len(kinds) == 25
    assert kinds <= set(conversation._HANDLERS)


class _LoudText(UserText):
    """An app's own subclass of an input type."""

    __slots__ = ()


def test_a_subclass_is_handled_like_its_base_and_remembered() -> None:
    h = Harness(AGENT)
    out = h.feed(_LoudText("hello"))
    assert [c.role for c in h.of(out, cmd.AddMessage)] == ["user"]
    assert h.of(out, cmd.CreateResponse)
    assert conversation._HANDLERS[_LoudText] is conversation._HANDLERS[UserText]


def test_something_else_is_refused_with_its_type_and_changes_nothing() -> None:
    h = Harness(AGENT)
    with pytest.raises(TypeError, match="not str"):
        h.feed("hello")  # type: ignore[arg-type]
    assert h.conv.history == ()
    assert h.of(h.feed(UserText("hi")), se.HistoryItemAdded)
