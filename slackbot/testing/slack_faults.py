"""The faults of ``testing.FakeSlack``: which Web API calls fail next, and how.

Two families, each armed per method for the next ``times`` calls (then Slack recovers):

- refusals answer instead of Slack, and the call takes no effect: 429 ``ratelimited``
  with ``Retry-After`` or ``RateLimit-Reset``, an ``ok: false`` error, an HTTP error
  status with a load balancer's HTML page (500/502/503/504), a 200 HTML page; ``down``
  refuses every method the same way;
- manglings let the call take effect (a message is posted) and then spoil its answer:
  ``hang`` (answer late), ``drop`` (hang up unanswered), ``cut`` (hang up halfway through
  the body), ``truncate`` (a complete answer whose JSON stops halfway), ``wrong_types``
  (the right keys with the wrong types: ``"ts": 1700000001.000001``, ``"channel": [...]``).

Not thread-safe alone: ``FakeSlack`` holds its lock around every call.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from typing import Any, Literal

from slackbot.testing.http import Answer, JsonDict

Mangling = Literal["hang", "drop", "cut", "truncate", "wrong_types"]
REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
REASONS |= {504: "Gateway Timeout", 200: "Sign in to continue"}


def error_page(status: int, title: str | None = None) -> str:
    """The HTML page a load balancer in front of Slack answers with (not the Web API's JSON),
    titled ``title`` or after ``status``."""
    reason = REASONS.get(status, "Error")
    head = title or f"{status} {reason}"
    return f"<html><head><title>{head}</title></head><body>{reason}</body></html>"


#: What a load balancer in front of a down Slack answers.
DOWN_TITLE = "Slack is down"
DOWN_PAGE = error_page(503, DOWN_TITLE)


def rate_limited(retry_after: int, header: str) -> Answer:
    """Slack's 429 ``ratelimited``, saying when to come back in ``header``."""
    return Answer(429, {"ok": False, "error": "ratelimited"}, {header: str(retry_after)})


@dataclass
class Refusal:
    """An answer given instead of Slack's (the call takes no effect)."""

    answer: Answer
    remaining: int | None  # None: until cleared


@dataclass
class Spoiler:
    """What becomes of Slack's answer to a call that took effect."""

    kind: Mangling
    remaining: int | None
    seconds: float = 0.0  # ``hang`` only


class SlackFaults:
    """The armed faults: refusals and manglings by method, and ``down`` for every method."""

    def __init__(self) -> None:
        self.refusals: dict[str, Refusal] = {}
        self.spoilers: dict[str, Spoiler] = {}
        self.down: Refusal | None = None

    def refuse(self, method: str, answer: Answer, times: int) -> None:
        """Answer the next ``times`` calls of ``method`` with ``answer``."""
        self.refusals[method] = Refusal(answer, _at_least_one(times))

    def spoil(self, method: str, kind: Mangling, times: int, seconds: float = 0.0) -> None:
        """Spoil Slack's answer to the next ``times`` calls of ``method`` as ``kind`` says."""
        self.spoilers[method] = Spoiler(kind, _at_least_one(times), seconds)

    def refusal(self, method: str) -> Answer | None:
        """The answer that replaces Slack's for this call (``down`` first), counted."""
        if self.down is not None:
            answer = self.down.answer
            if _spend(self.down):
                self.down = None
            return answer
        armed = self.refusals.get(method)
        if armed is None:
            return None
        if _spend(armed):
            del self.refusals[method]
        return armed.answer

    def spoiler(self, method: str) -> Spoiler | None:
        """How Slack's answer to this call is spoiled (None: it is not), counted."""
        armed = self.spoilers.get(method)
        if armed is not None and _spend(armed):
            del self.spoilers[method]
        return armed


def _spend(armed: Refusal | Spoiler) -> bool:
    """Count one call against ``armed``; True when that was its last."""
    if armed.remaining is None:
        return False
    armed.remaining -= 1
    return armed.remaining <= 0


def _at_least_one(times: int) -> int:
    if times < 1:
        raise ValueError(f"times must be at least 1, not {times}")
    return times


def spoiled(kind: Mangling, answer: Answer) -> Answer:
    """``answer`` as ``kind`` spoils it (``hang`` only delays it: unchanged)."""
    if kind == "drop":
        return replace(answer, wire="none")
    if kind == "cut":
        return replace(answer, wire="cut")
    if kind == "truncate":
        body, _ = answer.encoded()
        return replace(answer, body=body[: len(body) // 2])
    if kind == "wrong_types" and isinstance(answer.body, dict):
        return replace(answer, body=mistyped(answer.body))
    return answer


def mistyped(body: JsonDict) -> JsonDict:
    """Every value but ``ok`` with the wrong type: numeric strings as numbers, other strings,
    objects and lists each wrapped in the other container."""
    return {key: value if key == "ok" else _retyped(value) for key, value in body.items()}


def _retyped(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value) if value.replace(".", "", 1).isdigit() else [value]
        except ValueError:
            return [value]
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return {"items": value}
    return str(value)


class FaultControls:
    """FakeSlack's fault switches (its base class): each arms ``_faults`` under ``_cond``."""

    _cond: threading.Condition
    _faults: SlackFaults

    def rate_limit(
        self,
        method: str = "chat.postMessage",
        *,
        retry_after: int = 1,
        times: int = 1,
        header: str = "Retry-After",
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 ``ratelimited``, saying
        when to come back in ``header`` (``Retry-After`` or ``RateLimit-Reset``)."""
        with self._cond:
            self._faults.refuse(method, rate_limited(retry_after, header), times)

    def fail(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": error}``."""
        with self._cond:
            self._faults.refuse(method, Answer(200, {"ok": False, "error": error}), times)

    def http_error(self, method: str, status: int = 500, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with ``status`` and an HTML page."""
        with self._cond:
            self._faults.refuse(method, Answer(status, error_page(status)), times)

    def html_page(self, method: str, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with a 200 HTML page (not Slack)."""
        with self._cond:
            self._faults.refuse(method, Answer(200, error_page(200)), times)

    def hang(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` after ``seconds``; they take effect."""
        with self._cond:
            self._faults.spoil(method, "hang", times, max(seconds, 0.001))

    def drop(self, method: str, *, times: int = 1) -> None:
        """Let the next ``times`` calls of ``method`` take effect, then hang up unanswered."""
        with self._cond:
            self._faults.spoil(method, "drop", times)

    def cut(self, method: str, *, times: int = 1) -> None:
        """Let the next ``times`` calls take effect, then hang up halfway through the answer."""
        with self._cond:
            self._faults.spoil(method, "cut", times)

    def truncate(self, method: str, *, times: int = 1) -> None:
        """Let the next ``times`` calls take effect, answered with JSON that stops halfway."""
        with self._cond:
            self._faults.spoil(method, "truncate", times)

    def wrong_types(self, method: str, *, times: int = 1) -> None:
        """Let the next ``times`` calls take effect, answered with values of the wrong types."""
        with self._cond:
            self._faults.spoil(method, "wrong_types", times)

    def go_down(self, status: int = 503, *, times: int | None = None) -> None:
        """Answer every Web API call with ``status`` and an HTML page until ``come_back()``,
        or for the next ``times`` calls."""
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 (or None for until come_back), not {times}")
        with self._cond:
            page = DOWN_PAGE if status == 503 else error_page(status, DOWN_TITLE)
            self._faults.down = Refusal(Answer(status, page), times)

    def come_back(self) -> None:
        """Answer Web API calls normally again after ``go_down``."""
        with self._cond:
            self._faults.down = None
