"""Fakes for testing voxline apps: a scripted model, a manual clock, event builders."""

from voxline.testing.clock import ManualClock
from voxline.testing.collect import collect_until
from voxline.testing.realtime_server import FakeRealtimeServer, FakeReply, FakeToolCall
from voxline.testing.script import call, reply, silence, user_speech
from voxline.testing.scripted import ScriptedRealtimeModel, Step, on

__all__ = [
    "FakeRealtimeServer",
    "FakeReply",
    "FakeToolCall",
    "ManualClock",
    "ScriptedRealtimeModel",
    "Step",
    "call",
    "collect_until",
    "on",
    "reply",
    "silence",
    "user_speech",
]
