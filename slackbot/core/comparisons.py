"""Comparisons that never mislead (DESIGN §5): like with like, small bases, rates in points.

Pure. ``reference_period`` picks what a period is compared with, by the calendar;
``compare`` turns two ``Metrics`` into one ``Change`` per metric, with the small-base rule
(no arrow on fewer than 20 of a count, 20 LLM calls behind a rate or mean, or $1 of cost,
on either side), per-day averages when the two sides have different days with data, and
error rates in percentage points. ``relative_change`` is the one definition of "change".
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, TypeAlias

from slackbot.core.models import Metrics
from slackbot.core.periods import Period

Kind: TypeAlias = Literal["count", "cost", "rate", "mean"]
#: Below these totals, on either side, a change is shown as two values, never an arrow.
COUNT_FLOOR = 20
CALLS_FLOOR = 20
COST_FLOOR_USD = 1.0

_WEEK = timedelta(days=7)
_DAYS_LABEL = re.compile(r"([0-9]+)d", re.ASCII)
_DATE_LABEL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def relative_change(current: float | None, previous: float | None) -> float | None:
    """Relative change from previous to current (0.25 = +25%); None if previous is 0/None."""
    if current is None or previous is None or previous == 0:
        return None
    if not (math.isfinite(current) and math.isfinite(previous)):
        return None
    return (current - previous) / abs(previous)


def reference_period(period: Period, today: date) -> Period:
    """What ``period`` is compared with, chosen by the calendar (DESIGN §5's table)."""
    label = period.label
    if match := _DAYS_LABEL.fullmatch(label):
        if int(match.group(1)) < 7:
            return _shift(period, _WEEK, f"{label} a week earlier")
        return period.previous()
    if label in {"today", "yesterday"} or _DATE_LABEL.fullmatch(label):
        return _shift(period, _WEEK, "same weekday a week earlier")
    if label in {"this-week", "last-week"}:
        return _shift(period, _WEEK, "week before")
    if label in {"this-month", "last-month"}:
        return _month_before(period, today)
    return period.previous()


def _shift(period: Period, by: timedelta, label: str) -> Period:
    return Period(period.first - by, period.last - by, label)


def _month_before(period: Period, today: date) -> Period:
    last_of_prev = period.first.replace(day=1) - timedelta(days=1)
    first = last_of_prev.replace(day=1)
    if period.label == "last-month":
        return Period(first, last_of_prev, "month before")
    # this-month: day 1 to the same day number as today, capped at the month's last day.
    length = calendar.monthrange(first.year, first.month)[1]
    return Period(first, first.replace(day=min(today.day, length)), "month before")


def compared_periods(period: Period, reference: Period) -> tuple[Period | None, Period | None]:
    """The days a change is computed on: the period's closed days (a partial period ends
    today) and as many leading days of its reference; (None, None) for ``today`` alone."""
    closed = leading(period, period.days - (1 if period.partial else 0))
    return closed, None if closed is None else leading(reference, closed.days)


def leading(period: Period, days: int) -> Period | None:
    """The first ``days`` days of ``period`` (None for zero days)."""
    if days <= 0:
        return None
    last = min(period.last, period.first + timedelta(days=days - 1))
    return Period(period.first, last, period.label)


@dataclass(frozen=True)
class Spec:
    """How one metric is compared: its value, its kind and the total its base is judged on."""

    value: Callable[[Metrics], float | None]
    kind: Kind
    base: Callable[[Metrics], float]


def _count(name: str) -> Spec:
    getter: Callable[[Metrics], float] = lambda m: float(getattr(m, name))  # noqa: E731
    return Spec(getter, "count", getter)


def _calls(m: Metrics) -> float:
    return float(m.llm_calls)


def _sessions(m: Metrics) -> float:
    return float(m.sessions)


#: Keyed like ``Metrics.to_json``.
SPECS: Mapping[str, Spec] = {
    "sessions": _count("sessions"),
    "users": _count("users"),
    "newUsers": _count("new_users"),
    "returningUsers": _count("returning_users"),
    "userMessages": _count("user_messages"),
    "botMessages": _count("bot_messages"),
    "events": _count("events"),
    "llmCalls": _count("llm_calls"),
    "llmErrors": _count("llm_errors"),
    "inputTokens": _count("input_tokens"),
    "outputTokens": _count("output_tokens"),
    "tokens": Spec(
        lambda m: float(m.input_tokens + m.output_tokens),
        "count",
        lambda m: float(m.input_tokens + m.output_tokens),
    ),
    "messagesPerSession": Spec(lambda m: m.messages_per_session, "mean", _sessions),
    "errorRate": Spec(lambda m: m.error_rate, "rate", _calls),
    "tokensPerCall": Spec(lambda m: m.tokens_per_call, "mean", _calls),
    "costUsd": Spec(lambda m: m.cost_sum, "cost", lambda m: m.cost_sum),
    "costPerSession": Spec(lambda m: m.cost_per_session, "mean", _sessions),
    "costPerCall": Spec(lambda m: m.cost_per_call, "mean", _calls),
    "latencyMeanMs": Spec(lambda m: m.latency_mean, "mean", _calls),
    "tokensPerSecond": Spec(lambda m: m.tokens_per_second, "mean", _calls),
}


@dataclass(frozen=True)
class Change:
    """One metric on both sides of a comparison, and how (or whether) it moved."""

    key: str
    kind: Kind
    current: float | None  # per day with data when ``per_day``
    previous: float | None
    relative: float | None = None  # counts, costs, means: 0.25 = +25%
    points: float | None = None  # rates: percentage points, 1.0 = +1 pp
    small_base: bool = False  # below the floor on either side: show both values
    per_day: bool = False

    @property
    def comparable(self) -> bool:
        """True when an arrow may be shown: both sides known and the base big enough."""
        if self.small_base or self.current is None or self.previous is None:
            return False
        return self.points is not None or self.relative is not None or self.previous == 0


def _floor(kind: Kind) -> float:
    return COST_FLOOR_USD if kind == "cost" else COUNT_FLOOR if kind == "count" else CALLS_FLOOR


def compare_metric(key: str, current: Metrics, previous: Metrics, *, per_day: bool) -> Change:
    """``key`` of ``current`` against ``previous`` (DESIGN §5's rules)."""
    spec = SPECS[key]
    if previous.days == 0 or current.days == 0:
        return Change(key, spec.kind, spec.value(current), None)
    floor = _floor(spec.kind)
    small = spec.base(current) < floor or spec.base(previous) < floor
    cur, prev = spec.value(current), spec.value(previous)
    scaled = per_day and spec.kind in {"count", "cost"}
    if scaled and cur is not None and prev is not None:
        cur, prev = cur / current.days, prev / previous.days
    if spec.kind == "rate":
        points = None if cur is None or prev is None else (cur - prev) * 100
        return Change(key, "rate", cur, prev, points=points, small_base=small, per_day=scaled)
    rel = relative_change(cur, prev)
    return Change(key, spec.kind, cur, prev, relative=rel, small_base=small, per_day=scaled)


def compare(current: Metrics, previous: Metrics) -> dict[str, Change]:
    """Every metric of ``SPECS`` compared; per day when the sides' days with data differ."""
    per_day = current.days != previous.days and current.days > 0 and previous.days > 0
    return {key: compare_metric(key, current, previous, per_day=per_day) for key in SPECS}
