"""Alert routing, stored baselines (why an alert fired), alert records and their messages."""

from __future__ import annotations

import json
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
class Route:
    """One channel's alerts on/off choice for one bot, or for ``all`` bots."""

    channel: str
    target: str
    enabled: bool


@dataclass(frozen=True)
class StoredAlert:
    """One alert record as stored: the state machine's JSON and the columns queries use."""

    alert_id: str
    bot_id: str | None
    metric: str
    direction: str
    status: str
    since: date
    record: dict[str, Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StoredAlert:
        """An ``alert_records`` row as a StoredAlert."""
        return cls(
            row["alert_id"],
            row["bot_id"],
            row["metric"],
            row["direction"],
            row["status"],
            parse_day(row["since"]),
            json.loads(row["record"]),
        )


@dataclass(frozen=True)
class AlertMessage:
    """The Slack message that told one channel about an alert."""

    alert_id: str
    channel: str
    ts: str
    permalink: str | None
    run_key: str


class Alerts:
    """Alert routing per channel, stored baselines, and alert state per (bot, metric, direction)."""

    def __init__(self, conn: Connections, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    def set_route(
        self,
        channel: str,
        enabled: bool,
        user: str | None = None,
        *,
        target: str = "all",
        now: datetime | None = None,
    ) -> None:
        """Turn anomaly alerts in ``channel`` on or off, for one bot or ``all``."""
        with self._conn.write() as db:
            db.execute(
                "INSERT INTO alert_routes (channel, target, enabled, updated_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, target) DO UPDATE SET "
                "enabled = excluded.enabled, updated_by = excluded.updated_by, "
                "updated_at = excluded.updated_at",
                [channel, target, int(enabled), user, iso_time(now or self._clock())],
            )

    def routes(self) -> dict[str, bool]:
        """Each channel's choice for all bots (lets callers apply defaults)."""
        return {r.channel: r.enabled for r in self.route_table() if r.target == "all"}

    def route_table(self) -> list[Route]:
        """Every explicit choice, per channel and target."""
        with self._conn.read() as db:
            rows = db.execute(
                "SELECT channel, target, enabled FROM alert_routes ORDER BY channel, target"
            ).fetchall()
        return [Route(channel, target, bool(enabled)) for channel, target, enabled in rows]

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

    def save_record(self, alert: StoredAlert, *, now: datetime | None = None) -> None:
        """Insert or replace one alert record."""
        with self._conn.write() as db:
            self._upsert(db, alert, now)

    def save_records(self, alerts: Iterable[StoredAlert], *, now: datetime | None = None) -> None:
        """Insert or replace many alert records in one transaction."""
        with self._conn.write() as db:
            for alert in alerts:
                self._upsert(db, alert, now)

    def _upsert(self, db: Any, alert: StoredAlert, now: datetime | None) -> None:
        db.execute(
            "INSERT INTO alert_records (alert_id, bot_id, metric, direction, status, since, "
            "record, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id) DO "
            "UPDATE SET status = excluded.status, since = excluded.since, "
            "record = excluded.record, updated_at = excluded.updated_at",
            [
                alert.alert_id,
                alert.bot_id,
                alert.metric,
                alert.direction,
                alert.status,
                alert.since.isoformat(),
                json.dumps(alert.record, sort_keys=True, default=str),
                iso_time(now or self._clock()),
            ],
        )

    def record(self, alert_id: str) -> StoredAlert | None:
        """One alert record, or None when it does not exist (deleted, never fired)."""
        with self._conn.read() as db:
            rows = list(db.query("SELECT * FROM alert_records WHERE alert_id = ?", [alert_id]))
        return StoredAlert.from_row(rows[0]) if rows else None

    def records(self, *, status: str | None = None) -> list[StoredAlert]:
        """Every alert record (or those of one status), by bot, metric and direction."""
        with self._conn.read() as db:
            rows = db.query(
                "SELECT * FROM alert_records WHERE ? IS NULL OR status = ? "
                "ORDER BY bot_id, metric, direction, alert_id",
                [status, status],
            )
            return [StoredAlert.from_row(row) for row in rows]

    def delete_record(self, alert_id: str) -> bool:
        """Forget an alert and its messages; False when there was none."""
        with self._conn.write() as db:
            db.execute("DELETE FROM alert_messages WHERE alert_id = ?", [alert_id])
            cursor = db.execute("DELETE FROM alert_records WHERE alert_id = ?", [alert_id])
            return cursor.rowcount == 1

    def save_message(self, message: AlertMessage, *, now: datetime | None = None) -> None:
        """Remember the newest message that told ``message.channel`` about an alert."""
        with self._conn.write() as db:
            db.execute(
                "INSERT INTO alert_messages (alert_id, channel, ts, permalink, run_key, posted_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, channel) DO UPDATE SET "
                "ts = excluded.ts, permalink = excluded.permalink, run_key = excluded.run_key, "
                "posted_at = excluded.posted_at",
                [
                    message.alert_id,
                    message.channel,
                    message.ts,
                    message.permalink,
                    message.run_key,
                    iso_time(now or self._clock()),
                ],
            )

    def messages(self, alert_id: str) -> list[AlertMessage]:
        """The messages that told each channel about an alert."""
        with self._conn.read() as db:
            rows = db.query(
                "SELECT alert_id, channel, ts, permalink, run_key FROM alert_messages "
                "WHERE alert_id = ? ORDER BY channel",
                [alert_id],
            )
            return [AlertMessage(**row) for row in rows]

    def message_at(self, channel: str, ts: str) -> list[str]:
        """The alert ids a posted message is about (a button press names its message)."""
        with self._conn.read() as db:
            rows = db.execute(
                "SELECT alert_id FROM alert_messages WHERE channel = ? AND ts = ? "
                "ORDER BY alert_id",
                [channel, ts],
            ).fetchall()
        return [alert_id for (alert_id,) in rows]
