"""Store throughput: upsert 500 bots x 365 days, read back 42 days of every bot, file size.

Run: ``uv run python benchmarks/bench_store.py [--bots N] [--days N] [--history N] [--keep PATH]``.
Generates seeded ``Metrics`` in memory (not timed), then times on a fresh SQLite file:
  1. the first write: ``Store.save_days`` once per bot (one transaction of ``--days`` rows each);
  2. a rewrite of the same days (the upsert path: replaces existing rows and coverage);
  3. the sync planning step: ``missing_ranges`` over 90 days for every bot;
  4. reading ``--history`` days back: one ``load_history`` for all bots, then ``load_days``
     per bot (what a per-bot summary does);
and reports rows per second and the database size after a WAL checkpoint.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from machine import machine

from slackbot.core.models import Bot, Metrics
from slackbot.store import Store

LAST_DAY = date(2026, 5, 19)
EVENTS = ("message_created", "conversation_started", "workflow_completed", "button_click")


def where() -> str:
    """One line describing where the benchmark ran, with the SQLite version."""
    return f"{machine()}, SQLite {sqlite3.sqlite_version}"


def make_day(rng: random.Random) -> Metrics:
    """One realistic day: counts, LLM sums, min/max (None on days without calls), maps."""
    sessions = rng.randint(0, 3000)
    calls = rng.randint(0, sessions * 3)
    base = Metrics(
        days=1,
        new_users=rng.randint(0, sessions),
        returning_users=rng.randint(0, sessions),
        sessions=sessions,
        user_messages=sessions * rng.randint(1, 8),
        bot_messages=sessions * rng.randint(1, 9),
        events=sessions * 12,
        event_types={name: float(rng.randint(0, 5000)) for name in EVENTS},
        custom_events={"checkout": float(rng.randint(0, 50))} if rng.random() < 0.3 else {},
    )
    if calls == 0:
        return base
    mean = rng.uniform(300, 3000)
    return Metrics(
        **{
            **base.as_dict(),
            "llm_calls": calls,
            "llm_errors": rng.randint(0, calls // 20),
            "input_tokens": calls * rng.randint(200, 2000),
            "output_tokens": calls * rng.randint(50, 500),
            "latency_sum": mean * calls,
            "latency_sumsq": (mean**2 + (mean / 3) ** 2) * calls,
            "latency_min": mean / 4,
            "latency_max": mean * 3,
            "tps_sum": rng.uniform(20, 90) * calls,
            "tps_min": 5.0,
            "tps_max": 140.0,
            "cost_sum": calls * rng.uniform(0.0005, 0.02),
            "cost_min": 0.0001,
            "cost_max": 0.09,
        }
    )


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn`` took."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    """Run the benchmark and print a results table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--history", type=int, default=42)
    parser.add_argument("--keep", type=Path, help="write the database here instead of a temp dir")
    args = parser.parse_args()

    rng = random.Random(2026)
    first = LAST_DAY - timedelta(days=args.days - 1)
    bots = [Bot(f"bot_{n:04d}", f"Bot {n}") for n in range(args.bots)]
    data = {
        b.id: {first + timedelta(days=i): make_day(rng) for i in range(args.days)} for b in bots
    }
    stored_rows = args.bots * args.days
    fetched_at = datetime(2026, 5, 20, 1, 0, tzinfo=UTC)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.db"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        store = Store(path)
        store.bots.upsert(bots)

        def write_all() -> None:
            for bot in bots:
                store.days.save(bot.id, first, LAST_DAY, data[bot.id], fetched_at=fetched_at)

        write_first = timed(write_all)
        write_again = timed(write_all)
        window = (LAST_DAY - timedelta(days=89), LAST_DAY)
        plan = timed(lambda: [store.days.missing_ranges(b.id, *window) for b in bots])
        recent = (LAST_DAY - timedelta(days=args.history - 1), LAST_DAY)
        history: dict[str, dict[date, Metrics]] = {}
        read_one = timed(lambda: history.update(store.days.history([b.id for b in bots], *recent)))
        read_each = timed(lambda: [store.days.load(b.id, *recent) for b in bots])
        read_rows = sum(len(days) for days in history.values())
        assert history[bots[-1].id] == {
            d: m for d, m in data[bots[-1].id].items() if d >= recent[0]
        }
        with closing(sqlite3.connect(path)) as conn, conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        size = path.stat().st_size

    print(f"Store benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"Machine: {where()}")
    print(
        f"{args.bots} bots x {args.days} days = {stored_rows:,} day rows (+ as many coverage rows)"
    )
    print()
    print("| step | rows | seconds | rows/s |")
    print("|---|---:|---:|---:|")
    for label, rows, seconds in (
        (f"first write (save_days x {args.bots})", stored_rows, write_first),
        ("rewrite, same days (upsert path)", stored_rows, write_again),
        (f"missing_ranges over 90 days x {args.bots}", args.bots * 90, plan),
        (f"read {args.history} days, all bots, one load_history", read_rows, read_one),
        (f"read {args.history} days, load_days x {args.bots}", read_rows, read_each),
    ):
        print(f"| {label} | {rows:,} | {seconds:.2f} | {rows / seconds:,.0f} |")
    print()
    print(
        f"Database file: {size / 1e6:.1f} MB after checkpoint "
        f"({size / stored_rows:.0f} bytes per bot-day, coverage and indexes included)"
    )


if __name__ == "__main__":
    main()
