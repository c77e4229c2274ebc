"""The simulator's fault modes: what each one answers, and which requests are armed with one.

Every mode is a way Botpress, or a gateway in front of it, really fails:

=================== ===============================================================
``unauthorized``    401 ``Unauthorized`` (Botpress's JSON error body), even for good credentials
``ratelimited``     429 ``RateLimited`` with ``Retry-After`` and the ``RateLimit-*`` headers
``retry_after``     429 ``RateLimited`` with ``Retry-After`` only
``ratelimit_reset`` 429 ``RateLimited`` with ``RateLimit-Limit/Remaining/Reset`` only
``internal_error``  500 ``InternalError`` (Botpress's JSON error body)
``bad_gateway``     502 with a gateway's HTML page
``down``            503 with a gateway's HTML page
``gateway_timeout`` 504 with a gateway's HTML page
``slow``            the real answer, after ``slow_seconds`` (hangs past a client's timeout)
``hangup``          the connection closed before any byte of an answer
``cut_body``        the real answer's headers (with its full ``Content-Length``) and half
                    its body, then the connection closed
``truncated``       the real status in a complete HTTP answer whose JSON body stops halfway
``garbage``         200 with an HTML page instead of JSON
``wrong_types``     the real answer's JSON with the wrong types: numbers sent as strings
                    (``"sessions": "42"``), bot names sent as numbers
=================== ===============================================================

The 429 modes ask to wait ``retry_after`` seconds (1 by default). A fault is armed for
every request or for one bot's analytics calls, forever or for the next ``times``
requests it hits, after which it clears itself (recovery).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from typing import Any

from slackbot.simulator.wire import (
    DOWN_HTML,
    GARBAGE_HTML,
    RATE_LIMIT,
    Reply,
    error_reply,
    rate_headers,
)

FAULTS = (
    "unauthorized",
    "down",
    "slow",
    "garbage",
    "ratelimited",
    "retry_after",
    "ratelimit_reset",
    "internal_error",
    "bad_gateway",
    "gateway_timeout",
    "hangup",
    "cut_body",
    "truncated",
    "wrong_types",
)
BAD_GATEWAY_HTML = (
    b"<html><head><title>502 Bad Gateway</title></head><body>bad gateway</body></html>"
)
GATEWAY_TIMEOUT_HTML = (
    b"<html><head><title>504 Gateway Time-out</title></head><body>gateway timeout</body></html>"
)


def check_fault(name: str | None) -> None:
    """ValueError naming the valid faults unless ``name`` is None or one of ``FAULTS``."""
    if name is not None and name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; use None or one of {', '.join(FAULTS)}")


def fault_reply(name: str, *, retry_after: int = 1) -> Reply | None:
    """The answer that replaces the real one for fault ``name`` (None: the real one is served,
    then changed by ``mangle``, or late for ``slow``)."""
    if name == "unauthorized":
        return error_reply(401, "Unauthorized", "Invalid or expired Personal Access Token")
    if name == "internal_error":
        return error_reply(500, "InternalError", "An internal error occurred; try again later")
    pages = {"bad_gateway": (502, BAD_GATEWAY_HTML), "down": (503, DOWN_HTML)}
    pages |= {"gateway_timeout": (504, GATEWAY_TIMEOUT_HTML), "garbage": (200, GARBAGE_HTML)}
    if name in pages:
        status, page = pages[name]
        return Reply(status, page, "text/html")
    if name == "hangup":
        return Reply(0, b"", wire="none")
    return _rate_limited(name, str(retry_after))


def _rate_limited(name: str, wait: str) -> Reply | None:
    message = f"Too many requests: over {RATE_LIMIT} per second for this workspace"
    body = error_reply(429, "RateLimited", message).body
    limits = (*rate_headers(0)[:2], ("RateLimit-Reset", wait))
    headers = {
        "ratelimited": (("Retry-After", wait), *limits),
        "retry_after": (("Retry-After", wait),),
        "ratelimit_reset": limits,
    }.get(name)
    return None if headers is None else Reply(429, body, headers=headers)


def mangle(name: str | None, reply: Reply) -> Reply:
    """The real ``reply`` as fault ``name`` changes it (unchanged for the other faults)."""
    if name == "cut_body":
        return replace(reply, wire="cut")
    if name == "truncated":
        return replace(reply, body=reply.body[: len(reply.body) // 2])
    if name == "wrong_types":
        body = json.dumps(mistyped(json.loads(reply.body)), separators=(",", ":")).encode()
        return replace(reply, body=body)
    return reply


def mistyped(value: Any, key: str = "") -> Any:
    """``value`` with every number as a string and every bot ``name`` as a number."""
    if isinstance(value, dict):
        return {k: mistyped(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mistyped(v, key) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return str(value)
    return len(value) if key == "name" and isinstance(value, str) else value


@dataclass
class Armed:
    """One armed fault: its name and how many more requests it hits (None: until cleared)."""

    name: str
    remaining: int | None = None


class FaultBook:
    """Which fault each request hits: one for every request, else one per bot (thread-safe).

    ``bots`` is the simulator's public ``bot_faults`` dict (bot id -> fault, until removed).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.everywhere: Armed | None = None
        self.bots: dict[str, str] = {}
        self._counted: dict[str, Armed] = {}

    def arm(self, name: str | None, *, times: int | None = None, bot_id: str | None = None) -> None:
        """Arm ``name`` (None disarms) for every request or ``bot_id``'s, ``times`` times."""
        check_fault(name)
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 (or None for until cleared), not {times}")
        armed = None if name is None else Armed(name, times)
        with self._lock:
            if bot_id is None:
                self.everywhere = armed
            elif armed is None:
                self._counted.pop(bot_id, None)
                self.bots.pop(bot_id, None)
            else:
                self._counted[bot_id] = armed

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self.everywhere = None
            self._counted.clear()
            self.bots.clear()

    def take(self, bot_id: str | None) -> str | None:
        """The fault this request hits (``bot_id``: the bot an analytics call asks about),
        counting it against its ``times``."""
        with self._lock:
            if self.everywhere is not None:
                return self._spend(self.everywhere, None)
            counted = self._counted.get(bot_id or "")
            if counted is not None:
                return self._spend(counted, bot_id)
            return self.bots.get(bot_id) if bot_id is not None else None

    def _spend(self, armed: Armed, bot_id: str | None) -> str:
        if armed.remaining is not None:
            armed.remaining -= 1
            if armed.remaining <= 0:  # spent: the next request finds Botpress recovered
                if bot_id is None:
                    self.everywhere = None
                else:
                    del self._counted[bot_id]
        return armed.name
