"""Intent routing for the offline engine: sentence embeddings narrow an agent's actions."""

from voxline.engine.router.intent import (
    SMALL_TALK,
    Embedder,
    EmbeddingRouter,
    RouteDecision,
    RouterSettings,
    description_phrases,
    needs_said_value,
)

__all__ = [
    "SMALL_TALK",
    "Embedder",
    "EmbeddingRouter",
    "RouteDecision",
    "RouterSettings",
    "description_phrases",
    "needs_said_value",
]
