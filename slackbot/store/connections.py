"""SQLite plumbing under the store: one sqlite-utils connection per thread, faults as StoreError.

A ``sqlite_utils.Database`` may only be used by the thread that opened it, and per-thread
connections that upgrade a read transaction to a write one get "database is locked". So
every thread gets its own connection (WAL, busy timeout, foreign keys on), and every
read-then-write transaction starts with ``BEGIN IMMEDIATE``, which takes the write lock
up front and waits up to the busy timeout for it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from sqlite_utils import Database

from slackbot.errors import StoreError

log = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT = 5.0
#: How long closing waits for another process's readers before leaving the WAL as it is.
CHECKPOINT_BUSY_MS = 1000


def iso_time(value: datetime) -> str:
    """A datetime as UTC ISO text (naive values are taken as UTC), so text order is time order."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(value: str | None) -> datetime | None:
    """The inverse of ``iso_time``; None stays None."""
    return None if value is None else datetime.fromisoformat(value)


def seconds(value: float) -> str:
    """A duration for a message: two decimals under a second, one above ("0.21", "5.0")."""
    return f"{value:.2f}" if value < 1 else f"{value:.1f}"


def parse_day(value: str) -> date:
    """A ``YYYY-MM-DD`` column as a date."""
    return date.fromisoformat(value)


class Connections:
    """This thread's connection to one SQLite file, plus transactions and error translation."""

    def __init__(self, path: str | Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = Path(path).expanduser().absolute()
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open_dbs: dict[int, tuple[threading.Thread, Database]] = {}
        self._closed = False

    def db(self) -> Database:
        """The calling thread's connection, opened on first use."""
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            with self._lock:
                if self._closed:
                    raise StoreError(
                        f"The botstats database {self.path} is closed.", path=str(self)
                    )
                self._reap_dead_threads()
            db = self._open()
            with self._lock:
                self._open_dbs[id(db)] = (threading.current_thread(), db)
            self._local.db = db
        return db

    def _open(self) -> Database:
        with self.guard():
            # check_same_thread=False only so close() can reap connections of threads that
            # have ended; a live connection is never used outside its own thread.
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, check_same_thread=False)
            try:
                db = Database(conn, execute_plugins=False)
                db.execute("PRAGMA foreign_keys = ON")
                # Safe with WAL: a power loss may drop the last commits, never corrupt the file.
                db.execute("PRAGMA synchronous = NORMAL")
            except BaseException:
                conn.close()
                raise
        return db

    def _reap_dead_threads(self) -> None:
        # Sync runs in short-lived pool threads: close what they left behind.
        for key, (thread, db) in list(self._open_dbs.items()):
            if not thread.is_alive():
                db.close()
                del self._open_dbs[key]

    def enable_wal(self) -> None:
        """Switch the file to WAL (persistent; needs no open transaction).

        Changing the journal mode needs an exclusive lock and SQLite answers "locked" at
        once, without the busy handler, while another connection reads the file (two
        processes opening a new database together): so retry within the busy timeout.
        """
        deadline = time.monotonic() + self.busy_timeout
        pause = 0.005
        with self.guard():
            while True:
                try:
                    self.db().enable_wal()
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() >= deadline:
                        raise
                time.sleep(pause)
                pause = min(pause * 2, 0.1)

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turn any sqlite3 error raised inside into a StoreError naming the file.

        The time spent inside is measured, so a "database is locked" error can say how long
        it really waited (an upper bound for the wait: it includes any work done first).
        """
        started = time.monotonic()
        try:
            yield
        except sqlite3.Error as exc:
            raise self.error(exc, waited=time.monotonic() - started) from exc

    @contextmanager
    def read(self) -> Iterator[Database]:
        """This thread's connection for reads, with faults translated."""
        with self.guard():
            yield self.db()

    @contextmanager
    def write(self) -> Iterator[Database]:
        """A ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on any error.

        Nested use becomes a savepoint of the outer transaction.
        """
        db = self.db()
        with self.guard():
            if db.conn.in_transaction:
                with db.atomic():
                    yield db
                return
            started = time.monotonic()
            try:
                db.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                # Timed on its own: this is where a writer waits for the lock.
                raise self.error(exc, waited=time.monotonic() - started) from exc
            try:
                yield db
            except BaseException:
                db.rollback()
                raise
            try:
                db.conn.execute("COMMIT")
            except BaseException:
                db.rollback()
                raise

    def error(self, exc: sqlite3.Error, *, waited: float | None = None) -> StoreError:
        """A one-sentence StoreError for a sqlite3 failure on this file.

        ``waited`` is how long the failed operation took, in seconds (``time.monotonic``):
        for "database is locked" it is how long SQLite waited for the lock.
        """
        text = str(exc)
        low = text.lower()
        where = str(self.path)
        if "locked" in low or "busy" in low:
            how_long = "" if waited is None else f" {seconds(waited)} s"
            message = (
                f"The botstats database {where} stayed locked by another writer: botstats "
                f"waited{how_long} for the write lock (busy timeout {self.busy_timeout:g} s) "
                "and gave up; find the other process writing to it (another botstats, or a "
                "sqlite3 shell with an open transaction), stop it or let it finish, then try "
                "again."
            )
        elif "not a database" in low or "encrypted" in low:
            message = (
                f"{where} is not a SQLite database; move it aside or point BOTSTATS_DB at "
                "another file."
            )
        elif "malformed" in low:
            message = (
                f"The botstats database {where} is corrupt ({text}); restore it from a backup "
                "or point BOTSTATS_DB at a new file."
            )
        elif "readonly" in low or "read-only" in low or "unable to open" in low:
            return self.unwritable()
        else:
            message = (
                f"The botstats database {where} failed ({type(exc).__name__}: {text}); check "
                "the file and the disk it is on."
            )
        return StoreError(message, path=where)

    def unwritable(self) -> StoreError:
        """The error for a file that cannot be created or written where it is."""
        parent = self.path.parent
        if not parent.is_dir():
            message = (
                f"botstats cannot create its database {self.path}: the directory {parent} does "
                "not exist; create it or point BOTSTATS_DB elsewhere."
            )
        else:
            message = (
                f"botstats cannot write its database {self.path}: the file or its directory "
                f"{parent} is read-only (SQLite also writes {self.path.name}-wal and "
                f"{self.path.name}-shm beside it); make both writable or point BOTSTATS_DB "
                "elsewhere."
            )
        return StoreError(message, path=str(self.path))

    def close(self) -> None:
        """Close every connection, the last after folding the WAL into the file (see
        ``checkpoint``); only call it once other threads are done with the store."""
        with self._lock:
            self._closed = True
            dbs = [db for _, db in self._open_dbs.values()]
            self._open_dbs.clear()
        mine = getattr(self._local, "db", None)
        last = mine if mine in dbs else (dbs[0] if dbs else None)
        for db in dbs:
            if db is not last:
                db.close()
        if last is not None:
            checkpoint(last, str(self.path))
            last.close()
        self._local = threading.local()

    def __str__(self) -> str:
        return str(self.path)


def checkpoint(db: Database, where: str) -> None:
    """Copy every WAL frame into the database file and truncate the WAL, so a stopped
    botstats leaves nothing to recover; best effort (another process may hold it)."""
    try:
        db.conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_BUSY_MS}")
        busy, _, _ = db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as exc:
        log.debug("no WAL checkpoint of %s on close: %s", where, exc)
        return
    if busy:
        log.info("%s: another connection still reads the WAL; it is folded in later", where)
