"""Alert routing, stored baselines (why an alert fired), alert state per bot and metric."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from slackbot.clock import Clock
from slackbot.store.connections import Connections, iso_time, parse_day, parse_time


@dataclass(frozen=True)
class Baseline:
    """One evaluation: the expected value and band of a metric on a day, and how."""

    bot_id: str
    metric: str
    day: date
    expected: float | None
    low: float | None
    high: float | None
    method: str
    history_days: int
    computed_at: datetime

    def to_row(self) -> dict[str, Any]:
        """The ``baselines`` row."""
        row = asdict(self)
        row["day"] = self.day.isoformat()
        row["computed_at"] = iso_time(self.computed_at)
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Baseline:
        """A ``baselines`` row as a Baseline."""
        computed_at = parse_time(row["computed_at"])
        assert computed_at is not None  # NOT NULL column
        return cls(**{**row, "day": parse_day(row["day"]), "computed_at": computed_at})


@dataclass(frozen=True)
class AlertState:
    """Where one (bot, metric, direction) is in normal -> firing -> resolved, and its message."""

    bot_id: str
    metric: str
    direction: str
    state: str
    since: datetime | None = None
    last_value: float | None = None
    last_notified_at: datetime | None = None
    message_channel: str | None = None
    message_ts: str | None = None
    snoozed_until: datetime | None = None
    acknowledged_by: str | None = None

    def to_row(self) -> dict[str, Any]:
        """The ``alert_state`` row."""
        row = asdict(self)
        for name in _TIME_FIELDS:
            value = getattr(self, name)
            row[name] = None if value is None else iso_time(value)
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AlertState:
        """An ``alert_state`` row as an AlertState."""
        times = {name: parse_time(row[name]) for name in _TIME_FIELDS}
        return cls(**{**row, **times})


_TIME_FIELDS = ("since", "last_notified_at", "snoozed_until")


class Alerts:
    """Alert routing per channel, stored baselines, and alert state per (bot, metric, direction)."""

    def __init__(self, conn: Connections, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    def set_route(
        self, channel: str, enabled: bool, user: str | None = None, *, now: datetime | None = None
    ) -> None:
        """Turn anomaly alerts in ``channel`` on or off."""
        with self._conn.write() as db:
            db.execute(
                "INSERT INTO alert_routes (channel, enabled, updated_by, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (channel) DO UPDATE SET "
                "enabled = excluded.enabled, updated_by = excluded.updated_by, "
                "updated_at = excluded.updated_at",
                [channel, int(enabled), user, iso_time(now or self._clock())],
            )

    def routes(self) -> dict[str, bool]:
        """Every channel with an explicit alerts on/off choice (lets callers apply defaults)."""
        with self._conn.read() as db:
            rows = db.execute("SELECT channel, enabled FROM alert_routes ORDER BY channel")
            return {channel: bool(enabled) for channel, enabled in rows.fetchall()}

    def channels(self) -> list[str]:
        """The channels with alerts turned on."""
        return [channel for channel, enabled in self.routes().items() if enabled]

    def enabled(self, channel: str) -> bool:
        """Whether alerts were turned on in ``channel`` (False when never set)."""
        return self.routes().get(channel, False)

    def save_baselines(self, baselines: Iterable[Baseline]) -> None:
        """Insert or replace baselines, all in one transaction."""
        rows = [b.to_row() for b in baselines]
        with self._conn.write() as db:
            db.table("baselines").upsert_all(rows, pk=("bot_id", "metric", "day"))

    def baselines(
        self, bot_id: str, first: date, last: date, *, metric: str | None = None
    ) -> list[Baseline]:
        """A bot's baselines for days in [first, last], by day then metric."""
        sql = "SELECT * FROM baselines WHERE bot_id = ? AND day BETWEEN ? AND ?"
        params: list[Any] = [bot_id, first.isoformat(), last.isoformat()]
        if metric is not None:
            sql += " AND metric = ?"
            params.append(metric)
        with self._conn.read() as db:
            return [Baseline.from_row(r) for r in db.query(sql + " ORDER BY day, metric", params)]

    def save_states(self, states: Iterable[AlertState]) -> None:
        """Insert or replace alert states, all in one transaction."""
        rows = [s.to_row() for s in states]
        with self._conn.write() as db:
            db.table("alert_state").upsert_all(rows, pk=("bot_id", "metric", "direction"))

    def states(self, bot_id: str | None = None) -> list[AlertState]:
        """Every alert state (or one bot's), ordered by bot, metric, direction."""
        with self._conn.read() as db:
            rows = db.query(
                "SELECT * FROM alert_state WHERE ? IS NULL OR bot_id = ? "
                "ORDER BY bot_id, metric, direction",
                [bot_id, bot_id],
            )
            return [AlertState.from_row(row) for row in rows]
