"""What the store writes, and the pure recorder that turns one session's events into writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voxline.core import session_events as se
from voxline.core.events import Usage
from voxline.core.items import Message, Role

__all__ = [
    "AddEvent",
    "AddTurn",
    "EndConversation",
    "Json",
    "PutItem",
    "Recorder",
    "SetRecording",
    "SetUsage",
    "StartConversation",
    "Write",
]

Json = dict[str, Any]
"""One JSON object."""

DEFAULT_EVENT_SAMPLE = 500
"""Events kept per conversation (audio chunks and streaming deltas are never kept)."""


@dataclass(frozen=True, slots=True)
class StartConversation:
    """A conversation began."""

    conversation_id: str
    scenario: str
    backend: str
    started_at: float


@dataclass(frozen=True, slots=True)
class PutItem:
    """A history item appeared or changed; `seq` is its place in the conversation."""

    conversation_id: str
    item_id: str
    seq: int
    kind: str
    created_at: float
    data: Json


@dataclass(frozen=True, slots=True)
class AddEvent:
    """One sampled session event, in the bridge's wire form."""

    conversation_id: str
    seq: int
    at: float
    type: str
    data: Json


@dataclass(frozen=True, slots=True)
class SetUsage:
    """The running token total and its estimated cost in US dollars."""

    conversation_id: str
    usage: Usage
    cost_usd: float


@dataclass(frozen=True, slots=True)
class AddTurn:
    """One user turn's latency: its end to the first assistant output (text or audio)."""

    conversation_id: str
    seq: int
    user_item_id: str | None
    ended_at: float
    first_output_at: float

    @property
    def latency_ms(self) -> int:
        """Milliseconds from the end of the user's turn to the first assistant output."""
        return round((self.first_output_at - self.ended_at) * 1000)


@dataclass(frozen=True, slots=True)
class SetRecording:
    """The conversation's WAV recording is at `path`."""

    conversation_id: str
    path: str


@dataclass(frozen=True, slots=True)
class EndConversation:
    """A conversation ended, for `reason`."""

    conversation_id: str
    ended_at: float
    reason: str


Write = StartConversation | PutItem | AddEvent | SetUsage | AddTurn | SetRecording | EndConversation
"""Everything the writer applies to the database, in order."""

Encoder = Callable[[se.SessionEvent], Any]
"""The wire form of a session event (`voxline.server.wire.encode`)."""


def _item_json(event: se.HistoryItemAdded | se.HistoryItemUpdated) -> Json:
    from voxline.server.wire import history_item

    return history_item(event.item)


def _event_json(event: se.SessionEvent) -> Json | None:
    from voxline.server.wire import encode

    out = encode(event)
    return out if isinstance(out, dict) else None


@dataclass(slots=True)
class Recorder:
    """Turns one conversation's session events into store writes; no I/O, no event loop.

    Args:
        conversation_id: The conversation's id (the bridge's session id).
        backend: The backend's name; `openai` conversations get an estimated cost.
        clock: Epoch seconds now (injected so tests control time).
        event_sample: How many session events to keep (audio and deltas are never kept).
    """

    conversation_id: str
    backend: str
    clock: Callable[[], float]
    event_sample: int = DEFAULT_EVENT_SAMPLE
    _items: dict[str, int] = field(default_factory=dict)
    _events: int = 0
    _turns: int = 0
    _turn_ended: tuple[float, str | None] | None = None

    def start(self, scenario: str) -> StartConversation:
        """The write that opens the conversation."""
        return StartConversation(self.conversation_id, scenario, self.backend, self.clock())

    def end(self, reason: str) -> EndConversation:
        """The write that closes the conversation."""
        return EndConversation(self.conversation_id, self.clock(), reason)

    def observe(self, event: se.SessionEvent) -> list[Write]:
        """The writes one session event causes (often none: audio chunks, deltas)."""
        now = self.clock()
        writes: list[Write] = []
        turn = self._latency(event, now)
        if turn is not None:
            writes.append(turn)
        match event:
            case se.HistoryItemAdded() | se.HistoryItemUpdated():
                seq = self._items.setdefault(event.item.id, len(self._items))
                data = _item_json(event)
                writes.append(
                    PutItem(
                        self.conversation_id,
                        event.item.id,
                        seq,
                        str(data["kind"]),
                        float(data["created_at"]),
                        data,
                    )
                )
            case se.UsageUpdated():
                writes.append(SetUsage(self.conversation_id, event.total, event.total_cost))
            case _:
                pass
        sampled = self._sample(event, now)
        if sampled is not None:
            writes.append(sampled)
        return writes

    def _sample(self, event: se.SessionEvent, now: float) -> AddEvent | None:
        if isinstance(event, se.AudioReceived | se.TranscriptDelta):
            return None
        if self._events >= self.event_sample:
            return None
        data = _event_json(event)
        if data is None:
            return None
        self._events += 1
        return AddEvent(self.conversation_id, self._events, now, str(data["type"]), data)

    def _latency(self, event: se.SessionEvent, now: float) -> AddTurn | None:
        match event:
            case se.UserSpeechStopped():
                self._turn_ended = (now, None)
            case se.HistoryItemAdded(item=Message(role=Role.USER, from_audio=False) as item):
                self._turn_ended = (now, item.id)
            case (
                se.HistoryItemAdded(item=Message(role=Role.USER) as item)
                | se.HistoryItemUpdated(item=Message(role=Role.USER) as item)
            ):
                if self._turn_ended is not None and self._turn_ended[1] is None:
                    self._turn_ended = (self._turn_ended[0], item.id)
            case se.TranscriptDelta(role=Role.ASSISTANT) | se.AudioReceived():
                return self._first_output(now)
            case _:
                pass
        return None

    def _first_output(self, now: float) -> AddTurn | None:
        if self._turn_ended is None:
            return None
        ended, user_item = self._turn_ended
        self._turn_ended = None
        self._turns += 1
        return AddTurn(self.conversation_id, self._turns, user_item, ended, now)
