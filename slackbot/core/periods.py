"""PERIOD grammar (DESIGN §4): text such as ``7d`` or ``last-week`` to a range of UTC days.

Pure: the clock is never read; ``now`` is passed in. Periods are made of whole UTC days,
the buckets the Botpress API reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from slackbot.core.text import fit_escaped
from slackbot.errors import PeriodError

MAX_DAYS = 365
DEFAULT_PERIOD = "7d"
#: Botpress Cloud has no analytics this old; refusing earlier dates also keeps
#: ``previous()`` far from ``date.min``.
MIN_DATE = date(2000, 1, 1)
PERIOD_USAGE = (
    "PERIOD is one of: today | yesterday | 7d | 30d | Nd (N = 1..365 closed days ending "
    "yesterday) | this-week | last-week | this-month | last-month | YYYY-MM-DD | "
    "YYYY-MM-DD..YYYY-MM-DD (UTC days, at most 365)"
)

_ONE_DAY = timedelta(days=1)
_EN_DASH = " \u2013 "
_QUOTE_LIMIT = 40
# ASCII only: \d would also accept Arabic-Indic and other Unicode digits.
_DAYS_RE = re.compile(r"([0-9]+)d", re.ASCII)
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DATE_RE = re.compile(_DATE, re.ASCII)
_RANGE_RE = re.compile(rf"({_DATE})\s*\.\.\s*({_DATE})", re.ASCII)


@dataclass(frozen=True)
class Period:
    """An inclusive range of UTC days with the label the user typed (normalised)."""

    first: date
    last: date
    label: str
    partial: bool = False  # True when it includes today (UTC), whose data is incomplete

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.last - self.first).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def previous(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
        last = self.first - _ONE_DAY
        return Period(last - timedelta(days=self.days - 1), last, f"prev. {self.label}")

    def dates(self) -> list[date]:
        """Every day of the period, oldest first."""
        return [self.first + timedelta(days=i) for i in range(self.days)]

    def describe(self) -> str:
        """Human text, e.g. ``7 days, 2026-05-04 to 2026-05-10`` (with an en dash)."""
        if self.days == 1:
            text = f"1 day, {self.first.isoformat()}"
        else:
            text = f"{self.days} days, {self.first.isoformat()}{_EN_DASH}{self.last.isoformat()}"
        return f"{text} (today so far, UTC)" if self.partial else text


def parse_period(text: str | None, *, now: datetime) -> Period:
    """Parse a PERIOD (None or blank: ``7d``) relative to ``now``; PeriodError if invalid."""
    today = _utc_today(now)
    raw = "" if text is None else text
    normal = raw.strip().lower() or DEFAULT_PERIOD
    named = _NAMED.get(normal)
    if named is not None:
        return named(today)
    if match := _DAYS_RE.fullmatch(normal):
        return _last_n_days(match.group(1), raw, today)
    if _DATE_RE.fullmatch(normal):
        day = _to_date(normal, raw)
        return _bounded(day, day, normal, raw, today)
    if match := _RANGE_RE.fullmatch(normal):
        first, last = _to_date(match.group(1), raw), _to_date(match.group(2), raw)
        if last < first:
            raise _error(f"{_quote(raw)} ends before it starts; put the earlier date first.")
        return _bounded(first, last, None, raw, today)
    hint = _suggest(normal)
    raise _error(f"{_quote(raw)} is not a period botstats understands.{hint}")


def _utc_today(now: datetime) -> date:
    # A naive datetime would silently be read as local time by astimezone(): refuse it.
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("parse_period needs a timezone-aware `now`")
    return now.astimezone(UTC).date()


def _last_n_days(digits: str, raw: str, today: date) -> Period:
    # Bounded before int(): a 5000-digit number would trip Python's int-parsing limit.
    count = int(digits) if len(digits) <= 6 else MAX_DAYS + 1
    if count < 1:
        raise _error(f"{_quote(raw)} covers no days; use at least 1d.")
    if count > MAX_DAYS:
        raise _error(f"{_quote(raw)} is too long: a period covers at most {MAX_DAYS} days.")
    return Period(today - timedelta(days=count), today - _ONE_DAY, f"{count}d")


def _bounded(first: date, last: date, label: str | None, raw: str, today: date) -> Period:
    """Check explicit dates against today and the limits; a range past today is cut at today."""
    if first > today:
        raise _error(f"{_quote(raw)} is in the future: today is {today.isoformat()} (UTC).")
    if first < MIN_DATE:
        raise _error(
            f"{_quote(raw)} is too far back: periods start on {MIN_DATE.isoformat()} or later."
        )
    # A range that runs past today is cut at today (no future day has data).
    last = min(last, today)
    period = Period(first, last, label or f"{first.isoformat()}..{last.isoformat()}", last == today)
    if period.days > MAX_DAYS:
        raise _error(
            f"{_quote(raw)} covers {period.days} days: a period covers at most {MAX_DAYS} days."
        )
    return period


def _to_date(text: str, raw: str) -> date:
    year, month, day = (int(part) for part in text.split("-"))
    try:
        return date(year, month, day)
    except ValueError:
        where = "" if raw.strip().lower() == text else f": {text}"
        raise _error(f"{_quote(raw)}{where} is not a calendar date.") from None


def _suggest(normal: str) -> str:
    """A "did you mean" for near misses such as ``last week`` or ``7 days``."""
    squeezed = re.sub(r"[\s_-]+", "", normal)
    for name in _NAMED:
        if name.replace("-", "") == squeezed:
            return f" Did you mean `{name}`?"
    if match := re.fullmatch(r"([0-9]{1,3})(?:d|days?)", squeezed, re.ASCII):
        return f" Did you mean `{int(match.group(1))}d`?"
    return ""


def _quote(raw: str) -> str:
    # The one sanitiser (core.text): cleaned and escaped, at most _QUOTE_LIMIT once escaped.
    return "`" + fit_escaped(raw, _QUOTE_LIMIT).replace("`", "'") + "`"


def _error(message: str) -> PeriodError:
    return PeriodError(message, usage=PERIOD_USAGE)


def _today(today: date) -> Period:
    return Period(today, today, "today", partial=True)


def _yesterday(today: date) -> Period:
    day = today - _ONE_DAY
    return Period(day, day, "yesterday")


def _this_week(today: date) -> Period:
    return Period(today - timedelta(days=today.weekday()), today, "this-week", partial=True)


def _last_week(today: date) -> Period:
    monday = today - timedelta(days=today.weekday() + 7)
    return Period(monday, monday + timedelta(days=6), "last-week")


def _this_month(today: date) -> Period:
    return Period(today.replace(day=1), today, "this-month", partial=True)


def _last_month(today: date) -> Period:
    last = today.replace(day=1) - _ONE_DAY
    return Period(last.replace(day=1), last, "last-month")


_NAMED: dict[str, Callable[[date], Period]] = {
    "today": _today,
    "yesterday": _yesterday,
    "this-week": _this_week,
    "last-week": _last_week,
    "this-month": _this_month,
    "last-month": _last_month,
}
