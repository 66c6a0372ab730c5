"""The response lifecycle as a transition table; an illegal move raises ProtocolError."""

from __future__ import annotations

from enum import StrEnum

from voxline.errors import ProtocolError


class ResponsePhase(StrEnum):
    """Whether the model is answering."""

    IDLE = "idle"
    REQUESTED = "requested"
    """We asked for a response and the model has not started it yet."""
    ACTIVE = "active"


class ResponseMove(StrEnum):
    """What can happen to the response lifecycle."""

    REQUEST = "request"
    START = "start"
    FINISH = "finish"
    FAIL = "fail"
    DROP = "drop"


_TABLE: dict[tuple[ResponsePhase, ResponseMove], ResponsePhase] = {
    (ResponsePhase.IDLE, ResponseMove.REQUEST): ResponsePhase.REQUESTED,
    (ResponsePhase.IDLE, ResponseMove.START): ResponsePhase.ACTIVE,  # server-initiated (VAD)
    (ResponsePhase.REQUESTED, ResponseMove.START): ResponsePhase.ACTIVE,
    (ResponsePhase.REQUESTED, ResponseMove.FAIL): ResponsePhase.IDLE,
    (ResponsePhase.ACTIVE, ResponseMove.FINISH): ResponsePhase.IDLE,
    (ResponsePhase.ACTIVE, ResponseMove.FAIL): ResponsePhase.ACTIVE,
    (ResponsePhase.IDLE, ResponseMove.FAIL): ResponsePhase.IDLE,
    (ResponsePhase.IDLE, ResponseMove.DROP): ResponsePhase.IDLE,
    (ResponsePhase.REQUESTED, ResponseMove.DROP): ResponsePhase.IDLE,
    (ResponsePhase.ACTIVE, ResponseMove.DROP): ResponsePhase.IDLE,
}


def transition(phase: ResponsePhase, move: ResponseMove) -> ResponsePhase:
    """The phase after `move`.

    Raises:
        ProtocolError: the move is not allowed in this phase (for example a second response
            starting while one is active, or a response finishing that never started).
    """
    try:
        return _TABLE[(phase, move)]
    except KeyError:
        raise ProtocolError(
            f"response lifecycle: cannot {move.value} while {phase.value}", code="illegal_state"
        ) from None
