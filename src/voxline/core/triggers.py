"""Trigger phrases: words in the user's transcript (or a button) that fire an action."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from voxline.errors import ConfigurationError


class TriggerAction(StrEnum):
    """What a trigger does."""

    QUICK_HINT = "quick_hint"
    FULL_GUIDANCE = "full_guidance"
    INTERRUPT = "interrupt"


QUICK_HINT_INSTRUCTIONS = (
    "You are a live coach. From the recent messages, give the person one short, concrete hint "
    "for what to say next. One or two sentences."
)
FULL_GUIDANCE_INSTRUCTIONS = (
    "You are a live coach. From the recent conversation, give full guidance: what the other "
    "party needs, what to say next, and what to avoid."
)


def normalize_text(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces: the form phrases are matched in."""
    return " ".join(re.sub(r"[^\w']+", " ", text.lower()).split())


@dataclass(frozen=True, slots=True)
class Trigger:
    """One trigger: its phrases, its action, and for hints the message window and instructions."""

    name: str
    action: TriggerAction
    phrases: tuple[str, ...] = ()
    window: int = 0
    instructions: str = ""
    max_output_tokens: int | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ConfigurationError("a trigger needs a name")
        if self.action is not TriggerAction.INTERRUPT and self.window < 1:
            raise ConfigurationError(
                f"trigger {self.name}: window must be at least 1 message, got {self.window}"
            )
        if self.max_output_tokens is not None and self.max_output_tokens < 1:
            raise ConfigurationError(f"trigger {self.name}: max_output_tokens must be positive")
        normal = tuple(normalize_text(p) for p in self.phrases)
        if any(not p for p in normal):
            raise ConfigurationError(f"trigger {self.name}: a phrase is empty")
        object.__setattr__(self, "phrases", normal)

    def matches(self, normalized_text: str) -> str | None:
        """The phrase found in the (normalised) text, as whole words, or None."""
        padded = f" {normalized_text} "
        for phrase in self.phrases:
            if f" {phrase} " in padded:
                return phrase
        return None


@dataclass(frozen=True, slots=True)
class TriggerSet:
    """The triggers of a session, checked in order (interrupts first by default)."""

    triggers: tuple[Trigger, ...]

    def __post_init__(self) -> None:
        names = [t.name for t in self.triggers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigurationError(f"trigger names must be unique; repeated: {', '.join(dupes)}")

    @classmethod
    def coach(
        cls,
        *,
        quick_phrases: tuple[str, ...] = ("good question",),
        full_phrases: tuple[str, ...] = ("full guidance", "help me out here"),
        interrupt_phrases: tuple[str, ...] = ("got it",),
        quick_window: int = 3,
        full_window: int = 10,
        max_output_tokens: int | None = 150,
    ) -> TriggerSet:
        """The voice-coach defaults: quick hint, full guidance, interrupt."""
        return cls(
            (
                Trigger("interrupt", TriggerAction.INTERRUPT, interrupt_phrases),
                Trigger(
                    "full_guidance",
                    TriggerAction.FULL_GUIDANCE,
                    full_phrases,
                    full_window,
                    FULL_GUIDANCE_INSTRUCTIONS,
                    None if max_output_tokens is None else max_output_tokens * 3,
                ),
                Trigger(
                    "quick_hint",
                    TriggerAction.QUICK_HINT,
                    quick_phrases,
                    quick_window,
                    QUICK_HINT_INSTRUCTIONS,
                    max_output_tokens,
                ),
            )
        )

    def match(self, text: str) -> tuple[Trigger, str] | None:
        """The first trigger whose phrase appears in `text`, with the phrase."""
        normal = normalize_text(text)
        for trigger in self.triggers:
            phrase = trigger.matches(normal)
            if phrase is not None:
                return trigger, phrase
        return None

    def get(self, name: str) -> Trigger:
        """The trigger named `name`.

        Raises:
            ConfigurationError: no such trigger.
        """
        for trigger in self.triggers:
            if trigger.name == name:
                return trigger
        known = ", ".join(t.name for t in self.triggers) or "none"
        raise ConfigurationError(f"no trigger named {name!r} (known: {known})")
