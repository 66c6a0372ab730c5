"""Output guardrails: judge the assistant's text as it streams, and trip when it breaks policy."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import overload

from voxline.agents.context import RunContext
from voxline.errors import ConfigurationError


class GuardrailCategory(StrEnum):
    """Common categories; any string may be used."""

    NONE = "NONE"
    OFFENSIVE = "OFFENSIVE"
    OFF_BRAND = "OFF_BRAND"
    VIOLENCE = "VIOLENCE"


@dataclass(frozen=True, slots=True)
class GuardrailResult:
    """A verdict: pass, or tripwire with a category and a rationale a person can read."""

    tripped: bool
    category: str = GuardrailCategory.NONE
    rationale: str = ""

    @classmethod
    def ok(cls) -> GuardrailResult:
        """The text is within policy."""
        return cls(tripped=False)

    @classmethod
    def trip(cls, category: str, rationale: str) -> GuardrailResult:
        """The text breaks policy."""
        return cls(tripped=True, category=category, rationale=rationale)


GuardrailCheck = Callable[[str, RunContext], GuardrailResult | Awaitable[GuardrailResult]]
"""A guardrail function: the assistant's text so far and the context in, a verdict out."""


@dataclass(frozen=True, slots=True)
class OutputGuardrail:
    """A named check run on the assistant's text as it streams (debounced) and when it ends."""

    name: str
    check: GuardrailCheck


@overload
def output_guardrail(func: GuardrailCheck, /) -> OutputGuardrail: ...


@overload
def output_guardrail(*, name: str | None = None) -> Callable[[GuardrailCheck], OutputGuardrail]: ...


def output_guardrail(
    func: GuardrailCheck | None = None, /, *, name: str | None = None
) -> OutputGuardrail | Callable[[GuardrailCheck], OutputGuardrail]:
    """Decorator making a function (sync or async) an OutputGuardrail."""

    def wrap(f: GuardrailCheck) -> OutputGuardrail:
        label: str = name or getattr(f, "__name__", None) or "guardrail"
        return OutputGuardrail(name=label, check=f)

    return wrap(func) if func is not None else wrap


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One business rule: text matching `pattern` (a regex, case-insensitive) trips `category`."""

    pattern: str
    category: str
    rationale: str


def keyword_guardrail(
    rules: Sequence[PolicyRule] | None = None,
    *,
    keywords: Mapping[str, Iterable[str]] | None = None,
    name: str = "business_policy",
) -> OutputGuardrail:
    """A guardrail from regex rules and/or plain keywords grouped by category.

    Args:
        rules: Regex rules, checked in order; the first match trips.
        keywords: Category -> words or phrases, matched as whole words, case-insensitively.
        name: The guardrail's name in breadcrumbs and logs.

    Raises:
        ConfigurationError: a rule's pattern is not a valid regular expression, or no rules given.
    """
    compiled: list[tuple[re.Pattern[str], str, str]] = []
    for rule in rules or ():
        try:
            compiled.append(
                (re.compile(rule.pattern, re.IGNORECASE), rule.category, rule.rationale)
            )
        except re.error as exc:
            raise ConfigurationError(
                f"guardrail {name}: pattern {rule.pattern!r} is not a valid regex ({exc})"
            ) from None
    for category, words in (keywords or {}).items():
        for word in words:
            pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
            compiled.append((pattern, category, f"mentions {word!r}, which policy forbids"))
    if not compiled:
        raise ConfigurationError(f"guardrail {name}: give at least one rule or keyword")

    def check(text: str, context: RunContext) -> GuardrailResult:
        for pattern, category, rationale in compiled:
            if pattern.search(text):
                return GuardrailResult.trip(category, rationale)
        return GuardrailResult.ok()

    return OutputGuardrail(name=name, check=check)


ModerationClassifier = Callable[[str], Awaitable[Mapping[str, float]] | Mapping[str, float]]
"""A moderation model: text in, a score from 0 to 1 per category out."""


def moderation_guardrail(
    classify: ModerationClassifier,
    *,
    threshold: float = 0.5,
    name: str = "moderation",
) -> OutputGuardrail:
    """A guardrail backed by any moderation classifier (local model, hosted API, ...).

    The highest-scoring category at or above `threshold` trips.
    """
    if not 0.0 < threshold <= 1.0:
        raise ConfigurationError(f"guardrail {name}: threshold must be in (0, 1], got {threshold}")

    def verdict(scores: Mapping[str, float]) -> GuardrailResult:
        flagged = [(score, cat) for cat, score in scores.items() if score >= threshold]
        if not flagged:
            return GuardrailResult.ok()
        score, category = max(flagged)
        return GuardrailResult.trip(category, f"moderation score {score:.2f} for {category}")

    async def check(text: str, context: RunContext) -> GuardrailResult:
        scores = classify(text)
        if not isinstance(scores, Mapping):
            scores = await scores
        return verdict(scores)

    return OutputGuardrail(name=name, check=check)
