"""Server logging: key=value or JSON lines carrying the session id, with secrets scrubbed out."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

__all__ = [
    "LOG_FORMAT",
    "JsonFormatter",
    "RedactSecrets",
    "ScrubbingFormatter",
    "SessionIdFilter",
    "bind_session",
    "configure_logging",
    "current_session",
    "tag_task",
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


def tag_task(session_id: str) -> None:
    """Tag the rest of this task (and the tasks it starts from now on) with `session_id`.

    For a task that serves one connection for its whole life, where a `with bind_session`
    block cannot span the code that logs.
    """
    _SESSION.set(session_id)


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

    def scrub(self, text: str) -> str:
        """`text` with every known secret replaced by `[redacted]`."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        text = record.getMessage()
        scrubbed = self.scrub(text)
        if scrubbed != text:
            record.msg, record.args = scrubbed, None
        return True


_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "session_id",
    "color_message",  # uvicorn's coloured copy of the message
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, session_id, message, extras, exc.

    `extra={...}` fields of a log call become keys of their own (`backend`, say); values that
    are not JSON types are written as their `str`.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "session_id": getattr(record, "session_id", _SESSION.get()),
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


class ScrubbingFormatter(logging.Formatter):
    """Scrubs secrets from a whole formatted line, tracebacks and extras included."""

    def __init__(self, inner: logging.Formatter, redact: RedactSecrets) -> None:
        super().__init__()
        self._inner, self._redact = inner, redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact.scrub(self._inner.format(record))


def configure_logging(
    level: str = "INFO",
    *,
    secrets: Iterable[str] = (),
    log_format: Literal["console", "json"] = "console",
    stream: TextIO | None = None,
) -> RedactSecrets:
    """Send voxline's and uvicorn's logs to `stream` (stderr) with the session id on each line.

    Idempotent: a second call replaces the handler it installed before.

    Args:
        level: Logging level name (DEBUG, INFO, ...).
        secrets: Values never to write (API keys, tokens); each becomes `[redacted]`.
        log_format: ``console``: key=value lines (`LOG_FORMAT`); ``json``: one object per line.
        stream: Where lines go (stderr by default).

    Returns:
        The redaction filter, to which more secrets can be added.
    """
    redact = RedactSecrets(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name("voxline-server")
    inner = JsonFormatter() if log_format == "json" else logging.Formatter(LOG_FORMAT)
    handler.setFormatter(ScrubbingFormatter(inner, redact))
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
