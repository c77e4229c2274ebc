"""The scheduler's tick: the hourly sync once per hour, digests once across processes, hooks.

Every process and thread here is waited on and its result checked, so a crash in one
fails the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from digest_harness import BOT_TOKEN, CHANNEL, LONG_AGO, DigestStack, MovableClock, build_stack

from slackbot.scheduler import scheduler_state, start_scheduler, stop_scheduler
from slackbot.simulator.server import Simulator
from slackbot.testing.fake_slack import FakeSlack
from slackbot.tick import Tick

MONDAY_9 = datetime(2026, 11, 30, 9, 0, 30, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def clock() -> MovableClock:
    """The one clock of the simulator and the stack."""
    return MovableClock(MONDAY_9)


@pytest.fixture
def sim(clock: MovableClock) -> Iterator[Simulator]:
    """Two simulated bots with 30 days of history."""
    with Simulator(seed=3, bot_count=2, clock=clock, history_days=30) as simulator:
        yield simulator


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on loopback."""
    with FakeSlack() as fake:
        yield fake


def make_tick(stack: DigestStack, clock: MovableClock) -> Tick:
    """A tick over ``stack`` with a short sync window."""
    return Tick(stack.service, stack.due, clock=clock, sync_days=14)


def test_hourly_sync_runs_once_per_hour_across_two_processes(
    sim: Simulator, slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> None:
    """Two ticks in the same hour on one database sync once; the next hour syncs again."""
    first = build_stack(sim, slack, tmp_path / "tick.db", clock)
    second = build_stack(sim, slack, tmp_path / "tick.db", clock)
    try:
        report = make_tick(first, clock)()
        assert report.sync is not None
        assert report.sync.ok
        assert report.sync.days_written > 0
        assert make_tick(second, clock)().sync is None
        clock.now += timedelta(hours=1)
        sim.clear_requests()
        again = make_tick(second, clock)()
        assert again.sync is not None
        assert again.sync.calls == len(sim.bots)  # only the unsettled last days, one call each
        job = first.store.jobs.last("sync")
        assert job is not None
        assert job.status == "done"
        assert job.slot == "2026-11-30T10"
    finally:
        first.close()
        second.close()


def test_a_failing_part_does_not_stop_the_others(
    sim: Simulator, slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> None:
    """A hook that raises is reported; the digest before it and the hook after it still run."""
    stack = build_stack(sim, slack, tmp_path / "hooks.db", clock)
    stack.store.subscriptions.add(CHANNEL, "all", "weekly", now=LONG_AGO)
    seen: list[datetime] = []

    def broken(now: datetime) -> None:
        raise RuntimeError("alert engine exploded")

    tick = make_tick(stack, clock)
    tick.add_hook("alerts", broken)
    tick.add_hook("after", seen.append)
    try:
        report = tick()
    finally:
        stack.close()
    assert [d.outcome for d in report.digests] == ["sent"]
    assert report.errors == ["alerts: RuntimeError: alert engine exploded"]
    assert seen == [MONDAY_9]


def test_botpress_down_fails_the_sync_but_the_tick_goes_on(
    sim: Simulator, slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> None:
    """With Botpress down the sync is recorded as failed and the tick returns normally."""
    stack = build_stack(sim, slack, tmp_path / "down.db", clock)
    sim.fault = "down"
    try:
        report = make_tick(stack, clock)()
        job = stack.store.jobs.last("sync")
    finally:
        stack.close()
    assert job is not None
    assert job.status == "failed"
    assert report.errors
    assert "sync" in report.errors[0]


def test_scheduler_runs_the_tick_at_start_and_stops_cleanly() -> None:
    """The tick runs at once (not a minute later), and nothing runs after the stop."""
    calls: list[float] = []
    ran = threading.Event()

    def tick() -> None:
        calls.append(1)
        ran.set()

    zone = ZoneInfo("Europe/Paris")
    scheduler = start_scheduler(tick, tz=zone, now=datetime.now(UTC), interval=3600)
    try:
        assert ran.wait(5)
        assert scheduler_state(scheduler) == "running"
        (job,) = scheduler.get_jobs()
        assert job.trigger.timezone == zone
        assert job.max_instances == 1
        assert job.coalesce is True
    finally:
        stop_scheduler(scheduler)
    assert scheduler_state(scheduler) == "stopped"
    assert scheduler_state(None) == "off"
    assert calls == [1]


def test_scheduler_repeats_the_tick_on_its_interval() -> None:
    """With a short interval the tick runs again and again until stopped."""
    count = threading.Semaphore(0)
    scheduler = start_scheduler(
        count.release, tz=ZoneInfo("UTC"), now=datetime.now(UTC), interval=0.05
    )
    try:
        assert all(count.acquire(timeout=5) for _ in range(3))
    finally:
        stop_scheduler(scheduler)


# Each process builds its own stack on the same database and ticks when told to, so both
# race for the same run key; FakeSlack counts the posts.
TICKER = """
import json, sys
from datetime import datetime
from pathlib import Path
sys.path.insert(0, sys.argv[5])
from digest_harness import MovableClock, build_stack
from slackbot.simulator.server import Simulator

class Remote:
    def __init__(self, url):
        self.url, self.token, self.workspace_id = url, "sim-token", "sim-workspace"

class Slack:
    def __init__(self, api_url):
        self.api_url = api_url

clock = MovableClock(datetime.fromisoformat(sys.argv[4]))
stack = build_stack(Remote(sys.argv[1]), Slack(sys.argv[2]), Path(sys.argv[3]), clock, charts=None)
print("ready", flush=True)
sys.stdin.readline()
done = stack.due.run(clock.now)
stack.close()
print(json.dumps([d.outcome for d in done]), flush=True)
"""


def test_two_schedulers_on_one_database_post_a_digest_once(
    sim: Simulator, slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> None:
    """Two processes ticking at the same moment post the due digest exactly once."""
    db = tmp_path / "shared.db"
    setup = build_stack(sim, slack, db, clock)
    setup.store.subscriptions.add(CHANNEL, "all", "weekly", now=LONG_AGO)
    setup.close()
    args = [sim.url, slack.api_url, str(db), MONDAY_9.isoformat(), str(ROOT / "tests")]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", TICKER, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outcomes.extend(json.loads(out.strip().splitlines()[-1]))
    assert sorted(outcomes) in (["sent"], ["sent", "taken"])
    tops = [c for c in slack.posted(CHANNEL) if not c.body.get("thread_ts")]
    assert len(tops) == 1
    assert BOT_TOKEN not in "".join(c.body.get("text", "") for c in slack.posted(CHANNEL))
