"""Closed days of metrics per bot, and which days were fetched (table ``coverage``).

Day rows keep every field of ``Metrics`` (sums, call-weighted sums, min, max, event maps
as JSON), so any period re-aggregates exactly. A covered day without a metrics row was
fetched and had no data, which is not the same as a day never fetched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from slackbot.core.models import Metrics
from slackbot.errors import StoreError
from slackbot.store.connections import Connections, iso_time, parse_day, parse_time
from slackbot.store.schema import (
    METRIC_CALL_COLUMNS,
    METRIC_INT_COLUMNS,
    METRIC_NULLABLE_COLUMNS,
    METRIC_REAL_COLUMNS,
)

_SCALAR_COLUMNS = (
    METRIC_INT_COLUMNS + METRIC_REAL_COLUMNS + METRIC_NULLABLE_COLUMNS + METRIC_CALL_COLUMNS
)
_DAY_COLUMNS = ("bot_id", "day", *_SCALAR_COLUMNS, "event_types", "custom_events", "fetched_at")
# Column names are constants of this package, never input.
_INSERT_DAY = "INSERT INTO daily_metrics ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(_DAY_COLUMNS), ", ".join("?" for _ in _DAY_COLUMNS)
)
_SELECT_DAYS = "SELECT {} FROM daily_metrics {}".format(  # noqa: S608
    ", ".join(_DAY_COLUMNS),
    "WHERE bot_id IN (SELECT value FROM json_each(?)) AND day BETWEEN ? AND ? ORDER BY bot_id, day",
)
_UPSERT_COVERAGE = (
    "INSERT INTO coverage (bot_id, day, fetched_at) VALUES (?, ?, ?) "
    "ON CONFLICT (bot_id, day) DO UPDATE SET fetched_at = excluded.fetched_at"
)


def days_between(first: date, last: date) -> Iterator[date]:
    """Every date from ``first`` to ``last`` inclusive."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def contiguous_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted dates grouped into (first, last) runs of consecutive days."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and day - ranges[-1][1] == timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def _json_map(values: Mapping[str, float]) -> str:
    # allow_nan=False: a NaN or infinity must fail the write, not be stored as invalid JSON.
    return json.dumps(dict(values), sort_keys=True, allow_nan=False)


def metrics_values(bot_id: str, day: date, metrics: Metrics, fetched_at: str) -> tuple[Any, ...]:
    """The ``daily_metrics`` row of one bot-day, in ``_DAY_COLUMNS`` order."""
    return (
        bot_id,
        day.isoformat(),
        *(getattr(metrics, column) for column in _SCALAR_COLUMNS),
        _json_map(metrics.event_types),
        _json_map(metrics.custom_events),
        fetched_at,
    )


def _load_map(text: str) -> dict[str, float]:
    return {} if text == "{}" else dict(json.loads(text))


def row_metrics(row: Sequence[Any]) -> Metrics:
    """A ``daily_metrics`` row in ``_DAY_COLUMNS`` order as Metrics (exactly what was saved)."""
    scalars = dict(zip(_SCALAR_COLUMNS, row[2 : 2 + len(_SCALAR_COLUMNS)], strict=True))
    events, custom = row[2 + len(_SCALAR_COLUMNS) : 4 + len(_SCALAR_COLUMNS)]
    return Metrics(**scalars, event_types=_load_map(events), custom_events=_load_map(custom))


class Days:
    """The ``daily_metrics`` and ``coverage`` tables."""

    def __init__(self, conn: Connections) -> None:
        self._conn = conn

    def save(
        self,
        bot_id: str,
        first: date,
        last: date,
        days: Mapping[date, Metrics],
        *,
        fetched_at: datetime,
    ) -> int:
        """Replace a bot's days in [first, last] and mark them covered, in one transaction.

        Days of ``days`` outside the range are ignored; a day in the range without an entry
        is stored as "fetched, no data" (an older row for it is removed). Returns the
        number of day rows written.
        """
        stamp = iso_time(fetched_at)
        try:
            rows = [
                metrics_values(bot_id, day, metrics, stamp)
                for day, metrics in sorted(days.items())
                if first <= day <= last
            ]
        except ValueError as exc:  # a NaN or infinity in an event map
            raise StoreError(
                f"Cannot store the metrics of bot {bot_id} in {self._conn.path} ({exc}); this is a "
                "botstats bug, please report it.",
                path=str(self._conn.path),
            ) from exc
        covered = [(bot_id, d.isoformat(), stamp) for d in days_between(first, last)]
        span = [bot_id, first.isoformat(), last.isoformat()]
        with self._conn.write() as db:
            # A day row needs its bot (foreign key); a bot first seen here is not yet tracked.
            db.execute(
                "INSERT OR IGNORE INTO bots (id, name, tracked, updated_at) VALUES (?, ?, 0, ?)",
                [bot_id, bot_id, stamp],
            )
            db.execute("DELETE FROM daily_metrics WHERE bot_id = ? AND day BETWEEN ? AND ?", span)
            # One prepared statement per table: sqlite-utils' insert_all builds multi-row SQL
            # and inspects every value in Python, about 4x slower on this hot path.
            db.conn.executemany(_INSERT_DAY, rows)
            db.conn.executemany(_UPSERT_COVERAGE, covered)
        return len(rows)

    def load(self, bot_id: str, first: date, last: date) -> dict[date, Metrics]:
        """A bot's stored days with data in [first, last]."""
        return self.history([bot_id], first, last).get(bot_id, {})

    def history(
        self, bot_ids: Sequence[str], first: date, last: date
    ) -> dict[str, dict[date, Metrics]]:
        """Stored days with data in [first, last] of many bots, in one query."""
        if not bot_ids:
            return {}
        params = [json.dumps(list(bot_ids)), first.isoformat(), last.isoformat()]
        out: dict[str, dict[date, Metrics]] = {}
        with self._conn.read() as db:
            for row in db.execute(_SELECT_DAYS, params).fetchall():
                out.setdefault(row[0], {})[parse_day(row[1])] = row_metrics(row)
        return out

    def covered(self, bot_id: str, first: date, last: date) -> set[date]:
        """The days in [first, last] that were fetched (with or without data)."""
        with self._conn.read() as db:
            cursor = db.execute(
                "SELECT day FROM coverage WHERE bot_id = ? AND day BETWEEN ? AND ?",
                [bot_id, first.isoformat(), last.isoformat()],
            )
            return {parse_day(day) for (day,) in cursor.fetchall()}

    def fetched(self, bot_id: str, first: date, last: date) -> dict[date, datetime]:
        """When each fetched day in [first, last] was last fetched (to tell settled data)."""
        with self._conn.read() as db:
            cursor = db.execute(
                "SELECT day, fetched_at FROM coverage WHERE bot_id = ? AND day BETWEEN ? AND ?",
                [bot_id, first.isoformat(), last.isoformat()],
            )
            rows = cursor.fetchall()
        return {parse_day(day): at for day, raw in rows if (at := parse_time(raw)) is not None}

    def missing_ranges(self, bot_id: str, first: date, last: date) -> list[tuple[date, date]]:
        """The contiguous runs of days in [first, last] never fetched, oldest first."""
        covered = self.covered(bot_id, first, last)
        return contiguous_ranges(d for d in days_between(first, last) if d not in covered)

    def counts(self, bot_ids: Sequence[str]) -> dict[str, int]:
        """How many days with data are stored per bot (bots without any are left out)."""
        with self._conn.read() as db:
            rows = db.execute(
                "SELECT bot_id, COUNT(*) FROM daily_metrics "
                "WHERE bot_id IN (SELECT value FROM json_each(?)) GROUP BY bot_id",
                [json.dumps(list(bot_ids))],
            ).fetchall()
        return dict(rows)

    def first_day(self, bot_id: str) -> date | None:
        """The bot's first stored day with data, or None."""
        with self._conn.read() as db:
            (value,) = db.execute(
                "SELECT MIN(day) FROM daily_metrics WHERE bot_id = ?", [bot_id]
            ).fetchone()
        return None if value is None else parse_day(value)

    def last_fetched_at(self, bot_id: str) -> datetime | None:
        """When a day of this bot was last fetched (data freshness), or None."""
        with self._conn.read() as db:
            (value,) = db.execute(
                "SELECT MAX(fetched_at) FROM coverage WHERE bot_id = ?", [bot_id]
            ).fetchone()
        return parse_time(value)
