"""What the user has heard of each assistant message, so an interruption cuts at the right place."""

from __future__ import annotations

from collections.abc import Callable
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
    order: int = 0
    """Position among the conversation's tracks: interruptions cut the oldest first."""

    def played_ms(self, now: float) -> int:
        if self.reported_ms is not None:
            return int(min(self.reported_ms, self.received_ms))
        if self.first_audio_at is None:
            return 0
        return int(min(self.received_ms, (now - self.first_audio_at) * 1000.0))

    def still_playing(self, now: float) -> bool:
        return not self.cut and self.played_ms(now) < int(self.received_ms)


class Playback:
    """The audio tracks of a conversation, by assistant message id.

    Only tracks that may still be playing are checked at an interruption: a track leaves that
    set when it is cut or found finished, and comes back with more audio or a player's report
    (with a monotonic clock, time alone never makes a finished track play again).
    """

    def __init__(self, bytes_per_ms: int) -> None:
        self._bytes_per_ms = bytes_per_ms
        self._tracks: dict[str, AudioTrack] = {}
        self._playing: dict[str, AudioTrack] = {}

    def track(self, item_id: str) -> AudioTrack:
        """The track of `item_id`, created empty if it has none yet."""
        track = self._tracks.get(item_id)
        if track is None:
            track = self._tracks[item_id] = AudioTrack(order=len(self._tracks))
        return track

    def is_cut(self, item_id: str) -> bool:
        track = self._tracks.get(item_id)
        return track is not None and track.cut

    def receive(self, item_id: str, nbytes: int, now: Callable[[], float]) -> int | None:
        """Count `nbytes` of audio for `item_id`; the milliseconds received, None if it is cut."""
        track = self.track(item_id)
        if track.cut:
            return None
        if track.first_audio_at is None:
            track.first_audio_at = now()
        track.received_ms += nbytes / self._bytes_per_ms
        self._playing[item_id] = track
        return int(track.received_ms)

    def report(self, item_id: str, played_ms: int) -> None:
        """The player says how much of `item_id` it has played."""
        track = self._tracks.get(item_id)
        if track is not None:
            track.reported_ms = max(played_ms, track.reported_ms or 0)
            if not track.cut:
                self._playing[item_id] = track

    def cut_playing(self, now: float) -> list[tuple[str, int]]:
        """Cut every track still playing, oldest first; return (item id, ms played) of each."""
        playing = list(self._playing.items())
        if len(playing) > 1:
            playing.sort(key=lambda entry: entry[1].order)
        self._playing.clear()
        cut: list[tuple[str, int]] = []
        for item_id, track in playing:
            if track.still_playing(now):
                cut.append((item_id, track.played_ms(now)))
                track.cut = True
        return cut
