"""Digest subscriptions: which channel gets which bot's digest, daily or weekly, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from slackbot.clock import Clock
from slackbot.store.connections import Connections, iso_time, parse_time

Cadence = Literal["daily", "weekly"]
#: ``source`` of the subscription that BOTSTATS_DIGEST_CHANNEL keeps in place.
CONFIG_SOURCE = "config"


@dataclass(frozen=True)
class Subscription:
    """A channel's digest of one bot (``target`` is a bot id) or of ``all`` bots.

    ``at`` is the local time of day ("HH:MM"), ``weekday`` the day of a weekly digest
    (mon..sun); None for either means the default (09:00, Monday).
    """

    channel: str
    target: str
    cadence: Cadence
    created_by: str | None
    created_at: datetime
    at: str | None = None
    weekday: str | None = None
    source: str | None = None

    @property
    def from_config(self) -> bool:
        """True for the default subscription kept by BOTSTATS_DIGEST_CHANNEL."""
        return self.source == CONFIG_SOURCE

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Subscription:
        """A ``subscriptions`` row as a Subscription."""
        created_at = parse_time(row["created_at"])
        assert created_at is not None  # NOT NULL column
        return cls(
            row["channel"],
            row["target"],
            row["cadence"],
            row["created_by"],
            created_at,
            row.get("at_time"),
            row.get("weekday"),
            row.get("source"),
        )


class Subscriptions:
    """The ``subscriptions`` table: one row per (channel, target)."""

    def __init__(self, conn: Connections, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    def add(
        self,
        channel: str,
        target: str,
        cadence: Cadence = "weekly",
        user: str | None = None,
        *,
        at: str | None = None,
        weekday: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Subscribe ``channel`` to ``target``; True if new, False if it only changed schedule.

        A changed schedule counts from now: ``created_at`` moves, so a run that fell due
        under the old schedule is not caught up under the new one.
        """
        stamp = iso_time(now or self._clock())
        with self._conn.write() as db:
            existed = db.execute(
                "SELECT 1 FROM subscriptions WHERE channel = ? AND target = ?", [channel, target]
            ).fetchone()
            db.execute(
                "INSERT INTO subscriptions "
                "(channel, target, cadence, created_by, created_at, at_time, weekday, source) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, NULL) "
                "ON CONFLICT (channel, target) DO UPDATE SET cadence = excluded.cadence, "
                "at_time = excluded.at_time, weekday = excluded.weekday, "
                "created_at = excluded.created_at, "
                "source = NULL",
                [channel, target, cadence, user, stamp, at, weekday],
            )
        return existed is None

    def keep_config(
        self,
        channel: str | None,
        cadence: Cadence,
        *,
        at: str,
        weekday: str | None,
        now: datetime | None = None,
    ) -> None:
        """Make the BOTSTATS_DIGEST_CHANNEL subscription (all bots) match the settings.

        Its ``created_at`` stays while the settings stay the same, so a restart catches up
        a run missed while down; a changed schedule counts from now. ``channel`` None (the
        variable unset) removes the one kept before.
        """
        stamp = iso_time(now or self._clock())
        with self._conn.write() as db:
            db.execute(
                "DELETE FROM subscriptions WHERE source = ? AND channel IS NOT ?",
                [CONFIG_SOURCE, channel],
            )
            if channel is None:
                return
            row = db.execute(
                "SELECT cadence, at_time, weekday, source FROM subscriptions "
                "WHERE channel = ? AND target = 'all'",
                [channel],
            ).fetchone()
            if row is not None and (row[3] != CONFIG_SOURCE or row[:3] == (cadence, at, weekday)):
                return  # a subscription made in Slack wins; an unchanged one keeps its date
            db.execute(
                "INSERT INTO subscriptions "
                "(channel, target, cadence, created_by, created_at, at_time, weekday, source) "
                "VALUES (?, 'all', ?, NULL, ?, ?, ?, ?) ON CONFLICT (channel, target) DO UPDATE "
                "SET cadence = excluded.cadence, at_time = excluded.at_time, "
                "weekday = excluded.weekday, created_at = excluded.created_at",
                [channel, cadence, stamp, at, weekday, CONFIG_SOURCE],
            )

    def remove(self, channel: str, target: str) -> bool:
        """Unsubscribe; False if there was no such subscription."""
        with self._conn.write() as db:
            cursor = db.execute(
                "DELETE FROM subscriptions WHERE channel = ? AND target = ?", [channel, target]
            )
            return cursor.rowcount == 1

    def all(self, channel: str | None = None) -> list[Subscription]:
        """Every subscription (or one channel's), by channel then target."""
        with self._conn.read() as db:
            rows = db.query(
                "SELECT * FROM subscriptions WHERE ? IS NULL OR channel = ? "
                "ORDER BY channel, target",
                [channel, channel],
            )
            return [Subscription.from_row(row) for row in rows]
