"""Workspace-wide facts that outlive a restart: the ``workspace`` key/value table.

The one fact kept today is that Slack said the app was uninstalled (``app_uninstalled``,
or ``tokens_revoked`` naming the bot token): every post to the workspace waits until a
reinstall is seen. It lives in SQLite, not in memory, so a restart or a second process
on the same file (``botstats digest``) sees it too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from slackbot.clock import Clock
from slackbot.store.connections import Connections, iso_time, parse_time

#: The key under which the uninstall is recorded (its value: JSON of ``Uninstalled``).
UNINSTALLED = "slack_uninstalled"


@dataclass(frozen=True)
class Uninstalled:
    """Slack told botstats it was uninstalled: which team, by which event, when."""

    team_id: str
    event: str
    at: datetime

    def describe(self) -> str:
        """One phrase for logs and errors: ``app_uninstalled from T123 at 2026-...``."""
        return f"{self.event} from {self.team_id or 'the workspace'} at {self.at.isoformat()}"


class Workspace:
    """The ``workspace`` table: small named values, and the uninstall flag built on them."""

    def __init__(self, conn: Connections, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    def get(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        with self._conn.read() as db:
            row = db.execute("SELECT value FROM workspace WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str, *, now: datetime | None = None) -> None:
        """Store ``value`` under ``key``, replacing what was there."""
        with self._conn.write() as db:
            db.execute(
                "INSERT INTO workspace (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                [key, value, iso_time(now or self._clock())],
            )

    def delete(self, key: str) -> bool:
        """Remove ``key``; True when it was there."""
        with self._conn.write() as db:
            return db.execute("DELETE FROM workspace WHERE key = ?", [key]).rowcount > 0

    def uninstalled(self) -> Uninstalled | None:
        """The recorded uninstall, or None while the app is installed."""
        raw = self.get(UNINSTALLED)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            at = parse_time(str(data["at"]))
        except (ValueError, KeyError, TypeError):
            # A value this code cannot read still means "uninstalled": never post by mistake.
            return Uninstalled("", "uninstalled", self._clock())
        return Uninstalled(
            str(data.get("team_id") or ""), str(data.get("event") or ""), at or self._clock()
        )

    def mark_uninstalled(self, team_id: str, event: str, *, now: datetime | None = None) -> None:
        """Record that Slack uninstalled the app (or revoked its bot token) in ``team_id``."""
        moment = now or self._clock()
        value = json.dumps({"team_id": team_id, "event": event, "at": iso_time(moment)})
        self.set(UNINSTALLED, value, now=moment)

    def mark_installed(self) -> Uninstalled | None:
        """Forget the uninstall; what was recorded (None when there was nothing to clear)."""
        was = self.uninstalled()
        if was is not None:
            self.delete(UNINSTALLED)
        return was
