"""LocalRealtimeModel driven directly with synthetic audio and the engine fakes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import pytest

from voxline.core import commands as cmd
from voxline.core import events as ev
from voxline.core.config import AudioFormat, SemanticVAD, ServerVAD, SessionConfig, ToolSpec
from voxline.core.ids import CountingIds
from voxline.core.items import Message, Role
from voxline.engine.local_model import EngineOptions, LocalRealtimeModel
from voxline.engine.ports import ChatMessage, LLMOutput, ToolChoice
from voxline.errors import ConfigurationError, SessionStateError, TransportError
from voxline.testing.engine_fakes import (
    HOLD,
    FakeTTS,
    FakeVAD,
    ScriptedLLM,
    ScriptedSTT,
    Turn,
    pcm16,
    quiet,
    tone,
)

E = TypeVar("E")
CHUNK_MS = 20
TIMEOUT_S = 5.0
"""A safety net only: every wait ends on an observed event."""
LOOKUP = ToolSpec("lookup_order", "Look up an order.", {"type": "object", "properties": {}})


def speech(ms: int, *, freq: float = 220.0) -> bytes:
    """`ms` of "speech" (a tone) as PCM16 24 kHz."""
    return pcm16(tone(ms, freq=freq))


def silence(ms: int) -> bytes:
    return pcm16(quiet(ms))


def chunks(data: bytes, ms: int = CHUNK_MS) -> list[bytes]:
    size = 48 * ms
    return [data[i : i + size] for i in range(0, len(data), size)]


class Engine:
    """A LocalRealtimeModel with fakes, and a reader of its events."""

    def __init__(
        self,
        transcripts: Sequence[str | BaseException] = (),
        turns: Sequence[Turn] = (),
        *,
        options: EngineOptions | None = None,
        ms_per_word: int | None = None,
    ) -> None:
        self.vad = FakeVAD()
        self.stt = ScriptedSTT(transcripts, ms_per_word=ms_per_word)
        self.llm = ScriptedLLM(turns)
        self.tts = FakeTTS()
        self.model = LocalRealtimeModel(
            self.vad, self.stt, self.llm, self.tts, options=options, ids=CountingIds()
        )
        self.seen: list[ev.ModelEvent] = []
        self._events = self.model.events().__aiter__()

    async def start(self, **config: object) -> None:
        await self.model.connect(SessionConfig(instructions="Be brief.", **config))  # type: ignore[arg-type]
        await self.until(ev.ConnectionChanged)

    async def send(self, *commands: cmd.ModelCommand) -> None:
        for command in commands:
            await self.model.send(command)

    async def say(self, ms: int = 600, *, freq: float = 220.0, lead_ms: int = 100) -> None:
        """Silence, speech, then enough silence to end the turn."""
        for part in chunks(silence(lead_ms) + speech(ms, freq=freq) + silence(500)):
            await self.model.send(cmd.SendAudio(part))

    async def until(self, kind: type[E] | Callable[[ev.ModelEvent], bool]) -> list[ev.ModelEvent]:
        """Read events until one matches; return those read (inclusive)."""
        new: list[ev.ModelEvent] = []

        def hit(event: ev.ModelEvent) -> bool:
            return isinstance(event, kind) if isinstance(kind, type) else kind(event)

        async def read() -> None:
            while True:
                event = await anext(self._events)
                new.append(event)
                if hit(event):
                    return

        try:
            await asyncio.wait_for(read(), TIMEOUT_S)
        except TimeoutError:
            names = ", ".join(type(e).__name__ for e in new)
            raise AssertionError(f"no match within {TIMEOUT_S}s; saw {names}") from None
        finally:
            self.seen.extend(new)
        return new

    async def close(self) -> None:
        await self.model.close()


def of(events: Sequence[ev.ModelEvent], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


async def test_a_spoken_turn_is_transcribed_answered_and_voiced() -> None:
    e = Engine(["what time is it"], ["It is noon. Anything else?"])
    await e.start()
    await e.say(600, lead_ms=200)
    events = await e.until(ev.ResponseDone)
    kinds = [type(x).__name__ for x in events]
    assert kinds[:4] == [
        "SpeechStarted",
        "SpeechStopped",
        "AudioCommitted",
        "InputTranscriptCompleted",
    ]
    started = of(events, ev.SpeechStarted)[0]
    stopped = of(events, ev.SpeechStopped)[0]
    assert started.audio_start_ms == pytest.approx(200, abs=40)
    assert stopped.audio_end_ms == pytest.approx(800, abs=40)
    assert of(events, ev.InputTranscriptCompleted)[0].transcript == "what time is it"
    item = of(events, ev.OutputItemAdded)[0].item_id
    text = "".join(d.delta for d in of(events, ev.OutputTextDelta))
    assert text == "It is noon. Anything else?"
    assert of(events, ev.OutputItemDone)[0].text == text
    audio = b"".join(a.audio for a in of(events, ev.OutputAudioDelta) if a.item_id == item)
    # FakeTTS: 40 ms per character, plus one per word: about 1.1 s at 48 bytes per ms
    assert 1000 * 48 < len(audio) < 1200 * 48
    assert e.tts.spoken == ["It is noon.", "Anything else?"]
    done = of(events, ev.ResponseDone)[0]
    assert done.status is ev.ResponseStatus.COMPLETED
    assert done.usage is not None
    assert done.usage.input_text_tokens > 0
    assert done.usage.output_text_tokens > 0
    call = e.llm.calls[0]
    assert call.instructions == "Be brief."
    assert [(m.role, m.content) for m in call.messages] == [("user", "what time is it")]
    assert len(e.model.stats.first_audio_s) == 1  # end of speech to first audio, measured
    await e.close()


async def test_first_sentence_is_voiced_before_the_reply_is_generated() -> None:
    e = Engine(
        ["hi"],
        [["Hello there my friend. The", HOLD, " rest comes later."]],
        options=EngineOptions(first_piece_words=4),  # the sentence ends the first piece
    )
    await e.start()
    await e.say()
    await e.until(ev.OutputAudioDelta)
    assert e.tts.spoken == ["Hello there my friend."]
    e.llm.release()
    events = await e.until(ev.ResponseDone)
    assert e.tts.spoken == ["Hello there my friend.", "The rest comes later."]
    assert of(events, ev.OutputItemDone)[0].text == "Hello there my friend. The rest comes later."
    await e.close()


async def test_short_clicks_do_not_start_a_turn() -> None:
    e = Engine()
    await e.start()
    for part in chunks(silence(100) + speech(20) + silence(600)):
        await e.send(cmd.SendAudio(part))
    await e.send(cmd.CommitAudio())  # server VAD still accepts a manual commit
    events = await e.until(ev.ModelError)
    assert not of(events, ev.SpeechStarted)
    assert of(events, ev.ModelError)[-1].code == "input_audio_buffer_commit_empty"
    await e.close()


async def test_text_only_responses_are_not_voiced() -> None:
    e = Engine(turns=["Just text."])
    await e.start(modalities=("text",))
    await e.send(cmd.AddMessage("m1", Role.USER, "hello"), cmd.CreateResponse())
    events = await e.until(ev.ResponseDone)
    assert not of(events, ev.OutputAudioDelta)
    assert of(events, ev.OutputItemDone)[0].text == "Just text."
    assert e.tts.spoken == []
    await e.close()


async def test_a_tool_call_and_its_output_reach_the_llm() -> None:
    e = Engine(turns=[ToolChoice("lookup_order", '{"id": "A1"}'), "It shipped."])
    await e.start(tools=(LOOKUP,))
    await e.send(cmd.AddMessage("m1", Role.USER, "where is A1"), cmd.CreateResponse())
    events = await e.until(ev.ResponseDone)
    call = of(events, ev.FunctionCallRequested)[0]
    assert (call.name, call.arguments) == ("lookup_order", '{"id": "A1"}')
    assert not of(events, ev.OutputItemAdded)
    assert e.llm.calls[0].tools == (LOOKUP,)
    await e.send(cmd.AddFunctionOutput("o1", call.call_id, '{"status": "shipped"}'))
    await e.send(cmd.CreateResponse())
    await e.until(ev.ResponseDone)
    messages = e.llm.calls[1].messages
    assert [m.role for m in messages] == ["user", "assistant", "tool"]
    assert messages[1].tool_name == "lookup_order"
    assert messages[2].content == '{"status": "shipped"}'
    assert messages[2].call_id == call.call_id
    await e.close()


async def test_tool_choice_none_offers_no_tools() -> None:
    e = Engine(turns=["Fine."])
    await e.start(tools=(LOOKUP,), tool_choice="none")
    await e.send(cmd.AddMessage("m1", Role.USER, "hi"), cmd.CreateResponse())
    await e.until(ev.ResponseDone)
    assert e.llm.calls[0].tools == ()
    await e.close()


async def test_update_session_prepares_the_new_agent_and_is_used_next() -> None:
    e = Engine(turns=["From support."])
    await e.start()
    support = SessionConfig(instructions="You are support.", tools=(LOOKUP,))
    await e.send(cmd.UpdateSession(support))
    await e.send(cmd.AddMessage("m1", Role.USER, "hi"), cmd.CreateResponse())
    await e.until(ev.ResponseDone)
    assert e.llm.prepared == [("Be brief.", ()), ("You are support.", ("lookup_order",))]
    assert e.llm.calls[0].instructions == "You are support."
    await e.close()


async def test_push_to_talk_commits_on_request_and_clear_drops_audio() -> None:
    e = Engine(["turn one"], ["Got it."])
    await e.start(turn_detection=None)
    for part in chunks(speech(500) + silence(500)):
        await e.send(cmd.SendAudio(part))
    await e.send(cmd.CommitAudio(), cmd.CreateResponse())
    events = await e.until(ev.ResponseDone)
    assert not of(events, ev.SpeechStarted)
    assert [type(x) for x in events[:3]] == [
        ev.AudioCommitted,
        ev.ResponseStarted,
        ev.InputTranscriptCompleted,
    ]
    assert e.llm.calls[0].messages[0].content == "turn one"
    assert e.stt.calls == [16_000]  # the whole second, committed once, at 16 kHz
    await e.send(cmd.SendAudio(speech(300)), cmd.ClearAudio(), cmd.CommitAudio())
    errors = await e.until(ev.ModelError)
    assert of(errors, ev.ModelError)[-1].code == "input_audio_buffer_commit_empty"
    resets = e.vad.resets
    await e.send(cmd.ClearAudio())
    assert e.vad.resets == resets + 1  # a cleared buffer starts a new VAD stream
    await e.close()


async def test_barge_in_cancels_the_response_at_once_and_truncation_trims_memory() -> None:
    reply = "Our opening hours are nine to five. We are closed on Sundays. Anything"
    # (the first piece as cut before the 1-word clause / 4-word default: the ms below map
    # to its words)
    options = EngineOptions(first_clause_words=2, first_piece_words=6)
    e = Engine(["when are you open", "thanks"], [[reply, HOLD, " else?"], "Bye."], options=options)
    await e.start()
    await e.say(600)
    before = await e.until(ev.OutputAudioDelta)
    item = of(before, ev.OutputAudioDelta)[0].item_id
    await e.until(lambda x: isinstance(x, ev.OutputAudioDelta) and len(e.tts.spoken) == 2)
    await e.say(700, freq=300.0)
    events = await e.until(ev.ResponseDone)
    assert isinstance(events[-2], ev.SpeechStarted)
    assert of(events, ev.ResponseDone)[-1].status is ev.ResponseStatus.CANCELLED
    # the user heard about one second: "Our opening hours are" (FakeTTS: 40 ms a char)
    await e.send(cmd.TruncateItem(item, 1000))
    events = await e.until(lambda x: isinstance(x, ev.ResponseDone))
    assert "".join(d.delta for d in of(events, ev.OutputTextDelta)) == "Bye."
    memory = [(m.role, m.content) for m in e.llm.calls[1].messages]
    assert memory == [
        ("user", "when are you open"),
        ("assistant", "Our opening hours are"),
        ("user", "thanks"),
    ]
    assert e.llm.stopped == 1
    await e.close()


async def test_cancel_response_keeps_only_what_was_voiced() -> None:
    e = Engine(turns=[["First sentence here. Second", HOLD, " sentence never spoken."], "ok"])
    await e.start()
    await e.send(cmd.AddMessage("m1", Role.USER, "talk"), cmd.CreateResponse())
    await e.until(ev.OutputAudioDelta)
    await e.send(cmd.CancelResponse())
    events = await e.until(ev.ResponseDone)
    assert of(events, ev.ResponseDone)[-1].status is ev.ResponseStatus.CANCELLED
    await e.send(cmd.CancelResponse())  # nothing active: ignored
    await e.send(cmd.AddMessage("m2", Role.USER, "again"), cmd.CreateResponse())
    await e.until(ev.ResponseDone)
    assert [m.content for m in e.llm.calls[1].messages] == [
        "talk",
        "First sentence here.",
        "again",
    ]
    await e.close()


async def test_a_second_response_while_one_is_active_is_refused() -> None:
    e = Engine(turns=[["Hold on. Let me think. ", HOLD, "Done."]])
    await e.start()
    await e.send(cmd.AddMessage("m1", Role.USER, "hi"), cmd.CreateResponse())
    await e.until(ev.OutputTextDelta)
    await e.send(cmd.CreateResponse())
    errors = await e.until(ev.ModelError)
    assert of(errors, ev.ModelError)[-1].code == "conversation_already_has_active_response"
    e.llm.release()
    await e.until(ev.ResponseDone)
    await e.close()


async def test_out_of_band_response_sees_only_its_context() -> None:
    e = Engine(turns=["Hint: ask about budget."])
    await e.start()
    await e.send(cmd.AddMessage("m1", Role.USER, "earlier talk"))
    note = Message("x1", Role.USER, "the last thing said", 0.0, 0.0)
    await e.send(
        cmd.CreateResponse(instructions="Give one hint.", context=(note,), max_output_tokens=30)
    )
    await e.until(ev.ResponseDone)
    call = e.llm.calls[0]
    assert call.instructions == "Give one hint."
    assert [m.content for m in call.messages] == ["the last thing said"]
    assert call.max_tokens == 30
    await e.close()


async def test_g711_in_and_out() -> None:
    from voxline.engine.audio import float_to_mulaw

    e = Engine(["hello"], ["Hi there."])
    await e.start(input_format=AudioFormat.G711_ULAW, output_format=AudioFormat.G711_ULAW)
    audio = float_to_mulaw(quiet(100, rate=8000)) + float_to_mulaw(tone(600, rate=8000))
    audio += float_to_mulaw(quiet(500, rate=8000))
    for i in range(0, len(audio), 160):
        await e.send(cmd.SendAudio(audio[i : i + 160]))
    events = await e.until(ev.ResponseDone)
    assert of(events, ev.InputTranscriptCompleted)[0].transcript == "hello"
    out = b"".join(a.audio for a in of(events, ev.OutputAudioDelta))
    # "Hi there.": (3 + 7) chars * 40 ms = 400 ms at 8 bytes per ms
    assert len(out) == pytest.approx(400 * 8, rel=0.05)
    await e.close()


async def test_odd_sized_pcm_chunks_lose_nothing() -> None:
    e = Engine(["odd"], ["Even."])
    await e.start()
    data = silence(100) + speech(600) + silence(500)
    for i in range(0, len(data), 999):
        await e.send(cmd.SendAudio(data[i : i + 999]))
    events = await e.until(ev.ResponseDone)
    assert of(events, ev.InputTranscriptCompleted)[0].transcript == "odd"
    await e.close()


async def test_component_failures_become_model_errors_and_the_call_goes_on() -> None:
    e = Engine(
        [RuntimeError("stt down"), "second try"],
        [RuntimeError("llm down"), "Recovered."],
    )
    await e.start()
    await e.say(500)
    events = await e.until(ev.InputTranscriptCompleted)
    error = of(events, ev.ModelError)[0]
    assert error.code == "stt_failed"
    assert "stt down" in error.message
    assert of(events, ev.InputTranscriptCompleted)[0].transcript == ""
    await e.say(700, freq=300.0)
    events = await e.until(ev.ResponseDone)
    assert of(events, ev.ModelError)[0].code == "llm_failed"
    assert of(events, ev.ResponseDone)[0].status is ev.ResponseStatus.FAILED
    e.tts.fail_next(RuntimeError("tts down"))
    await e.send(cmd.AddMessage("m1", Role.USER, "hello?"), cmd.CreateResponse())
    events = await e.until(ev.ResponseDone)
    assert of(events, ev.ModelError)[0].code == "tts_failed"
    assert of(events, ev.OutputItemDone)[0].text == "Recovered."
    assert of(events, ev.ResponseDone)[0].status is ev.ResponseStatus.COMPLETED
    e.vad.fail_next(RuntimeError("vad down"))
    await e.send(cmd.SendAudio(silence(100)))
    assert of(await e.until(ev.ModelError), ev.ModelError)[-1].code == "vad_failed"
    await e.close()


async def test_bad_commands_are_model_errors() -> None:
    e = Engine()
    await e.start()
    await e.send(cmd.TruncateItem("nope", 100))
    assert of(await e.until(ev.ModelError), ev.ModelError)[-1].code == "item_not_found"
    await e.send(cmd.AddFunctionOutput("o1", "no-call", "{}"))
    assert of(await e.until(ev.ModelError), ev.ModelError)[-1].code == "unknown_call"
    bad = SessionConfig(instructions="changed", turn_detection=ServerVAD(threshold=0.0))
    await e.send(cmd.UpdateSession(bad))
    error = of(await e.until(ev.ModelError), ev.ModelError)[-1]
    assert (error.code, error.event_type) == ("invalid_request", "ConfigurationError")
    assert "threshold" in error.message
    await e.close()


async def test_lifecycle_errors() -> None:
    e = Engine()
    with pytest.raises(SessionStateError):
        await e.send(cmd.CommitAudio())
    await e.start()
    await e.close()
    await e.close()
    with pytest.raises(SessionStateError):
        await e.send(cmd.CommitAudio())
    with pytest.raises(TransportError):
        await e.model.connect(SessionConfig(instructions=""))
    rest = await e.until(ev.ConnectionChanged)
    assert of(rest, ev.ConnectionChanged)[-1].state is ev.ConnectionState.DISCONNECTED


def test_options_are_checked() -> None:
    with pytest.raises(ConfigurationError):
        EngineOptions(partial_interval_ms=0)
    with pytest.raises(ConfigurationError):
        EngineOptions(max_tokens=0)
    with pytest.raises(ConfigurationError, match="first_clause_words"):
        EngineOptions(first_clause_words=0)
    with pytest.raises(ConfigurationError, match="first_clause_words"):
        EngineOptions(first_clause_words=5, first_piece_words=4)


async def test_turn_detection_settings_are_followed() -> None:
    e = Engine(["hi", "push"], ["Hello."])
    await e.start(turn_detection=ServerVAD(silence_duration_ms=200, create_response=False))
    await e.say(400)
    events = await e.until(ev.InputTranscriptCompleted)
    assert not of(events, ev.ResponseStarted)
    high = SessionConfig(instructions="Be brief.", turn_detection=SemanticVAD(eagerness="high"))
    await e.send(cmd.UpdateSession(high))
    for part in chunks(silence(100) + speech(400, freq=300.0) + silence(320)):
        await e.send(cmd.SendAudio(part))
    await e.until(ev.SpeechStopped)  # 250 ms of silence ends the turn (500 ms would not)
    await e.until(ev.ResponseDone)
    await e.close()


class CountingLLM:
    """Wraps an LLM and records the most generate calls ever running at once."""

    def __init__(self, inner: ScriptedLLM) -> None:
        self.inner = inner
        self.running = 0
        self.most = 0

    def prepare(self, instructions: str, tools: Sequence[ToolSpec]) -> None:
        self.inner.prepare(instructions, tools)

    def generate(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        *,
        max_tokens: int | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Iterator[LLMOutput]:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            yield from self.inner.generate(
                instructions, messages, tools, max_tokens=max_tokens, should_stop=should_stop
            )
        finally:
            self.running -= 1


async def test_models_sharing_one_llm_take_turns() -> None:
    shared = CountingLLM(ScriptedLLM([["First reply. Still", HOLD, " going."], "Second reply."]))
    a, b = Engine(), Engine()
    for e in (a, b):
        e.model = LocalRealtimeModel(e.vad, e.stt, shared, e.tts, ids=CountingIds())
        e._events = e.model.events().__aiter__()
        await e.start()
    await a.send(cmd.AddMessage("m1", Role.USER, "one"), cmd.CreateResponse())
    await a.until(ev.OutputTextDelta)
    await b.send(cmd.AddMessage("m1", Role.USER, "two"), cmd.CreateResponse())
    await b.until(ev.ResponseStarted)
    shared.inner.release()
    first = await a.until(ev.ResponseDone)
    second = await b.until(ev.ResponseDone)
    assert of(first, ev.OutputItemDone)[0].text == "First reply. Still going."
    assert of(second, ev.OutputItemDone)[0].text == "Second reply."
    assert shared.most == 1
    await a.close()
    await b.close()
