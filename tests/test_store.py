"""Store on real SQLite files: schema, migrations, exact round trips, coverage, runs, faults."""

from __future__ import annotations

import ctypes
import dataclasses
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slackbot.core.models import Bot, Metrics
from slackbot.errors import RunStateError, StoreError
from slackbot.store import Store
from slackbot.store.alerts import AlertMessage, Baseline, Route, StoredAlert
from slackbot.store.days import contiguous_ranges
from slackbot.store.schema import MIGRATIONS, STEPS, migrate

NOW = datetime(2026, 5, 11, 9, 30, tzinfo=UTC)
D1 = date(2026, 5, 1)


def day(n: int) -> date:
    """The n-th day after D1 (D1 itself for 0)."""
    return D1 + timedelta(days=n)


def sample(seed: int, *, llm: bool = True) -> Metrics:
    """A day of metrics with awkward floats, maps and (without llm) None min/max."""
    base = Metrics(
        days=1,
        new_users=seed,
        returning_users=2 * seed + 1,
        sessions=10 + seed,
        user_messages=3 * seed,
        bot_messages=4 * seed,
        events=5 * seed,
        event_types={"message_created": float(seed), "conversation_started": 0.5 + seed},
        custom_events={"checkout": 1.0 / 3.0} if seed % 2 else {},
    )
    if not llm:
        return base
    return dataclasses.replace(
        base,
        llm_calls=7 + seed,
        llm_errors=seed % 3,
        input_tokens=123_456_789_012 + seed,
        output_tokens=98_765 + seed,
        latency_sum=0.1 + 0.2 + seed,
        latency_sumsq=1e300 / (seed + 1),
        latency_min=0.000_1,
        latency_max=12_345.678_9,
        tps_sum=33.3 * seed,
        tps_min=0.0,
        tps_max=99.9,
        cost_sum=0.000_000_123 * (seed + 1),
        cost_min=1e-9,
        cost_max=0.75,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store with one tracked bot, closed after the test."""
    with Store(tmp_path / "botstats.db") as opened:
        opened.bots.upsert([Bot("b1", "Support", "sup")])
        yield opened


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on a separate plain sqlite3 connection."""
    with closing(sqlite3.connect(path)) as conn, conn:
        return conn.execute(sql).fetchall()


# --- schema and migrations ------------------------------------------------------------


def test_migrations_run_twice_apply_once(tmp_path: Path) -> None:
    """Opening a store twice, and migrating again, records each step exactly once."""
    path = tmp_path / "botstats.db"
    Store(path).close()
    with Store(path) as again:
        assert again.schema_version == len(STEPS)
        with again.read() as db:
            assert migrate(db, str(path)) == len(STEPS)
            assert MIGRATIONS.pending(db) == []
    recorded = rows(path, "SELECT migration_set, name FROM _sqlite_migrations ORDER BY id")
    assert recorded == [("botstats", name) for name in STEPS]


def test_schema_has_every_table_wal_and_foreign_keys(store: Store) -> None:
    """The schema holds every table, the file is in WAL mode and foreign keys are enforced."""
    with store.read() as db:
        assert set(db.table_names()) >= {
            "bots",
            "daily_metrics",
            "coverage",
            "baselines",
            "alert_records",
            "alert_messages",
            "jobs",
            "runs",
            "subscriptions",
            "alert_routes",
            "_sqlite_migrations",
        }
        assert db.journal_mode == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert db.table("daily_metrics").pks == ["bot_id", "day"]
        assert db.table("alert_records").pks == ["alert_id"]
        assert db.table("alert_routes").pks == ["channel", "target"]
        assert db.table("baselines").pks == ["bot_id", "metric", "day"]
        assert db.table("subscriptions").pks == ["channel", "target"]


def test_daily_metrics_has_a_column_for_every_metrics_field(store: Store) -> None:
    """Adding a Metrics field without a migration fails here, not silently in production."""
    with store.read() as db:
        columns = set(db.table("daily_metrics").columns_dict)
    fields = {f.name for f in dataclasses.fields(Metrics)}
    assert columns == fields | {"bot_id", "day", "fetched_at"}


def test_schema_refuses_bad_values(store: Store) -> None:
    """CHECK constraints keep run statuses and cadences to the documented values."""
    with pytest.raises(StoreError, match="CHECK constraint"), store.write() as db:
        db.execute("INSERT INTO runs (key, kind, status, claimed_at) VALUES ('k', 'd', 'odd', 'x')")
    with pytest.raises(StoreError, match="CHECK constraint"):
        store.subscriptions.add("C1", "all", "hourly")  # type: ignore[arg-type]
    assert store.runs.all() == []
    assert store.subscriptions.all() == []


# --- days, coverage ---------------------------------------------------------------------


def test_metrics_round_trip_exactly(store: Store) -> None:
    """Saved days load back equal: floats bit for bit, None min/max, both JSON maps."""
    days = {day(0): sample(0), day(1): sample(1, llm=False), day(3): sample(3)}
    assert store.days.save("b1", day(0), day(3), days, fetched_at=NOW) == 3
    loaded = store.days.load("b1", day(0), day(3))
    assert loaded == days
    assert loaded[day(1)].latency_min is None
    assert loaded[day(1)].cost_max is None
    assert loaded[day(3)].custom_events == {"checkout": 1.0 / 3.0}
    assert Metrics.total(loaded.values()) == Metrics.total(days.values())


def test_covered_day_without_row_is_fetched_no_data(store: Store) -> None:
    """A fetched day with no data is covered but has no row; a never-fetched day is missing."""
    store.days.save("b1", day(0), day(2), {day(1): sample(1)}, fetched_at=NOW)
    assert store.days.load("b1", day(0), day(5)) == {day(1): sample(1)}
    assert store.days.covered("b1", day(0), day(5)) == {day(0), day(1), day(2)}
    assert store.days.missing_ranges("b1", day(0), day(5)) == [(day(3), day(5))]


def test_save_days_replaces_the_range_and_ignores_days_outside(store: Store) -> None:
    """Re-fetching a range drops rows Botpress no longer returns; days outside are not stored."""
    store.days.save(
        "b1", day(0), day(2), {d: sample(i) for i, d in enumerate([day(0), day(1)])}, fetched_at=NOW
    )
    later = NOW + timedelta(hours=1)
    written = store.days.save(
        "b1", day(1), day(2), {day(2): sample(5), day(9): sample(9)}, fetched_at=later
    )
    assert written == 1
    assert store.days.load("b1", day(0), day(10)) == {day(0): sample(0), day(2): sample(5)}
    assert store.days.missing_ranges("b1", day(0), day(10)) == [(day(3), day(10))]
    assert store.days.last_fetched_at("b1") == later


def test_missing_ranges_are_contiguous_gaps(store: Store) -> None:
    """Uncovered days come back as (first, last) runs, oldest first."""
    assert store.days.missing_ranges("b1", day(0), day(9)) == [(day(0), day(9))]
    store.days.save("b1", day(2), day(3), {}, fetched_at=NOW)
    store.days.save("b1", day(5), day(5), {}, fetched_at=NOW)
    store.days.save("b1", day(9), day(9), {}, fetched_at=NOW)
    assert store.days.missing_ranges("b1", day(0), day(9)) == [
        (day(0), day(1)),
        (day(4), day(4)),
        (day(6), day(8)),
    ]
    assert store.days.missing_ranges("b1", day(2), day(3)) == []
    assert store.days.missing_ranges("other-bot", day(0), day(0)) == [(day(0), day(0))]
    assert contiguous_ranges([day(3), day(1), day(2), day(3)]) == [(day(1), day(3))]


def test_load_history_reads_many_bots_in_one_query(store: Store) -> None:
    """load_history returns each bot's days in the range and skips bots without data."""
    store.days.save("b1", day(0), day(1), {day(0): sample(0), day(1): sample(1)}, fetched_at=NOW)
    store.days.save("b2", day(0), day(1), {day(1): sample(2)}, fetched_at=NOW)
    history = store.days.history(["b1", "b2", "b3"], day(1), day(1))
    assert history == {"b1": {day(1): sample(1)}, "b2": {day(1): sample(2)}}
    assert store.days.history([], day(0), day(1)) == {}


def test_last_fetched_at_is_none_before_any_fetch(store: Store) -> None:
    """A bot never fetched has no freshness time."""
    assert store.days.last_fetched_at("b1") is None


def test_upsert_bots_tracks_and_untracks(store: Store) -> None:
    """Bots upsert as tracked; exclusive untracks the rest; a bot first seen in data is not."""
    store.days.save("b9", day(0), day(0), {}, fetched_at=NOW)
    assert store.bots.all() == [Bot("b1", "Support", "sup")]
    store.bots.upsert([Bot("b2", "Billing"), Bot("b1", "Support desk", None)])
    assert store.bots.all() == [Bot("b2", "Billing"), Bot("b1", "Support desk")]
    store.bots.upsert([Bot("b2", "Billing", "bill")], exclusive=True)
    assert store.bots.all() == [Bot("b2", "Billing", "bill")]
    assert {b.id for b in store.bots.all(include_untracked=True)} == {"b1", "b2", "b9"}


def test_failure_mid_batch_leaves_no_partial_rows(store: Store, tmp_path: Path) -> None:
    """A trigger that aborts the 4th day insert rolls back the whole save, old rows intact."""
    before = {day(0): sample(0), day(1): sample(1)}
    store.days.save("b1", day(0), day(1), before, fetched_at=NOW)
    with store.write() as db:
        db.execute(
            "CREATE TRIGGER fail_mid_batch BEFORE INSERT ON daily_metrics "
            f"WHEN NEW.day = '{day(3).isoformat()}' "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    batch = {day(n): sample(10 + n) for n in range(6)}
    with pytest.raises(StoreError, match="injected failure") as caught:
        store.days.save("b1", day(0), day(5), batch, fetched_at=NOW + timedelta(hours=1))
    assert str(tmp_path / "botstats.db") in str(caught.value)
    assert store.days.load("b1", day(0), day(5)) == before
    assert store.days.covered("b1", day(0), day(5)) == {day(0), day(1)}
    assert store.days.last_fetched_at("b1") == NOW


def test_value_that_cannot_be_serialised_fails_before_writing(store: Store) -> None:
    """A NaN in an event map is refused with a StoreError and nothing is written."""
    bad = dataclasses.replace(sample(2), event_types={"x": float("nan")})
    with pytest.raises(StoreError, match="bot b1"):
        store.days.save("b1", day(0), day(2), {day(0): sample(0), day(2): bad}, fetched_at=NOW)
    assert store.days.covered("b1", day(0), day(2)) == set()


# --- runs --------------------------------------------------------------------------------


def test_claim_run_is_true_once(store: Store) -> None:
    """The first claim wins; later claims of the same key lose, even after it was sent."""
    assert store.runs.claim("digest:C1:all:2026-W19", kind="digest", channel="C1", now=NOW)
    assert not store.runs.claim("digest:C1:all:2026-W19", kind="digest", channel="C1", now=NOW)
    assert store.runs.mark_posting("digest:C1:all:2026-W19")
    assert store.runs.finish("digest:C1:all:2026-W19", status="sent", message_ts="1.2", now=NOW)
    later = NOW + timedelta(days=1)
    assert not store.runs.claim("digest:C1:all:2026-W19", kind="digest", channel="C1", now=later)
    run = store.runs.get("digest:C1:all:2026-W19")
    assert run is not None
    assert (run.status, run.message_ts, run.attempts, run.finished_at) == ("sent", "1.2", 1, NOW)


def test_released_run_can_be_claimed_again_up_to_max_attempts(store: Store) -> None:
    """release_run makes an unposted run claimable again, counting attempts up to the cap."""
    for attempt in (1, 2):
        assert store.runs.claim("k", kind="alert", channel="C2", now=NOW, max_attempts=2)
        assert store.runs.release("k", error=f"boom {attempt}", now=NOW)
    assert not store.runs.claim("k", kind="alert", channel="C2", now=NOW, max_attempts=2)
    run = store.runs.get("k")
    assert run is not None
    assert (run.status, run.attempts, run.error) == ("failed", 2, "boom 2")


def test_run_stuck_in_posting_is_not_retried_but_reported(store: Store) -> None:
    """A run that may have posted is never re-claimed or silently released; stuck_runs lists it."""
    assert store.runs.claim("k", kind="digest", channel="C1", now=NOW)
    assert store.runs.mark_posting("k")
    much_later = NOW + timedelta(days=2)
    assert not store.runs.claim("k", kind="digest", channel="C1", now=much_later)
    assert not store.runs.release("k")
    assert [r.key for r in store.runs.stuck(now=much_later)] == ["k"]
    assert store.runs.stuck(now=NOW) == []
    assert store.runs.release("k", error="checked: not in channel", force=True)
    assert store.runs.claim("k", kind="digest", channel="C1", now=much_later)


def test_stale_claim_without_posting_is_taken_over(store: Store) -> None:
    """A claim whose owner died before posting is claimable once it is stale."""
    assert store.runs.claim("k", kind="digest", channel=None, now=NOW)
    assert not store.runs.claim("k", kind="digest", channel=None, now=NOW + timedelta(minutes=5))
    assert store.runs.claim("k", kind="digest", channel=None, now=NOW + timedelta(minutes=20))
    assert not store.runs.mark_posting("missing")
    with pytest.raises(RunStateError, match="'missing' does not exist"):
        store.runs.finish("missing", status="failed")
    assert [r.attempts for r in store.runs.all(status="claimed")] == [2]


# --- subscriptions, alert routes, baselines, alert state --------------------------------


def test_subscriptions_add_update_remove(store: Store) -> None:
    """Subscribing twice updates the cadence; unsubscribing reports whether anything was there."""
    assert store.subscriptions.add("C1", "b1", "daily", "U1", now=NOW)
    assert not store.subscriptions.add("C1", "b1", "weekly", "U2", now=NOW)
    assert store.subscriptions.add("C2", "all", now=NOW)
    assert [(s.channel, s.target, s.cadence, s.created_by) for s in store.subscriptions.all()] == [
        ("C1", "b1", "weekly", "U1"),
        ("C2", "all", "weekly", None),
    ]
    assert [s.target for s in store.subscriptions.all("C2")] == ["all"]
    assert store.subscriptions.remove("C1", "b1")
    assert not store.subscriptions.remove("C1", "b1")


def test_alert_routes(store: Store) -> None:
    """Alerts are off until turned on, per channel, and can be turned off again."""
    assert not store.alerts.enabled("C1")
    store.alerts.set_route("C1", True, "U1", now=NOW)
    store.alerts.set_route("C2", True, "U1", now=NOW)
    store.alerts.set_route("C2", False, "U2", now=NOW)
    assert store.alerts.channels() == ["C1"]
    assert store.alerts.routes() == {"C1": True, "C2": False}
    assert store.alerts.enabled("C1")


def test_baselines_and_alert_records_round_trip(store: Store) -> None:
    """Baselines, alert records and their messages load back equal to what was saved."""
    baselines = [
        Baseline("b1", "cost", day(n), 1.5, 0.5, None, "weekday-median", 35, NOW) for n in (0, 1)
    ]
    store.alerts.save_baselines(baselines)
    assert store.alerts.baselines("b1", day(0), day(1)) == baselines
    assert store.alerts.baselines("b1", day(1), day(1), metric="sessions") == []
    alert = StoredAlert("b1:cost:up", "b1", "cost", "up", "firing", day(0), {"score": 2.5})
    budget = StoredAlert("budget:pace", None, "budget", "up", "firing", day(0), {"stage": "pace"})
    store.alerts.save_records([alert, budget])
    store.alerts.save_record(dataclasses.replace(alert, status="resolved"))
    assert store.alerts.record("b1:cost:up") == dataclasses.replace(alert, status="resolved")
    assert [a.alert_id for a in store.alerts.records(status="firing")] == ["budget:pace"]
    store.alerts.save_message(AlertMessage("b1:cost:up", "C1", "1.1", None, "alert:C1:b1:d"))
    assert store.alerts.message_at("C1", "1.1") == ["b1:cost:up"]
    assert store.alerts.delete_record("b1:cost:up")
    assert store.alerts.record("b1:cost:up") is None
    assert store.alerts.messages("b1:cost:up") == []


def test_alert_routes_per_bot(store: Store) -> None:
    """A channel can take one bot's alerts apart from the all-bots choice."""
    store.alerts.set_route("C1", True, "U1", target="b1", now=NOW)
    store.alerts.set_route("C1", False, "U1", now=NOW)
    assert store.alerts.route_table() == [Route("C1", "all", False), Route("C1", "b1", True)]
    assert store.alerts.routes() == {"C1": False}


# --- threads -----------------------------------------------------------------------------


def test_each_thread_gets_its_own_connection_and_dead_ones_are_reaped(store: Store) -> None:
    """Connections are per thread; one left by a finished thread is closed on the next open."""
    seen: list[int] = []

    def work() -> None:
        with store.read() as db:
            seen.append(id(db))

    for _ in range(2):
        # A pool of its own each time: a new thread, joined (dead) when the pool shuts down;
        # .result() re-raises anything the worker raised.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(work).result()
    with store.read() as mine:
        assert id(mine) not in seen
    assert len(store._conn._open_dbs) == 2  # this thread's and the last worker's


def test_closed_store_is_reported(tmp_path: Path) -> None:
    """After close, ping is False and other calls raise a StoreError naming the file."""
    opened = Store(tmp_path / "x.db")
    assert opened.ping()
    opened.close()
    assert not opened.ping()
    with pytest.raises(StoreError, match=r"x\.db is closed"):
        opened.bots.all()


# --- faults ------------------------------------------------------------------------------


def test_missing_directory(tmp_path: Path) -> None:
    """A path in a directory that does not exist names the directory and what to do."""
    path = tmp_path / "nope" / "botstats.db"
    with pytest.raises(StoreError) as caught:
        Store(path)
    message = str(caught.value)
    assert str(path) in message
    assert "does not exist" in message
    assert "BOTSTATS_DB" in message
    assert caught.value.path == str(path)


def _drop_file_permission_override() -> None:
    """Drop CAP_DAC_OVERRIDE & co. from the calling thread only, so root obeys file modes."""
    libc = ctypes.CDLL(None, use_errno=True)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        ]

    header, data = Header(0x20080522, 0), (Data * 2)()  # _LINUX_CAPABILITY_VERSION_3
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    data[0].effective &= ~0b1110  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def in_unprivileged_thread(fn: Callable[[], object]) -> BaseException | None:
    """Run fn in a thread that obeys file permissions even as root; its exception, if any."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            if os.geteuid() == 0:
                _drop_file_permission_override()
            fn()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return outcome[0]


@pytest.mark.parametrize("existing", [False, True], ids=["new-file", "existing-file"])
def test_read_only_directory(tmp_path: Path, existing: bool) -> None:
    """A database in a read-only directory is refused with the path and what to do."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "botstats.db"
    if existing:
        Store(path).close()
        for leftover in folder.glob("botstats.db-*"):
            leftover.unlink()
    folder.chmod(0o555)
    try:
        error = in_unprivileged_thread(lambda: Store(path).bots.all())  # noqa: PLW0108 (opens inside)
    finally:
        folder.chmod(0o755)
    if isinstance(error, OSError) and error.strerror in ("capget", "capset"):
        pytest.skip("cannot drop root's permission override here")
    assert isinstance(error, StoreError)
    message = str(error)
    assert str(path) in message
    assert "read-only" in message
    assert "BOTSTATS_DB" in message


def test_file_that_is_not_sqlite(tmp_path: Path) -> None:
    """A file that is not SQLite is refused and left untouched."""
    path = tmp_path / "notes.db"
    content = b"These are my notes, not a database.\n" * 200
    path.write_bytes(content)
    with pytest.raises(StoreError, match="is not a SQLite database") as caught:
        Store(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content


def test_path_that_is_a_directory_or_in_memory(tmp_path: Path) -> None:
    """Pointing the store at a directory or at ':memory:' says what to do instead."""
    with pytest.raises(StoreError, match="is a directory"):
        Store(tmp_path)
    with pytest.raises(StoreError, match="needs a database file"):
        Store(":memory:")


def test_database_of_another_program(tmp_path: Path) -> None:
    """A SQLite file with someone else's tables is refused, not migrated into."""
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(StoreError, match="another program") as caught:
        Store(path)
    assert str(path) in str(caught.value)
    assert rows(path, "SELECT name FROM sqlite_master WHERE type = 'table'") == [("invoices",)]


def test_database_from_a_newer_botstats(tmp_path: Path) -> None:
    """A schema step this code does not know means a newer botstats wrote the file: refused."""
    path = tmp_path / "botstats.db"
    Store(path).close()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('botstats', '9999_from_the_future', '2030-01-01')"
        )
    with pytest.raises(StoreError) as caught:
        Store(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"schema {len(STEPS) + 1}, this one knows {len(STEPS)}" in message
    assert "upgrade botstats or point BOTSTATS_DB elsewhere" in message


def test_locked_database_beyond_the_busy_timeout(tmp_path: Path) -> None:
    """A write lock held elsewhere past the busy timeout gives a StoreError, not a hang."""
    path = tmp_path / "botstats.db"
    store = Store(path, busy_timeout=0.05)
    store.days.save("b1", day(0), day(0), {day(0): sample(0)}, fetched_at=NOW)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="locked") as caught:
            store.days.save("b1", day(1), day(1), {}, fetched_at=NOW)
        assert str(path) in str(caught.value)
        assert "0.05 s" in str(caught.value)
        with pytest.raises(StoreError, match="locked"):
            store.runs.claim("k", kind="digest", channel="C1", now=NOW)
        assert store.days.load("b1", day(0), day(1)) == {day(0): sample(0)}  # reads still work
    finally:
        other.rollback()
        other.close()
    assert store.runs.claim("k", kind="digest", channel="C1", now=NOW)
    store.close()


def test_locked_database_says_how_long_it_waited_and_what_to_do(tmp_path: Path) -> None:
    """The "locked" StoreError reports the wait it measured, the busy timeout and a next step."""
    path = tmp_path / "botstats.db"
    store = Store(path, busy_timeout=0.2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # hold the write lock from a second, raw connection
    try:
        for attempt in (
            lambda: store.runs.claim("k", kind="digest", channel="C1", now=NOW),
            lambda: store.subscriptions.add("C1", "all", now=NOW),
        ):
            began = time.monotonic()
            with pytest.raises(StoreError) as caught:
                attempt()
            elapsed = time.monotonic() - began
            message = str(caught.value)
            found = re.search(r"waited (\d+\.\d+) s for the write lock", message)
            assert found, message
            waited = float(found[1])
            assert 0.15 <= waited <= elapsed + 0.01, (waited, elapsed)
            assert "(busy timeout 0.2 s)" in message
            assert str(path) in message
            assert "find the other process writing to it" in message
            assert message.endswith("then try again.")
            assert caught.value.path == str(path)
            assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    finally:
        other.rollback()
        other.close()
    assert store.runs.get("k") is None  # the refused claim wrote nothing
    assert store.runs.claim("k", kind="digest", channel="C1", now=NOW)
    store.close()


def test_default_subscription_follows_the_settings(store: Store) -> None:
    """BOTSTATS_DIGEST_CHANNEL keeps one row: unchanged it keeps its date, changed it restarts."""
    subs = store.subscriptions
    subs.keep_config("C0DEF0001", "weekly", at="09:00", weekday=None, now=NOW)
    later = NOW + timedelta(days=2)
    subs.keep_config("C0DEF0001", "weekly", at="09:00", weekday=None, now=later)
    (row,) = subs.all()
    assert row.from_config
    assert row.created_at == NOW
    subs.keep_config("C0DEF0001", "daily", at="08:00", weekday=None, now=later)
    (row,) = subs.all()
    assert (row.cadence, row.at, row.created_at) == ("daily", "08:00", later)
    subs.keep_config("C0OTHER01", "daily", at="08:00", weekday=None, now=later)
    assert [s.channel for s in subs.all()] == ["C0OTHER01"]
    subs.keep_config(None, "daily", at="08:00", weekday=None, now=later)
    assert subs.all() == []


def test_a_subscription_made_in_slack_wins_over_the_default(store: Store) -> None:
    """A channel's own `subscribe all` is kept as it is when the default names that channel."""
    store.subscriptions.add("C0DEF0001", "all", "daily", "U1", at="07:00", now=NOW)
    store.subscriptions.keep_config("C0DEF0001", "weekly", at="09:00", weekday=None, now=NOW)
    (row,) = store.subscriptions.all()
    assert (row.cadence, row.at, row.from_config) == ("daily", "07:00", False)
