"""Faults end to end: what a person reads, and what SQLite holds, while Botpress or Slack fail.

Slash commands go to one `botstats serve` subprocess for the whole module, signed as
Slack signs them; the fakes run in this process, so each case arms its fault directly
(`sim.inject(...)`, `slack.http_error(...)`) and the fault clears itself after its count.
Sync, digests and alerts run in-process against the same loopback fakes, with a clock the
test moves: the real `sync_bots`, and the real tick (`runtime.build_tick`) posting
through the real `SlackPoster`, so a retry a minute or an hour later costs no waiting.
"""

from __future__ import annotations

import itertools
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from digest_harness import MovableClock
from slack_harness import SECRET, SERVE, make_settings, serve_env
from test_slack_serve import wait_healthy

from slackbot.botpress.client import BotpressClient
from slackbot.config import Settings
from slackbot.core.formatting import day
from slackbot.core.models import Bot
from slackbot.replies import Replies
from slackbot.runtime import build_tick
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.slack.app import build_web_client
from slackbot.slack.poster import SlackPoster
from slackbot.store import Store
from slackbot.store.runs import Run
from slackbot.sync import SyncReport, sync_bots
from slackbot.testing.fake_slack import FakeSlack, ResponseCall, free_port, signed_command_request
from slackbot.tick import Tick

#: BOTSTATS_HTTP_TIMEOUT_S of the served process: the budget of one interactive call.
TIMEOUT = 0.5
USER = "U0FAULTS01"
BUSY = "Botpress is busy or down right now. Try again in a few minutes."
SLOW = f"Botpress did not answer within {TIMEOUT:g} s; try again in a minute."
UNREADABLE = (
    "Botpress sent analytics botstats could not read. Try again later; "
    "the details are in botstats' log."
)
REFUSED = (
    "Botpress refused botstats' credentials. An admin should check BOTPRESS_TOKEN "
    "and BOTPRESS_WORKSPACE_ID."
)
_sinks = itertools.count(1)


# --- one `botstats serve` for the module -----------------------------------------------
@dataclass
class Served:
    """The running `botstats serve`, its fakes, and its log file."""

    process: subprocess.Popen[bytes]
    url: str
    sim: Simulator
    slack: FakeSlack
    log: Path

    def send(self, text: str, *, user: str = USER) -> str:
        """POST one signed `/botstats text`; the response_url sink its reply goes to."""
        sink = f"e2e{next(_sinks)}"
        url = self.slack.url_for_response(sink)
        body, headers = signed_command_request(SECRET, text, user_id=user, response_url=url)
        response = httpx.post(f"{self.url}/slack/events", content=body, headers=headers)
        assert response.status_code == 200
        assert response.content == b""
        return sink

    def command(self, text: str, *, user: str = USER) -> ResponseCall:
        """Send `/botstats text` and wait for its reply."""
        return self.slack.wait_for_response(self.send(text, user=user), timeout=10)

    def analytics_of(self, bot_id: str) -> list[str | None]:
        """The fault each analytics request for ``bot_id`` hit so far (None: answered)."""
        return [r.fault for r in self.sim.requests if r.path.endswith(f"/{bot_id}/analytics")]


def wait_until(done: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    """Poll ``done`` until it is true; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def listed(sim: Simulator) -> int:
    """How many listBots requests the simulator answered."""
    return sum(1 for r in sim.requests if r.path.rstrip("/") == "/v1/admin/bots")


def seed(db: Path, sim: Simulator) -> None:
    """90 days synced, and the tick's hourly sync and alert check marked done for this hour
    and the next two: no scheduled Botpress call competes with the faults the cases arm."""
    now = datetime.now(UTC)
    with Store(db) as store:
        client = BotpressClient(token=sim.token, workspace_id=sim.workspace_id, base_url=sim.url)
        with client:
            bots = [Bot(b.id, b.name) for b in sim.bots]
            assert sync_bots(client, store, bots, today=now.date(), days=90).ok
        for hours in range(3):
            slot = (now + timedelta(hours=hours)).strftime("%Y-%m-%dT%H")
            for job in ("sync", "alerts"):
                assert store.jobs.start(job, slot, now=now)
                store.jobs.finish(job, slot, ok=True, detail="seeded by the test", now=now)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`botstats serve` on a free port over two simulated bots, both services' bots listed."""
    tmp = tmp_path_factory.mktemp("serve")
    with Simulator(bot_count=2, history_days=30, slow_seconds=30) as sim, FakeSlack() as slack:
        seed(tmp / "serve.db", sim)
        sim.clear_requests()
        env = serve_env(
            tmp / "serve.db",
            slack.api_url,
            sim.url,
            BOTSTATS_HTTP_TIMEOUT_S=str(TIMEOUT),
            BOTSTATS_SHUTDOWN_GRACE_S="2",
        )
        port, log = free_port(), tmp / "serve.log"
        # A file, not a pipe: a pipe nobody reads fills up and blocks the server's logging.
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [*SERVE, "--port", str(port)], cwd=tmp, env=env, stdout=sink, stderr=sink
            )
        try:
            wait_healthy(f"http://127.0.0.1:{port}", process)
            # The warm-up lists the bots for the tick's service and for the replies' one.
            wait_until(lambda: listed(sim) >= 2, "the warm-up")
            yield Served(process, f"http://127.0.0.1:{port}", sim, slack, log)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    said = log.read_text()
    assert process.returncode == 0, said
    assert "Traceback" not in said


@pytest.fixture
def serving(served: Served) -> Iterator[Served]:
    """The shared server, checked after each case: still up, nothing crashed anywhere."""
    start = served.log.stat().st_size
    yield served
    served.sim.clear_faults()
    assert served.process.poll() is None, served.log.read_text()
    assert httpx.get(f"{served.url}/healthz", timeout=5).status_code == 200
    assert "Traceback" not in served.log.read_text()[start:]
    assert served.sim.errors == []
    assert served.slack.errors == []


@pytest.mark.parametrize(
    ("fault", "sentence"),
    [
        ("ratelimited", BUSY),
        ("retry_after", BUSY),
        ("ratelimit_reset", BUSY),
        ("internal_error", BUSY),
        ("bad_gateway", BUSY),
        ("down", BUSY),
        ("gateway_timeout", BUSY),
        ("hangup", BUSY),
        ("cut_body", BUSY),
        ("slow", SLOW),
        ("truncated", UNREADABLE),
        ("garbage", UNREADABLE),
        ("wrong_types", UNREADABLE),
        ("unauthorized", REFUSED),
    ],
)
def test_a_botpress_fault_during_a_command_is_one_clear_sentence(
    serving: Served, fault: str, sentence: str
) -> None:
    """Today's numbers need Botpress: its fault gets one ephemeral sentence after one call,
    and the next command, Botpress recovered, gets the numbers."""
    bot = serving.sim.bots[0]
    serving.sim.inject(fault, times=1, bot_id=bot.id)
    asked = len(serving.analytics_of(bot.id))
    reply = serving.command(f"{bot.id} today")
    assert serving.analytics_of(bot.id)[asked:] == [fault]  # one attempt, no retry
    assert reply.body["response_type"] == "ephemeral"
    assert reply.body["text"] == sentence
    again = serving.command(f"{bot.id} today")
    assert serving.analytics_of(bot.id)[asked + 1 :] == [None]
    assert again.body["text"].startswith(bot.name)
    assert sentence not in str(again.body)


def test_a_fault_with_stored_days_serves_them_and_says_why(serving: Served) -> None:
    """A period ending today falls back on the stored days and names Botpress's failure."""
    bot = serving.sim.bots[1]
    today = datetime.now(UTC).date()
    serving.sim.inject("bad_gateway", times=1, bot_id=bot.id)
    reply = serving.command(f"{bot.id} {today - timedelta(days=6)}..{today}")
    words = str(reply.body)
    assert reply.body["text"].startswith(bot.name)
    note = "Botpress is busy or down right now; showing stored data up to"
    assert f"{note} {day(today - timedelta(days=1))}" in words


def test_a_stuck_botpress_never_holds_another_users_reply(serving: Served) -> None:
    """While one reply waits out its one-call budget on a hanging Botpress, another user's
    `/botstats bots` (the cached list) arrives first; the stuck one then says Botpress is slow."""
    sim, bot = serving.sim, serving.sim.bots[0]
    today = datetime.now(UTC).date()
    listed_before = listed(sim)
    sim.inject("slow", times=1, bot_id=bot.id)
    stuck = serving.send(f"{bot.id} {today - timedelta(days=6)}..{today}", user="U0STUCK01")
    wait_until(lambda: serving.analytics_of(bot.id)[-1:] == ["slow"], "the hanging call")
    other = serving.slack.wait_for_response(serving.send("bots", user="U0OTHER01"), timeout=5)
    assert serving.slack.responses_for(stuck) == []  # still waiting on Botpress
    late = serving.slack.wait_for_response(stuck, timeout=10)
    assert other.at < late.at
    assert all(b.name in str(other.body) for b in sim.bots)
    assert listed(sim) == listed_before
    why = f"Botpress is slow to answer right now (no reply in {TIMEOUT:g} s)"
    assert f"{why}; showing stored data up to {day(today - timedelta(days=1))}" in str(late.body)
    assert late.body["text"].startswith(bot.name)


# --- sync, in-process ------------------------------------------------------------------
SYNC_AT = datetime(2026, 12, 3, 12, tzinfo=UTC)
LATER = SYNC_AT + timedelta(days=3)
BUSY_SYNC = "The Botpress API is busy or down"


@dataclass
class SyncWorld:
    """A simulator on a movable clock, its bots, and a clean reference of the later sync."""

    sim: Simulator
    clock: MovableClock
    bots: list[Bot]
    base: Path  # synced at SYNC_AT
    reference: tuple[dict[str, list[tuple[Any, ...]]], set[tuple[str, str]]]


def stored(db: Path) -> tuple[dict[str, list[tuple[Any, ...]]], set[tuple[str, str]]]:
    """Each bot's daily_metrics rows (without fetched_at), and the covered (bot, day) pairs."""
    with sqlite3.connect(db) as conn:
        cursor = conn.execute("SELECT * FROM daily_metrics ORDER BY bot_id, day")
        names = [c[0] for c in cursor.description]
        keep = [i for i, name in enumerate(names) if name != "fetched_at"]
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for row in cursor.fetchall():
            rows.setdefault(row[0], []).append(tuple(row[i] for i in keep))
        covered = set(conn.execute("SELECT bot_id, day FROM coverage").fetchall())
    return rows, covered


def run_sync(world: SyncWorld, db: Path) -> SyncReport:
    """`sync_bots` as the tick runs it (retries with backoff, sleeping nothing), 30 days."""
    client = BotpressClient(
        token=world.sim.token,
        workspace_id=world.sim.workspace_id,
        base_url=world.sim.url,
        timeout=0.25,
        sleep=lambda _: None,
    )
    with client, Store(db, clock=world.clock) as store:
        today = world.clock.now.date()
        return sync_bots(client, store, world.bots, today=today, days=30, clock=world.clock)


@pytest.fixture(scope="module")
def sync_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncWorld]:
    """Three bots, a database synced at SYNC_AT, and what a clean sync at LATER adds to it."""
    clock = MovableClock(SYNC_AT)
    tmp = tmp_path_factory.mktemp("sync")
    with Simulator(seed=3, bot_count=3, history_days=30, clock=clock, slow_seconds=5) as sim:
        bots = [Bot(b.id, b.name) for b in sim.bots]
        world = SyncWorld(sim, clock, bots, tmp / "base.db", ({}, set()))
        assert run_sync(world, world.base).ok
        shutil.copy(world.base, tmp / "reference.db")
        clock.now = LATER
        assert run_sync(world, tmp / "reference.db").ok
        world.reference = stored(tmp / "reference.db")
        yield world
    assert sim.errors == []


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("ratelimited", BUSY_SYNC),
        ("ratelimit_reset", BUSY_SYNC),
        ("internal_error", BUSY_SYNC),
        ("bad_gateway", BUSY_SYNC),
        ("down", BUSY_SYNC),
        ("gateway_timeout", BUSY_SYNC),
        ("hangup", BUSY_SYNC),
        ("cut_body", BUSY_SYNC),
        ("slow", BUSY_SYNC),
        ("truncated", "that botstats cannot read: the body is not valid JSON"),
        ("garbage", "that botstats cannot read: the body is an HTML page"),
        ("wrong_types", "that botstats cannot read: records[0].returningUsers"),
        ("unauthorized", "Sync stopped: the token is workspace-wide; 2 other bot(s) not tried."),
    ],
)
def test_a_fault_during_sync_leaves_no_partial_rows_and_the_next_sync_completes(
    sync_world: SyncWorld, tmp_path: Path, fault: str, said: str
) -> None:
    """A bot whose every retry fails keeps exactly its earlier rows; the next sync, Botpress
    back, stores what a clean sync stores."""
    world, victim = sync_world, sync_world.bots[0]
    db = Path(shutil.copy(world.base, tmp_path / "faulted.db"))
    before = stored(db)
    world.clock.now = LATER
    world.sim.inject(fault, bot_id=victim.id)
    try:
        report = run_sync(world, db)
    finally:
        world.sim.clear_faults()
    assert not report.ok
    assert said in "\n".join(report.lines())
    after = stored(db)
    assert after[0][victim.id] == before[0][victim.id]  # not one row changed or added
    assert {c for c in after[1] if c[0] == victim.id} == {c for c in before[1] if c[0] == victim.id}
    if fault != "unauthorized":
        (failed,) = report.failed
        assert failed.line().startswith(f"{victim.name}: failed after 1 call(s): ")
        for bot in world.bots[1:]:
            assert after[0][bot.id] == world.reference[0][bot.id]
    again = run_sync(world, db)
    assert again.ok, again.lines()
    assert stored(db) == world.reference


def test_a_fault_that_clears_within_the_retries_costs_nothing(
    sync_world: SyncWorld, tmp_path: Path
) -> None:
    """Three 502s then an answer: the same sync retries through and stores the clean rows."""
    world, victim = sync_world, sync_world.bots[0]
    db = Path(shutil.copy(world.base, tmp_path / "retried.db"))
    world.clock.now = LATER
    asked = world.sim.analytics_calls
    world.sim.inject("bad_gateway", times=3, bot_id=victim.id)
    report = run_sync(world, db)
    assert report.ok, report.lines()
    assert world.sim.analytics_calls - asked == 3 + len(world.bots)
    assert stored(db) == world.reference


# --- digests and alerts through the real tick, in-process --------------------------------
TODAY = date(2026, 12, 3)
NOON = datetime(2026, 12, 3, 12, tzinfo=UTC)
DIGESTS, ALERTS = "C0DIGEST07", "C0ALERTS07"
LONG_AGO = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class TickWorld:
    """The tick as `serve` builds it, over the fakes, a DB file and a movable clock."""

    tick: Tick
    store: Store
    service: Service
    slack: FakeSlack
    clock: MovableClock
    waits: list[float]
    settings: Settings

    def top(self, channel: str) -> list[str]:
        """The text of each top-level message Slack took in ``channel``."""
        return [m.text for m in self.slack.posted(channel) if m.thread_ts is None]

    def thread(self, channel: str) -> list[str]:
        """The text of each reply Slack took in ``channel``, checked to be in one thread."""
        tops = {m.ts for m in self.slack.posted(channel) if m.thread_ts is None}
        replies = [m for m in self.slack.posted(channel) if m.thread_ts is not None]
        assert {m.thread_ts for m in replies} <= tops
        return [m.text for m in replies]


@pytest.fixture(scope="module")
def tick_sim() -> Iterator[tuple[Simulator, MovableClock]]:
    """The default simulated workspace (a cost anomaly on the day before TODAY)."""
    clock = MovableClock(NOON)
    with Simulator(seed=7, today=TODAY, clock=clock) as sim:
        yield sim, clock
    assert sim.errors == []


@pytest.fixture(scope="module")
def synced(
    tick_sim: tuple[Simulator, MovableClock], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A database holding 90 synced days at NOON, copied by each case (no tick ran on it)."""
    sim, clock = tick_sim
    db = tmp_path_factory.mktemp("tick") / "synced.db"
    clock.now = NOON
    with Store(db, clock=clock) as store:
        client = BotpressClient(token=sim.token, workspace_id=sim.workspace_id, base_url=sim.url)
        with client:
            bots = [Bot(b.id, b.name) for b in sim.bots]
            assert sync_bots(client, store, bots, today=TODAY, days=90, clock=clock).ok
    return db


@pytest.fixture
def world(
    tick_sim: tuple[Simulator, MovableClock], synced: Path, tmp_path: Path
) -> Iterator[Callable[..., TickWorld]]:
    """Builds the tick over a copy of the synced DB; ``alerts=True`` routes them to ALERTS."""
    sim, clock = tick_sim
    built: list[tuple[TickWorld, FakeSlack]] = []

    def make(*, digest: bool = False, alerts: bool = False) -> TickWorld:
        clock.now = NOON
        db = tmp_path / "tick.db"
        shutil.copy(synced, db)
        slack = FakeSlack().start()
        settings = make_settings(sim, slack, db, botstats_alert_channel=ALERTS if alerts else None)
        store = Store(db, clock=clock)
        if digest:
            store.subscriptions.add(DIGESTS, "all", "daily", at="09:00", now=LONG_AGO)
        client = BotpressClient(
            token=sim.token, workspace_id=sim.workspace_id, base_url=sim.url, sleep=lambda _: None
        )
        service = Service(store=store, client=client, clock=clock)
        waits: list[float] = []
        # As serve's poster, with a 1 s read timeout instead of 30 s (hangs cost less).
        web = build_web_client(settings, sleep=waits.append, timeout=1)
        poster = SlackPoster(web, workspace=store.workspace)
        tick = build_tick(settings, service, poster)
        made = TickWorld(tick, store, service, slack, clock, waits, settings)
        built.append((made, slack))
        return made

    yield make
    for made, slack in built:
        made.service.client.close()
        made.store.close()
        slack.stop()
        assert slack.errors == []


def later(world: TickWorld, delta: timedelta = timedelta(0)) -> None:
    """Move the clock on and run one tick; it must report no error (nothing raised inside)."""
    world.clock.now += delta
    report = world.tick()
    assert report.errors == []


def one_run(world: TickWorld, kind: str) -> Run:
    """The one run of ``kind`` in the store."""
    (run,) = [r for r in world.store.runs.all() if r.kind == kind]
    return run


@pytest.mark.parametrize(
    ("fault", "ticks", "waits"),
    [
        pytest.param(lambda s: s.http_error("chat.postMessage", 500), 2, 0, id="HTTP 500 once"),
        pytest.param(lambda s: s.go_down(503, times=1), 2, 0, id="HTTP 503, Slack down once"),
        pytest.param(lambda s: s.http_error("chat.postMessage", 504, times=2), 3, 0, id="504 x2"),
        pytest.param(lambda s: s.rate_limit(times=3), 2, 2, id="429 past the 2 retries"),
        pytest.param(lambda s: s.rate_limit(times=2), 1, 2, id="429 within the retries"),
        pytest.param(lambda s: s.hang("chat.postMessage", 0.3), 1, 0, id="hang within the timeout"),
    ],
)
def test_a_digest_through_slack_faults_is_posted_exactly_once(
    world: Callable[..., TickWorld], fault: Callable[[FakeSlack], None], ticks: int, waits: int
) -> None:
    """Slack failing before it took the post: the digest goes out on the tick after it
    recovers (a 429 waited out first, as Retry-After asks), exactly once, and the run is
    sent; later ticks post nothing more."""
    made = world(digest=True)
    fault(made.slack)
    later(made)
    for _ in range(ticks - 1):
        assert made.top(DIGESTS) == []
        later(made, timedelta(minutes=2))
    for _ in range(3):
        later(made, timedelta(minutes=2))
    (text,) = made.top(DIGESTS)
    assert text.startswith("Daily digest 2 Dec: ")
    thread = made.thread(DIGESTS)
    assert len(set(thread)) == len(thread)  # any thread message once, under the one top
    run = one_run(made, "digest")
    assert (run.status, run.attempts) == ("sent", ticks)
    assert made.waits == [1.0] * waits


@pytest.mark.parametrize(
    "fault",
    [
        lambda s: s.drop("chat.postMessage"),
        lambda s: s.cut("chat.postMessage"),
        lambda s: s.truncate("chat.postMessage"),
        lambda s: s.hang("chat.postMessage", 2.0),
    ],
    ids=["dropped connection", "answer cut mid-body", "truncated JSON", "hang past the timeout"],
)
def test_a_digest_slack_took_but_never_confirmed_is_not_doubled(
    world: Callable[..., TickWorld], fault: Callable[[FakeSlack], None]
) -> None:
    """The post reached Slack and its answer was lost: one message, the run left posting,
    `/botstats subscriptions` tells a person to check the channel, no tick posts it again."""
    made = world(digest=True)
    fault(made.slack)
    later(made)
    for _ in range(3):
        later(made, timedelta(minutes=2))
    assert len(made.top(DIGESTS)) == 1
    assert made.thread(DIGESTS) == []  # stopped at the point of no return
    assert one_run(made, "digest").status == "posting"
    assert [r.kind for r in made.store.runs.stuck(now=made.clock.now + timedelta(hours=1))] == [
        "digest"
    ]
    listing = Replies(made.service, made.settings).answer(
        "subscriptions", user_id=USER, channel_id=DIGESTS, now=made.clock.now
    )
    words = str(listing.message.blocks)
    assert "may or may not have posted (stuck while posting since" in words
    assert "check the channel" in words


@pytest.mark.parametrize(
    "fault",
    [
        lambda s: s.http_error("chat.postMessage", 500),
        lambda s: s.rate_limit(times=3),
    ],
    ids=["HTTP 500 once", "429 past the client's retries"],
)
def test_an_alert_through_slack_faults_is_posted_exactly_once(
    world: Callable[..., TickWorld], fault: Callable[[FakeSlack], None]
) -> None:
    """Slack failing before it took the alert: the next hourly check posts it, exactly once,
    the run sent; the checks after it post nothing more."""
    made = world(alerts=True)
    fault(made.slack)
    later(made)
    assert made.top(ALERTS) == []
    assert one_run(made, "alert").status == "failed"
    for _ in range(3):
        later(made, timedelta(hours=1))
    run = one_run(made, "alert")
    assert (run.status, run.attempts) == ("sent", 2)
    (text,) = made.top(ALERTS)
    (bot,) = [b for b in made.service.bots() if f":{b.id}:" in run.key]
    assert bot.name in text
    assert "cost" in text.lower()


@pytest.mark.parametrize(
    "fault",
    [lambda s: s.drop("chat.postMessage"), lambda s: s.truncate("chat.postMessage")],
    ids=["dropped connection", "truncated JSON"],
)
def test_an_alert_slack_took_but_never_confirmed_is_not_doubled(
    world: Callable[..., TickWorld], fault: Callable[[FakeSlack], None]
) -> None:
    """The alert reached Slack and its answer was lost: one message, its run left posting and
    listed for a person, and no later check posts it again (a hang past the timeout takes
    the same path, as the digest case shows)."""
    made = world(alerts=True)
    fault(made.slack)
    later(made)
    for _ in range(3):
        later(made, timedelta(hours=1))
    assert len(made.top(ALERTS)) == 1
    assert one_run(made, "alert").status == "posting"
    stuck = made.store.runs.stuck(now=made.clock.now + timedelta(hours=1))
    assert [r.kind for r in stuck] == ["alert"]


def test_an_alert_slack_refuses_for_good_is_not_tried_again(
    world: Callable[..., TickWorld],
) -> None:
    """A refusal no retry mends (channel_not_found) is recorded once with what to do, and no
    later check tries the alert again."""
    made = world(alerts=True)
    made.slack.fail("chat.postMessage", "channel_not_found")
    later(made)
    for _ in range(2):
        later(made, timedelta(hours=1))
    assert made.top(ALERTS) == []
    run = one_run(made, "alert")
    assert (run.status, run.attempts) == ("failed", 1)
    assert run.error is not None
    assert run.error.startswith(f"channel_not_found: Channel `{ALERTS}` was not found")
