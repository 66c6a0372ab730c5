"""The embedding router's narrowing rules, on a word-overlap fake embedder (no model files)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from voxline.core.config import ToolSpec
from voxline.engine.router import (
    EmbeddingRouter,
    RouterSettings,
    description_phrases,
    needs_said_value,
)
from voxline.errors import ConfigurationError

_STOP = {"a", "an", "the", "my", "i", "is", "to", "and", "or", "for", "of", "me", "it", "on"}


class WordEmbedder:
    """Each word is a fixed random direction; a text is the normalised sum of its words."""

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        self.calls += 1
        rows = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                if word not in _STOP:
                    rng = np.random.default_rng(zlib.crc32(word.encode()))
                    rows[i] += rng.standard_normal(64).astype(np.float32)
            norm = np.linalg.norm(rows[i])
            if norm:
                rows[i] /= norm
        return rows


def _handoff(name: str, description: str) -> ToolSpec:
    return ToolSpec(f"transfer_to_{name}", description, {"type": "object", "properties": {}})


AUTH = ToolSpec(
    "authenticate_user",
    "Verify the caller by phone number.",
    {"type": "object", "properties": {"phone": {"type": "string"}}, "required": ["phone"]},
)
SEARCH = ToolSpec(
    "search_help",
    "Search help articles.",
    {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
)
TOOLS = [
    AUTH,
    SEARCH,
    _handoff("billing", "Bills, charges, payments and refunds."),
    _handoff("sales", "Plans, prices and upgrades."),
]


@pytest.fixture
def router() -> EmbeddingRouter:
    return EmbeddingRouter(WordEmbedder())


def test_small_talk_allows_only_a_reply(router: EmbeddingRouter) -> None:
    decision = router.decide("Hello there!", TOOLS, ["Hello there!"])
    assert decision.kind == "small_talk"
    assert decision.allowed == ()


def test_a_clear_handoff_competes_only_with_the_agents_own_tools(router: EmbeddingRouter) -> None:
    text = "refunds for charges"
    decision = router.decide(text, TOOLS, [text])
    assert decision.kind == "handoff"
    assert decision.best == "transfer_to_billing"
    # authenticate_user needs a phone number nobody said: dropped.
    assert decision.allowed == ("transfer_to_billing", "search_help")


def test_an_unclear_utterance_leaves_every_usable_action(router: EmbeddingRouter) -> None:
    text = "something went wrong yesterday"
    decision = router.decide(text, TOOLS, [text])
    assert decision.kind == "open"
    assert decision.allowed == ("search_help", "transfer_to_billing", "transfer_to_sales")


@pytest.mark.parametrize(
    "known",
    [
        ["my number is four one five five five five zero one nine nine"],
        ["hi", "it's 415 555 0199"],
        ["look me up", '{"user_id": "U1001"}'],  # a tool's output counts too
    ],
)
def test_a_tool_needing_an_identifier_stays_once_one_is_known(
    router: EmbeddingRouter, known: list[str]
) -> None:
    decision = router.decide(known[-1], TOOLS, known)
    assert "authenticate_user" in decision.allowed


def test_a_default_handoff_description_is_not_routed_on() -> None:
    tools = [_handoff("router", "Transfer the conversation to router."), SEARCH]
    decision = EmbeddingRouter(WordEmbedder()).decide("router", tools, ["router"])
    assert decision.kind == "open"
    assert decision.best is None


def test_examples_make_a_handoff_routable_and_win() -> None:
    settings = RouterSettings(examples={"transfer_to_router": ["take me back to the menu"]})
    tools = [_handoff("router", "Transfer the conversation to router."), SEARCH]
    text = "take me back to the menu"
    decision = EmbeddingRouter(WordEmbedder(), settings).decide(text, tools, [text])
    assert decision.kind == "handoff"
    assert decision.allowed[0] == "transfer_to_router"


def test_descriptions_are_embedded_once() -> None:
    embedder = WordEmbedder()
    router = EmbeddingRouter(embedder)
    router.decide("refunds", TOOLS, ["refunds"])
    first = embedder.calls
    router.decide("prices", TOOLS, ["prices"])
    assert embedder.calls == first + 1  # only the new utterance


def test_description_phrases() -> None:
    assert description_phrases("Bills, charges, payments and refunds.") == [
        "Bills, charges, payments and refunds.",
        "Bills",
        "charges",
        "payments",
        "refunds",
    ]
    assert description_phrases("  ") == []


def test_needs_said_value() -> None:
    assert needs_said_value(AUTH)
    assert not needs_said_value(SEARCH)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="handoff_threshold"):
        RouterSettings(handoff_threshold=2.0)


def test_quoted_examples_in_a_description_are_whole_phrases() -> None:
    text = 'Bills and refunds. For example: "How does autopay work?"; "My card, please."'
    assert description_phrases(text) == [
        text,
        "How does autopay work?",
        "My card, please.",
        "Bills",
        "refunds",
    ]
