"""Incremental sync and ensure_days against the simulated Botpress over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from slackbot.botpress.client import BotpressClient
from slackbot.console.progress import BarProgress, LineProgress, make_progress
from slackbot.core.models import AnalyticsRecord, Bot
from slackbot.errors import BotpressAuthError
from slackbot.simulator.server import Simulator
from slackbot.store import Store
from slackbot.sync import BotSync, ensure_days, fetch_days, merge_ranges, plan_calls, sync_bots

TODAY = date(2026, 5, 13)
NOW = datetime(2026, 5, 13, 12, 0, tzinfo=UTC)
YESTERDAY = TODAY - timedelta(days=1)


def d(n: int) -> date:
    """The date n days before TODAY."""
    return TODAY - timedelta(days=n)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A simulated workspace of three bots, its clock pinned to TODAY noon."""
    with Simulator(today=TODAY, bot_count=3, seed=11) as running:
        yield running


@pytest.fixture
def client(sim: Simulator) -> Iterator[BotpressClient]:
    """A real client on the simulator; requests recorded from a clean slate."""
    sim.clear_requests()
    with BotpressClient(
        token="sim-token", workspace_id="sim-workspace", base_url=sim.url, sleep=lambda _: None
    ) as opened:
        yield opened


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty store in a temporary file."""
    with Store(tmp_path / "botstats.db") as opened:
        yield opened


@pytest.fixture
def bots(sim: Simulator) -> list[Bot]:
    """The simulator's bots."""
    return [Bot(info.id, info.name) for info in sim.bots]


def calls(sim: Simulator) -> list[tuple[str, date, date]]:
    """Each analytics request as (bot id, first day, last day), sorted."""
    out = []
    for request in sim.requests:
        if request.path.endswith("/analytics"):
            bot_id = request.path.split("/")[-2]
            first = date.fromisoformat(request.query["startDate"][:10])
            end = date.fromisoformat(request.query["endDate"][:10])
            out.append((bot_id, first, end - timedelta(days=1)))
    return sorted(out)


def test_plan_merges_the_refetch_into_an_adjacent_gap() -> None:
    """The recent-days re-fetch joins a gap that touches it; a distant gap stays separate."""
    first, last = d(90), d(1)
    assert plan_calls([(first, last)], first, last, 2) == [(first, last)]
    assert plan_calls([], first, last, 2) == [(d(2), d(1))]
    assert plan_calls([(d(10), d(3))], first, last, 2) == [(d(10), d(1))]
    assert plan_calls([(d(50), d(40))], first, last, 2) == [(d(50), d(40)), (d(2), d(1))]
    assert plan_calls([], d(1), d(1), 2) == [(d(1), d(1))]
    assert plan_calls([(d(5), d(4))], first, last, 0) == [(d(5), d(4))]
    assert merge_ranges([(d(3), d(1)), (d(9), d(4)), (d(20), d(20))]) == [
        (d(20), d(20)),
        (d(9), d(1)),
    ]


def test_first_sync_is_one_call_per_bot_and_stores_exactly(
    sim: Simulator, client: BotpressClient, store: Store, bots: list[Bot]
) -> None:
    """A first sync makes one call per bot over the window and stores what the client returned."""
    report = sync_bots(client, store, bots, today=TODAY, days=30)
    assert report.ok
    assert (report.first, report.last) == (d(30), d(1))
    assert calls(sim) == sorted((b.id, d(30), d(1)) for b in bots)
    assert [r.bot_id for r in report.bots] == [b.id for b in bots]
    assert all(r.calls == 1 and r.days_fetched == 30 for r in report.bots)
    for bot in bots:
        stored = store.days.load(bot.id, d(30), d(1))
        assert stored == fetch_days(client, bot.id, d(30), d(1))
        assert store.days.missing_ranges(bot.id, d(30), d(1)) == []
        assert store.days.missing_ranges(bot.id, TODAY, TODAY) == [(TODAY, TODAY)]
    assert report.days_written == sum(len(store.days.load(b.id, d(30), d(1))) for b in bots)
    assert report.calls == len(bots)


def test_second_sync_only_refetches_the_last_two_closed_days(
    sim: Simulator, client: BotpressClient, store: Store, bots: list[Bot]
) -> None:
    """Right after a full sync, each bot gets one short call for the last two closed days."""
    sync_bots(client, store, bots, today=TODAY, days=30)
    sim.clear_requests()
    report = sync_bots(client, store, bots, today=TODAY, days=30)
    assert calls(sim) == sorted((b.id, d(2), d(1)) for b in bots)
    assert all(r.ranges == [(d(2), d(1))] and r.days_fetched == 2 for r in report.bots)
    assert "nothing missing" not in report.bots[0].line()


def test_gap_in_the_middle_is_fetched_with_one_call(
    sim: Simulator, client: BotpressClient, store: Store, bots: list[Bot]
) -> None:
    """Days lost in the middle come back in one call, besides the short re-fetch."""
    sync_bots(client, store, bots, today=TODAY, days=30)
    target = bots[0].id
    with store.write() as db:
        db.execute(
            "DELETE FROM coverage WHERE bot_id = ? AND day BETWEEN ? AND ?",
            [target, d(20).isoformat(), d(12).isoformat()],
        )
    sim.clear_requests()
    report = sync_bots(client, store, bots, today=TODAY, days=30)
    assert [c for c in calls(sim) if c[0] == target] == [
        (target, d(20), d(12)),
        (target, d(2), d(1)),
    ]
    assert report.bots[0].calls == 2
    assert report.bots[0].days_fetched == 11
    assert store.days.missing_ranges(target, d(30), d(1)) == []


def test_a_longer_window_fetches_only_the_older_days(
    sim: Simulator, client: BotpressClient, store: Store, bots: list[Bot]
) -> None:
    """Widening --days adds one call for the older gap per bot, the re-fetch being separate."""
    sync_bots(client, store, bots[:1], today=TODAY, days=10)
    sim.clear_requests()
    sync_bots(client, store, bots[:1], today=TODAY, days=40)
    assert calls(sim) == [(bots[0].id, d(40), d(11)), (bots[0].id, d(2), d(1))]


def test_one_failing_bot_does_not_stop_the_others(
    client: BotpressClient, store: Store, bots: list[Bot]
) -> None:
    """A bot Botpress does not know is reported by name; the other bots are synced."""
    ghost = Bot("bot_does_not_exist", "Ghost")
    report = sync_bots(client, store, [bots[0], ghost, *bots[1:]], today=TODAY, days=7)
    assert not report.ok
    assert [r.bot_id for r in report.failed] == [ghost.id]
    assert report.failed[0].error is not None
    assert "404" in report.failed[0].error
    assert any(line.startswith("  Ghost: failed after 1 call(s)") for line in report.lines()[1:])
    assert all(store.days.missing_ranges(b.id, d(7), d(1)) == [] for b in bots)
    assert store.days.missing_ranges(ghost.id, d(7), d(1)) == [(d(7), d(1))]


def test_store_failure_for_one_bot_is_reported_and_leaves_no_rows(
    client: BotpressClient, store: Store, bots: list[Bot]
) -> None:
    """A write that aborts mid-batch for one bot fails that bot only, leaving none of its rows."""
    victim = bots[1].id
    store.bots.upsert(bots)
    with store.write() as db:
        db.execute(
            "CREATE TRIGGER fail_victim BEFORE INSERT ON coverage "
            f"WHEN NEW.bot_id = '{victim}' AND NEW.day = '{d(4).isoformat()}' "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    report = sync_bots(client, store, bots, today=TODAY, days=7)
    assert [r.bot_id for r in report.failed] == [victim]
    assert "injected failure" in (report.failed[0].error or "")
    assert store.days.load(victim, d(7), d(1)) == {}
    assert store.days.covered(victim, d(7), d(1)) == set()
    assert store.days.load(bots[0].id, d(7), d(1)) != {}


class Gate:
    """An AnalyticsSource that records how many calls run at once; each waits for company."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties)
        self.lock = threading.Lock()
        self.active = self.peak = 0
        self.calls = 0

    def get_analytics(self, bot_id: str, first: date, last: date) -> list[AnalyticsRecord]:
        """Wait until ``parties`` calls are in flight (the first call, made alone, does not)."""
        with self.lock:
            self.calls += 1
            alone = self.calls == 1
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            if not alone:
                self.barrier.wait(timeout=10)
        finally:
            with self.lock:
                self.active -= 1
        start = f"{last.isoformat()}T00:00:00.000Z"
        end = f"{(last + timedelta(days=1)).isoformat()}T00:00:00.000Z"
        counts = dict.fromkeys(("returningUsers", "newUsers", "userMessages", "botMessages"), 0)
        raw = {"startDateTimeUtc": start, "endDateTimeUtc": end, "sessions": 1, "events": 0}
        return [AnalyticsRecord.model_validate({**raw, **counts, "messages": 0})]


def test_bots_are_synced_in_parallel_within_the_bound(store: Store) -> None:
    """With workers=3, after the first bot alone, three bots are fetched at once, never more."""
    gate = Gate(parties=3)
    bots = [Bot(f"b{n}", f"Bot {n}") for n in range(10)]
    report = sync_bots(gate, store, bots, today=TODAY, days=5, workers=3)
    assert report.ok
    assert report.calls == 10
    assert gate.peak == 3
    assert sync_bots(gate, store, [], today=TODAY).ok
    assert sync_bots(gate, store, bots[:1], today=TODAY, days=0).calls == 0


class Recorder:
    """A SyncProgress that remembers what it was told."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def start(self, total: int) -> None:
        """Record the start."""
        self.events.append(("start", total))

    def advance(self, result: BotSync) -> None:
        """Record one bot."""
        self.events.append(("advance", result.bot_id))

    def finish(self) -> None:
        """Record the end."""
        self.events.append(("finish", None))


def test_progress_hears_start_every_bot_and_finish(
    client: BotpressClient, store: Store, bots: list[Bot]
) -> None:
    """The progress callback gets the total, one call per bot, then finish."""
    recorder = Recorder()
    sync_bots(client, store, bots, today=TODAY, days=3, progress=recorder)
    assert recorder.events[0] == ("start", len(bots))
    assert sorted(e[1] for e in recorder.events[1:-1]) == sorted(b.id for b in bots)  # type: ignore[type-var]
    assert recorder.events[-1] == ("finish", None)


def test_make_progress_picks_a_bar_for_terminals_and_lines_otherwise(
    client: BotpressClient, store: Store, bots: list[Bot]
) -> None:
    """A terminal gets a rich bar; a pipe gets one plain line per bot."""
    assert isinstance(make_progress(Console(file=StringIO(), force_terminal=True)), BarProgress)
    out = StringIO()
    progress = make_progress(Console(file=out, force_terminal=False, width=300))
    assert isinstance(progress, LineProgress)
    sync_bots(client, store, bots, today=TODAY, days=3, progress=progress)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Syncing {len(bots)} bot(s)"
    names = sorted(line.split("] ", 1)[1].split(":")[0] for line in lines[1:])
    assert names == sorted(b.name for b in bots)
    assert not any(b.id in out.getvalue() for b in bots)
    assert lines[-1].startswith(f"[{len(bots)}/{len(bots)}] ")


def test_bar_progress_runs_and_prints_failures(store: Store) -> None:
    """The rich bar completes and prints a failed bot's line above itself."""
    out = StringIO()
    bar = make_progress(Console(file=out, force_terminal=True, width=200))
    bar.start(2)
    bar.advance(BotSync("ok-bot", calls=1, days_fetched=2))
    bar.advance(BotSync("bad-bot", calls=1, error="Botpress said no"))
    bar.finish()
    text = out.getvalue()
    assert "bad-bot: failed after 1 call(s): Botpress said no" in text
    assert "2/2" in text


def test_ensure_days_fetches_today_live_and_never_covers_it(
    sim: Simulator, client: BotpressClient, store: Store, bots: list[Bot]
) -> None:
    """Today's partial bucket is returned but not stored; closed days are fetched once."""
    bot = bots[0].id
    first_round = ensure_days(client, store, bot, d(6), TODAY, today=TODAY)
    assert calls(sim) == [(bot, d(6), TODAY)]  # the gap ending yesterday shares today's call
    assert TODAY in first_round
    assert first_round == fetch_days(client, bot, d(6), TODAY)
    assert store.days.missing_ranges(bot, d(6), TODAY) == [(TODAY, TODAY)]
    assert TODAY not in store.days.load(bot, d(6), TODAY)
    sim.clear_requests()
    second_round = ensure_days(client, store, bot, d(6), TODAY, today=TODAY)
    assert calls(sim) == [(bot, TODAY, TODAY)]
    assert second_round == first_round


def test_ensure_days_on_closed_days_reads_the_store(
    sim: Simulator, client: BotpressClient, store: Store, bots: list[Bot]
) -> None:
    """Closed days already stored cost no call; a missing older gap costs exactly one."""
    bot = bots[1].id
    sync_bots(client, store, bots[1:2], today=TODAY, days=7)
    sim.clear_requests()
    assert ensure_days(client, store, bot, d(7), d(1), today=TODAY) == store.days.load(
        bot, d(7), d(1)
    )
    assert calls(sim) == []
    days = ensure_days(client, store, bot, d(14), d(1), today=TODAY)
    assert calls(sim) == [(bot, d(14), d(8))]
    assert days == fetch_days(client, bot, d(14), d(1))


class RevokedAfter:
    """An AnalyticsSource whose token is revoked after ``good`` calls: 401 from then on."""

    def __init__(self, good: int) -> None:
        self.good = good
        self.asked: list[str] = []

    def get_analytics(self, bot_id: str, first: date, last: date) -> list[AnalyticsRecord]:
        """No records while the token works; BotpressAuthError once it is revoked."""
        self.asked.append(bot_id)
        if len(self.asked) > self.good:
            raise BotpressAuthError(
                "Botpress refused botstats' credentials (HTTP 401). Check BOTPRESS_TOKEN.",
                status=401,
            )
        return []


def test_a_token_revoked_mid_sync_stops_the_bots_not_yet_started(store: Store) -> None:
    """A 401 on the second bot leaves the rest untried and is said once, naming them by count."""
    source = RevokedAfter(good=1)
    bots = [Bot(f"b{n}", f"Bot {n}") for n in range(5)]
    report = sync_bots(source, store, bots, today=TODAY, days=3, workers=1)
    assert source.asked == ["b0", "b1"]
    assert not report.ok
    assert [b.bot_id for b in report.bots] == ["b0", "b1"]
    assert report.not_tried == ("Bot 2", "Bot 3", "Bot 4")
    assert report.lines()[1:] == [
        "Sync stopped: the token is workspace-wide; 3 other bot(s) not tried. "
        "Botpress refused botstats' credentials (HTTP 401). Check BOTPRESS_TOKEN."
    ]


def test_a_refused_first_bot_is_the_only_call(store: Store) -> None:
    """The first bot goes alone: refused, no other bot is asked at all."""
    source = RevokedAfter(good=0)
    bots = [Bot(f"b{n}", f"Bot {n}") for n in range(4)]
    recorder = Recorder()
    report = sync_bots(source, store, bots, today=TODAY, days=3, progress=recorder)
    assert source.asked == ["b0"]
    assert report.refused is not None
    assert report.bots[0].line() == "Bot 0: Botpress refused the token"
    assert recorder.events == [("start", 4), ("advance", "b0"), ("finish", None)]
