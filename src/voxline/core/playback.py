"""What the user has heard of each assistant message, so an interruption cuts at the right place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class AudioTrack:
    """Audio received for one assistant message and how much of it has been played.

    Without reports from the player, playback is assumed to run in real time from the first
    chunk; a `PlaybackProgress` report from the player replaces that estimate.
    """

    received_ms: float = 0.0
    first_audio_at: float | None = None
    reported_ms: int | None = None
    cut: bool = False

    def receive(self, ms: float, now: float) -> None:
        if self.first_audio_at is None:
            self.first_audio_at = now
        self.received_ms += ms

    def played_ms(self, now: float) -> int:
        if self.reported_ms is not None:
            return int(min(self.reported_ms, self.received_ms))
        if self.first_audio_at is None:
            return 0
        return int(min(self.received_ms, (now - self.first_audio_at) * 1000.0))

    def still_playing(self, now: float) -> bool:
        return not self.cut and self.played_ms(now) < int(self.received_ms)
