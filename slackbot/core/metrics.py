"""Summaries: API records bucketed into UTC days, and a period against the one before it.

Pure. Exactness comes from ``Metrics`` (sums and call-weighted sums, never averaged means).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from slackbot.core.comparisons import relative_change
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
    """One bot over a period, with the equal-length period before it for comparison."""

    bot: Bot
    period: Period
    previous_period: Period
    current: Metrics
    previous: Metrics
    as_of: datetime | None = None  # when the newest data was fetched (freshness)

    def changes(self) -> dict[str, float | None]:
        """Relative change of every numeric ``Metrics.to_json`` key (None: no base)."""
        now, before = self.current.to_json(), self.previous.to_json()
        return {
            key: relative_change(_number(value), _number(before.get(key)))
            for key, value in now.items()
            if not isinstance(value, Mapping)
        }

    def to_json(self) -> dict[str, Any]:
        """The ``report --json`` document (DESIGN §2) plus changes; safe for ``json.dumps``."""
        doc = {
            "bot": {"id": self.bot.id, "name": self.bot.name, "alias": self.bot.alias},
            "period": _period_json(self.period),
            "previousPeriod": _period_json(self.previous_period),
            "totals": self.current.to_json(),
            "previous": self.previous.to_json(),
            "changes": self.changes(),
            "asOf": None if self.as_of is None else self.as_of.isoformat(),
        }
        cleaned: dict[str, Any] = _finite(doc)
        return cleaned


def summarize(
    bot: Bot, period: Period, days: Mapping[date, Metrics], *, as_of: datetime | None = None
) -> Summary:
    """Sum the days of ``period`` and of the period before it; other days are ignored."""
    before = period.previous()
    return Summary(
        bot=bot,
        period=period,
        previous_period=before,
        current=Metrics.total(m for d, m in days.items() if d in period),
        previous=Metrics.total(m for d, m in days.items() if d in before),
        as_of=as_of,
    )


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
