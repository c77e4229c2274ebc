"""How `botstats serve` stops: one grace period, deliveries finished or left as DESIGN §6 says."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from slack_harness import SERVE, serve_env
from test_slack_serve import wait_healthy

from slackbot.scheduler import start_scheduler, stop_scheduler, tick_running
from slackbot.simulator.server import Simulator
from slackbot.slack.shutdown import CountingPool, Deadline, left_running, signals_to, wait
from slackbot.store import Store
from slackbot.store.runs import Run
from slackbot.testing.fake_slack import FakeSlack, free_port

CHANNEL = "C0SERVE001"
START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Served:
    """A running `botstats serve` and its base URL."""

    process: subprocess.Popen[str]
    url: str


@contextmanager
def serving(db: Path, slack: FakeSlack, sim: Simulator, grace: float) -> Iterator[Served]:
    """`botstats serve` in a subprocess on a free loopback port, killed if a test leaves it."""
    env = serve_env(db, slack.api_url, sim.url, BOTSTATS_SHUTDOWN_GRACE_S=str(grace))
    port = free_port()
    process = subprocess.Popen(
        [*SERVE, "--port", str(port)],
        cwd=db.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        yield Served(process, url)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def digest_due(db: Path) -> None:
    """A daily digest of all bots due at once in CHANNEL."""
    with Store(db) as store:
        store.subscriptions.add(CHANNEL, "all", "daily", at="00:00", now=START)


def stop(process: subprocess.Popen[str]) -> tuple[float, str]:
    """SIGTERM, then how long the process took to exit and what it logged."""
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    return time.monotonic() - sent, stderr


def refused_while_running(served: Served) -> bool:
    """True once /healthz is refused while the process is still alive (it is winding down)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and served.process.poll() is None:
        try:
            httpx.get(f"{served.url}/healthz", timeout=0.5)
        except httpx.TransportError:
            return served.process.poll() is None
        time.sleep(0.02)
    return False


def assert_clean_file(db: Path) -> None:
    """No WAL content left to recover, and SQLite finds the file sound."""
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.slow
def test_sigterm_lets_the_delivery_in_flight_finish_then_exits_zero(tmp_path: Path) -> None:
    """SIGTERM during a digest post refuses new requests, posts it once, marks it sent, exits 0."""
    db = tmp_path / "serve.db"
    digest_due(db)
    with Simulator(bot_count=2, history_days=30) as sim, FakeSlack() as slack:
        slack.hang("chat.postMessage", 3.0)
        with serving(db, slack, sim, grace=20) as served:
            process = served.process
            slack.wait_for_calls("chat.postMessage", timeout=30)
            sent = time.monotonic()
            process.send_signal(signal.SIGTERM)
            refused = refused_while_running(served)
            _, stderr = process.communicate(timeout=60)
            took = time.monotonic() - sent
        tops = [m for m in slack.posted(CHANNEL) if not m.body.get("thread_ts")]
    assert process.returncode == 0, stderr
    assert refused, "/healthz still answered while the delivery was finishing"
    assert took < 20 + 5, stderr
    assert "Traceback" not in stderr
    assert "SIGTERM received: botstats is stopping (grace 20 s)" in stderr
    assert "botstats stopped in " in stderr
    assert "ran out" not in stderr
    assert len(tops) == 1
    with Store(db) as store:
        (run,) = [r for r in store.runs.all() if r.kind == "digest"]
        assert run.status == "sent"
    assert_clean_file(db)


@pytest.mark.slow
def test_when_the_grace_runs_out_the_run_is_left_for_a_person_and_serve_exits_zero(
    tmp_path: Path,
) -> None:
    """With a 1 s grace and Slack hanging, serve logs what it leaves, exits 0, the file is sound."""
    db = tmp_path / "serve.db"
    digest_due(db)
    with Simulator(bot_count=2, history_days=30) as sim, FakeSlack() as slack:
        slack.hang("chat.postMessage", 60.0)
        with serving(db, slack, sim, grace=1) as served:
            process = served.process
            slack.wait_for_calls("chat.postMessage", timeout=30)
            took, stderr = stop(process)
    assert process.returncode == 0, stderr
    assert took < 1 + 4, stderr
    assert "Traceback" not in stderr
    assert "shutdown grace of 1 s ran out with 1 delivery running: digest:C0SERVE001:all:" in stderr
    assert "(left posting: it may have reached Slack, so it is never retried" in stderr
    assert "botstats stopped in " in stderr
    with Store(db) as store:
        (run,) = [r for r in store.runs.all() if r.kind == "digest"]
        assert run.status == "posting"
        later = datetime.now(UTC) + timedelta(hours=1)
        assert [r.key for r in store.runs.stuck(now=later)] == [run.key]
    assert_clean_file(db)


def test_a_second_signal_cuts_the_wait_short() -> None:
    """A second SIGTERM while botstats waits for its work ends the wait at once."""
    deadline = Deadline(20.0)
    deadline.begin()  # the first signal (uvicorn's) already came
    timer = threading.Timer(0.2, os.kill, args=(os.getpid(), signal.SIGTERM))
    started = time.monotonic()
    with signals_to(deadline):
        timer.start()
        finished = wait(deadline, threading.Event().wait)
    timer.join()
    assert finished is False
    assert deadline.forced
    assert deadline.remaining() == 0
    assert time.monotonic() - started < 10


def test_stopping_the_scheduler_waits_for_the_running_tick_up_to_the_timeout() -> None:
    """A running tick is waited for at most the timeout, and is still seen running after."""
    entered, release = threading.Event(), threading.Event()

    def tick() -> None:
        entered.set()
        release.wait(10)

    scheduler = start_scheduler(tick, tz=ZoneInfo("UTC"), now=datetime.now(UTC), interval=3600)
    try:
        assert entered.wait(10)
        assert stop_scheduler(scheduler, timeout=0.2) is False
        assert tick_running(scheduler)
    finally:
        release.set()
    assert stop_scheduler(scheduler, timeout=5) is True
    assert not tick_running(scheduler)


def test_the_reply_pool_counts_its_unfinished_work() -> None:
    """wait_idle gives up after its timeout while a task runs, and is True once it ends."""
    release = threading.Event()
    pool = CountingPool(2)
    try:
        pool.submit(release.wait, 10)
        assert pool.unfinished == 1
        assert pool.wait_idle(0.1) is False
        release.set()
        assert pool.wait_idle(5) is True
        assert pool.unfinished == 0
    finally:
        release.set()
        pool.shutdown(wait=True)


def test_the_left_behind_line_says_what_happens_to_each_delivery() -> None:
    """Claimed and posting runs are each named with what becomes of them."""
    runs = [
        Run("digest:C1:all:2026-W48", "digest", "C1", "claimed", START, None, None, 1, None),
        Run("alert:C2:bot:cost", "alert", "C2", "posting", START, None, None, 1, None),
    ]
    line = left_running(Deadline(20), runs, tick=True, replies=1)
    assert line.startswith("shutdown grace of 20 s ran out with 2 deliveries running: ")
    assert "digest:C1:all:2026-W48 (left claimed: nothing was posted, and a later tick" in line
    assert "alert:C2:bot:cost (left posting: it may have reached Slack" in line
    assert line.endswith("; 1 Slack reply unfinished")


def test_closing_the_store_folds_the_wal_into_the_file(tmp_path: Path) -> None:
    """Closed while another connection holds the file, the store still leaves the WAL empty."""
    db = tmp_path / "wal.db"
    store = Store(db)
    with sqlite3.connect(db) as other:  # keeps SQLite from cleaning up on the last close
        other.execute("SELECT count(*) FROM runs").fetchone()
        store.subscriptions.add(CHANNEL, "all", "daily", at="09:00", now=START)
        wal = db.with_name(db.name + "-wal")
        assert wal.stat().st_size > 0
        store.close()
        assert wal.stat().st_size == 0
        assert other.execute("PRAGMA integrity_check").fetchone() == ("ok",)
