"""The alert check end to end: the simulator's planted anomaly alerts once, then resolves.

Real HTTP for Botpress (the simulator) and Slack (FakeSlack), a real SQLite file, and a
clock the test moves a day at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from digest_harness import BOT_TOKEN, MovableClock, settings_for

from slackbot.alerts.check import AlertCheck, alert_row, reported
from slackbot.alerts.delivery import AlertDelivery
from slackbot.alerts.engine import AlertEngine
from slackbot.botpress.client import BotpressClient
from slackbot.charts.worker import ChartRenderer, InlineRenderer
from slackbot.core.anomalies import Thresholds
from slackbot.core.blocks.alert_lines import show
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.slack.app import build_web_client
from slackbot.slack.poster import SlackPoster
from slackbot.store import Store
from slackbot.sync import sync_bots
from slackbot.testing.fake_slack import FakeSlack

TODAY = date(2026, 12, 3)
CHANNEL = "C0ALERTS01"


@pytest.fixture
def clock() -> MovableClock:
    """Noon of the day after the planted cost-per-call anomaly (set by ``sim``)."""
    return MovableClock(datetime(2026, 12, 1, tzinfo=UTC))


@pytest.fixture
def sim(clock: MovableClock) -> Iterator[Simulator]:
    """The default simulated workspace, anchored a few days after its anomalies."""
    with Simulator(seed=7, today=TODAY, clock=clock) as simulator:
        yield simulator


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on loopback."""
    with FakeSlack() as fake:
        yield fake


def anomaly_day(sim: Simulator, metric: str) -> tuple[str, date]:
    """The bot and day of the simulator's planted anomaly of ``metric``."""
    found = next(a for a in sim.anomalies if a.metric == metric)
    return found.bot_id, found.day


def noon_after(day: date) -> datetime:
    """Noon of the day after ``day``: ``day`` is then settled."""
    return datetime.combine(day + timedelta(days=1), time(12), tzinfo=UTC)


def build(
    sim: Simulator,
    slack: FakeSlack,
    db: Path,
    clock: MovableClock,
    charts: ChartRenderer | None = None,
    channel: str | None = CHANNEL,
) -> tuple[AlertCheck, Store]:
    """The alert check as ``serve`` wires it, posting to CHANNEL (BOTSTATS_ALERT_CHANNEL)."""
    store = Store(db, clock=clock)
    client = BotpressClient(
        token=sim.token, workspace_id=sim.workspace_id, base_url=sim.url, sleep=lambda _: None
    )
    service = Service(store=store, client=client, clock=clock)
    poster = SlackPoster(build_web_client(settings_for(slack)))
    delivery = AlertDelivery(
        store, poster, tz=ZoneInfo("UTC"), default_channel=channel, charts=charts
    )
    return AlertCheck(AlertEngine(service, thresholds=Thresholds()), delivery), store


def tops(slack: FakeSlack) -> list[dict[str, Any]]:
    """The top-level messages posted in CHANNEL."""
    return [c.body for c in slack.posted(CHANNEL) if not c.body.get("thread_ts")]


def words(body: dict[str, Any]) -> str:
    """What a person reads in a message."""
    return body.get("text", "") + json.dumps(body.get("blocks", ""), ensure_ascii=False)


@pytest.fixture
def planted(
    sim: Simulator, slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> Iterator[tuple[AlertCheck, Store, str, date]]:
    """A synced store on the day after the planted cost-per-call anomaly."""
    bot_id, day = anomaly_day(sim, "cost")
    clock.now = noon_after(day)
    check, store = build(sim, slack, tmp_path / "alerts.db", clock)
    service = check.engine.service
    sync_bots(service.client, store, service.bots(), today=clock.now.date(), clock=clock)
    yield check, store, bot_id, day
    service.client.close()
    store.close()


def test_planted_cost_per_call_jump_alerts_once(
    planted: tuple[AlertCheck, Store, str, date], slack: FakeSlack, clock: MovableClock
) -> None:
    """The pricier-model day raises one message naming the bot, the reading and the buttons."""
    check, _store, bot_id, _day = planted
    result, posted = check.run(clock.now)
    assert [p.outcome for p in posted if p.outcome == "sent"]
    fired = {c.alert_id for c in result.changes if c.action == "notify"}
    assert f"{bot_id}:cost_per_call:up" in fired
    (body,) = [b for b in tops(slack) if "cost per call" in words(b).lower()]
    text = words(body)
    assert "Support Assistant" in text
    assert "model or prompt change" in text
    assert "botstats_alert_ack" in text
    # An hour later the same day is checked again: nothing new to say.
    clock.now += timedelta(hours=1)
    _, again = check.run(clock.now)
    assert [p for p in again if p.outcome == "sent"] == []
    assert len(tops(slack)) == len({p.key for p in posted if p.outcome == "sent"})


def test_a_second_process_posts_nothing_more(
    planted: tuple[AlertCheck, Store, str, date],
    sim: Simulator,
    slack: FakeSlack,
    tmp_path: Path,
    clock: MovableClock,
) -> None:
    """A restart (a new process on the same database) finds the alert already told."""
    check, _, _, _ = planted
    check.run(clock.now)
    before = len(tops(slack))
    other, store = build(sim, slack, tmp_path / "alerts.db", clock)
    try:
        _, posted = other.run(clock.now + timedelta(minutes=5))
    finally:
        other.engine.service.client.close()
        store.close()
    assert [p for p in posted if p.outcome == "sent"] == []
    assert len(tops(slack)) == before


def test_the_next_normal_day_resolves_it_in_place_and_in_the_thread(
    planted: tuple[AlertCheck, Store, str, date], slack: FakeSlack, clock: MovableClock
) -> None:
    """Back to normal, the original message is updated and a reply goes in its thread."""
    check, store, bot_id, day = planted
    check.run(clock.now)
    alert_id = f"{bot_id}:cost_per_call:up"
    (sent,) = store.alerts.messages(alert_id)
    firing = store.alerts.record(alert_id)
    assert firing is not None
    clock.now = noon_after(day + timedelta(days=1))
    result, _ = check.run(clock.now)
    assert any(c.alert_id == alert_id and c.action == "resolve" for c in result.changes)
    updates = [c.body for c in slack.calls_to("chat.update") if c.body.get("ts") == sent.ts]
    assert updates
    assert "Resolved" in words(updates[-1])
    # The peak is the firing day's value, not the normal value that resolved it.
    assert f"Peak {show('cost_per_call', firing.record['value'])} on " in words(updates[-1])
    replies = [c.body for c in slack.posted(CHANNEL) if c.body.get("thread_ts") == sent.ts]
    # One reply per alert the message told of (this day raised cost and cost per call).
    assert any("Back to normal: cost per call" in words(r) for r in replies)
    assert len(replies) == len(store.alerts.message_at(CHANNEL, sent.ts))
    stored = store.alerts.record(alert_id)
    assert stored is not None
    assert stored.status == "resolved"


def test_dry_run_saves_and_posts_nothing(
    planted: tuple[AlertCheck, Store, str, date], slack: FakeSlack, clock: MovableClock
) -> None:
    """``check --dry-run`` reports the alert but leaves the store and Slack untouched."""
    check, store, bot_id, _ = planted
    result, posted = check.run(clock.now, post=False)
    rows = [alert_row(c, now=clock.now) for c in reported(result)]
    assert any(r["bot_id"] == bot_id and r["metric"] == "cost_per_call" for r in rows)
    assert set(rows[0]) >= {
        "bot_id",
        "metric",
        "direction",
        "day",
        "value",
        "expected",
        "low",
        "high",
        "severity",
        "state",
    }
    assert posted == []
    assert store.alerts.records() == []
    assert tops(slack) == []
    assert BOT_TOKEN not in json.dumps(rows)


def test_hourly_hook_runs_once_per_hour(
    planted: tuple[AlertCheck, Store, str, date], slack: FakeSlack, clock: MovableClock
) -> None:
    """The tick's hook checks once per hour slot, however often the tick runs."""
    check, store, _, _ = planted
    check.hourly(clock.now)
    check.hourly(clock.now + timedelta(minutes=1))
    job = store.jobs.last("alerts")
    assert job is not None
    assert job.status == "done"
    assert job.detail is not None
    assert "message(s) posted" in job.detail


@pytest.mark.parametrize("again", [False, True], ids=["no-route", "already-told"])
def test_no_chart_is_drawn_for_a_message_nobody_gets(
    sim: Simulator, slack: FakeSlack, tmp_path: Path, clock: MovableClock, again: bool
) -> None:
    """No alert channel routed, or the alert already posted: no chart reaches Slack."""
    _, day = anomaly_day(sim, "cost")
    clock.now = noon_after(day)
    channel = CHANNEL if again else None
    check, store = build(sim, slack, tmp_path / "quiet.db", clock, InlineRenderer(), channel)
    try:
        service = check.engine.service
        sync_bots(service.client, store, service.bots(), today=clock.now.date(), clock=clock)
        check.run(clock.now)
        before = len(slack.uploads)
        clock.now += timedelta(hours=1)
        check.run(clock.now)
    finally:
        check.engine.service.client.close()
        store.close()
    assert len(slack.uploads) == before
    assert before == (len(tops(slack)) if again else 0)


def test_alert_message_carries_a_small_chart_and_the_band_is_stored(
    sim: Simulator, slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> None:
    """With a renderer the alert shows its chart; every evaluation's band lands in baselines."""
    bot_id, day = anomaly_day(sim, "cost")
    clock.now = noon_after(day)
    check, store = build(sim, slack, tmp_path / "chart.db", clock, charts=InlineRenderer())
    try:
        service = check.engine.service
        sync_bots(service.client, store, service.bots(), today=clock.now.date(), clock=clock)
        check.run(clock.now)
        baselines = store.alerts.baselines(bot_id, day, day, metric="cost_per_call")
    finally:
        check.engine.service.client.close()
        store.close()
    assert slack.uploads
    images = [b for b in tops(slack) if '"slack_file"' in words(b)]
    assert images
    # One chart per message posted: the hourly re-check (already told) uploads nothing more.
    assert len(slack.uploads) == len(tops(slack))
    (band,) = baselines
    assert band.expected is not None
    assert band.high is not None
    assert band.expected < band.high
