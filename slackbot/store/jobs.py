"""Scheduled work that posts nothing (the hourly sync, the alert check), run once per slot.

A job's slot names the stretch of time it covers (``2026-12-01T23`` for an hourly job).
``start`` claims (name, slot) insert-if-absent inside ``BEGIN IMMEDIATE``, so when two
processes tick at once only one runs it; a slot whose runner died is taken over after
``stale_after``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from slackbot.clock import Clock
from slackbot.store.connections import Connections, iso_time, parse_time

JobStatus = Literal["running", "done", "failed"]
DEFAULT_STALE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Job:
    """One run of a named job in one slot."""

    name: str
    slot: str
    status: JobStatus
    started_at: datetime
    finished_at: datetime | None
    detail: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        """A ``jobs`` row as a Job."""
        started = parse_time(row["started_at"])
        assert started is not None  # NOT NULL column
        return cls(
            row["name"],
            row["slot"],
            row["status"],
            started,
            parse_time(row["finished_at"]),
            row["detail"],
        )


class Jobs:
    """The ``jobs`` table: which scheduled job ran for which slot, and how it went."""

    def __init__(self, conn: Connections, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    def start(
        self,
        name: str,
        slot: str,
        *,
        now: datetime | None = None,
        stale_after: timedelta = DEFAULT_STALE_AFTER,
    ) -> bool:
        """Claim ``slot`` of job ``name``; True for exactly one caller (or after a stale run)."""
        moment = now or self._clock()
        with self._conn.write() as db:
            row = db.execute(
                "SELECT status, started_at FROM jobs WHERE name = ? AND slot = ?", [name, slot]
            ).fetchone()
            if row is not None and not (
                row[0] == "running" and row[1] < iso_time(moment - stale_after)
            ):
                return False
            db.execute(
                "INSERT INTO jobs (name, slot, started_at, status) VALUES (?, ?, ?, 'running') "
                "ON CONFLICT (name, slot) DO UPDATE SET started_at = excluded.started_at, "
                "status = 'running', finished_at = NULL, detail = NULL",
                [name, slot, iso_time(moment)],
            )
            return True

    def finish(
        self,
        name: str,
        slot: str,
        *,
        ok: bool,
        detail: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Record how the job's run in ``slot`` ended."""
        with self._conn.write() as db:
            db.execute(
                "UPDATE jobs SET status = ?, detail = ?, finished_at = ? "
                "WHERE name = ? AND slot = ?",
                ["done" if ok else "failed", detail, iso_time(now or self._clock()), name, slot],
            )

    def last(self, name: str) -> Job | None:
        """The newest run of job ``name``, if any."""
        with self._conn.read() as db:
            rows = list(
                db.query(
                    "SELECT * FROM jobs WHERE name = ? ORDER BY started_at DESC LIMIT 1", [name]
                )
            )
        return Job.from_row(rows[0]) if rows else None
