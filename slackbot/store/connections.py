"""SQLite plumbing under the store: one sqlite-utils connection per thread, faults as StoreError.

A ``sqlite_utils.Database`` may only be used by the thread that opened it, and per-thread
connections that upgrade a read transaction to a write one get "database is locked". So
every thread gets its own connection (WAL, busy timeout, foreign keys on), and every
read-then-write transaction starts with ``BEGIN IMMEDIATE``, which takes the write lock
up front and waits up to the busy timeout for it.

An open connection keeps working on a file that was deleted or replaced under it, and
whatever it writes then is lost. So every use first checks that the path still names the
file the connections have open (device and inode): while nothing is there, every call
fails with a sentence saying so; once another file is there, every old connection is
closed (its WAL folded into the old file first: SQLite shares ``-wal`` and ``-shm`` by
name, and a new file opened beside live old connections would take the old frames) and
the new file is opened and prepared as a restart would, except that it is never created.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from sqlite_utils import Database

from slackbot.errors import StoreError
from slackbot.store import faults

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


def parse_day(value: str) -> date:
    """A ``YYYY-MM-DD`` column as a date."""
    return date.fromisoformat(value)


FileId = tuple[int, int]


def file_id(path: Path) -> FileId | None:
    """The (device, inode) of the file at ``path``; None when there is no file there."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


class Connections:
    """This thread's connection to one SQLite file, plus transactions and error translation.

    ``prepare`` runs on the first connection to each file (at start, and after the file
    was replaced): the schema check and migrations.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        prepare: Callable[[Database], None] | None = None,
    ) -> None:
        self.path = Path(path).expanduser().absolute()
        self.busy_timeout = busy_timeout
        self._prepare = prepare
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open_dbs: dict[int, tuple[threading.Thread, Database]] = {}
        self._closed = False
        #: The file every open connection is on; None before the first open and after a
        #: replaced file's connections were let go.
        self._file: FileId | None = None
        self._created = False  # only the very first open may create the file
        self._generation = 0  # bumped when connections are let go: cached ones are stale

    def db(self) -> Database:
        """The calling thread's connection, opened on first use (or when the file changed)."""
        db: Database | None = getattr(self._local, "db", None)
        # Mid-transaction a connection finishes where it began; the next call moves over.
        if (
            db is not None
            and self._local.generation == self._generation
            and (db.conn.in_transaction or file_id(self.path) == self._file)
        ):
            return db
        return self._connect()

    def _connect(self) -> Database:
        with self._lock:
            if self._closed:
                raise StoreError(f"The botstats database {self.path} is closed.", path=str(self))
            self._reap_dead_threads()
            here = file_id(self.path)
            if self._created and here is None:
                raise faults.missing(self.path)
            if self._file is not None and here != self._file:
                self._let_go()
            mine: Database | None = getattr(self._local, "db", None)
            if mine is not None and self._local.generation == self._generation:
                return mine  # the file came back between the two looks
            db = self._open(create=not self._created)
            try:
                if self._file is None:
                    if self._prepare is not None:
                        self._prepare(db)
                    self._file = file_id(self.path)
            except BaseException:
                db.close()
                raise
            self._created = True
            self._open_dbs[id(db)] = (threading.current_thread(), db)
        self._local.db, self._local.generation = db, self._generation
        return db

    def _let_go(self) -> None:
        """Close every connection to a file no longer at the path (lock held)."""
        dbs = [db for _, db in self._open_dbs.values()]
        if any(db.conn.in_transaction for db in dbs):
            raise faults.replaced_mid_write(self.path)
        log.warning(
            "The file at %s was replaced while botstats was running: closing the old file "
            "(its last writes are folded into it) and opening the new one",
            self.path,
        )
        for db in dbs[:1]:
            checkpoint(db, str(self.path))
        for db in dbs:
            db.close()
        self._open_dbs.clear()
        self._generation += 1
        self._file = None

    def _open(self, *, create: bool) -> Database:
        if self.path.is_dir():
            raise faults.not_a_file(self.path)
        # After the first open a missing file is an accident, never a new empty database.
        target = str(self.path) if create else f"{self.path.as_uri()}?mode=rw"
        with self.guard():
            # check_same_thread=False only so close() can reap connections of threads that
            # have ended; a live connection is never used outside its own thread.
            conn = sqlite3.connect(
                target, timeout=self.busy_timeout, check_same_thread=False, uri=not create
            )
            try:
                db = Database(conn, execute_plugins=False)
                db.execute("PRAGMA foreign_keys = ON")
                # Safe with WAL: a power loss may drop the last commits, never corrupt the file.
                db.execute("PRAGMA synchronous = NORMAL")
            except BaseException:
                conn.close()
                raise
        return db

    @property
    def closed(self) -> bool:
        """True once ``close`` was called."""
        return self._closed

    def replaced(self) -> bool:
        """True when the path no longer names the file the connections are on (or none is)."""
        return self._created and (self._file is None or file_id(self.path) != self._file)

    def _reap_dead_threads(self) -> None:
        # Sync runs in short-lived pool threads: close what they left behind.
        for key, (thread, db) in list(self._open_dbs.items()):
            if not thread.is_alive():
                db.close()
                del self._open_dbs[key]

    def enable_wal(self, db: Database) -> None:
        """Switch ``db``'s file to WAL (persistent; needs no open transaction).

        Changing the journal mode needs an exclusive lock and SQLite answers "locked" at
        once, without the busy handler, while another connection reads the file (two
        processes opening a new database together): so retry within the busy timeout.
        """
        deadline = time.monotonic() + self.busy_timeout
        pause = 0.005
        with self.guard():
            while True:
                try:
                    db.enable_wal()
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
        """A one-sentence StoreError for a sqlite3 failure on this file (``faults``)."""
        return faults.sqlite_error(self.path, exc, busy_timeout=self.busy_timeout, waited=waited)

    def unwritable(self) -> StoreError:
        """The error for a file that cannot be created or written where it is."""
        return faults.unwritable(self.path)

    def close(self) -> None:
        """Close every connection, the last after folding the WAL into the file (see
        ``checkpoint``); only call it once other threads are done with the store."""
        with self._lock:
            self._closed = True
            dbs = [db for _, db in self._open_dbs.values()]
            self._open_dbs.clear()
            self._generation += 1
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
