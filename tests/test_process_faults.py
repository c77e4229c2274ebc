"""Process faults: `botstats serve` killed with SIGKILL mid-digest and mid-sync, then restarted;
its database file made read-only, deleted or replaced under it while it runs.

Every `serve` is a subprocess on loopback in its own session, killed with its children when
a test leaves it (``Served.reap``). As root, chmod does not stop writes, so the `serve` that
sees its file made read-only runs without CAP_DAC_OVERRIDE (``setpriv``): a real chmod 0444.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from digest_harness import MovableClock, build_stack
from slack_harness import SECRET, SERVE, serve_env

from slackbot.botpress.client import BotpressClient
from slackbot.errors import StoreError
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.store import Store
from slackbot.store.connections import iso_time
from slackbot.sync import sync_bots
from slackbot.testing.fake_slack import FakeSlack, free_port, signed_command_request
from slackbot.testing.http import Answer, JsonDict
from slackbot.tick import Tick

CHANNEL = "C0KILL0001"
POST, UPLOAD = "chat.postMessage", "files.getUploadURLExternal"
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
#: The longest any wait here may take (a healthy run needs a few seconds at most).
TIMEOUT = 30.0


class StallingSlack(FakeSlack):
    """FakeSlack that can hold a call before Slack takes it: it never takes effect."""

    def __init__(self) -> None:
        super().__init__()
        self.stall_method: str | None = None
        self.stalled = threading.Event()
        self._release = threading.Event()

    def handle_api(self, method: str, body: JsonDict, headers: dict[str, str]) -> Answer:
        """Hold ``stall_method`` until stop, then hang up; answer the rest as FakeSlack does."""
        if method != self.stall_method:
            return super().handle_api(method, body, headers)
        self.stalled.set()
        self._release.wait(TIMEOUT * 2)
        return Answer(200, {"ok": False, "error": "stalled"}, wire="none")

    def stop(self) -> None:
        """Let held calls go, then stop."""
        self._release.set()
        super().stop()


@dataclass
class Served:
    """One `botstats serve` process (own session) and its base URL."""

    process: subprocess.Popen[str]
    url: str

    def wait_healthy(self) -> None:
        """Poll /healthz until 200; fail if the process dies first."""
        poll_until(lambda: health(self.url)[0] == 200, "a healthy serve", self.process)

    def reap(self) -> None:
        """Kill whatever of this session is left (a failed test must leave no process)."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.returncode is None:
            self.process.communicate(timeout=TIMEOUT)


def kill9(*served: Served) -> None:
    """SIGKILL each serve alone (as the OOM killer would); then its children must go too."""
    children = [pid for one in served for pid in descendants(one.process.pid)]
    for one in served:
        one.process.kill()
    for one in served:
        one.process.wait(timeout=TIMEOUT)  # reaped, as a supervisor would
    poll_until(lambda: not any(alive(pid) for pid in children), "its children to exit")
    for one in served:
        one.process.communicate(timeout=TIMEOUT)  # the children held its stderr open too


def stop(*served: Served) -> list[str]:
    """SIGTERM every serve at once; what each logged, once each exited 0."""
    for one in served:
        one.process.send_signal(signal.SIGTERM)
    logs = []
    for one in served:
        _, stderr = one.process.communicate(timeout=TIMEOUT)
        assert one.process.returncode == 0, stderr
        logs.append(stderr)
    return logs


def poll_until(
    done: Callable[[], bool], what: str, process: subprocess.Popen[str] | None = None
) -> None:
    """Wait for ``done()`` within TIMEOUT, failing at once if ``process`` died."""
    deadline = time.monotonic() + TIMEOUT
    while not done():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"serve died waiting for {what}: {process.communicate()[1]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {TIMEOUT} s for {what} in vain")
        time.sleep(0.03)


#: One client for every poll: ``httpx.get`` would build a new one (and its TLS context) each time.
HTTP = httpx.Client(timeout=5)


def health(url: str) -> tuple[int, dict[str, Any]]:
    """/healthz's status and JSON body (0 and {} while nothing answers)."""
    try:
        response = HTTP.get(f"{url}/healthz")
    except httpx.TransportError:
        return 0, {}
    return response.status_code, response.json()


def descendants(pid: int) -> list[int]:
    """Every live process under ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found.extend(children)
        frontier = children
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@contextmanager
def processes() -> Iterator[Callable[..., Served]]:
    """``start(db, slack, sim)`` launches serve without waiting; all are reaped on exit."""
    started: list[Served] = []

    def start(db: Path, slack: FakeSlack, sim: Simulator, *, drop_root: bool = False) -> Served:
        env = serve_env(db, slack.api_url, sim.url, BOTSTATS_SHUTDOWN_GRACE_S="5")
        port = free_port()
        command = list(SERVE)
        if drop_root and os.geteuid() == 0:
            # Root without DAC override obeys file modes: chmod 0444 then really blocks writes.
            command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=db.parent,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        started.append(Served(process, f"http://127.0.0.1:{port}"))
        return started[-1]

    try:
        yield start
    finally:
        for served in started:
            served.reap()


def run_status(db: Path) -> tuple[str, int]:
    """The status and attempts of the one digest run in ``db``."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT key, status, attempts FROM runs WHERE kind = 'digest'"
        ).fetchall()
    assert len(rows) == 1, rows
    return rows[0][1], rows[0][2]


def assert_sound(db: Path) -> None:
    """SQLite finds the file sound after recovering whatever the kill left in the WAL."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def tick_done(db: Path) -> bool:
    """True once a tick ran its last part (the alert check) to the end on ``db``."""
    with sqlite3.connect(db) as conn:
        return bool(
            conn.execute(
                "SELECT 1 FROM jobs WHERE name = 'alerts' AND finished_at IS NOT NULL"
            ).fetchone()
        )


def tops(slack: FakeSlack) -> list[str]:
    """The texts of the top-level messages Slack took in CHANNEL."""
    return [m.body["text"] for m in slack.posted(CHANNEL) if not m.body.get("thread_ts")]


def command(served: Served, slack: FakeSlack, text: str, reply_id: str) -> JsonDict:
    """POST a signed `/botstats text`: it must be acked with 200; the reply's body."""
    body, headers = signed_command_request(
        SECRET, text, channel_id=CHANNEL, response_url=slack.url_for_response(reply_id)
    )
    response = HTTP.post(f"{served.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return slack.wait_for_response(reply_id, timeout=TIMEOUT).body


@contextmanager
def quiet_simulator(bots: int = 2, days: int = 30) -> Iterator[Simulator]:
    """Simulated bots with no planted anomaly: no alert (nor its chart) to wait for."""
    with Simulator(bot_count=bots, history_days=days) as sim:
        sim.workspace = replace(sim.workspace, anomalies=())
        yield sim


# --- kill -9 in the middle of a digest ------------------------------------------------------


@pytest.mark.slow
def test_a_digest_killed_in_its_post_is_never_posted_twice(tmp_path: Path) -> None:
    """Killed in a post Slack never took and in one it took, a restarted serve posts neither
    again and lists both for a person (DESIGN §6: a run in ``posting`` is never retried)."""
    # Three hours back: due now, and the next run (and period) a day away.
    at = (datetime.now(UTC) - timedelta(hours=3)).strftime("%H:%M")
    cases = ("lost", "taken")
    dbs = {case: tmp_path / f"{case}.db" for case in cases}
    for db in dbs.values():
        with Store(db) as store:
            store.subscriptions.add(CHANNEL, "all", "daily", at=at, now=LONG_AGO)
    slacks = {case: StallingSlack() for case in cases}
    for slack in slacks.values():
        slack.start()
    try:
        with quiet_simulator() as sim, processes() as start:
            slacks["lost"].stall_method = POST  # inside the post; Slack never takes it
            slacks["taken"].hang(POST, TIMEOUT * 2)  # Slack took the post; its answer never comes
            first = [start(dbs[case], slacks[case], sim) for case in cases]
            assert slacks["lost"].stalled.wait(TIMEOUT)
            slacks["taken"].wait_for_calls(POST, timeout=TIMEOUT)
            kill9(*first)
            assert [run_status(dbs[case]) for case in cases] == [("posting", 1)] * 2
            assert [len(tops(slacks[case])) for case in cases] == [0, 1]
            for db in dbs.values():
                assert_sound(db)
            slacks["lost"].stall_method = None
            again = {case: start(dbs[case], slacks[case], sim) for case in cases}
            for case, served in again.items():
                poll_until(partial(tick_done, dbs[case]), "a finished tick", served.process)
            listed = [command(again[case], slacks[case], "subscriptions", case) for case in cases]
            logs = stop(*again.values())
    finally:
        for slack in slacks.values():
            slack.stop()
    assert [len(tops(slacks[case])) for case in cases] == [0, 1]
    for case, reply in zip(cases, listed, strict=True):
        assert run_status(dbs[case]) == ("posting", 1)
        words = json.dumps(reply["blocks"])
        assert "may or may not have posted" in words
        assert "check the channel" in words
        with Store(dbs[case]) as store:
            later = datetime.now(UTC) + timedelta(hours=1)
            assert [run.status for run in store.runs.stuck(now=later)] == ["posting"]
    for stderr in logs:
        assert "Traceback" not in stderr


@pytest.mark.slow
def test_a_digest_killed_before_its_post_is_taken_over_and_posted_once(tmp_path: Path) -> None:
    """Killed in the chart upload (claimed, nothing posted), the run is taken over by the
    restarted serve once its claim is stale, and posted exactly once."""
    at = (datetime.now(UTC) - timedelta(hours=3)).strftime("%H:%M")
    db = tmp_path / "claimed.db"
    with Store(db) as store:
        store.subscriptions.add(CHANNEL, "all", "daily", at=at, now=LONG_AGO)
    with quiet_simulator() as sim, FakeSlack() as slack, processes() as start:
        slack.hang(UPLOAD, TIMEOUT * 2)  # inside the chart upload: claimed, not yet posting
        served = start(db, slack, sim)
        slack.wait_for_calls(UPLOAD, timeout=TIMEOUT)
        kill9(served)
        assert run_status(db) == ("claimed", 1)
        assert_sound(db)
        age_claim(db, timedelta(minutes=16))
        again = start(db, slack, sim)
        poll_until(partial(tick_done, db), "a finished tick", again.process)
        (stderr,) = stop(again)
        assert len(tops(slack)) == 1
        assert "Daily digest" in tops(slack)[0]
    assert run_status(db) == ("sent", 2)  # taken over: its owner died before posting
    assert "Traceback" not in stderr


def age_claim(db: Path, age: timedelta) -> None:
    """Date the claim back by ``age``, as if its owner died that long ago.

    `serve` reads the real clock and this machine has no libfaketime to move it; the claim's
    time is the only one that decides whether it is stale (DESIGN §6: 15 min).
    """
    with sqlite3.connect(db) as conn:
        (claimed_at,) = conn.execute("SELECT claimed_at FROM runs").fetchone()
        earlier = datetime.fromisoformat(claimed_at) - age
        conn.execute("UPDATE runs SET claimed_at = ?", [iso_time(earlier)])


# --- kill -9 in the middle of a sync ---------------------------------------------------------


def day_rows(db: Path) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Every stored bot-day, all columns but when it was fetched."""
    with sqlite3.connect(db) as conn:
        cursor = conn.execute("SELECT * FROM daily_metrics")
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {
        (row["bot_id"], row["day"]): tuple(v for k, v in row.items() if k != "fetched_at")
        for row in rows
    }


def covered(db: Path) -> dict[str, int]:
    """Days fetched per bot (none while serve has not made its tables yet)."""
    if not db.exists():
        return {}
    try:
        with sqlite3.connect(db) as conn:
            return dict(conn.execute("SELECT bot_id, COUNT(*) FROM coverage GROUP BY bot_id"))
    except sqlite3.OperationalError:
        return {}


def clean_sync(sim: Simulator, db: Path) -> None:
    """What a sync that nobody killed stores: the reference."""
    client = BotpressClient(token="sim-token", workspace_id="sim-workspace", base_url=sim.url)
    with Store(db) as store, client:
        service = Service(store=store, client=client, tz=ZoneInfo("UTC"))
        today = datetime.now(UTC).date()
        assert sync_bots(client, store, service.bots(), today=today, days=90).ok


@pytest.mark.slow
def test_a_sync_killed_mid_way_leaves_only_whole_days_and_a_restart_fills_the_gap(
    tmp_path: Path,
) -> None:
    """SIGKILL in a first 90-day sync: a sound file, every stored day exact, and the restarted
    serve fetches the rest until the history matches a sync nobody killed."""
    db, reference = tmp_path / "killed.db", tmp_path / "clean.db"
    with (
        quiet_simulator(bots=12, days=120) as sim,
        FakeSlack() as slack,
        processes() as start,
    ):
        clean_sync(sim, reference)
        bots = len(covered(reference))
        sim.latency = 0.3  # every Botpress call: the kill lands while some bots are in flight
        served = start(db, slack, sim)
        poll_until(lambda: 0 < len(covered(db)) < bots, "a half-done sync", served.process)
        kill9(served)
        assert_sound(db)
        sim.latency = 0.0
        expected, stored = day_rows(reference), day_rows(db)
        assert 0 < len(stored) < len(expected)
        assert {key: expected[key] for key in stored} == stored  # no day half-written
        # Each bot's days are saved in one transaction: all of a bot's 90 days, or none.
        assert set(covered(db).values()) == {90}
        again = start(db, slack, sim)
        poll_until(lambda: covered(db) == covered(reference), "the whole history", again.process)
        assert "Traceback" not in stop(again)[0]
    assert day_rows(db) == expected
    assert_sound(db)


# --- the database file read-only, deleted or replaced under a running serve -----------------


def wait_health(served: Served, status: int, db: str) -> dict[str, Any]:
    """Poll /healthz until it answers ``status`` with ``db``; its body."""
    seen: tuple[int, dict[str, Any]] = (0, {})

    def matches() -> bool:
        nonlocal seen
        seen = health(served.url)
        return seen[0] == status and seen[1].get("db") == db

    try:
        poll_until(matches, f"/healthz {status} db={db}", served.process)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last answer {seen}") from None
    return dict(seen[1])


def backup(db: Path, to: Path) -> Path:
    """A consistent copy of the live file (SQLite's backup API), as an operator makes one."""
    with sqlite3.connect(db) as source, sqlite3.connect(to) as target:
        source.backup(target)
    return to


@pytest.mark.slow
def test_health_names_what_happened_to_the_file_and_serve_recovers_when_it_is_back(
    tmp_path: Path,
) -> None:
    """Read-only, deleted, or replaced by a file that is not a database: /healthz answers 503
    naming it, /botstats still answers, 200 returns once the file is back, and a good copy
    renamed over the live file is where the next write lands."""
    db = tmp_path / "live.db"
    with (
        quiet_simulator() as sim,
        FakeSlack() as slack,
        processes() as start,
    ):
        served = start(db, slack, sim, drop_root=True)
        served.wait_healthy()
        poll_until(lambda: tick_done(db), "the first tick", served.process)
        db.chmod(0o444)
        body = wait_health(served, 503, "read-only")
        assert body["status"] == "error"
        assert "read-only" in body["dbProblem"]
        assert str(db) in body["dbProblem"]
        command(served, slack, "subscriptions", "ro")  # acked, and answered
        db.chmod(0o644)
        wait_health(served, 200, "ok")

        copy = backup(db, tmp_path / "backup.db")
        db.unlink()
        assert "deleted or moved away" in wait_health(served, 503, "missing")["dbProblem"]
        reply = command(served, slack, "subscribe all daily", "gone")
        assert "database is unavailable" in reply["text"]
        shutil.copy(copy, tmp_path / "restored.db")
        (tmp_path / "restored.db").rename(db)  # restored from the backup: a new file
        wait_health(served, 200, "ok")

        db.rename(tmp_path / "aside.db")
        db.write_text("not a database\n" * 200)
        assert "not a SQLite database" in wait_health(served, 503, "replaced")["dbProblem"]
        assert "database" in command(served, slack, "subscriptions", "garbage")["text"]
        (tmp_path / "aside.db").rename(db)  # the same file back
        wait_health(served, 200, "ok")

        backup(db, tmp_path / "fresh.db").rename(db)  # a good copy renamed over the live file
        reply = command(served, slack, "subscribe all daily", "fresh")
        assert "database" not in reply["text"], reply["text"]
        wait_health(served, 200, "ok")
        (stderr,) = stop(served)
    assert "Traceback" not in stderr, stderr
    assert "was replaced while botstats was running" in stderr
    assert_sound(db)
    with Store(db) as store:  # the write after the replacement landed in the new file
        assert [s.channel for s in store.subscriptions.all()] == [CHANNEL]


# --- the store alone: a file replaced between two calls ------------------------------------


def test_a_replaced_file_is_reopened_and_the_old_one_keeps_its_last_writes(tmp_path: Path) -> None:
    """The store moves to a file renamed over its own, after folding its WAL into the old one."""
    path, aside = tmp_path / "botstats.db", tmp_path / "aside.db"
    with Store(path) as store:
        old = backup(path, tmp_path / "copy.db")
        store.subscriptions.add("C1", "all", "daily", at="09:00", now=LONG_AGO)
        worker = threading.Thread(target=store.subscriptions.all)  # a second connection
        worker.start()
        worker.join()
        path.rename(aside)
        old.rename(path)
        assert store.subscriptions.all() == []  # the new file, as it was copied
        store.subscriptions.add("C2", "all", "daily", at="09:00", now=LONG_AGO)
        assert store.health().ok
    with Store(aside) as before, Store(path) as after:
        assert [s.channel for s in before.subscriptions.all()] == ["C1"]
        assert [s.channel for s in after.subscriptions.all()] == ["C2"]
    assert_sound(aside)
    assert_sound(path)


def test_a_write_under_way_finishes_on_its_file_before_the_store_moves(tmp_path: Path) -> None:
    """Another thread's open transaction holds the move back; the file it began on gets it."""
    path, aside = tmp_path / "botstats.db", tmp_path / "aside.db"
    with Store(path) as store:
        old = backup(path, tmp_path / "copy.db")
        began, moved = threading.Event(), threading.Event()

        def write() -> None:
            with store.write() as db:
                began.set()
                moved.wait(10)
                db.execute(
                    "INSERT INTO bots (id, name, tracked, updated_at) VALUES ('b', 'b', 1, 'x')"
                )

        worker = threading.Thread(target=write)
        worker.start()
        assert began.wait(10)
        path.rename(aside)
        old.rename(path)
        with pytest.raises(StoreError, match="a write to the old file is still under way"):
            store.bots.all()
        assert store.health().reason == "replaced"
        moved.set()
        worker.join()
        assert store.bots.all() == []
    with Store(aside) as before:
        assert [b.id for b in before.bots.all()] == ["b"]


def test_a_missing_file_is_never_created_again_by_a_running_store(tmp_path: Path) -> None:
    """While no file is at the path every call says so and none makes an empty database."""
    path = tmp_path / "botstats.db"
    with Store(path) as store:
        path.unlink()
        with pytest.raises(StoreError, match="deleted or moved away"):
            store.subscriptions.all()
        assert store.health().reason == "missing"
        assert not path.exists()


def test_a_tick_on_a_missing_file_says_so_in_one_line_per_part(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every part of a tick fails on a deleted file with its sentence, and no traceback."""
    with quiet_simulator() as sim, FakeSlack() as slack:
        stack = build_stack(sim, slack, tmp_path / "tick.db", MovableClock(datetime.now(UTC)))
        try:
            (tmp_path / "tick.db").unlink()
            report = Tick(stack.service, stack.due, clock=stack.service.clock)()
        finally:
            stack.close()
    assert [error.split(":")[0] for error in report.errors] == ["sync", "digests"]
    assert all("deleted or moved away" in error for error in report.errors)
    failures = [r for r in caplog.records if r.name == "slackbot.tick" and r.levelname == "ERROR"]
    assert [r.exc_info for r in failures] == [None, None]
