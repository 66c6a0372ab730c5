"""One response of the offline engine: LLM tokens -> text deltas -> sentences -> TTS -> audio.

The LLM and the TTS each run on their own single worker thread (a "lane"), so the first
sentence is being spoken while the next is still being generated; a lock per component keeps
models that share one from calling it at once. Events are emitted on the event loop only.

The reply's first piece is what the caller waits for, so while it is being synthesized the
LLM pauses between tokens: on 2 cores the two would otherwise halve each other's speed, and
the LLM catches up while the first piece plays.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable, Collection
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from voxline.core import events as ev
from voxline.core.config import AudioFormat, ToolSpec
from voxline.core.ids import IdFactory
from voxline.engine.audio import (
    WIRE_SAMPLE_RATE,
    StreamResampler,
    float_to_alaw,
    float_to_mulaw,
    float_to_pcm16,
)
from voxline.engine.locks import component_lock
from voxline.engine.memory import Dialogue
from voxline.engine.ports import LLM, TTS, Audio, ChatMessage, TextChunk, ToolChoice
from voxline.engine.spoken import SpokenText
from voxline.engine.tts.sentences import SHORTEST_CUT, SentenceSplitter

log = logging.getLogger("voxline.engine")

CHARS_PER_TOKEN = 4
"""Usage is approximate: the engine counts about one token per four characters."""


@dataclass(frozen=True, slots=True)
class ResponseRequest:
    """Everything one response needs, fixed when it starts.

    Attributes:
        response_id: The id its events carry.
        instructions: The agent's (or the out-of-band request's) instructions.
        messages: The conversation the LLM sees.
        tools: The tools it may call (empty when tool_choice is "none").
        max_tokens: A cap on generated tokens, if any.
        audio: Speak the reply (False: the "text" modality only).
        voice: The TTS voice.
        output_format: Wire format of the audio deltas.
    """

    response_id: str
    instructions: str
    messages: tuple[ChatMessage, ...]
    tools: tuple[ToolSpec, ...]
    max_tokens: int | None = None
    audio: bool = True
    voice: str | None = None
    output_format: AudioFormat = AudioFormat.PCM16


class _End:
    """The LLM finished."""


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


_Token = TextChunk | ToolChoice | _End | _Failed

_CLAUSE_END = re.compile(r"[,;:\u2014]\s")


class FirstClauseSplitter:
    """Pieces for TTS: a short first piece, then pieces that grow to whole sentences.

    The first piece is what the user waits for: at a few tokens per second on 2 cores a whole
    first sentence can take a second or more, a first clause ("Sure, I can help with that,")
    a third of it. So the first piece ends at the first comma, semicolon, colon or dash after
    at least `min_words` words, unless a sentence ends first, and at the latest after
    `max_words` words (at a space).

    The pieces after it end at sentences, but while the reply has little audio ahead of the
    listener a long sentence would leave them waiting (a gap after the first piece): the
    second piece is at most as long as the first (in characters, at least 20), and each
    piece after that may be twice as long as the one before, up to `longest` characters. A
    piece cut for length ends at its last clause boundary, or failing that at a space.
    """

    def __init__(self, *, min_words: int = 2, max_words: int = 6, longest: int = 250) -> None:
        """Create a splitter; a first clause needs `min_words`, a first piece has at most
        `max_words` (a word still being streamed is never cut), no piece grows past
        `longest` characters without a cut."""
        self.min_words = min_words
        self.max_words = max(max_words, min_words)
        self.longest = max(longest, SHORTEST_CUT)
        self._sentences = SentenceSplitter(max_chars=self.longest)
        self._head: str | None = ""  # the text before the first piece; None once it is out
        self._cap: int | None = None  # the next piece's length limit, once the first is out

    def push(self, delta: str) -> list[str]:
        """Add streamed text; returns the pieces it completed."""
        pieces = self._sentences.push(delta) if self._head is None else self._first(delta)
        for piece in pieces:  # the next piece's limit: the first one's length, then doubling
            grown = max(len(piece), SHORTEST_CUT) if self._cap is None else self._cap * 2
            self._cap = self._sentences.max_chars = min(grown, self.longest)
        return pieces

    def _first(self, delta: str) -> list[str]:
        """The pieces `delta` completes while the first piece is not out yet."""
        assert self._head is not None
        out = self._sentences.push(delta)
        if out:
            self._head = None
            return out
        self._head += delta
        for match in _CLAUSE_END.finditer(self._head):
            clause = self._head[: match.start() + 1]
            if len(clause.split()) >= self.min_words:
                return self._cut_first(clause, self._head[match.end() :])
        words = self._head.split(" ")
        if len([w for w in words[:-1] if w]) >= self.max_words:  # the last may be unfinished
            end = len(self._head) - len(words[-1])
            return self._cut_first(self._head[:end], self._head[end:])
        return []

    def _cut_first(self, piece: str, rest: str) -> list[str]:
        self._head = None
        self._sentences = SentenceSplitter(max_chars=self.longest)
        return [" ".join(piece.split()), *self._sentences.push(rest)]

    def flush(self) -> list[str]:
        """End of the stream: what is still held."""
        self._head = None
        return self._sentences.flush()


class ResponseRun:
    """Runs one response to its end; `cancel` ends it at once (barge-in, CancelResponse)."""

    def __init__(
        self,
        response_id: str,
        *,
        llm: LLM,
        tts: TTS,
        dialogue: Dialogue,
        emit: Callable[[ev.ModelEvent], None],
        llm_lane: Executor,
        tts_lane: Executor,
        ids: IdFactory,
        on_first_audio: Callable[[], None] | None = None,
        first_piece: tuple[int, int] = (1, 3),
    ) -> None:
        self.response_id = response_id
        self.request: ResponseRequest | None = None
        self._llm = llm
        self._tts = tts
        self._dialogue = dialogue
        self._emit_event = emit
        self._llm_lane = llm_lane
        self._tts_lane = tts_lane
        self._ids = ids
        self._on_first_audio = on_first_audio
        self._stop = threading.Event()
        self._llm_go = threading.Event()  # cleared while the first piece is synthesized
        self._llm_go.set()
        self._finished = False
        self._item: str | None = None
        self._text = ""
        self._spoken: SpokenText | None = None
        self._sentences = FirstClauseSplitter(min_words=first_piece[0], max_words=first_piece[1])
        self._speech: asyncio.Queue[str | None] = asyncio.Queue()
        self._speaker: asyncio.Task[None] | None = None
        self._tts_failed = False
        self._output_chars = 0
        self._audio_sent = False

    @property
    def _req(self) -> ResponseRequest:
        assert self.request is not None, "the request is built before any output"
        return self.request

    @property
    def finished(self) -> bool:
        """ResponseDone was emitted."""
        return self._finished

    async def run(
        self, ready: Collection[asyncio.Future[Any]], build: Callable[[], ResponseRequest]
    ) -> None:
        """Start, wait for `ready` (transcripts still being made), then generate and speak.

        `build` makes the request once the conversation is complete. Every failure ends as
        ModelError + ResponseDone(FAILED); nothing escapes.
        """
        loop = asyncio.get_running_loop()
        tokens: asyncio.Queue[_Token] = asyncio.Queue()
        self._emit(ev.ResponseStarted(self.response_id))
        if ready:
            await asyncio.wait(ready)
        if self._finished:
            return
        self.request = build()
        loop.run_in_executor(self._llm_lane, self._generate, self.request, loop, tokens)
        try:
            while not self._finished:
                token = await tokens.get()
                match token:
                    case TextChunk(text=text):
                        self._on_text(text)
                    case ToolChoice():
                        await self._close_item()
                        self._on_tool(token)
                    case _Failed(error=error):
                        self._fail("llm_failed", f"the language model failed: {error}")
                    case _End():
                        await self._close_item()
                        self._done(ev.ResponseStatus.COMPLETED)
        finally:
            self._stop.set()
            self._llm_go.set()
            if self._speaker is not None and not self._speaker.done():
                self._speaker.cancel()

    def cancel(self) -> bool:
        """Stop generating and speaking now and emit ResponseDone(CANCELLED).

        The LLM's memory keeps only what may have been heard: the sentences already voiced
        (all text emitted, for a text-only reply). Returns False if the response had ended.
        """
        if self._finished:
            return False
        self._stop.set()
        self._llm_go.set()
        if self._item is not None:
            heard = self._spoken.voiced() if self._spoken is not None else self._text
            self._dialogue.set_text(self._item, (self._text if self._tts_failed else heard).strip())
        self._done(ev.ResponseStatus.CANCELLED)
        return True

    # ----------------------------------------------------------------- LLM side

    def _generate(
        self, r: ResponseRequest, loop: asyncio.AbstractEventLoop, out: asyncio.Queue[_Token]
    ) -> None:
        """Runs on the LLM lane."""

        def put(token: _Token) -> None:
            try:
                loop.call_soon_threadsafe(out.put_nowait, token)
            except RuntimeError:  # the loop closed under us: nobody is listening
                self._stop.set()

        try:
            with component_lock(self._llm):
                if self._stop.is_set():  # cancelled while another response held the LLM
                    put(_End())
                    return
                for output in self._llm.generate(
                    r.instructions,
                    r.messages,
                    r.tools,
                    max_tokens=r.max_tokens,
                    should_stop=self._stop.is_set,
                ):
                    if self._stop.is_set():
                        break
                    put(output)
                    self._llm_go.wait()  # the first piece is being voiced: let TTS have the CPU
        except Exception as exc:
            log.exception("LLM generation failed")
            put(_Failed(exc))
            return
        put(_End())

    def _on_text(self, text: str) -> None:
        if not text:
            return
        if self._item is None:
            self._open_item()
        assert self._item is not None
        self._text += text
        self._output_chars += len(text)
        self._dialogue.set_text(self._item, self._text)
        self._emit(ev.OutputTextDelta(self.response_id, self._item, text))
        if self._req.audio:
            for sentence in self._sentences.push(text):
                self._speech.put_nowait(sentence)

    def _open_item(self) -> None:
        self._item = self._ids("item")
        self._text = ""
        self._spoken = SpokenText() if self._req.audio else None
        self._dialogue.add_assistant(self._item, self._spoken)
        self._emit(ev.OutputItemAdded(self.response_id, self._item))
        if self._req.audio:
            self._speech = asyncio.Queue()
            self._speaker = asyncio.create_task(self._speak(self._item, self._spoken))

    async def _close_item(self) -> None:
        if self._item is None:
            return
        if self._speaker is not None:
            for sentence in self._sentences.flush():
                self._speech.put_nowait(sentence)
            self._speech.put_nowait(None)
            await self._speaker
            self._speaker = None
        if self._finished:
            return
        self._emit(ev.OutputItemDone(self.response_id, self._item, self._text))
        self._item = None

    def _on_tool(self, choice: ToolChoice) -> None:
        item_id = self._ids("item")
        call_id = self._ids("call")
        self._output_chars += len(choice.name) + len(choice.arguments)
        self._dialogue.add_function_call(item_id, call_id, choice.name, choice.arguments)
        self._emit(
            ev.FunctionCallRequested(
                self.response_id, item_id, call_id, choice.name, choice.arguments
            )
        )

    # ----------------------------------------------------------------- TTS side

    async def _speak(self, item_id: str, spoken: SpokenText | None) -> None:
        """Voice sentences in order as they arrive, until None."""
        assert spoken is not None
        loop = asyncio.get_running_loop()
        while (sentence := await self._speech.get()) is not None:
            if self._tts_failed or self._stop.is_set():
                continue
            index = spoken.add_sentence(sentence)
            if not self._audio_sent:
                self._llm_go.clear()
            try:
                await loop.run_in_executor(
                    self._tts_lane, self._synthesize, loop, sentence, item_id, spoken, index
                )
            except Exception as exc:
                log.exception("TTS failed")
                self._tts_failed = True
                self._error("tts_failed", f"speech synthesis failed, replying in text: {exc}")
            finally:
                self._llm_go.set()

    def _synthesize(
        self,
        loop: asyncio.AbstractEventLoop,
        sentence: str,
        item_id: str,
        spoken: SpokenText,
        index: int,
    ) -> None:
        """Runs on the TTS lane: synthesize, convert to the wire format, hand to the loop."""
        text = sentence.strip()
        if not text:
            return
        fmt = self._req.output_format
        rate = WIRE_SAMPLE_RATE if fmt is AudioFormat.PCM16 else 8_000
        resampler = StreamResampler(self._tts.sample_rate, rate)
        with component_lock(self._tts):
            for chunk in self._tts.synthesize(text, voice=self._req.voice):
                if self._stop.is_set():
                    return
                self._deliver(loop, item_id, spoken, index, resampler.process(chunk), rate)
        self._deliver(loop, item_id, spoken, index, resampler.flush(), rate)
        loop.call_soon_threadsafe(spoken.finish, index)

    def _deliver(
        self,
        loop: asyncio.AbstractEventLoop,
        item_id: str,
        spoken: SpokenText,
        index: int,
        audio: Audio,
        rate: int,
    ) -> None:
        if audio.size == 0:
            return
        data = _encode(audio, self._req.output_format)
        ms = audio.size * 1000 / rate

        def on_loop() -> None:
            if self._finished or self._stop.is_set():
                return
            spoken.add_audio(index, ms)
            if not self._audio_sent:
                self._audio_sent = True
                if self._on_first_audio is not None:
                    self._on_first_audio()
            self._emit(ev.OutputAudioDelta(self.response_id, item_id, data))

        try:
            loop.call_soon_threadsafe(on_loop)
        except RuntimeError:
            self._stop.set()

    # ----------------------------------------------------------------- endings

    def _emit(self, event: ev.ModelEvent) -> None:
        if not self._finished:
            self._emit_event(event)

    def _error(self, code: str, message: str) -> None:
        self._emit(ev.ModelError(message, code=code, event_type="response"))

    def _fail(self, code: str, message: str) -> None:
        self._stop.set()
        self._llm_go.set()
        self._error(code, message)
        self._done(ev.ResponseStatus.FAILED)

    def _done(self, status: ev.ResponseStatus) -> None:
        if self._finished:
            return
        self._emit(ev.ResponseDone(self.response_id, status, self._usage()))
        self._finished = True

    def _usage(self) -> ev.Usage:
        r = self.request
        if r is None:
            return ev.Usage()
        chars = len(r.instructions) + sum(
            len(m.content) + len(m.tool_arguments or "") for m in r.messages
        )
        chars += sum(len(t.name) + len(t.description) + len(str(t.parameters)) for t in r.tools)
        return ev.Usage(
            input_text_tokens=-(-chars // CHARS_PER_TOKEN),
            output_text_tokens=-(-self._output_chars // CHARS_PER_TOKEN),
        )


def _encode(audio: Audio, fmt: AudioFormat) -> bytes:
    match fmt:
        case AudioFormat.PCM16:
            return float_to_pcm16(audio)
        case AudioFormat.G711_ULAW:
            return float_to_mulaw(audio)
        case AudioFormat.G711_ALAW:
            return float_to_alaw(audio)
