"""Run one conversation file through a RealtimeSession, turn by turn, and observe each turn."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from voxline import scenarios
from voxline.agents.naming import handoff_tool_name
from voxline.core import session_events as se
from voxline.core.items import Message, Role
from voxline.errors import ConfigurationError, ConnectionClosedError, VoxlineError
from voxline.session.session import RealtimeSession
from voxline.testing.runner import backends
from voxline.testing.runner.model import RunnerModel
from voxline.testing.runner.observe import CheckResult, ToolCallSeen, TurnObservation, check
from voxline.testing.runner.spec import LoadedConversation, ModelAction, Step
from voxline.testing.runner.wav import read_wav_pcm16

CHUNK_BYTES = 4800  # 100 ms of PCM16 24 kHz
TAIL_SILENCE_MS = 1000
DRAIN_ROUNDS = 50
LIVE_SETTLE_S = 0.8


@dataclass(frozen=True, slots=True)
class TurnResult:
    """One step's outcome."""

    index: int
    line: int
    label: str
    checks: tuple[CheckResult, ...]
    observation: TurnObservation

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


@dataclass(slots=True)
class ConversationResult:
    """One conversation's outcome: its turns, or the error that stopped it before any ran."""

    title: str
    path: Path
    line: int
    scenario: str
    backend: str
    turns: list[TurnResult] = field(default_factory=list)
    error: str | None = None
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        return self.error is None and all(t.passed for t in self.turns)


class _Turn:
    """Collects one turn's events and decides when the turn is over."""

    def __init__(self, step: Step, live: bool) -> None:
        self.obs = TurnObservation()
        self.pending: dict[str, ToolCallSeen] = {}
        self.finished = 0
        self.message_ids: list[str] = []
        self.text_since_finish = False
        self.replied = step.expect.silent or step.kind == "wait" or not live
        self.started = time.perf_counter()

    def see(self, event: se.SessionEvent) -> None:  # noqa: C901 - one case per event type
        obs = self.obs
        match event:
            case se.HistoryItemAdded(item=Message(role=Role.ASSISTANT, id=item_id)):
                self.message_ids.append(item_id)
            case se.TranscriptDelta(role=Role.ASSISTANT) | se.AudioReceived():
                self.text_since_finish = True
                if obs.latency_ms is None:
                    obs.latency_ms = (time.perf_counter() - self.started) * 1000
            case se.HandoffCompleted(to_agent=target):
                obs.handoffs.append(target)
            case se.ToolCallStarted(call_id=cid, name=name, arguments=args):
                seen = ToolCallSeen(cid, name, args)
                obs.tools.append(seen)
                self.pending[cid] = seen
            case se.ToolCallFinished(call_id=cid, output=out, is_error=err):
                seen_call = self.pending.pop(cid, None)
                if seen_call is not None:
                    seen_call.output, seen_call.is_error = out, err
            case se.ResponseFinished():
                self.finished += 1
                if self.text_since_finish and not self.pending:
                    self.replied = True
                self.text_since_finish = False
            case se.GuardrailTripped(guardrail=name, category=category):
                obs.guardrails.append((name, category))
            case se.TriggerFired(trigger=name):
                obs.triggers.append(name)
            case se.ErrorOccurred(error=error):
                obs.errors.append(f"{type(error).__name__}: {error}")
            case _:
                pass


class ConversationRunner:
    """Runs the steps of one loaded conversation against its backend."""

    def __init__(
        self, loaded: LoadedConversation, *, data_dir: Path, backend: str | None = None
    ) -> None:
        self.loaded = loaded
        self.spec = loaded.spec
        self.data_dir = data_dir
        self.backend_name = backend or self.spec.backend
        self._events: asyncio.Queue[se.SessionEvent | None] = asyncio.Queue()
        self.server_answers = True

    async def run(self) -> ConversationResult:
        """Run every step; setup problems become the conversation's error, not an exception."""
        started = time.perf_counter()
        result = ConversationResult(
            self.loaded.title,
            self.loaded.path,
            self.loaded.line,
            self.spec.scenario,
            self.backend_name,
        )
        try:
            scenario = scenarios.load(self.spec.scenario, data_dir=self.data_dir)
            self.server_answers = scenario.config.server_creates_responses
            request = backends.BackendRequest(scenario, self.spec, self.data_dir)
            backend = await backends.create(self.backend_name, request)
        except VoxlineError as exc:
            result.error = str(exc)
            return result
        try:
            model = RunnerModel(backend.model)
            live = model.scripted is None
            settle = (
                backend.settle_s if backend.settle_s is not None else self.spec.settle_ms / 1000
            )
            session = scenario.session(model, context=self.spec.metadata)
            async with session:
                pump = asyncio.create_task(self._pump(session))
                try:
                    for index, step in enumerate(self.spec.steps):
                        obs = await self._turn(session, model, backend, step, live, settle)
                        result.turns.append(
                            TurnResult(
                                index, step.line, step.label, tuple(check(step.expect, obs)), obs
                            )
                        )
                finally:
                    pump.cancel()
                    await asyncio.gather(pump, return_exceptions=True)
        except VoxlineError as exc:
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            await backend.aclose()
            result.duration_s = time.perf_counter() - started
        return result

    async def _pump(self, session: RealtimeSession) -> None:
        async for event in session:
            self._events.put_nowait(event)
        self._events.put_nowait(None)

    async def _turn(
        self,
        session: RealtimeSession,
        model: RunnerModel,
        backend: backends.Backend,
        step: Step,
        live: bool,
        settle: float,
    ) -> TurnObservation:
        turn = _Turn(step, live)
        try:
            await self._act(session, model, backend, step, live)
            turn.started = time.perf_counter()
            await asyncio.wait_for(
                self._until_done(turn, model, step, live, settle), self.spec.timeout_s
            )
        except TimeoutError:
            turn.obs.problem = self._timeout_message(turn, model)
        except VoxlineError as exc:
            turn.obs.problem = f"{type(exc).__name__}: {exc}"
        turn.obs.agent = session.agent.name
        texts = {item.id: item for item in session.history if isinstance(item, Message)}
        for item_id in turn.message_ids:
            msg = texts.get(item_id)
            if msg is not None and msg.text:
                (turn.obs.flagged if msg.flag else turn.obs.replies).append(msg.text)
        return turn.obs

    def _timeout_message(self, turn: _Turn, model: RunnerModel) -> str:
        why = f"the turn did not finish within {self.spec.timeout_s:g} s"
        if turn.pending:
            why += f"; tools still running: {', '.join(t.name for t in turn.pending.values())}"
        if model.scripted is not None and model.scripted.remaining:
            why += (
                f"; {len(model.scripted.remaining)} scripted response(s) never requested "
                "(does the model section match what the session asks for?)"
            )
        elif not turn.replied:
            why += "; no reply from the model"
        return why

    async def _act(
        self,
        session: RealtimeSession,
        model: RunnerModel,
        backend: backends.Backend,
        step: Step,
        live: bool,
    ) -> None:
        actions = list(step.model) if not live else []
        match step.kind:
            case "user":
                model.script(actions)
                await session.send_text(step.text or "")
            case "speak" | "audio":
                await self._speech(session, model, backend, step, actions)
            case "tool_call":
                assert step.tool_call is not None
                model.script(actions)
                await model.inject_call(step.tool_call.name, json.dumps(step.tool_call.args))
            case "agent_handoff":
                model.script(actions)
                await model.inject_call(handoff_tool_name(step.target or ""), "{}")
            case "trigger":
                model.script(actions)
                await session.trigger(step.text or "")
            case "wait":
                model.script(actions)
                if live:
                    await asyncio.sleep(step.wait_ms / 1000)

    async def _speech(
        self,
        session: RealtimeSession,
        model: RunnerModel,
        backend: backends.Backend,
        step: Step,
        actions: list[ModelAction],
    ) -> None:
        audio: bytes | None = None
        if step.audio is not None:
            audio = await asyncio.to_thread(read_wav_pcm16, self._resolve(step.audio))
        if model.scripted is not None:
            heard = step.text if step.kind == "speak" else step.transcript
            if heard is None:
                raise ConfigurationError(
                    "an audio step on the scripted backend needs `transcript:` "
                    "(what the scripted model hears)"
                )
            if audio is not None:
                await session.send_audio(audio)
            first = actions.pop(0) if actions and self.server_answers else None
            model.script(actions)
            model.user_speech(heard)
            if first is not None:
                model.emit(*model.action_events(first))
            return
        if audio is None:
            if backend.speak is None:
                raise ConfigurationError(
                    f"backend {self.backend_name} cannot speak text; use an audio step"
                )
            audio = await asyncio.to_thread(backend.speak, step.text or "")
        await self._send_audio(session, audio, self.server_answers)

    def _resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else self.loaded.path.parent / path

    async def _send_audio(self, session: RealtimeSession, audio: bytes, vad: bool) -> None:
        for start in range(0, len(audio), CHUNK_BYTES):
            await session.send_audio(audio[start : start + CHUNK_BYTES])
        if vad:
            await session.send_audio(b"\x00\x00" * 24 * TAIL_SILENCE_MS)
        else:
            await session.commit_audio()
            await session.create_response()

    async def _until_done(
        self, turn: _Turn, model: RunnerModel, step: Step, live: bool, settle: float
    ) -> None:
        if live:
            await self._until_quiet(turn, settle)
            return
        expected = len(step.model)
        while True:
            scripted = model.scripted
            done = scripted is not None and scripted.done and turn.finished >= expected
            if done and not turn.pending and await self._drain(turn):
                return
            await self._take(turn, None)

    async def _take(self, turn: _Turn, within_s: float | None) -> bool:
        """Handle the next event; False if none came within `within_s` seconds."""
        try:
            event = await asyncio.wait_for(self._events.get(), within_s)
        except TimeoutError:
            return False
        if event is None:
            self._events.put_nowait(None)
            raise ConnectionClosedError("the session ended: the model closed the connection")
        turn.see(event)
        return True

    async def _drain(self, turn: _Turn) -> bool:
        """Let tasks already started (guardrails, empty responses) report; True if all quiet."""
        for _ in range(DRAIN_ROUNDS):
            await asyncio.sleep(0)
            if not self._events.empty():
                return False
        return True

    async def _until_quiet(self, turn: _Turn, settle: float) -> None:
        while True:
            if turn.replied and not turn.pending:
                if not await self._take(turn, settle):
                    return
            else:
                await self._take(turn, None)
