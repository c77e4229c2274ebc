"""HTTP plumbing for the Botpress client: the httpx factory, retry policy, error bodies.

The one place botstats builds an ``httpx.Client``, so moving to another HTTP library is a
change here and in ``botpress`` only. Everything else is small pure helpers.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import ValidationError

from slackbot import __version__
from slackbot.clock import system_clock

USER_AGENT = f"botstats/{__version__} (+https://github.com/botstats)"
# A digest runs DigestBuilder's 16 (DEFAULT_WORKERS) analytics calls at once. With fewer
# idle connections kept than requests in flight, httpx closes the extra ones after every
# round and the next round pays new TCP + TLS handshakes to Botpress; so keep as many idle
# connections as may be open (20, at least the digest's worker count).
LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=20, keepalive_expiry=30.0)
CONNECT_TIMEOUT = 5.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Worth another try; UnsupportedProtocol, LocalProtocolError, ProxyError... are configuration.
TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
# Rate-limit headers ride on every answer but only say when a 429 may be retried.
RATE_LIMIT_HINTS = ("RateLimit-Reset", "X-RateLimit-Reset", "Retry-After")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def make_http_client(
    *,
    base_url: str,
    headers: Mapping[str, str],
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """Build botstats' one httpx client: explicit timeouts and pool limits, no redirects."""
    if transport is None:
        # httpx ignores Client(limits=...) once a transport is given, so the limits go here;
        # transport retries stay 0 because BotpressClient retries transient failures itself.
        transport = httpx.HTTPTransport(limits=LIMITS)
    return httpx.Client(
        base_url=base_url,
        headers=dict(headers),
        timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
        transport=transport,
        follow_redirects=False,
    )


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: attempts, total wait budget, backoff shape."""

    max_attempts: int = 4
    max_wait: float = 60.0
    base: float = 1.0
    cap: float = 10.0

    def delay(self, attempt: int, waited: float, hint: float | None, rng: random.Random) -> float:
        """Seconds to wait after failed ``attempt`` (1-based), or -1 to give up now."""
        remaining = self.max_wait - waited
        if attempt >= self.max_attempts or remaining <= 0:
            return -1.0
        if hint is not None:
            # The server knows when it will take us back: earlier is wasted, later than
            # the budget means the caller would rather hear "busy" now.
            return hint if hint <= remaining else -1.0
        # Full jitter keeps parallel sync workers from retrying in lockstep.
        backoff = rng.uniform(0.0, min(self.cap, self.base * 2 ** (attempt - 1)))
        return min(backoff, remaining)


def log_call(
    logger: logging.Logger,
    path: str,
    *,
    attempt: int,
    started: float,
    outcome: str,
    status: int | None = None,
    error: str | None = None,
    bot_id: str | None = None,
    detail: str = "",
) -> None:
    """One line per HTTP attempt: path, status or exception type, attempt, duration, outcome.

    ``outcome`` is ``ok``, ``retry`` (logged at WARNING, as a command's user should see it)
    or ``failed``; ``path`` never carries the query. The fields ride in ``extra`` for JSON.
    """
    fields: dict[str, Any] = {
        "method": "GET",
        "path": path,
        "status": status,
        "error": error,
        "attempt": attempt,
        "outcome": outcome,
        "duration_ms": round((time.perf_counter() - started) * 1000),
        "bot_id": bot_id,
    }
    fields = {key: value for key, value in fields.items() if value is not None}
    shown = ("status", "error", "attempt", "outcome")  # the bot id is in the path already
    said = " ".join(f"{key}={fields[key]}" for key in shown if key in fields)
    level = logging.WARNING if outcome == "retry" else logging.INFO
    ms = fields["duration_ms"]
    tail = f": {detail}" if detail else ""
    logger.log(level, "botpress GET %s %s in %d ms%s", path, said, ms, tail, extra=fields)


def _http_date(value: str) -> float | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _seconds_until(value: str, now: float) -> float | None:
    try:
        number = float(value)
    except ValueError:
        when = _http_date(value)
        return None if when is None else max(0.0, when - now)
    if not math.isfinite(number) or number < 0:
        return None
    # Some gateways put an epoch timestamp rather than a delta in *RateLimit-Reset.
    return max(0.0, number - now) if number > 1e9 else number


def retry_hint(response: httpx.Response, *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait (the largest hint), from seconds or HTTP dates."""
    if now is None:
        # Measure HTTP dates against the server's own Date header so clock skew cancels out.
        now = _http_date(response.headers.get("Date", "")) or system_clock().timestamp()
    names = RATE_LIMIT_HINTS if response.status_code == 429 else ("Retry-After",)
    hints = [
        seconds
        for name in names
        if (value := response.headers.get(name))
        and (seconds := _seconds_until(value.strip(), now)) is not None
    ]
    return max(hints) if hints else None


@dataclass(frozen=True)
class ErrorBody:
    """What Botpress said in an error answer, whatever its shape."""

    message: str
    error_id: str | None = None
    error_type: str | None = None


def short(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_error_body(response: httpx.Response) -> ErrorBody:
    """Read ``{id, code, type, message}``, ``{type, description, status}``, HTML or nothing."""
    text = response.text.strip()
    try:
        data: Any = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        said = data.get("message") or data.get("description")
        error_id, error_type = _text_or_none(data.get("id")), _text_or_none(data.get("type"))
        # A Botpress-shaped body without words says nothing more than its id and type.
        fallback = "no details" if error_id or error_type else text
        return ErrorBody(short(str(said) if said else fallback), error_id, error_type)
    if text.startswith("<"):
        title = _TITLE.search(text)
        named = f" titled {short(title.group(1), 80)!r}" if title else ""
        return ErrorBody(f"an HTML page{named} instead of JSON")
    return ErrorBody(short(text) if text else "an empty body")


def status_text(response: httpx.Response, body: ErrorBody) -> str:
    """``HTTP 429 Too Many Requests [RateLimited]: slow down`` for messages and logs."""
    reason = response.reason_phrase
    head = f"HTTP {response.status_code} {reason}".rstrip()
    if body.error_type and body.error_type.lower() != reason.replace(" ", "").lower():
        head += f" [{body.error_type}]"
    return f"{head}: {body.message}"


def field_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic ``loc`` as a path people read: ``records[3].llm.cost.sum``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def describe_validation(exc: ValidationError, body: bytes) -> tuple[str, str]:
    """The field path of the first problem and one sentence about all of them."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    if first["type"] == "json_invalid":
        text = body.decode("utf-8", "replace").strip()
        kind = "an HTML page" if text.startswith("<") else "not valid JSON"
        return "", f"the body is {kind if text else 'empty'} ({first['msg']})"
    path = field_path(tuple(first["loc"]))
    got = "" if first["type"] == "missing" else f" (got {short(repr(first['input']), 60)})"
    problem = f"{path or 'the body'}: {first['msg']}{got}"
    if len(errors) > 1:
        problem += f"; and {len(errors) - 1} more problem(s)"
    return path, problem
