"""Builders for the model events of common turns, so scripts stay short and readable."""

from __future__ import annotations

import itertools
import json
from typing import Any

from voxline.core import events as ev

_counter = itertools.count(1)


def _next(prefix: str) -> str:
    return f"{prefix}_s{next(_counter)}"


PCM16_BYTES_PER_MS = 48


def silence(ms: int) -> bytes:
    """`ms` milliseconds of PCM16 24 kHz silence."""
    return b"\x00\x00" * (24 * ms)


def reply(
    text: str,
    *,
    response_id: str | None = None,
    item_id: str | None = None,
    audio_ms: int = 0,
    chunks: int = 1,
    done: bool = True,
    usage: ev.Usage | None = None,
) -> list[ev.ModelEvent]:
    """A whole assistant response: started, item added, text deltas (one per word), audio, done.

    Args:
        text: What the assistant says.
        audio_ms: Milliseconds of (silent) audio to stream with it, split into `chunks` chunks.
        done: End with ResponseDone; False leaves the response open (to interrupt it).
    """
    rid = response_id or _next("resp")
    iid = item_id or _next("item")
    events: list[ev.ModelEvent] = [ev.ResponseStarted(rid), ev.OutputItemAdded(rid, iid)]
    words = text.split(" ")
    for i, word in enumerate(words):
        events.append(ev.OutputTextDelta(rid, iid, word if i == 0 else f" {word}"))
    if audio_ms:
        per = audio_ms // chunks
        events.extend(ev.OutputAudioDelta(rid, iid, silence(per)) for _ in range(chunks))
    if done:
        events.append(ev.OutputItemDone(rid, iid, text))
        events.append(ev.ResponseDone(rid, ev.ResponseStatus.COMPLETED, usage))
    return events


def call(
    name: str,
    arguments: dict[str, Any] | str | None = None,
    *,
    call_id: str | None = None,
    response_id: str | None = None,
) -> list[ev.ModelEvent]:
    """A response in which the model calls one tool (a handoff is `call("transfer_to_x")`)."""
    rid = response_id or _next("resp")
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
    return [
        ev.ResponseStarted(rid),
        ev.FunctionCallRequested(rid, _next("item"), call_id or _next("call"), name, raw),
        ev.ResponseDone(rid),
    ]


def user_speech(transcript: str, *, item_id: str | None = None) -> list[ev.ModelEvent]:
    """The user speaks: speech started and stopped, audio committed, transcript completed."""
    iid = item_id or _next("user")
    return [
        ev.SpeechStarted(iid),
        ev.SpeechStopped(iid),
        ev.AudioCommitted(iid),
        ev.InputTranscriptCompleted(iid, transcript),
    ]
