"""Server logging: key=value lines carrying the session id, with secrets scrubbed out."""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

__all__ = [
    "LOG_FORMAT",
    "RedactSecrets",
    "SessionIdFilter",
    "bind_session",
    "configure_logging",
    "current_session",
]

_SESSION: contextvars.ContextVar[str] = contextvars.ContextVar("voxline_session", default="-")

LOG_FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s session=%(session_id)s %(message)s"
"""Every line names its session (`-` outside a conversation)."""


def current_session() -> str:
    """The session id of the running task (`-` outside any conversation)."""
    return _SESSION.get()


@contextmanager
def bind_session(session_id: str) -> Iterator[None]:
    """Tag every log line of this task, and of the tasks it starts, with `session_id`."""
    token = _SESSION.set(session_id)
    try:
        yield
    finally:
        _SESSION.reset(token)


class SessionIdFilter(logging.Filter):
    """Adds `session_id` to each record (from the task's context unless already set)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "session_id"):
            record.session_id = _SESSION.get()
        return True


class RedactSecrets(logging.Filter):
    """Replaces each given secret (API key, bridge token, client secrets) with `[redacted]`.

    The message is rendered once with its arguments, scrubbed, and stored without them, so a
    secret passed as an argument is caught as well.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = {s for s in secrets if s}

    def add(self, secret: str) -> None:
        """Scrub one more secret (a freshly minted client secret, say)."""
        if secret:
            self._secrets.add(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        text = record.getMessage()
        scrubbed = text
        for secret in self._secrets:
            scrubbed = scrubbed.replace(secret, "[redacted]")
        if scrubbed != text:
            record.msg, record.args = scrubbed, None
        return True


def configure_logging(level: str = "INFO", *, secrets: Iterable[str] = ()) -> RedactSecrets:
    """Send voxline's and uvicorn's logs to stderr as key=value lines with the session id.

    Idempotent: a second call replaces the handler it installed before.

    Returns:
        The redaction filter, to which more secrets can be added.
    """
    redact = RedactSecrets(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name("voxline-server")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(SessionIdFilter())
    handler.addFilter(redact)
    for name in ("voxline", "uvicorn"):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == "voxline-server"]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    for name in ("uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).propagate = True  # to the "uvicorn" handler above
    return redact
