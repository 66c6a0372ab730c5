"""The conversation log a server keeps: one store, one write queue, a tiny hook per session."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from voxline.core import session_events as se
from voxline.errors import StoreError, VoxlineError
from voxline.store.database import ConversationStore, default_url
from voxline.store.recording import WavRecording
from voxline.store.records import Recorder, SetRecording
from voxline.store.writer import StoreStats, StoreWriter

__all__ = ["ConversationLog", "SessionLog", "store_url"]

log = logging.getLogger("voxline.store")


def store_url(database_url: str | None, data_dir: Path | None) -> str:
    """The database a process uses: `database_url`, else SQLite in the data directory."""
    if database_url:
        return database_url
    from voxline.scenarios.store import default_data_dir

    return default_url(data_dir or default_data_dir())


class SessionLog:
    """Records one conversation. Every method is cheap and never waits: writes are queued."""

    def __init__(
        self,
        writer: StoreWriter,
        recorder: Recorder,
        recording: WavRecording | None,
        on_end: Callable[[str], None] = lambda conversation_id: None,
    ) -> None:
        self._on_end = on_end
        self._writer = writer
        self._recorder = recorder
        self._recording = recording
        self._ended = False

    @property
    def conversation_id(self) -> str:
        """The stored conversation's id."""
        return self._recorder.conversation_id

    def observe(self, event: se.SessionEvent) -> None:
        """Record one session event (the bridge calls this for every event it forwards)."""
        if self._ended:
            return
        for write in self._recorder.observe(event):
            self._writer.submit(write)
        if self._recording is not None and isinstance(event, se.AudioReceived):
            self._record(self._recording.agent, event.audio)

    def microphone(self, pcm: bytes) -> None:
        """Record microphone audio (only kept when recording is on)."""
        if self._recording is not None and not self._ended:
            self._record(self._recording.mic, pcm)

    def _record(self, side: Callable[[bytes], None], pcm: bytes) -> None:
        try:
            side(pcm)
        except (OSError, VoxlineError) as exc:
            log.error("recording stopped: %s", exc)
            self._close_recording()

    def _close_recording(self) -> None:
        recording, self._recording = self._recording, None
        if recording is not None:
            try:
                recording.close()
            except OSError as exc:
                log.error("could not finish the recording %s: %s", recording.path, exc)

    def end(self, reason: str) -> None:
        """Record the end of the conversation (once) and finish its recording."""
        if self._ended:
            return
        self._ended = True
        self._close_recording()
        self._writer.submit(self._recorder.end(reason))
        self._on_end(self.conversation_id)


class ConversationLog:
    """Everything a server stores: the database, its write queue and recordings.

    Args:
        store: The database.
        recordings: Where WAV recordings go; None: no recordings.
        clock: Epoch seconds now.
        monotonic: Monotonic seconds now (places recorded audio).
    """

    def __init__(
        self,
        store: ConversationStore,
        *,
        recordings: Path | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.writer = StoreWriter(store)
        self.recordings = recordings
        self._clock = clock
        self._monotonic = monotonic
        self.active: set[str] = set()
        """Ids of the conversations being recorded now."""

    @classmethod
    def from_settings(
        cls, database_url: str | None, data_dir: Path | None, *, recording: bool
    ) -> ConversationLog:
        """The log `voxline serve` keeps.

        Raises:
            ConfigurationError: the database URL cannot be used.
        """
        url = store_url(database_url, data_dir)
        recordings = None
        if recording:
            from voxline.scenarios.store import default_data_dir

            recordings = (data_dir or default_data_dir()) / "recordings"
        return cls(ConversationStore(url), recordings=recordings)

    @property
    def stats(self) -> StoreStats:
        """Write counters (`write_failures`, `dropped`, ...) for metrics."""
        return self.writer.stats

    async def start(self) -> None:
        """Start the writer and migrate the database; a database that is down is only logged
        (writes wait in the queue and land once it is back)."""
        self.writer.start()
        try:
            await self.store.prepare()
        except StoreError as exc:
            log.error("%s; conversations go on and are written once it is back", exc)

    async def settled(self) -> None:
        """Wait until no conversation is being recorded and every write has landed."""
        await self.writer.wait_until(lambda s: not self.active and s.written == s.submitted)

    async def stop(self) -> None:
        """Write what is queued (a few seconds at most) and close the database."""
        await self.writer.stop()
        await self.store.close()

    def begin(self, conversation_id: str, *, scenario: str, backend: str) -> SessionLog:
        """Start recording one conversation."""
        recorder = Recorder(conversation_id, backend, self._clock)
        self.writer.submit(recorder.start(scenario))
        recording = None
        if self.recordings is not None:
            path = self.recordings / f"{conversation_id}.wav"
            try:
                recording = WavRecording(path, self._monotonic)
            except OSError as exc:
                log.error("cannot record to %s: %s", path, exc)
            else:
                self.writer.submit(SetRecording(conversation_id, str(path)))
        self.active.add(conversation_id)
        return SessionLog(self.writer, recorder, recording, self.active.discard)
