"""Delivery runs: claim a run key exactly once across threads and processes before posting.

Lifecycle of a run (table ``runs``)::

    claim_run -> claimed --mark_posting--> posting --finish_run--> sent
                    |                         |
                    +--release_run--> failed  +--finish_run(status="failed")--> failed
                                        |
                    claim_run again (attempts < max_attempts) -> claimed

- ``claimed``: this process owns the key and has posted nothing yet. If it dies here the
  claim goes stale and ``claim_run`` takes it over after ``stale_after`` (nothing was posted,
  so catching up cannot double-post).
- ``posting``: the Slack call is (or was) in flight. Slack has no idempotency key, so a run
  stuck here may or may not have been posted. It is NOT retried automatically, because a
  retry could post twice; ``stuck_runs`` lists such runs so a person can check the channel
  and decide (``finish_run`` or ``release_run(force=True)``).
- ``failed``: known not posted (the post was refused, or the run was released before
  posting); ``claim_run`` may take it again until ``max_attempts`` claims were made.
- ``sent``: done, never claimed again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from slackbot.store_db import Connections, iso_time, parse_time

log = logging.getLogger(__name__)

RunStatus = Literal["claimed", "posting", "sent", "failed"]
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_STALE_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Run:
    """One delivery (digest, alert...) under its run key."""

    key: str
    kind: str
    channel: str | None
    status: RunStatus
    claimed_at: datetime
    finished_at: datetime | None
    message_ts: str | None
    attempts: int
    error: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Run:
        """A ``runs`` row as a Run."""
        claimed_at = parse_time(row["claimed_at"])
        assert claimed_at is not None  # NOT NULL column
        return cls(
            key=row["key"],
            kind=row["kind"],
            channel=row["channel"],
            status=row["status"],
            claimed_at=claimed_at,
            finished_at=parse_time(row["finished_at"]),
            message_ts=row["message_ts"],
            attempts=row["attempts"],
            error=row["error"],
        )


def _now(now: datetime | None) -> str:
    return iso_time(now or datetime.now(UTC))


class RunsMixin:
    """Run-key methods of ``Store``."""

    _conn: Connections

    def claim_run(
        self,
        key: str,
        *,
        kind: str,
        channel: str | None,
        now: datetime,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        stale_after: timedelta = DEFAULT_STALE_AFTER,
    ) -> bool:
        """Claim ``key`` for this caller; True exactly once per key across threads and processes.

        Also True when the key is ``failed`` (known unposted) or a stale ``claimed`` (its
        owner died before posting) and fewer than ``max_attempts`` claims were made. Never
        True for ``posting`` or ``sent``: see the module docstring.
        """
        with self._conn.write() as db:
            row = db.execute(
                "SELECT status, claimed_at, attempts FROM runs WHERE key = ?", [key]
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO runs (key, kind, channel, status, claimed_at, attempts) "
                    "VALUES (?, ?, ?, 'claimed', ?, 1)",
                    [key, kind, channel, iso_time(now)],
                )
                return True
            status, claimed_at, attempts = row
            stale = status == "claimed" and claimed_at < iso_time(now - stale_after)
            if not (status == "failed" or stale) or attempts >= max_attempts:
                return False
            db.execute(
                "UPDATE runs SET status = 'claimed', claimed_at = ?, finished_at = NULL, "
                "attempts = attempts + 1 WHERE key = ?",
                [iso_time(now), key],
            )
            return True

    def mark_posting(self, key: str) -> bool:
        """Record that the Slack call is about to be made; False if the claim was lost."""
        with self._conn.write() as db:
            cursor = db.execute(
                "UPDATE runs SET status = 'posting' WHERE key = ? AND status = 'claimed'", [key]
            )
            return cursor.rowcount == 1

    def finish_run(
        self,
        key: str,
        *,
        status: Literal["sent", "failed"],
        message_ts: str | None = None,
        error: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Record the outcome (``sent``, or ``failed``: known not posted); False if no such run."""
        with self._conn.write() as db:
            cursor = db.execute(
                "UPDATE runs SET status = ?, message_ts = COALESCE(?, message_ts), error = ?, "
                "finished_at = ? WHERE key = ?",
                [status, message_ts, error, _now(now), key],
            )
        if cursor.rowcount != 1:
            log.warning("finish_run: no run with key %s", key)
        return cursor.rowcount == 1

    def release_run(
        self,
        key: str,
        *,
        error: str | None = None,
        force: bool = False,
        now: datetime | None = None,
    ) -> bool:
        """Give a claimed run back (nothing was posted) so a later tick can retry it.

        Refuses (False) a run in ``posting`` unless ``force``: a person who checked the
        channel and saw no message uses ``force=True``. A ``sent`` run is never released.
        """
        with self._conn.write() as db:
            cursor = db.execute(
                "UPDATE runs SET status = 'failed', error = ?, finished_at = ? "
                "WHERE key = ? AND (status = 'claimed' OR (? AND status = 'posting'))",
                [error, _now(now), key, force],
            )
            return cursor.rowcount == 1

    def run(self, key: str) -> Run | None:
        """The run under ``key``, if any."""
        with self._conn.read() as db:
            rows = list(db.query("SELECT * FROM runs WHERE key = ?", [key]))
        return Run.from_row(rows[0]) if rows else None

    def runs(self, *, status: RunStatus | None = None) -> list[Run]:
        """Runs, newest claim first, optionally of one status."""
        with self._conn.read() as db:
            rows = db.query(
                "SELECT * FROM runs WHERE ? IS NULL OR status = ? ORDER BY claimed_at DESC",
                [status, status],
            )
            return [Run.from_row(row) for row in rows]

    def stuck_runs(
        self, *, now: datetime, older_than: timedelta = DEFAULT_STALE_AFTER
    ) -> list[Run]:
        """Runs left in ``posting`` longer than ``older_than``: for a person to check."""
        with self._conn.read() as db:
            rows = db.query(
                "SELECT * FROM runs WHERE status = 'posting' AND claimed_at < ? "
                "ORDER BY claimed_at",
                [iso_time(now - older_than)],
            )
            return [Run.from_row(row) for row in rows]
