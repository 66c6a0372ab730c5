"""The RealtimeModel port: what every backend (OpenAI, the offline engine, a fake) implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from voxline.core.commands import ModelCommand
from voxline.core.config import SessionConfig
from voxline.core.events import ModelEvent


@runtime_checkable
class RealtimeModel(Protocol):
    """A realtime speech-to-speech model behind one interface.

    The session calls `connect` once with the starting configuration, then `send` for each
    command, and reads `events` until it ends. Connection changes (including reconnects the
    adapter handles itself) arrive as `ConnectionChanged` events; after a reconnect the session
    re-sends the configuration and replays the history.

    The session reads `events` in one task and applies each event as it arrives; produce
    events in that task (read the source inside `events`) rather than through a queue filled
    by another task, which would add a turn of the event loop to every audio chunk.
    """

    async def connect(self, config: SessionConfig) -> None:
        """Open the connection and apply `config`.

        Raises:
            TransportError: the model could not be reached.
        """
        ...

    async def send(self, command: ModelCommand) -> None:
        """Send one command.

        Raises:
            TransportError: the connection is gone for good.
        """
        ...

    def events(self) -> AsyncIterator[ModelEvent]:
        """The model's events, until the connection closes for good."""
        ...

    async def close(self) -> None:
        """Close the connection; `events` then ends. Closing twice is harmless."""
        ...
