"""What went wrong with the SQLite file, in one sentence each (StoreError), and in one word.

The sentence says what failed, on which file, and what to do; the word is the reason
``/healthz`` names (``read-only``, ``missing``, ``replaced``, ``corrupt``, ``locked``,
``unavailable``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from slackbot.errors import StoreError


def seconds(value: float) -> str:
    """A duration for a message: two decimals under a second, one above ("0.21", "5.0")."""
    return f"{value:.2f}" if value < 1 else f"{value:.1f}"


def reason(exc: sqlite3.Error) -> str:
    """The one-word reason of a sqlite3 failure (see ``sqlite_error`` for the sentences)."""
    low = str(exc).lower()
    if "locked" in low or "busy" in low:
        return "locked"
    if "not a database" in low or "encrypted" in low or "malformed" in low:
        return "corrupt"
    if "readonly" in low or "read-only" in low or "unable to open" in low:
        return "read-only"
    return "unavailable"


def sqlite_error(
    path: Path, exc: sqlite3.Error, *, busy_timeout: float, waited: float | None = None
) -> StoreError:
    """A one-sentence StoreError for a sqlite3 failure on ``path``.

    ``waited`` is how long the failed operation took, in seconds (``time.monotonic``):
    for "database is locked" it is how long SQLite waited for the lock.
    """
    text = str(exc)
    low = text.lower()
    where = str(path)
    kind = reason(exc)
    if kind == "locked":
        how_long = "" if waited is None else f" {seconds(waited)} s"
        message = (
            f"The botstats database {where} stayed locked by another writer: botstats "
            f"waited{how_long} for the write lock (busy timeout {busy_timeout:g} s) "
            "and gave up; find the other process writing to it (another botstats, or a "
            "sqlite3 shell with an open transaction), stop it or let it finish, then try "
            "again."
        )
    elif "not a database" in low or "encrypted" in low:
        message = (
            f"{where} is not a SQLite database; move it aside or point BOTSTATS_DB at another file."
        )
    elif kind == "corrupt":
        message = (
            f"The botstats database {where} is corrupt ({text}); restore it from a backup "
            "or point BOTSTATS_DB at a new file."
        )
    elif kind == "read-only":
        return unwritable(path)
    else:
        message = (
            f"The botstats database {where} failed ({type(exc).__name__}: {text}); check "
            "the file and the disk it is on."
        )
    return StoreError(message, path=where)


def unwritable(path: Path) -> StoreError:
    """The error for a file that cannot be created or written where it is."""
    parent = path.parent
    if not parent.is_dir():
        message = (
            f"botstats cannot create its database {path}: the directory {parent} does "
            "not exist; create it or point BOTSTATS_DB elsewhere."
        )
    else:
        message = (
            f"botstats cannot write its database {path}: the file or its directory "
            f"{parent} is read-only (SQLite also writes {path.name}-wal and "
            f"{path.name}-shm beside it); make both writable or point BOTSTATS_DB "
            "elsewhere."
        )
    return StoreError(message, path=str(path))


def missing(path: Path) -> StoreError:
    """The error while no file is at the path (deleted or moved away under botstats)."""
    return StoreError(
        f"The botstats database {path} is gone: it was deleted or moved away while "
        "botstats was running, so nothing can be read or saved; put it back (botstats "
        "opens it again by itself) or restore it from a backup.",
        path=str(path),
    )


def replaced_mid_write(path: Path) -> StoreError:
    """The error while a replaced file cannot be let go: a write to it is under way."""
    return StoreError(
        f"The botstats database {path} was replaced while botstats was running, and a "
        "write to the old file is still under way; botstats opens the new file once it "
        "ends: try again in a moment.",
        path=str(path),
    )


def not_a_file(path: Path) -> StoreError:
    """The error for a directory (or other non-file) where the database should be."""
    return StoreError(
        f"{path} is a directory, not a database file; point BOTSTATS_DB at a file inside it.",
        path=str(path),
    )
