"""LocalRealtimeModel: the offline engine (VAD -> STT -> LLM -> TTS) as a RealtimeModel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.clock import Clock, SystemClock
from voxline.core.config import AudioFormat, SessionConfig, ToolSpec
from voxline.core.ids import IdFactory, random_id
from voxline.engine.input_audio import InputAudio
from voxline.engine.locks import component_lock
from voxline.engine.memory import Dialogue, context_messages
from voxline.engine.options import EngineOptions, EngineStats
from voxline.engine.pipeline import ResponseRequest, ResponseRun
from voxline.engine.ports import LLM, STT, TTS, VAD, Audio, ChatMessage, PrimingLLM
from voxline.engine.priming import Primer
from voxline.engine.transcripts import TurnTranscriber, timed_transcribe
from voxline.engine.turns import InputTurns, SpeechBegan, SpeechEnded, SpeechPaused, turn_settings
from voxline.errors import ProtocolError, SessionStateError, TransportError, VoxlineError

log = logging.getLogger("voxline.engine")

__all__ = ["EngineOptions", "EngineStats", "LocalRealtimeModel"]


class LocalRealtimeModel:
    """The embedded offline engine behind the RealtimeModel interface.

    Speaks the same events as OpenAI Realtime: server VAD turns (SpeechStarted/Stopped,
    AudioCommitted, transcript deltas while the user speaks, the final transcript), responses
    that stream text and audio sentence by sentence, tool calls, barge-in that cancels the
    response at once, and truncation that keeps the model's memory to what was heard.

    STT, LLM and TTS run on one worker thread each, never on the event loop, and models that
    share a component (one per conversation on a server) take turns with it; the VAD is
    cheap and scores frames inline. Partial transcripts are skipped while the LLM works (2
    CPU cores). A failing component becomes a ModelError event and the call goes on.

    Differences from OpenAI: token usage is approximate (characters / 4); SemanticVAD is
    server VAD with a silence set by its eagerness; tool_choice "required" cannot be forced
    (the LLM port decides), "none" offers no tools; an out-of-band response (with `context`)
    sees only that context, but its reply joins the conversation like any other; a spoken
    turn that yields no words gets an empty transcript and no response; CancelResponse with
    nothing to cancel is ignored.

    Args:
        vad: Voice activity detection (its rate is the engine's input rate).
        stt: Speech to text.
        llm: The language model.
        tts: Text to speech.
        clock: Time source for `stats` (a ManualClock in tests).
        options: Latency/CPU trade-offs.
        ids: Makes item, response and call ids.
    """

    def __init__(
        self,
        vad: VAD,
        stt: STT,
        llm: LLM,
        tts: TTS,
        *,
        clock: Clock | None = None,
        options: EngineOptions | None = None,
        ids: IdFactory = random_id,
    ) -> None:
        self.vad, self.stt, self.llm, self.tts = vad, stt, llm, tts
        self.options = options or EngineOptions()
        self.stats = EngineStats()
        self._clock = clock or SystemClock()
        self._ids = ids
        self._queue: asyncio.Queue[ev.ModelEvent | None] = asyncio.Queue()
        self._config: SessionConfig | None = None
        self._closed = False
        self._dialogue = Dialogue()
        self._turns = InputTurns(vad.sample_rate, vad.frame_size, None)
        self._input = InputAudio(AudioFormat.PCM16, vad.sample_rate)
        self._user_item: str | None = None
        self._emitted = ""
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._response: ResponseRun | None = None
        self._response_task: asyncio.Task[None] | None = None
        self._prepared: tuple[str, tuple[str, ...]] | None = None
        self._llm_jobs = 0
        self._vad_failing = False
        self._speech_end_at: float | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._stt_lane = ThreadPoolExecutor(1, thread_name_prefix="voxline-stt")
        self._llm_lane = ThreadPoolExecutor(1, thread_name_prefix="voxline-llm")
        self._tts_lane = ThreadPoolExecutor(1, thread_name_prefix="voxline-tts")
        self._transcripts = TurnTranscriber(
            self._stt_call, vad.sample_rate, self._stt_lane, self.stats, self._track
        )
        self._primer = Primer(self._llm_lane, self.stats, self._spawn)

    # ----------------------------------------------------------------- RealtimeModel

    async def connect(self, config: SessionConfig) -> None:
        """Apply `config` and report CONNECTED (nothing to reach: the engine is in process).

        Raises:
            TransportError: the model was closed.
        """
        if self._closed:
            raise TransportError("this LocalRealtimeModel was closed; create a new one")
        self._configure(config)
        self._emit(ev.ConnectionChanged(ev.ConnectionState.CONNECTED))

    async def send(self, command: cmd.ModelCommand) -> None:
        """Apply one command; its effects arrive as events.

        Raises:
            SessionStateError: before `connect` or after `close`.
        """
        if self._config is None or self._closed:
            raise SessionStateError("send() before connect() or after close()")
        try:
            self._dispatch(command)
        except ProtocolError as exc:
            self._emit(ev.ModelError(str(exc), code=exc.code, event_type=exc.event_type))
        except VoxlineError as exc:  # a bad setting in an update: the model keeps going
            self._emit(
                ev.ModelError(str(exc), code="invalid_request", event_type=type(exc).__name__)
            )

    def events(self) -> AsyncIterator[ev.ModelEvent]:
        """The engine's events until `close`."""
        return self._iterate()

    async def close(self) -> None:
        """Stop every response and worker; `events` then ends. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._response is not None:
            self._response.cancel()
        for task in [*self._tasks, *self._pending.values()]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._pending.values(), return_exceptions=True)
        for lane in (self._stt_lane, self._llm_lane, self._tts_lane):
            lane.shutdown(wait=False, cancel_futures=True)
        self._queue.put_nowait(ev.ConnectionChanged(ev.ConnectionState.DISCONNECTED))
        self._queue.put_nowait(None)

    async def _iterate(self) -> AsyncIterator[ev.ModelEvent]:
        while (event := await self._queue.get()) is not None:
            yield event

    # ----------------------------------------------------------------- commands

    def _dispatch(self, command: cmd.ModelCommand) -> None:
        match command:
            case cmd.UpdateSession(config=config):
                self._configure(config)
            case cmd.SendAudio(audio=audio):
                self._on_audio(audio)
            case cmd.CommitAudio():
                self._commit_buffer()
            case cmd.ClearAudio():
                self._turns.clear()
                self._input.clear()
                self._user_item = None
                self._reset_vad()
            case cmd.AddMessage(item_id=item_id, role=role, text=text):
                self._dialogue.add_message(item_id, role, text)
            case cmd.AddFunctionCall():
                self._dialogue.add_function_call(
                    command.item_id, command.call_id, command.name, command.arguments
                )
            case cmd.AddFunctionOutput(item_id=item_id, call_id=call_id, output=output):
                self._dialogue.add_function_output(item_id, call_id, output)
            case cmd.CreateResponse():
                self._create_response(command)
            case cmd.CancelResponse(response_id=rid):
                active = self._response
                if active is not None and rid in (None, active.response_id):
                    self._cancel_response()
                else:
                    log.debug("CancelResponse with no such active response; nothing to do")
            case cmd.TruncateItem(item_id=item_id, audio_end_ms=ms):
                self._dialogue.truncate(item_id, ms)

    def _configure(self, config: SessionConfig) -> None:
        """Apply a session configuration; an unusable one changes nothing.

        Raises:
            ConfigurationError: the turn detection settings cannot work.
        """
        settings = turn_settings(config.turn_detection, min_speech_ms=self.options.min_speech_ms)
        old = self._config
        self._config = config
        if old is None or settings != self._turns.settings:
            self._turns = InputTurns(
                self.vad.sample_rate, self.vad.frame_size, settings, pause_ms=self.options.pause_ms
            )
            self._user_item = None
            self._reset_vad()
        if old is None or old.input_format is not config.input_format:
            self._input = InputAudio(config.input_format, self.vad.sample_rate)
        key = (config.instructions, tuple(t.name for t in config.tools))
        if key != self._prepared:
            self._prepared = key
            self._spawn(self._prepare(config))

    async def _prepare(self, config: SessionConfig) -> None:
        tools = config.offered_tools
        try:
            await self._on_llm_lane(lambda: self._locked_prepare(config.instructions, tools))
        except Exception as exc:
            log.exception("LLM prepare failed")
            self._emit(ev.ModelError(f"preparing the agent failed: {exc}", code="llm_failed"))

    def _locked_prepare(self, instructions: str, tools: tuple[ToolSpec, ...]) -> None:
        with component_lock(self.llm):
            self.llm.prepare(instructions, tools)

    async def _on_llm_lane(self, work: Callable[[], None]) -> None:
        self._llm_jobs += 1
        try:
            await asyncio.get_running_loop().run_in_executor(self._llm_lane, work)
        finally:
            self._llm_jobs -= 1

    # ----------------------------------------------------------------- input audio

    def _on_audio(self, data: bytes) -> None:
        audio = self._input.process(data)
        for event in self._turns.push(audio, self._score):
            match event:
                case SpeechBegan(start_ms=start_ms):
                    self._speech_began(start_ms)
                case SpeechPaused(audio=segment):
                    self._primer.stop()  # the CPU goes to the transcript that may be final
                    if self._user_item is not None:
                        self._start_stt(self._user_item, segment, at_pause=True)
                case SpeechEnded(end_ms=end_ms, audio=segment):
                    self._primer.stop(keep_complete=True)
                    item = self._user_item or self._ids("item")
                    self._user_item = None
                    self._emit(ev.SpeechStopped(item, end_ms))
                    self._speech_end_at = self._clock.now()
                    self._commit(item, segment, respond=self._server_creates())
        if self._primer.complete and self._turns.voiced:
            self._primer.stop()  # the caller went on after the pause: not their last words
        self._maybe_partial()

    def _score(self, frame: Audio) -> float:
        try:
            p = self.vad.speech_probability(frame)
        except Exception as exc:
            if not self._vad_failing:
                log.exception("VAD failed")
                self._vad_failing = True
                self._emit(
                    ev.ModelError(f"voice activity detection failed: {exc}", code="vad_failed")
                )
            return 0.0
        self._vad_failing = False
        return p

    def _reset_vad(self) -> None:
        """A new stream for the VAD's carried state (after a clear or new turn settings)."""
        try:
            self.vad.reset()
        except Exception as exc:
            log.exception("VAD reset failed")
            self._emit(ev.ModelError(f"voice activity detection failed: {exc}", code="vad_failed"))

    def _speech_began(self, start_ms: int) -> None:
        self._user_item = self._ids("item")
        self._emitted = ""
        self._transcripts.partial_at = 0
        self._emit(ev.SpeechStarted(self._user_item, start_ms))
        assert self._config is not None
        if self._config.server_interrupts:
            self._cancel_response()

    def _server_creates(self) -> bool:
        return self._config is not None and self._config.server_creates_responses

    def _commit_buffer(self) -> None:
        audio = self._turns.take()
        if self._turns.settings is None:  # push-to-talk: the resampler's tail ends the turn
            audio = np.concatenate([audio, self._input.flush()])
        item = self._user_item or self._ids("item")
        self._user_item = None
        if audio.size == 0:
            self._emit(
                ev.ModelError(
                    "cannot commit: the input audio buffer is empty; send audio first",
                    code="input_audio_buffer_commit_empty",
                    event_type="input_audio_buffer.commit",
                )
            )
            return
        self._commit(item, audio, respond=False)

    def _commit(self, item_id: str, audio: Audio, *, respond: bool) -> None:
        self._dialogue.add_user_audio(item_id)
        self._emit(ev.AudioCommitted(item_id))
        task = asyncio.create_task(self._finalize(item_id, audio, respond))
        self._pending[item_id] = task
        task.add_done_callback(lambda _t: self._pending.pop(item_id, None))

    async def _finalize(self, item_id: str, audio: Audio, respond: bool) -> None:
        """The final transcript of the turn `item_id`, its response when `respond`."""
        try:
            text = await self._transcripts.final(item_id, audio)
        except Exception as exc:
            log.exception("STT failed")
            self._emit(ev.ModelError(f"speech recognition failed: {exc}", code="stt_failed"))
            text = ""
        text = text.strip()
        self._dialogue.set_text(item_id, text)
        if not text:
            self._dialogue.remove(item_id)
        self._emit(ev.InputTranscriptCompleted(item_id, text))
        if respond and text and not self._responding():
            self._create_response(cmd.CreateResponse())

    def _stt_call(self, audio: Audio) -> str:
        return timed_transcribe(self.stt, audio, self.vad.sample_rate, self._clock, self.stats)

    def _maybe_partial(self) -> None:
        if not self._turns.voiced or self._user_item is None:
            return
        interval = self.options.partial_interval_ms * self.vad.sample_rate // 1000
        if self._turns.turn_samples - self._transcripts.partial_at >= interval:
            self._start_stt(self._user_item, self._turns.segment())

    def _start_stt(self, item_id: str, audio: Audio, *, at_pause: bool = False) -> None:
        """A partial transcript of the turn so far, if the CPU is free for it.

        At a pause it is queued even behind a running partial: if the turn ends in this
        pause, it is the final transcript, and it started before the end was certain.
        """
        busy = self._transcripts.busy
        if not self.options.partials or (busy and not at_pause):
            return
        if self._llm_jobs or self._responding():
            return
        self._transcripts.start(
            item_id,
            audio,
            at_pause=at_pause,
            budget_ms=self.options.partial_budget_ms,
            settle_at_pauses=self.options.settle_at_pauses,
            then=lambda f: self._on_partial(item_id, f),
        )

    def _on_partial(self, item_id: str, future: asyncio.Future[str]) -> None:
        if future.cancelled() or future.exception() is not None or item_id != self._user_item:
            return  # late, or failed: the final transcript decides (and reports errors)
        text = future.result().strip()
        if text.startswith(self._emitted) and len(text) > len(self._emitted):
            delta = text[len(self._emitted) :]
            self._emitted = text
            self._emit(ev.InputTranscriptDelta(item_id, delta))
        if self._turns.voiced:
            self._prime(text)
        elif self._transcripts.is_pause_job(future):
            self._prime(text, complete=True)  # the turn may end in this pause

    # ----------------------------------------------------------------- priming

    def _prime(self, words: str, *, complete: bool = False) -> None:
        """While the user speaks, let the LLM evaluate the prompt up to their words so far;
        in a pause (`complete`), up to where the answer starts.

        Only when the LLM can (`PrimingLLM`) and this model is not answering. A new pause
        stops it within a few tokens, as do the end of the turn and a response unless it is
        `complete` (the response then starts from what it evaluated).
        """
        llm, config = self.llm, self._config
        if not self.options.prime or not isinstance(llm, PrimingLLM) or config is None:
            return
        if self._responding() or self._primer.running:
            return  # (an agent still being prepared is fine: the prime queues behind it)
        messages = (*self._dialogue.messages(), ChatMessage("user", words))
        self._primer.start(
            llm, config.instructions, messages, config.offered_tools, complete=complete
        )

    # ----------------------------------------------------------------- responses

    def _responding(self) -> bool:
        return self._response is not None and not self._response.finished

    def _create_response(self, request: cmd.CreateResponse) -> None:
        if self._responding():
            self._emit(
                ev.ModelError(
                    "a response is already in progress; cancel it or wait for ResponseDone",
                    code="conversation_already_has_active_response",
                    event_type="response.create",
                )
            )
            return
        self._primer.stop(keep_complete=True)
        run = ResponseRun(
            self._ids("resp"),
            llm=self.llm,
            tts=self.tts,
            dialogue=self._dialogue,
            emit=self._emit,
            llm_lane=self._llm_lane,
            tts_lane=self._tts_lane,
            ids=self._ids,
            on_first_audio=self._first_audio,
            first_piece=(self.options.first_clause_words, self.options.first_piece_words),
        )
        self._response = run
        ready = [t for t in self._pending.values() if not t.done()]
        task = asyncio.create_task(self._run(run, ready, request))
        self._response_task = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(
        self, run: ResponseRun, ready: list[asyncio.Task[None]], request: cmd.CreateResponse
    ) -> None:
        self._llm_jobs += 1
        try:
            await run.run(ready, lambda: self._build(run.response_id, request))
        finally:
            self._llm_jobs -= 1
            if self._response is run:
                self._response = None

    def _build(self, response_id: str, request: cmd.CreateResponse) -> ResponseRequest:
        config = self._config
        assert config is not None
        if request.context is not None:
            messages = context_messages(request.context)
        else:
            messages = self._dialogue.messages()
        return ResponseRequest(
            response_id,
            request.instructions if request.instructions is not None else config.instructions,
            messages,
            config.offered_tools,
            request.max_output_tokens or self.options.max_tokens,
            audio="audio" in config.modalities,
            voice=config.voice,
            output_format=config.output_format,
        )

    def _cancel_response(self) -> None:
        run, task = self._response, self._response_task
        if run is not None and run.cancel() and task is not None:
            task.cancel()

    def _first_audio(self) -> None:
        if self._speech_end_at is not None:
            self.stats.first_audio_s.append(self._clock.now() - self._speech_end_at)
            self._speech_end_at = None

    # ----------------------------------------------------------------- plumbing

    def _emit(self, event: ev.ModelEvent) -> None:
        if not self._closed:
            self._queue.put_nowait(event)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._track(asyncio.create_task(coro))

    def _track(self, future: asyncio.Future[Any]) -> None:
        self._tasks.add(future)
        future.add_done_callback(self._tasks.discard)
