"""Prometheus metrics of a server: sessions, turns, latency, tools, handoffs, guardrails, refusals.

`ServerMetrics` owns one registry per app (so two apps in one process never collide) and is
rendered at ``GET /metrics`` in the Prometheus text format. Each bridge conversation gets a
`ConversationMeter`, fed every session event (`observe`); it times the turn stages as the
server sees them and reads the offline engine's own timings (`LocalRealtimeModel.stats`) when
the model has them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, assert_never

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from voxline.core import session_events as se
from voxline.core.clock import Clock, SystemClock
from voxline.core.events import ConnectionChanged, ConnectionState
from voxline.core.items import Message, Role

if TYPE_CHECKING:
    from voxline.store import ConversationLog

__all__ = [
    "CONTENT_TYPE",
    "LATENCY_BUCKETS",
    "ConversationMeter",
    "ServerMetrics",
    "store_health",
]

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The Content-Type of `ServerMetrics.render`."""

LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0)
"""Histogram buckets (seconds) for turn latencies: a voice turn should land in 0.3-2 s."""

_TOOL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

STAGES = ("transcript", "first_text", "first_audio")
"""Turn stages timed from the end of the user's speech: the user's transcript is in, the
agent's first text, the agent's first audio (the last is the voice-to-voice latency)."""


class _Live(Collector):
    """Values read when scraped: open sessions by kind, and the store's write failures."""

    def __init__(self) -> None:
        self.sessions: Callable[[], Mapping[str, int]] = dict
        self.store_failures: Callable[[], int] | None = None

    def collect(self) -> Iterator[Metric]:
        active = GaugeMetricFamily(
            "voxline_active_sessions",
            "Conversations open now, by kind (bridge: browsers; realtime: /v1/realtime).",
            labels=["kind"],
        )
        counts = {"bridge": 0, "realtime": 0, **self.sessions()}
        for kind, count in sorted(counts.items()):
            active.add_metric([kind], count)
        yield active
        failures = CounterMetricFamily(
            "voxline_store_write_failures",
            "Conversation store writes that failed (0 while no store is attached).",
        )
        failures.add_metric([], self.store_failures() if self.store_failures else 0)
        yield failures


class ServerMetrics:
    """The metrics of one server, in their own registry.

    Args:
        clock: Time source of the conversation meters.
        process: Also export the process's memory, CPU and open files (Linux).
    """

    def __init__(self, *, clock: Clock | None = None, process: bool = True) -> None:
        self.clock = clock or SystemClock()
        self.registry = CollectorRegistry()
        reg = self.registry
        self.sessions = Counter(
            "voxline_sessions", "Conversations started on the browser bridge.", registry=reg
        )
        self.sessions_ended = Counter(
            "voxline_sessions_ended",
            "Bridge conversations that ended, by reason.",
            ["reason"],
            registry=reg,
        )
        self.turns = Counter(
            "voxline_turns", "Agent responses that ended, by status.", ["status"], registry=reg
        )
        self.voice_to_voice = Histogram(
            "voxline_voice_to_voice_seconds",
            "End of the user's speech to the agent's first audio, as the server sees it.",
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.stages = Histogram(
            "voxline_turn_stage_seconds",
            "End of the user's speech to each stage of the answer "
            "(transcript, first_text, first_audio).",
            ["stage"],
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.engine_first_audio = Histogram(
            "voxline_engine_first_audio_seconds",
            "The offline engine's own end of speech to first reply audio (LocalRealtimeModel).",
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.tool_seconds = Histogram(
            "voxline_tool_call_seconds",
            "Tool call durations, by tool.",
            ["tool"],
            buckets=_TOOL_BUCKETS,
            registry=reg,
        )
        self.tool_failures = Counter(
            "voxline_tool_call_failures", "Tool calls that failed, by tool.", ["tool"], registry=reg
        )
        self.handoffs = Counter(
            "voxline_handoffs", "Handoffs between agents.", ["from_agent", "to_agent"], registry=reg
        )
        self.guardrail_trips = Counter(
            "voxline_guardrail_trips",
            "Agent messages stopped by a guardrail.",
            ["guardrail", "category"],
            registry=reg,
        )
        self.tokens = Counter(
            "voxline_model_tokens",
            "Tokens the model reported using, by direction (input, output).",
            ["direction"],
            registry=reg,
        )
        self.cost = Counter(
            "voxline_model_cost_usd",
            "Estimated US dollars of those tokens at the backend's prices (0 offline).",
            registry=reg,
        )
        self.reconnects = Counter(
            "voxline_model_reconnects", "Times a model connection was being restored.", registry=reg
        )
        self.session_errors = Counter(
            "voxline_session_errors",
            "Errors conversations survived, by error class.",
            ["error"],
            registry=reg,
        )
        self.refusals = Counter(
            "voxline_refusals",
            "Requests and sockets turned away (unauthorized, rate_limited, too_many_sessions).",
            ["code"],
            registry=reg,
        )
        self._live = _Live()
        reg.register(self._live)
        if process:
            ProcessCollector(registry=reg)

    def watch_sessions(self, counts: Callable[[], Mapping[str, int]]) -> None:
        """Read `voxline_active_sessions` from `counts` (kind -> open conversations)."""
        self._live.sessions = counts

    def watch_store(self, failures: Callable[[], int] | None) -> None:
        """Read `voxline_store_write_failures` from the store's own counter (None: report 0)."""
        self._live.store_failures = failures

    def refused(self, code: str) -> None:
        """Count one refusal (`unauthorized`, `rate_limited`, `too_many_sessions`)."""
        self.refusals.labels(code).inc()

    def conversation(self, model: object = None) -> ConversationMeter:
        """A meter for one new conversation on `model` (its `stats` are read if it has them)."""
        self.sessions.inc()
        return ConversationMeter(self, model)

    def render(self) -> bytes:
        """Every metric in the Prometheus text exposition format."""
        return generate_latest(self.registry)


class ConversationMeter:
    """Turns one conversation's session events into metric updates.

    Args:
        metrics: Where the numbers go.
        model: The conversation's model; if it has ``stats.first_audio_s`` (the offline
            engine), new entries are added to `voxline_engine_first_audio_seconds`.
    """

    def __init__(self, metrics: ServerMetrics, model: object = None) -> None:
        self._m = metrics
        self._model = model
        self._speech_end: float | None = None
        self._stages_seen: set[str] = set()
        self._engine_read = 0
        self._ended = False

    def _stage(self, stage: str) -> None:
        if self._speech_end is None or stage in self._stages_seen:
            return
        self._stages_seen.add(stage)
        elapsed = self._m.clock.now() - self._speech_end
        self._m.stages.labels(stage).observe(elapsed)
        if stage == "first_audio":
            self._m.voice_to_voice.observe(elapsed)
            self._speech_end = None

    def observe(self, event: se.SessionEvent) -> None:  # noqa: C901  # one arm per event type
        """Account for one session event."""
        m = self._m
        match event:
            case se.UserSpeechStarted():
                self._speech_end = None
            case se.UserSpeechStopped():
                self._speech_end = m.clock.now()
                self._stages_seen = set()
            case se.HistoryItemAdded(item=item) | se.HistoryItemUpdated(item=item):
                if isinstance(item, Message) and item.role is Role.USER and item.text:
                    self._stage("transcript")
            case se.TranscriptDelta(role=role):
                self._stage("transcript" if role is Role.USER else "first_text")
            case se.AudioReceived():
                self._stage("first_audio")
            case se.ResponseFinished(status=status):
                m.turns.labels(status.value).inc()
                self._read_engine()
            case se.ToolCallFinished(name=name, is_error=is_error, duration_s=duration):
                m.tool_seconds.labels(name).observe(duration)
                if is_error:
                    m.tool_failures.labels(name).inc()
            case se.HandoffCompleted(from_agent=source, to_agent=target):
                m.handoffs.labels(source, target).inc()
            case se.GuardrailTripped(guardrail=name, category=category):
                m.guardrail_trips.labels(name, category).inc()
            case ConnectionChanged(state=state):
                if state is ConnectionState.RECONNECTING:
                    m.reconnects.inc()
            case se.ErrorOccurred(error=error):
                m.session_errors.labels(type(error).__name__).inc()
            case se.UsageUpdated(response=usage, cost=cost):
                m.tokens.labels("input").inc(usage.input_tokens)
                m.tokens.labels("output").inc(usage.output_tokens)
                m.cost.inc(cost)
            case se.AudioInterrupted() | se.ToolCallStarted() | se.TriggerFired():
                pass
            case _:
                assert_never(event)

    def _read_engine(self) -> None:
        stats = getattr(self._model, "stats", None)
        timings = getattr(stats, "first_audio_s", None)
        if not isinstance(timings, list):
            return
        for value in timings[self._engine_read :]:
            if isinstance(value, int | float):
                self._m.engine_first_audio.observe(float(value))
        self._engine_read = len(timings)

    def end(self, reason: str) -> None:
        """The conversation is over (`closed`, `idle_timeout`, ...); counted once."""
        if self._ended:
            return
        self._ended = True
        self._read_engine()
        self._m.sessions_ended.labels(reason).inc()


def store_health(conversations: ConversationLog | None) -> dict[str, Any]:
    """The conversation store's part of `/api/health`: its state and write counters.

    ``state`` is ``failing`` while writes wait behind a failed attempt, ``ok`` otherwise, and
    ``absent`` without a store. The database URL and error texts are left out: either may
    carry a password.
    """
    if conversations is None:
        return {"state": "absent"}
    stats = conversations.stats
    pending = stats.submitted - stats.written - stats.dropped - stats.lost
    failing = stats.last_error is not None and pending > 0 and stats.write_failures > 0
    return {
        "state": "failing" if failing else "ok",
        "database": conversations.store.dialect,
        "recording": conversations.recordings is not None,
        "written": stats.written,
        "pending": pending,
        "write_failures": stats.write_failures,
        "dropped": stats.dropped,
    }
