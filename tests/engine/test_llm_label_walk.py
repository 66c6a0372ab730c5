"""The label walk evaluates tokens only where logits are needed, in as few batches as it can."""

from __future__ import annotations

from typing import Any

import numpy as np

from voxline.engine.llm.llama import LlamaCppLLM, _Label


class RecordingContext:
    """Stands in for llama_cpp.Llama: records each eval batch."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def eval(self, tokens: list[int]) -> None:
        self.batches.append(list(tokens))


def _walker(preferred: list[int]) -> tuple[LlamaCppLLM, RecordingContext]:
    """A LlamaCppLLM without a model whose logits favour `preferred` tokens in order."""
    llm = object.__new__(LlamaCppLLM)
    context = RecordingContext()
    llm._llm = context  # type: ignore[assignment]

    def logits() -> np.ndarray[Any, np.dtype[np.float32]]:
        values = np.zeros(32, dtype=np.float32)
        for rank, token in enumerate(preferred):
            values[token] = 10.0 - rank
        return values

    llm._logits = logits  # type: ignore[method-assign]
    return llm, context


REPLY = _Label("reply", [1, 2], None)
SUPPORT = _Label("transfer_to_support", [10, 11, 12, 2], None)
SALES = _Label("transfer_to_sales", [10, 11, 13, 2], None)


def test_shared_tokens_and_the_chosen_tail_are_evaluated_in_one_batch_each() -> None:
    llm, context = _walker([10, 13])
    assert llm._walk([REPLY, SUPPORT, SALES]) is SALES
    # " transfer" "_to" together (the next choice needs their logits), then "_sales" "\n"
    assert context.batches == [[10, 11], [13, 2]]


def test_a_choice_at_the_first_token_costs_one_batch() -> None:
    llm, context = _walker([1])
    assert llm._walk([REPLY, SUPPORT, SALES]) is REPLY
    assert context.batches == [[1, 2]]


def test_a_lone_label_is_evaluated_whole() -> None:
    llm, context = _walker([])
    assert llm._walk([SUPPORT]) is SUPPORT
    assert context.batches == [[10, 11, 12, 2]]
