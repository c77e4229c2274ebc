"""What each Slack channel receives: digest subscriptions and alert routing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from slackbot.store_db import Connections, iso_time, parse_time

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


class ChannelsMixin:
    """Subscription and alert-routing methods of ``Store``."""

    _conn: Connections

    def add_subscription(
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
                [channel, target, cadence, user, iso_time(now or datetime.now(UTC))],
            )
        return existed is None

    def remove_subscription(self, channel: str, target: str) -> bool:
        """Unsubscribe; False if there was no such subscription."""
        with self._conn.write() as db:
            cursor = db.execute(
                "DELETE FROM subscriptions WHERE channel = ? AND target = ?", [channel, target]
            )
            return cursor.rowcount == 1

    def subscriptions(self, channel: str | None = None) -> list[Subscription]:
        """Every subscription (or one channel's), by channel then target."""
        with self._conn.read() as db:
            rows = db.query(
                "SELECT * FROM subscriptions WHERE ? IS NULL OR channel = ? "
                "ORDER BY channel, target",
                [channel, channel],
            )
            return [Subscription.from_row(row) for row in rows]

    def set_alerts(
        self, channel: str, enabled: bool, user: str | None = None, *, now: datetime | None = None
    ) -> None:
        """Turn anomaly alerts in ``channel`` on or off."""
        with self._conn.write() as db:
            db.execute(
                "INSERT INTO alert_routes (channel, enabled, updated_by, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (channel) DO UPDATE SET "
                "enabled = excluded.enabled, updated_by = excluded.updated_by, "
                "updated_at = excluded.updated_at",
                [channel, int(enabled), user, iso_time(now or datetime.now(UTC))],
            )

    def alert_routes(self) -> dict[str, bool]:
        """Every channel with an explicit alerts on/off choice (lets callers apply defaults)."""
        with self._conn.read() as db:
            rows = db.execute("SELECT channel, enabled FROM alert_routes ORDER BY channel")
            return {channel: bool(enabled) for channel, enabled in rows.fetchall()}

    def alert_channels(self) -> list[str]:
        """The channels with alerts turned on."""
        return [channel for channel, enabled in self.alert_routes().items() if enabled]

    def alerts_enabled(self, channel: str) -> bool:
        """Whether alerts were turned on in ``channel`` (False when never set)."""
        return self.alert_routes().get(channel, False)
