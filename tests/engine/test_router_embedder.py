"""The numpy all-MiniLM-L6-v2 embedder and the router on the real model (loaded once)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voxline.core.config import ToolSpec
from voxline.engine.router import EmbeddingRouter
from voxline.engine.router.embedder import MiniLMEmbedder, minilm_model_dir
from voxline.errors import ModelFileError

pytestmark = pytest.mark.slow

try:
    minilm_model_dir()
except ModelFileError as exc:
    pytest.skip(str(exc), allow_module_level=True)


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def test_embeddings_are_unit_vectors_and_deterministic(embedder: MiniLMEmbedder) -> None:
    texts = ["My internet keeps dropping.", "How much is the premium plan?", ""]
    first, again = embedder.embed(texts), embedder.embed(texts)
    assert first.shape == (3, MiniLMEmbedder.dimensions)
    np.testing.assert_allclose(np.linalg.norm(first[:2], axis=1), 1.0, atol=1e-5)
    assert not first[2].any()  # an empty text embeds as zeros
    np.testing.assert_array_equal(first, again)


def test_paraphrases_are_closer_than_unrelated_sentences(embedder: MiniLMEmbedder) -> None:
    a, b, c = embedder.embed(
        ["I was charged twice this month.", "There is a double charge on my bill.", "Hi!"]
    )
    assert float(a @ b) > 0.5 > float(a @ c)


def test_a_missing_model_folder_is_a_model_file_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="cannot load"):
        MiniLMEmbedder(tmp_path)


def _handoff(name: str, description: str) -> ToolSpec:
    return ToolSpec(f"transfer_to_{name}", description, {"type": "object", "properties": {}})


TEAMS = [
    _handoff("support", "Technical problems, orders, deliveries and returns."),
    _handoff("sales", "Buying, plans, prices, upgrades and offers."),
    _handoff("billing", "Bills, charges, payments and refunds."),
    _handoff("human_agent", "A person: for callers who ask for a human or are upset."),
]


@pytest.mark.parametrize(
    ("utterance", "kind", "best"),
    [
        ("Hello there!", "small_talk", None),
        ("Thanks, that's all I needed.", "small_talk", None),
        ("I was charged twice this month.", "handoff", "transfer_to_billing"),
        ("I'd like to upgrade to the family plan.", "handoff", "transfer_to_sales"),
        ("Where is my package? It was supposed to arrive yesterday.", "handoff", None),
    ],
)
def test_the_router_on_real_embeddings(
    embedder: MiniLMEmbedder, utterance: str, kind: str, best: str | None
) -> None:
    decision = EmbeddingRouter(embedder).decide(utterance, TEAMS, [utterance])
    assert decision.kind == kind
    if kind == "handoff":
        assert decision.allowed == (best or "transfer_to_support",)
