"""Summaries: API records bucketed into UTC days, and a period against its reference.

Pure. Exactness comes from ``Metrics`` (sums and call-weighted sums, never averaged means).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from slackbot.core.comparisons import (
    Change,
    compare,
    compared_periods,
    reference_period,
)
from slackbot.core.models import AnalyticsRecord, Bot, Metrics
from slackbot.core.periods import Period


def record_day(record: AnalyticsRecord) -> date:
    """The UTC day a record belongs to: the UTC date of its ``startDateTimeUtc``."""
    start = record.startDateTimeUtc
    # A timestamp without an offset is taken as UTC, as the field name says.
    return start.date() if start.tzinfo is None else start.astimezone(UTC).date()


def bucket_records(
    records: Iterable[AnalyticsRecord], first: date, last: date
) -> dict[date, Metrics]:
    """Records as one ``Metrics`` per UTC day in [first, last]; same-day records merged."""
    days: dict[date, Metrics] = {}
    for record in records:
        day = record_day(record)
        # The API's endDate has been exclusive and inclusive over time: drop what spills over.
        if day < first or day > last:
            continue
        metrics = Metrics.from_record(record)
        seen = days.get(day)
        days[day] = metrics if seen is None else seen.merge_same_day(metrics)
    return days


@dataclass(frozen=True)
class Summary:
    """One bot over a period against its reference period (DESIGN §5), ready to show.

    ``current`` and ``previous`` are whole periods; changes are computed on ``closed``
    (the period's closed days) against ``baseline`` (the same number of leading days of
    the reference), so a period that includes today never compares a partial day.
    """

    bot: Bot
    period: Period
    previous_period: Period
    current: Metrics
    previous: Metrics
    as_of: datetime | None = None  # when the newest data was fetched (freshness)
    closed: Metrics | None = None  # None: the same as ``current`` (no partial day)
    baseline: Metrics | None = None  # None: the same as ``previous``
    so_far: Metrics | None = None  # today's partial bucket, when the period includes today
    missing_days: tuple[date, ...] = ()  # closed days, from the first day with data on
    previous_missing_days: tuple[date, ...] = ()
    first_data_day: date | None = None
    daily: tuple[tuple[date, Metrics], ...] = ()  # the period's days with data, oldest first
    notes: tuple[str, ...] = ()  # warnings for the reader (e.g. a refused token)

    @property
    def partial(self) -> bool:
        """True when the period includes today, whose data is incomplete."""
        return self.period.partial

    @property
    def compared(self) -> tuple[Metrics, Metrics]:
        """The two sides changes are computed on: closed days and their reference days."""
        return (
            self.current if self.closed is None else self.closed,
            self.previous if self.baseline is None else self.baseline,
        )

    @property
    def closed_period(self) -> Period | None:
        """The period's closed days (None for ``today`` alone)."""
        return compared_periods(self.period, self.previous_period)[0]

    @property
    def baseline_period(self) -> Period | None:
        """The reference days the closed days are compared with."""
        return compared_periods(self.period, self.previous_period)[1]

    @property
    def per_day(self) -> bool:
        """True when the two sides have different days with data (changes are per day)."""
        cur, prev = self.compared
        return cur.days != prev.days and cur.days > 0 and prev.days > 0

    def comparison(self) -> dict[str, Change]:
        """Every metric's change, closed days against their reference days."""
        return compare(*self.compared)

    def changes(self) -> dict[str, float | None]:
        """Relative change per metric (percentage points for rates; None: not comparable)."""
        return {
            key: (change.points if change.kind == "rate" else change.relative)
            for key, change in self.comparison().items()
        }

    def to_json(self) -> dict[str, Any]:
        """The ``report --json`` document (DESIGN §2) plus changes; safe for ``json.dumps``."""
        closed, baseline = self.closed_period, self.baseline_period
        doc = {
            "bot": {"id": self.bot.id, "name": self.bot.name, "alias": self.bot.alias},
            "period": _period_json(self.period),
            "previousPeriod": _period_json(self.previous_period),
            "partial": self.partial,
            "missingDays": [d.isoformat() for d in self.missing_days],
            "previousMissingDays": [d.isoformat() for d in self.previous_missing_days],
            "firstDataDay": None
            if self.first_data_day is None
            else self.first_data_day.isoformat(),
            "totals": self.current.to_json(),
            "soFar": None if self.so_far is None else self.so_far.to_json(),
            "previous": self.previous.to_json(),
            "comparedDays": None if closed is None else _period_json(closed),
            "comparedWith": None if baseline is None else _period_json(baseline),
            "perDay": self.per_day,
            "changes": self.changes(),
            "asOf": None if self.as_of is None else self.as_of.isoformat(),
            "notes": list(self.notes),
        }
        cleaned: dict[str, Any] = _finite(doc)
        return cleaned


def summarize(
    bot: Bot,
    period: Period,
    days: Mapping[date, Metrics],
    *,
    as_of: datetime | None = None,
    first_data_day: date | None = None,
) -> Summary:
    """The period and its reference period from a bot's days with data (others ignored).

    ``first_data_day`` is the bot's first day with data in all its history (default: the
    first in ``days``): closed days before it are history that does not exist, not gaps.
    """
    today = period.last if period.partial else period.last + timedelta(days=1)
    before = reference_period(period, today)
    if first_data_day is None:
        first_data_day = min(days, default=None)
    closed, baseline = compared_periods(period, before)
    daily = tuple(sorted((d, m) for d, m in days.items() if d in period))
    return Summary(
        bot=bot,
        period=period,
        previous_period=before,
        current=Metrics.total(m for _, m in daily),
        previous=_total(days, before),
        as_of=as_of,
        closed=_total(days, closed),
        baseline=_total(days, baseline),
        so_far=days.get(today, Metrics()) if period.partial else None,
        missing_days=_missing(days, closed, first_data_day),
        previous_missing_days=_missing(days, baseline, first_data_day),
        first_data_day=first_data_day,
        daily=daily,
    )


def _total(days: Mapping[date, Metrics], period: Period | None) -> Metrics:
    if period is None:
        return Metrics()
    return Metrics.total(m for d, m in days.items() if d in period)


def _missing(
    days: Mapping[date, Metrics], period: Period | None, first_data_day: date | None
) -> tuple[date, ...]:
    """Closed days of ``period`` without a record, from the first day with data on."""
    if period is None or first_data_day is None:
        return ()
    return tuple(d for d in period.dates() if d >= first_data_day and d not in days)


def _number(value: object) -> float | None:
    # bool is an int subclass but never a metric.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _period_json(period: Period) -> dict[str, Any]:
    return {
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "label": period.label,
        "days": period.days,
        "partial": period.partial,
    }


def _finite(value: Any) -> Any:
    """Non-finite floats (an overflowed sum) become None: JSON has no NaN or Infinity."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value
