"""Logging for botstats: one line per event, text or JSON, tokens redacted (DESIGN §3).

``configure_logging`` puts one handler on the root logger. Text reads
``2026-12-02T07:30:00Z INFO slackbot.sync: message key=value`` (the message says its
fields); JSON is one object per line with ``time``, ``level``, ``logger``, ``message``,
the ``extra=`` fields of the call (``duration_ms``, ``outcome``, ``method``...) and
``exc`` for a traceback. A filter on the handler redacts whatever looks like a Slack or
Botpress token, and the configured secrets, before any formatting.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["REDACTED", "JsonFormatter", "RedactingFilter", "TextFormatter", "configure_logging"]

REDACTED = "[redacted]"
FORMATS = ("text", "json")
#: Slack tokens (bot, user, app, refresh...), Botpress PATs and bot keys, bearer headers.
_TOKENS = re.compile(r"xox[abeposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|bp_(?:pat|bak)_[\w-]+")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[^\s'\",;]+")
#: The attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)
_PLAIN = (int, float, bool, type(None))
_OURS = "slackbot"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with token-shaped strings and the given ``secrets`` replaced by [redacted]."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    text = _TOKENS.sub(REDACTED, text)
    return _BEARER.sub(rf"\1 {REDACTED}", text)


def extras(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a log call passed with ``extra=``, in the order given."""
    return {
        k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")
    }


class RedactingFilter(logging.Filter):
    """Redacts tokens in a record's message, args, extras and traceback (defence in depth)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Short values would redact ordinary words; real secrets are long.
        self.secrets = tuple(s for s in secrets if len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place, redacted; never drops it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # bad args: logging's error report would print them
            message = f"{record.msg} {record.args!r}"
        # Formatted once here, so no formatter can put an unredacted argument back.
        record.msg, record.args = redact(message, self.secrets), None
        for key, value in extras(record).items():
            if not isinstance(value, _PLAIN):
                setattr(record, key, redact(str(value), self.secrets))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class LevelFilter(logging.Filter):
    """Lets botstats' own records through from ``level``; other libraries' from ``theirs``."""

    def __init__(self, level: int, theirs: int) -> None:
        super().__init__()
        self.level, self.theirs = level, theirs

    def filter(self, record: logging.LogRecord) -> bool:
        """True when the record is at or above the threshold of its origin."""
        ours = record.name == _OURS or record.name.startswith(_OURS + ".")
        return record.levelno >= (self.level if ours else self.theirs)


def _utc(record: logging.LogRecord, *, millis: bool) -> str:
    when = datetime.fromtimestamp(record.created, UTC)
    return when.isoformat(timespec="milliseconds" if millis else "seconds").replace("+00:00", "Z")


def _trace(record: logging.LogRecord) -> str:
    parts = [record.exc_text or "", record.stack_info or ""]
    return "\n".join(p.rstrip("\n") for p in parts if p)


class TextFormatter(logging.Formatter):
    """``2026-12-02T07:30:00Z INFO slackbot.sync: message``; a traceback indented below.

    Extras are for JSON: a message says in words (``key=value``) what a reader needs.
    """

    def format(self, record: logging.LogRecord) -> str:
        """One line (plus an indented traceback when there is one)."""
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        # Escaped, so a newline in a message cannot forge or split an event line.
        message = record.getMessage().replace("\r", "\\r").replace("\n", "\\n")
        line = f"{_utc(record, millis=False)} {record.levelname} {record.name}: {message}"
        trace = _trace(record)
        return line + "".join(f"\n  {row}" for row in trace.splitlines())


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the extras, and exc."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON; newlines in it are escaped by json."""
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        doc: dict[str, Any] = {
            "time": _utc(record, millis=True),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extras(record).items():
            doc.setdefault(key, value)  # an extra never overrides the four fields above
        if trace := _trace(record):
            doc["exc"] = trace
        return json.dumps(doc, ensure_ascii=False, default=str)


class BotstatsHandler(logging.StreamHandler[TextIO]):
    """The one root handler; with no stream, it writes to whatever ``sys.stderr`` is now."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._follow_stderr = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record (emit runs under the handler's lock)."""
        if self._follow_stderr:
            # A test's capture or a redirect may have replaced sys.stderr since start-up.
            self.stream = sys.stderr
        super().emit(record)


def level_number(level: str | int) -> int:
    """A level name (any case) or number as a number; ValueError for an unknown name."""
    if isinstance(level, int):
        return level
    number = logging.getLevelName(level.strip().upper())
    if not isinstance(number, int):
        raise ValueError(f"{level!r} is not a log level: use DEBUG, INFO, WARNING or ERROR")
    return number


def configure_logging(
    format: str = "text",  # the name BOTSTATS_LOG_FORMAT gives it (shadows a builtin)
    level: str | int = "INFO",
    stream: TextIO | None = None,
    *,
    secrets: Iterable[str] = (),
) -> logging.Handler:
    """Install botstats' one root handler (replacing an earlier one) and return it.

    botstats' loggers log from ``level``; other libraries (httpx, slack_sdk, apscheduler...)
    from WARNING, unless ``level`` is DEBUG, when everything shows (still redacted).
    """
    if format not in FORMATS:
        raise ValueError(f"{format!r} is not a log format: use text or json")
    number = level_number(level)
    theirs = number if number <= logging.DEBUG else max(number, logging.WARNING)
    handler = BotstatsHandler(stream)
    handler.setFormatter(JsonFormatter() if format == "json" else TextFormatter())
    # Level first, so a dropped record is never formatted; redaction before any formatter.
    handler.addFilter(LevelFilter(number, theirs))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, BotstatsHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    # The root level only decides which records are made at all; the filter picks.
    root.setLevel(min(number, theirs))
    return handler
