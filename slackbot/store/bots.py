"""Tracked bots: the ``bots`` table (a bot leaves tracking but keeps its history)."""

from __future__ import annotations

from collections.abc import Iterable

from slackbot.clock import Clock
from slackbot.core.models import Bot
from slackbot.store.connections import Connections, iso_time


class Bots:
    """The ``bots`` table."""

    def __init__(self, conn: Connections, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    def upsert(self, bots: Iterable[Bot], *, exclusive: bool = False) -> None:
        """Insert or update bots as tracked; ``exclusive`` also untracks every other bot."""
        now = iso_time(self._clock())
        rows = [
            {"id": b.id, "name": b.name, "alias": b.alias, "tracked": 1, "updated_at": now}
            for b in bots
        ]
        with self._conn.write() as db:
            if exclusive:
                db.execute("UPDATE bots SET tracked = 0, updated_at = ?", [now])
            if rows:
                db.table("bots").upsert_all(rows, pk="id")

    def all(self, *, include_untracked: bool = False) -> list[Bot]:
        """The stored bots (tracked ones unless asked), by name."""
        with self._conn.read() as db:
            rows = db.query(
                "SELECT id, name, alias FROM bots WHERE tracked = 1 OR ? ORDER BY name, id",
                [include_untracked],
            )
            return [Bot(r["id"], r["name"], r["alias"]) for r in rows]
