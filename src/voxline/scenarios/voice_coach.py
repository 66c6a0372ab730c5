"""Voice coach: listens silently and speaks only when a trigger phrase (or button) fires."""

from __future__ import annotations

from dataclasses import dataclass

from voxline.agents.agent import Agent
from voxline.core.config import ServerVAD, SessionConfig
from voxline.core.triggers import TriggerSet
from voxline.errors import ConfigurationError
from voxline.scenarios.base import Scenario


@dataclass(frozen=True, slots=True)
class CoachSettings:
    """The voice coach's phrases, message windows and answer length.

    Attributes:
        quick_phrases: Phrases that ask for a quick hint from the last `quick_window` messages.
        full_phrases: Phrases that ask for full guidance from the last `full_window` messages.
        interrupt_phrases: Phrases that stop the coach mid-answer.
        quick_window: Messages a quick hint is given.
        full_window: Messages full guidance is given.
        max_output_tokens: Length cap of a quick hint (full guidance gets three times as much).
    """

    quick_phrases: tuple[str, ...] = ("good question",)
    full_phrases: tuple[str, ...] = ("full guidance", "help me out here")
    interrupt_phrases: tuple[str, ...] = ("got it",)
    quick_window: int = 3
    full_window: int = 10
    max_output_tokens: int | None = 150

    def __post_init__(self) -> None:
        if not (self.quick_phrases and self.full_phrases and self.interrupt_phrases):
            raise ConfigurationError("the voice coach needs at least one phrase per trigger")
        if self.quick_window < 1 or self.full_window < 1:
            raise ConfigurationError("coach windows must be at least 1 message")

    def triggers(self) -> TriggerSet:
        """The TriggerSet these settings describe."""
        return TriggerSet.coach(
            quick_phrases=self.quick_phrases,
            full_phrases=self.full_phrases,
            interrupt_phrases=self.interrupt_phrases,
            quick_window=self.quick_window,
            full_window=self.full_window,
            max_output_tokens=self.max_output_tokens,
        )


def build(settings: CoachSettings | None = None) -> Scenario:
    """The voice coach with `settings` (defaults: "good question", "full guidance", "got it")."""
    chosen = settings or CoachSettings()
    coach = Agent(
        name="coach",
        instructions=(
            "You are a live conversation coach listening to a call. Stay silent unless asked. "
            "When asked, give the person short, concrete advice on what to say next."
        ),
    )
    return Scenario(
        name="voice_coach",
        title="Voice coach",
        description=(
            "Listens to a conversation and stays silent; 'good question' gets a quick hint, "
            "'full guidance' a fuller answer, 'got it' stops it."
        ),
        agent=coach,
        agents=(coach,),
        config=SessionConfig(instructions="", turn_detection=ServerVAD(create_response=False)),
        triggers=chosen.triggers(),
        auto_respond=False,
    )
