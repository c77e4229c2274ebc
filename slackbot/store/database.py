"""The bot's memory: one SQLite file, opened and migrated, exposed as small parts.

Adapter over sqlite-utils (>= 4). One ``Store`` is shared by every thread of a process;
each thread talks to SQLite through its own connection (see ``connections``). Callers take
the part they need (``store.days``, ``store.bots``, ``store.runs``, ``store.subscriptions``,
``store.alerts``, ``store.jobs``, ``store.workspace``); each part is a small class of its
own over the same connections.

``health`` is what ``/healthz`` asks: whether the file at the path is still the one
botstats has open, and whether botstats can still write it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from slackbot.clock import Clock, system_clock
from slackbot.errors import StoreError
from slackbot.store import faults
from slackbot.store.alerts import Alerts
from slackbot.store.bots import Bots
from slackbot.store.connections import DEFAULT_BUSY_TIMEOUT, Connections, file_id
from slackbot.store.days import Days
from slackbot.store.jobs import Jobs
from slackbot.store.runs import Runs
from slackbot.store.schema import check_version, migrate
from slackbot.store.subscriptions import Subscriptions
from slackbot.store.workspace import Workspace

log = logging.getLogger(__name__)

#: How long the health probe waits for the write lock (a probe must answer quickly).
PROBE_BUSY_MS = 1000


@dataclass(frozen=True)
class Health:
    """The database's state for /healthz: a one-word reason and, unless ok, what to do.

    ``reason``: ``ok``, ``missing`` (no file at the path), ``replaced`` (another file
    there that botstats cannot use), ``read-only``, ``corrupt``, ``locked`` (another
    writer held the lock past the probe's wait) or ``unavailable`` (closed, or anything
    else).
    """

    reason: str
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when botstats can read and write its file."""
        return self.reason == "ok"


class Store:
    """botstats' SQLite database: open, migrated, safe to share between threads."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        clock: Clock = system_clock,
    ) -> None:
        if str(path) in ("", ":memory:"):
            raise StoreError(
                f"botstats needs a database file, not {str(path)!r} (each thread opens its own "
                "connection, and those cannot share an in-memory database); point BOTSTATS_DB "
                "at a file.",
                path=str(path),
            )
        self._conn = Connections(path, busy_timeout=busy_timeout, prepare=self._prepare)
        self.path = self._conn.path
        self.schema_version = 0
        self._health = "ok"
        if self.path.is_dir():
            raise faults.not_a_file(self.path)
        if not self.path.parent.is_dir():
            raise self._conn.unwritable()
        try:
            self._conn.db()
        except BaseException:
            self._conn.close()
            raise
        self.days = Days(self._conn)
        self.bots = Bots(self._conn, clock)
        self.runs = Runs(self._conn, clock)
        self.subscriptions = Subscriptions(self._conn, clock)
        self.alerts = Alerts(self._conn, clock)
        self.jobs = Jobs(self._conn, clock)
        self.workspace = Workspace(self._conn, clock)

    def write(self) -> AbstractContextManager[Database]:
        """A ``BEGIN IMMEDIATE`` transaction on this thread's connection (for read-then-write)."""
        return self._conn.write()

    def read(self) -> AbstractContextManager[Database]:
        """This thread's connection for reads, with SQLite faults raised as StoreError."""
        return self._conn.read()

    def _prepare(self, db: Database) -> None:
        """Make a newly opened file ready: at start, and again when the file was replaced."""
        with self._conn.guard():
            # Refuse a newer or foreign file before changing anything in it.
            check_version(db, str(self.path))
        self._conn.enable_wal(db)
        with self._conn.guard():
            self.schema_version = migrate(db, str(self.path))

    def health(self) -> Health:
        """Whether botstats can still read and write its file (for /healthz); never raises."""
        try:
            db = self._conn.db()  # moves to a replaced file, or fails while none is there
            with self._conn.guard():
                probe_write(db.conn, restore_ms=round(self._conn.busy_timeout * 1000))
        except StoreError as exc:
            found = Health(self._reason(exc), str(exc))
        else:
            # The probe's connection may have been opened while the file was writable:
            # the file's mode says whether a new connection (a restart) could write it.
            writable = os.access(self.path, os.W_OK)
            found = Health("ok") if writable else Health("read-only", str(self._conn.unwritable()))
        self._log_change(found)
        return found

    def _reason(self, exc: StoreError) -> str:
        if self._conn.closed:
            return "unavailable"
        if file_id(self.path) is None:
            return "missing"
        if self._conn.replaced():
            return "replaced"
        cause = exc.__cause__
        return faults.reason(cause) if isinstance(cause, sqlite3.Error) else "unavailable"

    def _log_change(self, found: Health) -> None:
        """Log when the state changes, not on every probe (a probe runs every few seconds)."""
        before, self._health = self._health, found.reason
        if found.reason == before:
            return
        if found.ok:
            log.info("The botstats database %s works again (it was %s)", self.path, before)
        else:
            log.warning("Database health check failed (%s): %s", found.reason, found.problem)

    def ping(self) -> bool:
        """True when botstats can read and write its file."""
        return self.health().ok

    def close(self) -> None:
        """Close every connection (call once other threads are done with the store)."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"


def probe_write(conn: sqlite3.Connection, *, restore_ms: int) -> None:
    """Take the write lock and make a write that is rolled back: raises when writes fail.

    ``BEGIN IMMEDIATE`` alone succeeds on a connection SQLite opened read-only; rewriting
    the header's ``user_version`` with its own value does not, and changes nothing.
    """
    if conn.in_transaction:
        return  # this thread is inside a write of its own: it is writing
    conn.execute(f"PRAGMA busy_timeout = {PROBE_BUSY_MS}")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            conn.execute(f"PRAGMA user_version = {int(version)}")
        finally:
            conn.execute("ROLLBACK")
    finally:
        conn.execute(f"PRAGMA busy_timeout = {restore_ms}")
