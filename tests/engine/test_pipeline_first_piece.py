"""While the reply's first piece is synthesized the LLM waits, so TTS gets the CPU."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence

from tests.engine.test_local_model import Engine, of
from voxline.core import events as ev
from voxline.core.config import ToolSpec
from voxline.core.ids import CountingIds
from voxline.engine.local_model import LocalRealtimeModel
from voxline.engine.options import EngineOptions
from voxline.engine.ports import Audio, ChatMessage, LLMOutput, TextChunk
from voxline.testing.engine_fakes import FakeTTS, ScriptedLLM

REPLY = "One two three, four five six seven eight nine ten eleven twelve."
WORDS = REPLY.split()


class CountingLLM(ScriptedLLM):
    """Streams WORDS and counts how many it has produced (read from other threads)."""

    def __init__(self) -> None:
        super().__init__([])
        self.produced = 0
        self.tts_started = threading.Event()

    def generate(
        self,
        instructions: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        *,
        max_tokens: int | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Iterator[LLMOutput]:
        for n, word in enumerate(WORDS):
            if n == 4:  # " four" completed the first piece: it is voiced before the rest
                assert self.tts_started.wait(5)
            self.produced += 1
            yield TextChunk(word if n == 0 else " " + word)


class SlowFirstPiece(FakeTTS):
    """Takes a while over the first piece and notes the LLM's progress meanwhile."""

    def __init__(self, llm: CountingLLM) -> None:
        super().__init__()
        self.llm = llm
        self.during_first: tuple[int, int] | None = None

    def synthesize(self, text: str, *, voice: str | None = None) -> Iterator[Audio]:
        if self.during_first is None:
            self.llm.tts_started.set()
            pause = threading.Event()
            pause.wait(0.1)  # the token the LLM was already producing lands
            before = self.llm.produced
            pause.wait(0.3)  # a slow synthesis: the LLM must not move meanwhile
            self.during_first = (before, self.llm.produced)
        yield from super().synthesize(text, voice=voice)


async def test_the_llm_waits_while_the_first_piece_is_synthesized() -> None:
    e = Engine(["hi"])
    llm = CountingLLM()
    tts = SlowFirstPiece(llm)
    e.llm, e.tts = llm, tts
    e.model = LocalRealtimeModel(e.vad, e.stt, llm, tts, ids=CountingIds())
    e._events = e.model.events().__aiter__()
    await e.start()
    await e.say()
    events = await e.until(ev.ResponseDone)
    assert tts.spoken[0] == "One two three,"
    assert tts.during_first is not None
    before, after = tts.during_first
    assert before == after <= 5
    assert of(events, ev.OutputItemDone)[0].text == " ".join(WORDS)
    # then pieces no longer than the first (at least 20 characters), growing to the rest
    assert tts.spoken[1:] == ["four five six seven", "eight nine ten eleven twelve."]
    await e.close()


async def test_the_first_piece_follows_the_engine_options() -> None:
    e = Engine(["hi"], [REPLY], options=EngineOptions(first_clause_words=4, first_piece_words=5))
    await e.start()
    await e.say()
    await e.until(ev.ResponseDone)
    # no clause of 4 words comes before the fifth word: the piece is cut after it
    assert e.tts.spoken[0] == "One two three, four five"
    assert e.tts.spoken[1:] == ["six seven eight nine", "ten eleven twelve."]
    await e.close()
