"""Voice activity detection: the silero adapter and the pure turn detector on top of it."""

from voxline.engine.vad.silero import SileroVAD
from voxline.engine.vad.turns import (
    SpeechStarted,
    SpeechStopped,
    TurnDecision,
    TurnDetector,
    TurnSettings,
    Utterance,
    UtteranceCollector,
)

__all__ = [
    "SileroVAD",
    "SpeechStarted",
    "SpeechStopped",
    "TurnDecision",
    "TurnDetector",
    "TurnSettings",
    "Utterance",
    "UtteranceCollector",
]
