"""The conversation machine: model events and user inputs in; commands, events and effects out.

It does no I/O and never waits. `feed` takes one input and returns, in order, what to send to
the model (ModelCommand), what to tell the app (SessionEvent) and what work to start (Effect).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, assert_never

from voxline.agents.context import RunContext
from voxline.agents.tool import FunctionTool
from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core import inputs as inp
from voxline.core import session_events as se
from voxline.core.calls import (
    HandoffCall,
    RefuseCall,
    RunCall,
    error_output,
    handoff_output,
    plan_call,
)
from voxline.core.conversation_state import ConversationState, Input, Output
from voxline.core.effects import RunGuardrails, RunTool
from voxline.core.items import (
    FunctionCall,
    FunctionCallOutput,
    GuardrailFlag,
    GuardrailRecord,
    HandoffRecord,
    ItemStatus,
    Message,
    Role,
    TriggerRecord,
)
from voxline.core.replay import replay_commands
from voxline.core.state import ResponseMove, ResponsePhase
from voxline.core.triggers import Trigger, TriggerAction
from voxline.errors import (
    ConfigurationError,
    HandoffError,
    ProtocolError,
)

__all__ = ["GUARDRAIL_CORRECTION", "Conversation", "Input", "Output"]

_NO_CHECKS = 1 << 62
"""`_checked` of a message whose text is never judged: no length ever reaches past it."""

GUARDRAIL_CORRECTION = (
    "Your previous reply was stopped by the {guardrail} guardrail ({category}: {rationale}). "
    "Answer the user's last message again, staying within policy."
)


class Conversation(ConversationState):
    """The pure state machine behind a RealtimeSession."""

    # ----------------------------------------------------------------- entry

    def feed(self, item: Input) -> list[Output]:
        """Apply one input; return what must happen as a result, in order.

        Raises:
            TypeError: `item` is neither a model event nor a user input.
        """
        # One lookup by exact type instead of a chain of isinstance tests: the chain met a
        # tool's result at its sixteenth case, and each case it passes is a class to touch,
        # cold, once per turn (benchmarks/README.md, "Ninth pass").
        kind = type(item)
        handler = _HANDLERS.get(kind) or _handler_for(kind)
        out: list[Output] = []
        self._out = out  # what the handlers emit goes here; the next feed starts a new list
        try:
            handler(self, item)
        except ProtocolError as exc:
            out.append(se.ErrorOccurred(exc))
        return out

    def _on_response_started(self, event: ev.ResponseStarted) -> None:
        self._move(ResponseMove.START)
        self._response_id = event.response_id

    def _on_speech_started(self, _: ev.SpeechStarted) -> None:
        self._out.append(se.UserSpeechStarted())
        self._interrupt(cancel=not self._current_config_interrupts())

    def _on_input_delta(self, event: ev.InputTranscriptDelta) -> None:
        self._user_audio_item(event.item_id)
        self._history.append_text(event.item_id, event.delta, self._clock.wall())
        self._out.append(se.TranscriptDelta(event.item_id, Role.USER, event.delta))

    # ----------------------------------------------------------------- user side

    def _on_user_text(self, text: str) -> None:
        if not text.strip():
            self._out.append(se.ErrorOccurred(ConfigurationError("cannot send an empty message")))
            return
        self._interrupt(cancel=True)
        now = self._clock.wall()
        msg = Message(self._ids("msg"), Role.USER, text, now, now)
        self._add(msg)
        self._out.append(cmd.AddMessage(msg.id, Role.USER, text))
        self._new_user_turn()
        if not self._check_triggers(text) and self._opts.auto_respond:
            self._request_response(cmd.CreateResponse())

    def _user_audio_item(self, item_id: str) -> None:
        if not self._history.has_message(item_id):
            now = self._clock.wall()
            msg = Message(
                item_id, Role.USER, "", now, now, status=ItemStatus.IN_PROGRESS, from_audio=True
            )
            self._add(msg)

    def _on_transcript(self, item_id: str, transcript: str) -> None:
        self._user_audio_item(item_id)
        self._update_message(
            item_id, text=transcript, status=ItemStatus.COMPLETED, updated_at=self._clock.wall()
        )
        self._new_user_turn()
        self._check_triggers(transcript)

    def _new_user_turn(self) -> None:
        self._retries = 0
        self._turn_agents = {self._agent}

    def _on_manual_trigger(self, name: str) -> None:
        try:
            if self._opts.triggers is None:
                raise ConfigurationError("this session has no triggers configured")
            trigger = self._opts.triggers.get(name)
        except ConfigurationError as exc:
            self._out.append(se.ErrorOccurred(exc))
            return
        self._fire(trigger, None)

    def _check_triggers(self, text: str) -> bool:
        if self._opts.triggers is None:
            return False
        found = self._opts.triggers.match(text)
        if found is None:
            return False
        self._fire(*found)
        return True

    def _fire(self, trigger: Trigger, phrase: str | None) -> None:
        window = self._history.messages(trigger.window) if trigger.window else ()
        record = TriggerRecord(
            self._ids("trg"),
            trigger.name,
            trigger.action.value,
            phrase,
            tuple(m.id for m in window),
            self._clock.wall(),
        )
        self._add(record)
        self._out.append(se.TriggerFired(trigger.name, trigger.action.value, phrase, window))
        self._interrupt(cancel=True)
        if trigger.action is TriggerAction.INTERRUPT:
            self._followup = None
            return
        self._request_response(
            cmd.CreateResponse(
                instructions=trigger.instructions,
                context=window,
                max_output_tokens=trigger.max_output_tokens,
            )
        )

    # ----------------------------------------------------------------- model output

    def _assistant_item(self, rid: str, item_id: str) -> None:
        if not self._history.has_message(item_id):
            now = self._clock.wall()
            msg = Message(
                item_id,
                Role.ASSISTANT,
                "",
                now,
                now,
                status=ItemStatus.IN_PROGRESS,
                agent=self._agent,
                from_audio="audio" in self._opts.base_config.modalities,
            )
            self._item_response[item_id] = rid
            agent = self._graph.agents.get(self._agent)
            # an agent without output guardrails never checks its text: its deltas stay
            # unfolded until read, instead of a new Message per delta past the debounce
            checks = agent is not None and bool(agent.output_guardrails)
            self._checked[item_id] = 0 if checks else _NO_CHECKS
            items = self._response_items.get(rid)
            if items is None:
                items = self._response_items[rid] = []
            items.append(item_id)
            self._add(msg)

    def _on_text_delta(self, event: ev.OutputTextDelta) -> None:
        item_id = event.item_id
        if item_id not in self._item_response:  # every later delta of a message skips this
            self._assistant_item(event.response_id, item_id)
        if self._playback.is_cut(item_id):
            return
        length = self._history.append_text(item_id, event.delta, self._clock.wall())
        self._out.append(se.TranscriptDelta(item_id, Role.ASSISTANT, event.delta))
        checked = self._checked.get(item_id, 0)
        if length - checked >= self._opts.guardrail_debounce_chars:
            self._check_guardrails(self._message(item_id))

    def _check_guardrails(self, msg: Message) -> None:
        agent = self._graph.agents.get(msg.agent or self._agent)
        guardrails = tuple(agent.output_guardrails) if agent is not None else ()
        if not guardrails or msg.flag is not None:
            self._checked[msg.id] = _NO_CHECKS  # nothing to check, or already flagged
            return
        self._checked[msg.id] = len(msg.text)
        self._out.append(RunGuardrails(msg.id, msg.text, guardrails, self.context()))

    def _on_audio_delta(self, event: ev.OutputAudioDelta) -> None:
        item_id = event.item_id
        if item_id not in self._item_response:
            self._assistant_item(event.response_id, item_id)
        audio_ms = self._playback.receive(item_id, len(event.audio), self._clock.now)
        if audio_ms is not None:
            self._history.set_audio_ms(item_id, audio_ms)
            self._out.append(se.AudioReceived(item_id, event.audio))

    def _on_item_done(self, event: ev.OutputItemDone) -> None:
        self._assistant_item(event.response_id, event.item_id)
        if self._playback.is_cut(event.item_id):
            return
        changes: dict[str, Any] = {"status": ItemStatus.COMPLETED, "updated_at": self._clock.wall()}
        if event.text:
            changes["text"] = event.text
        msg = self._update_message(event.item_id, **changes)
        if msg.text.strip():
            self._turn_agents = {self._agent}  # someone answered: handing back is no loop
        if len(msg.text) > self._checked.get(msg.id, 0):
            self._check_guardrails(msg)

    def _on_response_done(self, event: ev.ResponseDone) -> None:
        if self._phase is not ResponsePhase.ACTIVE or event.response_id != self._response_id:
            raise ProtocolError(
                f"response {event.response_id} finished but it is not the active response",
                event_type="response.done",
                code="unknown_response",
            )
        self._move(ResponseMove.FINISH)
        self._response_id = None
        for item_id in self._response_items.pop(event.response_id, ()):
            msg = self._message(item_id)
            if msg.status is ItemStatus.IN_PROGRESS:
                status = (
                    ItemStatus.COMPLETED
                    if event.status is ev.ResponseStatus.COMPLETED
                    else ItemStatus.INCOMPLETE
                )
                self._update(msg.evolve(status=status, updated_at=self._clock.wall()))
        self._out.append(se.ResponseFinished(event.response_id, event.status))
        if event.usage is not None:
            self._usage = total = self._usage + event.usage
            estimate = self._opts.estimate_cost
            cost = 0.0 if estimate is None else estimate(event.usage)
            self._cost += cost
            self._out.append(se.UsageUpdated(event.usage, total, cost, self._cost))
        self._maybe_followup()

    def _on_model_error(self, event: ev.ModelError) -> None:
        if self._phase is ResponsePhase.REQUESTED:
            self._move(ResponseMove.FAIL)
        error = ProtocolError(
            event.message, event_type=event.event_type, code=event.code, raw=event.raw
        )
        self._out.append(se.ErrorOccurred(error))
        self._maybe_followup()

    # ----------------------------------------------------------------- tools and handoffs

    def instant_call(self, event: ev.FunctionCallRequested) -> RunTool | None:
        """The tool run of `event` when the session may start it before feeding the call.

        That is a call to a tool that answers at once (an `async def` without `await`) and
        does not read the context. The session then runs it and sends its answer first, and
        records the call after (`inp.ToolStarted`, then the ToolResult with `sent_as`): the
        conversation's bookkeeping of the call and its answer (history items, events) is
        then no longer part of a tool call's round trip. None: feed the call as it is.
        Changes nothing.
        """
        tool = self._graph.tools(self._agent).get(event.name)
        if not isinstance(tool, FunctionTool) or not tool.answers_at_once or tool.context_param:
            return None
        plan = plan_call(self._graph, self._agent, event)
        if not isinstance(plan, RunCall):
            return None  # arguments that do not fit: refused the usual way
        context = RunContext(self._agent, (), self._opts.metadata, event.call_id)
        return RunTool(event.call_id, plan.tool, plan.arguments, context)

    def _record_call(self, event: ev.FunctionCallRequested) -> None:
        agent = self._agent
        call = FunctionCall(
            event.item_id, event.call_id, event.name, event.arguments, self._clock.wall(), agent
        )
        self._add(call)
        self._out.append(se.ToolCallStarted(event.call_id, event.name, event.arguments, agent))

    def _on_tool_started(self, started: inp.ToolStarted) -> None:
        call = started.call
        self._record_call(call)
        self._pending_calls[call.call_id] = call.name

    def _on_function_call(self, event: ev.FunctionCallRequested) -> None:
        agent = self._agent
        self._record_call(event)
        plan = plan_call(self._graph, agent, event)
        match plan:
            case RunCall(tool=tool, arguments=arguments):
                self._pending_calls[event.call_id] = event.name
                # only a tool that takes the context reads its history: the others skip a
                # copy of the whole conversation on every call
                history = self._history.snapshot() if tool.context_param is not None else ()
                context = RunContext(agent, history, self._opts.metadata, event.call_id)
                self._out.append(RunTool(event.call_id, tool, arguments, context))
            case HandoffCall(target=target) if target in self._turn_agents:
                error = HandoffError(
                    f"{target} already had this turn and nobody has answered the user yet; "
                    f"{agent} must answer the user itself instead of transferring back"
                )
                self._out.append(se.ErrorOccurred(error))
                self._answer(event.call_id, event.name, error_output(error), 0.0, True)
            case HandoffCall(target=target, reason=reason):
                self._agent = target
                self._turn_agents.add(target)
                self._add(
                    HandoffRecord(self._ids("hnd"), agent, target, reason, self._clock.wall())
                )
                self._out.append(se.HandoffCompleted(agent, target, reason))
                self._out.append(cmd.UpdateSession(self.session_config()))
                self._answer(event.call_id, event.name, handoff_output(target), 0.0, False)
            case RefuseCall(error=error):
                if isinstance(error, HandoffError):
                    self._out.append(se.ErrorOccurred(error))
                self._answer(event.call_id, event.name, error_output(error), 0.0, True)
            case _:
                assert_never(plan)

    def _answer(
        self,
        call_id: str,
        name: str,
        text: str,
        duration: float,
        is_error: bool,
        sent_as: str | None = None,
    ) -> None:
        item_id = self._ids("out") if sent_as is None else sent_as
        item = FunctionCallOutput(
            item_id, call_id, name, text, self._clock.wall(), is_error, duration
        )
        self._add(item)
        self._out.append(se.ToolCallFinished(call_id, name, text, is_error, duration))
        if sent_as is None:
            self._out.append(cmd.AddFunctionOutput(item.id, call_id, text))
        self._request_response(cmd.CreateResponse())

    def _on_tool_result(self, result: inp.ToolResult) -> None:
        name = self._pending_calls.pop(result.call_id, None)
        if name is None:
            error = ProtocolError(
                f"a tool result arrived for call {result.call_id}, which is not running",
                code="unknown_call",
            )
            self._out.append(se.ErrorOccurred(error))
            return
        self._answer(
            result.call_id,
            name,
            result.output,
            result.duration_s,
            result.is_error,
            result.sent_as,
        )

    # ----------------------------------------------------------------- guardrails

    def _on_verdict(self, verdict: inp.GuardrailVerdict) -> None:
        msg = self._history.message(verdict.item_id)
        if msg is None or not verdict.result.tripped or msg.flag is not None:
            return
        result = verdict.result
        flag = GuardrailFlag(verdict.guardrail, result.category, result.rationale)
        rid = self._item_response.get(msg.id)
        if rid is not None and rid == self._response_id:
            self._interrupt(cancel=True)
        msg = self._message(msg.id)
        status = (
            ItemStatus.COMPLETED if msg.status is ItemStatus.COMPLETED else ItemStatus.INCOMPLETE
        )
        self._update(msg.evolve(flag=flag, status=status, updated_at=self._clock.wall()))
        self._add(
            GuardrailRecord(
                self._ids("grd"),
                msg.id,
                verdict.guardrail,
                result.category,
                result.rationale,
                self._clock.wall(),
            )
        )
        self._out.append(
            se.GuardrailTripped(msg.id, verdict.guardrail, result.category, result.rationale)
        )
        if self._retries >= self._opts.max_guardrail_retries:
            return
        self._retries += 1
        note = GUARDRAIL_CORRECTION.format(
            guardrail=verdict.guardrail, category=result.category, rationale=result.rationale
        )
        self._notes.append(cmd.AddMessage(self._ids("sys"), Role.SYSTEM, note))
        self._request_response(cmd.CreateResponse())

    # ----------------------------------------------------------------- connection

    def _on_connection(self, event: ev.ConnectionChanged) -> None:
        self._out.append(event)
        if event.state is ev.ConnectionState.RECONNECTING:
            self._cut_off = self._phase is not ResponsePhase.IDLE
            if self._phase is ResponsePhase.ACTIVE:
                self._interrupt(cancel=False)
            self._move(ResponseMove.DROP)
            self._response_id = None
        elif event.state is ev.ConnectionState.CONNECTED:
            if self._connected_once:
                self._replay()
            self._connected_once = True

    def _replay(self) -> None:
        """After a reconnect: configure the model again and give it the history back."""
        self._out.append(cmd.UpdateSession(self.session_config()))
        commands, unanswered = replay_commands(self._history)
        self._out.extend(commands)
        if (self._cut_off or unanswered) and self._opts.auto_respond:
            self._request_response(self._followup or cmd.CreateResponse())
            self._followup = None
        self._cut_off = False


_Handler = Callable[[Conversation, Any], None]

_HANDLERS: dict[type, _Handler] = {
    # microphone audio and the response's events first: most of the traffic
    inp.UserAudio: lambda c, e: c._out.append(cmd.SendAudio(e.audio)),
    ev.OutputAudioDelta: Conversation._on_audio_delta,
    ev.OutputTextDelta: Conversation._on_text_delta,
    ev.ResponseStarted: Conversation._on_response_started,
    ev.OutputItemAdded: lambda c, e: c._assistant_item(e.response_id, e.item_id),
    ev.OutputItemDone: Conversation._on_item_done,
    ev.ResponseDone: Conversation._on_response_done,
    ev.FunctionCallRequested: Conversation._on_function_call,
    inp.ToolResult: Conversation._on_tool_result,
    inp.ToolStarted: Conversation._on_tool_started,
    inp.UserText: lambda c, e: c._on_user_text(e.text),
    inp.CommitUserAudio: lambda c, _: c._out.append(cmd.CommitAudio()),
    inp.ClearUserAudio: lambda c, _: c._out.append(cmd.ClearAudio()),
    inp.RequestResponse: lambda c, _: c._request_response(cmd.CreateResponse()),
    inp.Interrupt: lambda c, _: c._interrupt(cancel=True),
    inp.FireTrigger: lambda c, e: c._on_manual_trigger(e.name),
    inp.PlaybackProgress: lambda c, e: c._playback.report(e.item_id, e.played_ms),
    inp.GuardrailVerdict: Conversation._on_verdict,
    ev.ConnectionChanged: Conversation._on_connection,
    ev.SpeechStarted: Conversation._on_speech_started,
    ev.SpeechStopped: lambda c, _: c._out.append(se.UserSpeechStopped()),
    ev.AudioCommitted: lambda c, e: c._user_audio_item(e.item_id),
    ev.InputTranscriptDelta: Conversation._on_input_delta,
    ev.InputTranscriptCompleted: lambda c, e: c._on_transcript(e.item_id, e.transcript),
    ev.ModelError: Conversation._on_model_error,
}
"""How `Conversation.feed` applies each kind of input (tests/core/test_dispatch.py checks that
every member of `Input` has one)."""


def _handler_for(kind: type) -> _Handler:
    """The handler of a subclass of an input type (its nearest handled base), remembered."""
    for base in kind.__mro__:
        handler = _HANDLERS.get(base)
        if handler is not None:
            _HANDLERS[kind] = handler
            return handler
    raise TypeError(f"Conversation.feed() takes a model event or a user input, not {kind.__name__}")
