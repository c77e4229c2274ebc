"""Digest subscriptions: which channel gets which bot's digest, daily or weekly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from slackbot.clock import Clock
from slackbot.store.connections import Connections, iso_time, parse_time

Cadence = Literal["daily", "weekly"]


@dataclass(frozen=True)
class Subscription:
    """A channel's digest of one bot (``target`` is a bot id) or of ``all`` bots."""

    channel: str
    target: str
    cadence: Cadence
    created_by: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Subscription:
        """A ``subscriptions`` row as a Subscription."""
        created_at = parse_time(row["created_at"])
        assert created_at is not None  # NOT NULL column
        return cls(row["channel"], row["target"], row["cadence"], row["created_by"], created_at)


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
        now: datetime | None = None,
    ) -> bool:
        """Subscribe ``channel`` to ``target``; True if new, False if it only changed cadence."""
        with self._conn.write() as db:
            existed = db.execute(
                "SELECT 1 FROM subscriptions WHERE channel = ? AND target = ?", [channel, target]
            ).fetchone()
            db.execute(
                "INSERT INTO subscriptions (channel, target, cadence, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (channel, target) DO UPDATE SET cadence = excluded.cadence",
                [channel, target, cadence, user, iso_time(now or self._clock())],
            )
        return existed is None

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
