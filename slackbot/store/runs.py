"""Delivery runs: claim a run key exactly once across threads and processes before posting.

Lifecycle of a run (table ``runs``), enforced here and only ever forward::

    claim -> claimed --mark_posting--> posting --finish("sent")--> sent
               |                          |
               +--release--> failed       +--finish("failed")--> failed
                               |
               claim again (attempts < max_attempts) -> claimed

- ``claimed``: this process owns the key and has posted nothing yet. If it dies here the
  claim goes stale and ``claim`` takes it over after ``stale_after`` (nothing was posted,
  so catching up cannot double-post).
- ``posting``: the Slack call is (or was) in flight. Slack has no idempotency key, so a run
  stuck here may or may not have been posted. It is NOT retried automatically, because a
  retry could post twice; ``stuck`` lists such runs so a person can check the channel
  and decide (``finish`` or ``release(force=True)``).
- ``failed``: known not posted (the post was refused, or the run was released before
  posting); ``claim`` may take it again until ``max_attempts`` claims were made.
- ``sent``: done, never claimed again.
- ``skipped``: a scheduled run that fell due while botstats was down and was not caught up
  within its window; recorded so ``/botstats subscriptions`` can say so, never claimed.

A claim's attempt number is its owner token: ``mark_posting(key, attempt=...)`` fails for
an owner whose stale claim was taken over, so two owners can never both post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from slackbot.clock import Clock
from slackbot.errors import RunStateError
from slackbot.store.connections import Connections, iso_time, parse_time

RunStatus = Literal["claimed", "posting", "sent", "failed", "skipped"]
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
    target: str | None = None
    period: str | None = None
    due_at: datetime | None = None
    permalink: str | None = None
    retryable: bool = True

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
            target=row.get("target"),
            period=row.get("period"),
            due_at=parse_time(row.get("due_at")),
            permalink=row.get("permalink"),
            retryable=bool(row.get("retryable", 1)),
        )


#: Which states ``finish`` may move a run from, per target state.
FINISH_FROM: dict[str, tuple[RunStatus, ...]] = {"sent": ("posting",), "failed": ("posting",)}


class Runs:
    """The ``runs`` table: run keys claimed before posting, moved only forward."""

    def __init__(self, conn: Connections, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    def _stamp(self, now: datetime | None) -> str:
        return iso_time(now or self._clock())

    def claim(
        self,
        key: str,
        *,
        kind: str,
        channel: str | None,
        now: datetime | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        stale_after: timedelta = DEFAULT_STALE_AFTER,
    ) -> bool:
        """Claim ``key`` for this caller; True exactly once per key across threads and processes.

        Also True when the key is ``failed`` (known unposted, and worth retrying) or a stale
        ``claimed`` (its owner died before posting) and fewer than ``max_attempts`` claims
        were made. Never True for ``posting``, ``sent`` or ``skipped``: see the module
        docstring.
        """
        claimed = self.claim_attempt(
            key,
            kind=kind,
            channel=channel,
            now=now,
            max_attempts=max_attempts,
            stale_after=stale_after,
        )
        return claimed is not None

    def claim_attempt(
        self,
        key: str,
        *,
        kind: str,
        channel: str | None,
        now: datetime | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        stale_after: timedelta = DEFAULT_STALE_AFTER,
        retry_after: timedelta = timedelta(0),
        target: str | None = None,
        period: str | None = None,
        due_at: datetime | None = None,
    ) -> int | None:
        """``claim``, returning the attempt number (the owner token) or None when refused.

        ``retry_after``: a ``failed`` run is taken again only that long after it failed.
        """
        moment = now or self._clock()
        with self._conn.write() as db:
            row = db.execute(
                "SELECT status, claimed_at, attempts, finished_at, retryable FROM runs "
                "WHERE key = ?",
                [key],
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO runs (key, kind, channel, status, claimed_at, attempts, "
                    "target, period, due_at) VALUES (?, ?, ?, 'claimed', ?, 1, ?, ?, ?)",
                    [key, kind, channel, iso_time(moment), target, period, _iso_or_none(due_at)],
                )
                return 1
            status, claimed_at, attempts, finished_at, retryable = row
            stale = status == "claimed" and claimed_at < iso_time(moment - stale_after)
            again = (
                status == "failed"
                and retryable
                and (not retry_after or (finished_at or "") <= iso_time(moment - retry_after))
            )
            if not (again or stale) or attempts >= max_attempts:
                return None
            db.execute(
                "UPDATE runs SET status = 'claimed', claimed_at = ?, finished_at = NULL, "
                "attempts = attempts + 1 WHERE key = ?",
                [iso_time(moment), key],
            )
            return int(attempts) + 1

    def skip(
        self,
        key: str,
        *,
        kind: str,
        channel: str | None,
        reason: str,
        target: str | None = None,
        period: str | None = None,
        due_at: datetime | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Record a run that will never be posted (missed past its window); True if new."""
        stamp = self._stamp(now)
        with self._conn.write() as db:
            cursor = db.execute(
                "INSERT INTO runs (key, kind, channel, status, claimed_at, finished_at, "
                "attempts, error, target, period, due_at, retryable) "
                "VALUES (?, ?, ?, 'skipped', ?, ?, 0, ?, ?, ?, ?, 0) ON CONFLICT (key) DO NOTHING",
                [key, kind, channel, stamp, stamp, reason, target, period, _iso_or_none(due_at)],
            )
            return cursor.rowcount == 1

    def mark_posting(self, key: str, *, attempt: int | None = None) -> bool:
        """Record that the Slack call is about to be made; False if the claim was lost.

        With ``attempt`` (from ``claim_attempt``) it is also False when another owner took
        the claim over since: only the newest owner may post.
        """
        with self._conn.write() as db:
            cursor = db.execute(
                "UPDATE runs SET status = 'posting' WHERE key = ? AND status = 'claimed' "
                "AND (? IS NULL OR attempts = ?)",
                [key, attempt, attempt],
            )
            return cursor.rowcount == 1

    def record_message(self, key: str, *, message_ts: str, permalink: str | None = None) -> None:
        """Remember the posted message of a ``posting`` run before the rest of it goes out.

        A run that dies after this is known to have reached Slack: a person sees its link.
        """
        with self._conn.write() as db:
            db.execute(
                "UPDATE runs SET message_ts = ?, permalink = COALESCE(?, permalink) "
                "WHERE key = ? AND status = 'posting'",
                [message_ts, permalink, key],
            )

    def finish(
        self,
        key: str,
        *,
        status: Literal["sent", "failed"],
        message_ts: str | None = None,
        error: str | None = None,
        permalink: str | None = None,
        retryable: bool = True,
        now: datetime | None = None,
    ) -> Run:
        """Record the outcome of a ``posting`` run (``sent``, or ``failed``: known not posted).

        ``retryable`` False: a failure no retry can mend (channel_not_found, is_archived...),
        so ``claim`` never takes the run again. Returns the finished run. Raises
        ``RunStateError`` when the run does not exist or is not in ``posting``: a run never
        moves back, and a sent run never becomes failed.
        """
        allowed = FINISH_FROM[status]
        with self._conn.write() as db:
            row = db.execute("SELECT status FROM runs WHERE key = ?", [key]).fetchone()
            current = None if row is None else row[0]
            if current not in allowed:
                raise RunStateError(key, current=current, target=status, allowed=allowed)
            db.execute(
                "UPDATE runs SET status = ?, message_ts = COALESCE(?, message_ts), error = ?, "
                "permalink = COALESCE(?, permalink), retryable = ?, finished_at = ? WHERE key = ?",
                [status, message_ts, error, permalink, retryable, self._stamp(now), key],
            )
            (row,) = db.query("SELECT * FROM runs WHERE key = ?", [key])
        return Run.from_row(row)

    def release(
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
                [error, self._stamp(now), key, force],
            )
            return cursor.rowcount == 1

    def get(self, key: str) -> Run | None:
        """The run under ``key``, if any."""
        with self._conn.read() as db:
            rows = list(db.query("SELECT * FROM runs WHERE key = ?", [key]))
        return Run.from_row(rows[0]) if rows else None

    def all(self, *, status: RunStatus | None = None) -> list[Run]:
        """Runs, newest claim first, optionally of one status."""
        with self._conn.read() as db:
            rows = db.query(
                "SELECT * FROM runs WHERE ? IS NULL OR status = ? ORDER BY claimed_at DESC",
                [status, status],
            )
            return [Run.from_row(row) for row in rows]

    def latest(self, *, kind: str, channel: str, target: str) -> Run | None:
        """The newest run (by due time, then claim) of one subscription's deliveries."""
        with self._conn.read() as db:
            rows = list(
                db.query(
                    "SELECT * FROM runs WHERE kind = ? AND channel = ? AND target = ? "
                    "ORDER BY due_at DESC, claimed_at DESC LIMIT 1",
                    [kind, channel, target],
                )
            )
        return Run.from_row(rows[0]) if rows else None

    def stuck(self, *, now: datetime, older_than: timedelta = DEFAULT_STALE_AFTER) -> list[Run]:
        """Runs left in ``posting`` longer than ``older_than``: for a person to check."""
        with self._conn.read() as db:
            rows = db.query(
                "SELECT * FROM runs WHERE status = 'posting' AND claimed_at < ? "
                "ORDER BY claimed_at",
                [iso_time(now - older_than)],
            )
            return [Run.from_row(row) for row in rows]


def _iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else iso_time(value)
