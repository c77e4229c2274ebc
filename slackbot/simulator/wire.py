"""The Botpress Admin API's wire format for the simulator: replies, errors, dates, tokens."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

JsonDict = dict[str, Any]
RATE_LIMIT = 100  # requests per second, as Botpress announces per workspace
DOWN_HTML = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
GARBAGE_HTML = b"<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>"


@dataclass(frozen=True)
class SimRequest:
    """One request the simulator received (header names lower-cased), and the fault it hit."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    fault: str | None = None


#: How much of a ``Reply`` reaches the client: all of it, half its body, or nothing.
Wire = Literal["whole", "cut", "none"]


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, body, content type, extra headers, and how much is sent.

    ``wire="cut"`` sends the headers (with the whole body's Content-Length) and half the
    body, then closes the connection; ``wire="none"`` closes it before answering at all.
    """

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    wire: Wire = "whole"


def json_reply(status: int, body: JsonDict, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """A compact JSON reply."""
    return Reply(status, json.dumps(body, separators=(",", ":")).encode(), headers=headers)


def error_reply(status: int, kind: str, message: str) -> Reply:
    """Botpress's error body: ``{id, code, type, message}``."""
    body = {"id": f"err_{uuid.uuid4().hex[:24]}", "code": status, "type": kind, "message": message}
    return json_reply(status, body)


def rate_headers(remaining: int) -> tuple[tuple[str, str], ...]:
    """Botpress's ``RateLimit-*`` headers (a one-second window)."""
    return (
        ("RateLimit-Limit", str(RATE_LIMIT)),
        ("RateLimit-Remaining", str(remaining)),
        ("RateLimit-Reset", "1"),
    )


def parse_when(name: str, value: str | None) -> datetime:
    """``YYYY-MM-DD`` (midnight UTC) or an ISO 8601 datetime (naive = UTC); else ValueError."""
    if not value:
        raise ValueError(f"{name} is required (ISO 8601 date or datetime)")
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} {value!r} is not an ISO 8601 date or datetime") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def encode_token(offset: int) -> str:
    """An opaque ``nextToken`` for a listBots page starting at ``offset``."""
    raw = json.dumps({"offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> int | None:
    """The offset inside a ``nextToken``, or None when it is not one we issued."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        offset = json.loads(raw)["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None
    return offset if isinstance(offset, int) and offset >= 0 else None
