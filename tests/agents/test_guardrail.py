"""Guardrails: keyword/regex business policy and the moderation classifier hook."""

from __future__ import annotations

import pytest

from voxline.agents import (
    GuardrailCategory,
    GuardrailResult,
    OutputGuardrail,
    PolicyRule,
    RunContext,
    keyword_guardrail,
    moderation_guardrail,
    output_guardrail,
)
from voxline.errors import ConfigurationError

CTX = RunContext(agent_name="a")


async def verdict(guardrail: OutputGuardrail, text: str) -> GuardrailResult:
    result = guardrail.check(text, CTX)
    if isinstance(result, GuardrailResult):
        return result
    return await result


async def test_keyword_and_regex_rules() -> None:
    guard = keyword_guardrail(
        [PolicyRule(r"\brefund(s)? guaranteed\b", "OFF_BRAND", "no guaranteed refunds")],
        keywords={GuardrailCategory.OFFENSIVE: ["idiot"], "COMPETITOR": ["AcmeCorp"]},
    )
    assert guard.name == "business_policy"
    assert await verdict(guard, "Refunds guaranteed!") == GuardrailResult.trip(
        "OFF_BRAND", "no guaranteed refunds"
    )
    offensive = await verdict(guard, "You IDIOT")
    assert (offensive.tripped, offensive.category) == (True, "OFFENSIVE")
    assert (await verdict(guard, "try acmecorp")).category == "COMPETITOR"
    assert await verdict(guard, "idiots are not whole words") == GuardrailResult.ok()
    assert not (await verdict(guard, "All good")).tripped


def test_keyword_guardrail_errors() -> None:
    with pytest.raises(ConfigurationError, match="not a valid regex"):
        keyword_guardrail([PolicyRule("(", "X", "y")])
    with pytest.raises(ConfigurationError, match="at least one"):
        keyword_guardrail()


async def test_moderation_hook_with_sync_and_async_classifiers() -> None:
    def scores(text: str) -> dict[str, float]:
        return {
            "VIOLENCE": 0.9 if "fight" in text else 0.1,
            "OFFENSIVE": 0.7 if "fight" in text else 0,
        }

    async def async_scores(text: str) -> dict[str, float]:
        return scores(text)

    for classify in (scores, async_scores):
        guard = moderation_guardrail(classify, threshold=0.5)
        tripped = await verdict(guard, "let's fight")
        assert (tripped.tripped, tripped.category) == (True, "VIOLENCE")
        assert "0.90" in tripped.rationale
        assert not (await verdict(guard, "hello")).tripped
    with pytest.raises(ConfigurationError, match="threshold"):
        moderation_guardrail(scores, threshold=0)


async def test_output_guardrail_decorator() -> None:
    @output_guardrail
    def no_shouting(text: str, ctx: RunContext) -> GuardrailResult:
        if text.isupper():
            return GuardrailResult.trip("OFF_BRAND", "shouting")
        return GuardrailResult.ok()

    assert isinstance(no_shouting, OutputGuardrail)
    assert no_shouting.name == "no_shouting"
    assert (await verdict(no_shouting, "HEY")).tripped
    named = output_guardrail(name="custom")(no_shouting.check)
    assert isinstance(named, OutputGuardrail)
    assert named.name == "custom"
