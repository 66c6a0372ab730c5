"""The llama.cpp adapter on the real default model (Qwen2.5-Coder-1.5B): routing, replies,
grounding, barge-in and the per-agent prefix cache. The model loads once per session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from voxline.core.config import ToolSpec
from voxline.engine.llm.llama import LlamaCppLLM, LlamaSettings
from voxline.engine.modelfiles import DEFAULT_LLM, model_status
from voxline.engine.ports import ChatMessage, TextChunk, ToolChoice

pytestmark = pytest.mark.slow

pytest.importorskip("llama_cpp")
if model_status(DEFAULT_LLM).parts_installed < len(DEFAULT_LLM.parts):
    pytest.skip(
        "the default model is not installed: voxline models install", allow_module_level=True
    )


def _handoff(name: str, description: str) -> ToolSpec:
    return ToolSpec(
        f"transfer_to_{name}",
        description,
        {
            "type": "object",
            "properties": {"reason": {"type": "string"}},
            "additionalProperties": False,
        },
    )


TOOLS = [
    ToolSpec(
        "authenticate_user",
        "Verify the caller's identity with their phone number.",
        {
            "type": "object",
            "properties": {"phone": {"type": "string", "description": "The phone number"}},
            "required": ["phone"],
            "additionalProperties": False,
        },
    ),
    _handoff("support", "Technical support: internet, phone or TV not working."),
    _handoff("sales", "Sales: new plans, upgrades, buying a phone."),
]
FRONT_DESK = (
    "You are the front desk agent of Acme Telecom. Find out what the caller needs and route "
    "them to the right team. Authenticate callers who give their phone number, "
    "e.g. 555-000-1111."
)
SUPPORT = "You are Acme Telecom's technical support agent. Help callers fix their service."


@pytest.fixture(scope="session")
def llm() -> Iterator[LlamaCppLLM]:
    model = LlamaCppLLM(LlamaSettings(temperature=0.0, n_ctx=2048))
    model.prepare(FRONT_DESK, TOOLS)
    yield model
    model.close()


def _say(llm: LlamaCppLLM, text: str) -> list[TextChunk | ToolChoice]:
    return list(llm.generate(FRONT_DESK, [ChatMessage("user", text)], TOOLS))


@pytest.mark.parametrize(
    ("utterance", "tool"),
    [
        ("My internet has been down since yesterday.", "transfer_to_support"),
        ("I'd like to upgrade to a new iPhone.", "transfer_to_sales"),
    ],
)
def test_routing_picks_the_handoff(llm: LlamaCppLLM, utterance: str, tool: str) -> None:
    assert _say(llm, utterance) == [ToolChoice(tool, "{}")]
    stats = llm.last_stats
    assert stats is not None
    assert stats.prefix_cached  # prepared once, never prefilled again


def test_phone_number_is_extracted_from_speech(llm: LlamaCppLLM) -> None:
    out = _say(llm, "Hi, my number is five five five, one two three, four five six seven.")
    assert len(out) == 1
    choice = out[0]
    assert isinstance(choice, ToolChoice)
    assert choice.name == "authenticate_user"
    assert "".join(c for c in json.loads(choice.arguments)["phone"] if c.isdigit()) == "5551234567"


def test_invented_phone_falls_back_to_asking(llm: LlamaCppLLM) -> None:
    router, llm.router = llm.router, None  # without the router's pre-filter: grounding
    try:
        out = _say(llm, "I want to log in, please verify me.")
    finally:
        llm.router = router
    assert out
    assert all(isinstance(o, TextChunk) for o in out)  # never the example's 555-000-1111
    assert llm.last_stats is not None
    assert llm.last_stats.retried


def test_the_router_does_not_offer_a_tool_needing_an_unsaid_phone(llm: LlamaCppLLM) -> None:
    if llm.router is None:
        pytest.skip("the embedding router's model is not installed")
    out = _say(llm, "I want to log in, please verify me.")
    assert out
    # It may ask for the number or route to support, but never call authenticate_user.
    assert not any(isinstance(o, ToolChoice) and o.name == "authenticate_user" for o in out)
    assert llm.last_stats is not None
    assert not llm.last_stats.retried  # nothing invented, so nothing to retry


def test_a_greeting_is_answered_not_routed(llm: LlamaCppLLM) -> None:
    if llm.router is None:
        pytest.skip("the embedding router's model is not installed")
    out = _say(llm, "Hello there!")
    assert out
    assert all(isinstance(o, TextChunk) for o in out)
    assert llm.last_stats is not None
    assert llm.last_stats.route == "small_talk"


def test_plain_question_streams_a_reply(llm: LlamaCppLLM) -> None:
    out = _say(llm, "What are your opening hours?")
    assert len(out) > 3
    assert all(isinstance(o, TextChunk) for o in out)
    text = "".join(o.text for o in out if isinstance(o, TextChunk))
    assert "<|im_end|>" not in text
    assert "action" not in text


def test_should_stop_ends_the_reply_early(llm: LlamaCppLLM) -> None:
    chunks: list[TextChunk | ToolChoice] = []
    stream = llm.generate(
        FRONT_DESK,
        [ChatMessage("user", "Tell me a long story about your company's history.")],
        TOOLS,
        should_stop=lambda: len(chunks) >= 2,
    )
    for chunk in stream:
        chunks.append(chunk)
    assert len(chunks) == 2


def test_handoff_restores_the_cached_prefix(llm: LlamaCppLLM) -> None:
    llm.prepare(SUPPORT, [])
    first = list(llm.generate(SUPPORT, [ChatMessage("user", "Hello?")], [], max_tokens=5))
    assert first
    assert llm.last_stats is not None
    assert llm.last_stats.prefix_cached
    # Back to the front desk: its prefix comes back from the saved state, not a new prefill.
    _say(llm, "My TV shows no signal.")
    assert llm.last_stats.prefix_cached
    assert llm.last_stats.prefill_s < 2.0


def test_priming_leaves_only_the_last_words_to_evaluate(llm: LlamaCppLLM) -> None:
    said = "My internet has been down since yesterday and I work from home, please help."
    cold = list(llm.generate(SUPPORT, [ChatMessage("user", said)], [], max_tokens=1))
    assert cold
    assert llm.last_stats is not None
    whole = llm.last_stats.prompt_tokens
    _say(llm, "Hello?")  # something else in the context
    primed = llm.prime(SUPPORT, [ChatMessage("user", said.rsplit(" ", 3)[0])], [])
    assert primed > 0
    list(llm.generate(SUPPORT, [ChatMessage("user", said)], [], max_tokens=1))
    assert llm.last_stats.prompt_tokens < whole - primed // 2
    assert llm.prime(SUPPORT, [ChatMessage("assistant", "Hi")], []) == 0  # not a user turn
    assert llm.prime(SUPPORT, [ChatMessage("user", said)], [], should_stop=lambda: True) == 0


def test_a_new_process_restores_prepared_agents_from_disk(tmp_path: Path) -> None:
    settings = LlamaSettings(temperature=0.0, n_ctx=2048, state_dir=str(tmp_path), router="off")
    first = LlamaCppLLM(settings)
    first.prepare(SUPPORT, [])
    first.close()
    assert len(list(tmp_path.glob("*.state"))) == 1
    second = LlamaCppLLM(settings)
    try:
        list(second.generate(SUPPORT, [ChatMessage("user", "Hello?")], [], max_tokens=1))
        assert second.last_stats is not None
        assert second.last_stats.prefix_cached  # from the file, not a new prefill
    finally:
        second.close()


def test_a_complete_prime_leaves_almost_nothing_for_the_turn(llm: LlamaCppLLM) -> None:
    said = "Can you tell me what my options are for a faster plan?"
    assert llm.prime(SUPPORT, [ChatMessage("user", said)], [], complete=True) > 0
    list(llm.generate(SUPPORT, [ChatMessage("user", said)], [], max_tokens=1))
    assert llm.last_stats is not None
    assert llm.last_stats.prompt_tokens <= 4  # the reply label (and one token for logits)
