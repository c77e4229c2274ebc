"""The bot's memory: one SQLite file, opened and migrated, exposed as small parts.

Adapter over sqlite-utils (>= 4). One ``Store`` is shared by every thread of a process;
each thread talks to SQLite through its own connection (see ``connections``). Callers take
the part they need (``store.days``, ``store.bots``, ``store.runs``, ``store.subscriptions``,
``store.alerts``, ``store.jobs``, ``store.workspace``); each part is a small class of its
own over the same connections.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from pathlib import Path

from sqlite_utils import Database

from slackbot.clock import Clock, system_clock
from slackbot.errors import StoreError
from slackbot.store.alerts import Alerts
from slackbot.store.bots import Bots
from slackbot.store.connections import DEFAULT_BUSY_TIMEOUT, Connections
from slackbot.store.days import Days
from slackbot.store.jobs import Jobs
from slackbot.store.runs import Runs
from slackbot.store.schema import check_version, migrate
from slackbot.store.subscriptions import Subscriptions
from slackbot.store.workspace import Workspace

log = logging.getLogger(__name__)


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
        self._conn = Connections(path, busy_timeout=busy_timeout)
        self.path = self._conn.path
        if self.path.is_dir():
            raise StoreError(
                f"{self.path} is a directory, not a database file; point BOTSTATS_DB at a "
                "file inside it.",
                path=str(self.path),
            )
        if not self.path.parent.is_dir():
            raise self._conn.unwritable()
        try:
            db = self._conn.db()
            with self._conn.guard():
                # Refuse a newer or foreign file before changing anything in it.
                check_version(db, str(self.path))
            self._conn.enable_wal()
            with self._conn.guard():
                self.schema_version = migrate(db, str(self.path))
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

    def ping(self) -> bool:
        """True when the database answers a trivial query (for /healthz)."""
        try:
            with self._conn.read() as db:
                db.execute("SELECT 1").fetchone()
        except StoreError as exc:
            log.warning("Database health check failed: %s", exc)
            return False
        return True

    def close(self) -> None:
        """Close every connection (call once other threads are done with the store)."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"
