"""The App Home tab: the pure view builder, and the signed event over loopback HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_harness import SECRET, USER, Harness, harness_factory
from slack_sdk.web import WebClient

from slackbot.core.alert_states import AlertRecord
from slackbot.core.anomalies import Band, Evaluation
from slackbot.core.blocks.alerts import AlertView
from slackbot.core.blocks.home import (
    HOME_MAX_BLOCKS,
    HomeData,
    RouteView,
    home_error_view,
    home_view,
)
from slackbot.core.blocks.kit import SECTION_MAX, Dashboard
from slackbot.core.blocks.listings import SubscriptionView
from slackbot.core.comparisons import reference_period
from slackbot.core.metrics import Summary, summarize
from slackbot.core.models import Bot, Metrics
from slackbot.core.periods import parse_period
from slackbot.slack.home import PAGE_SIZE, user_channels
from slackbot.store.alerts import StoredAlert
from slackbot.sync import sync_bots
from slackbot.testing.fake_slack import FakeSlack, signed_headers

__all__ = ["harness_factory"]  # fixture used by name

NOW = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)  # a Wednesday
UTC_TZ = ZoneInfo("UTC")
LINKS = Dashboard("https://app.botpress.cloud", "ws-1")
MINE, OTHER = "C0HOMEMINE", "C0HOMEOTHER"


def texts(node: Any) -> str:
    """Every text a person reads in a view, one per line."""
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return "\n".join(own + [texts(v) for v in node.values() if isinstance(v, dict | list)])
    if isinstance(node, list):
        return "\n".join(texts(item) for item in node)
    return ""


def week(bot: Bot, *, sessions: int, cost: float, before_sessions: int = 100) -> Summary:
    """A bot's last week (7 days of ``sessions`` and ``cost`` in all) against the week before."""
    period = parse_period("last-week", now=NOW)
    reference = reference_period(period, NOW.date())

    def day(n: int, total_cost: float) -> Metrics:
        return Metrics(
            days=1, sessions=n, user_messages=3 * n, llm_calls=2 * n, llm_errors=n // 25,
            cost_sum=total_cost / 7,
        )  # fmt: skip

    days = {d: day(sessions, cost) for d in period.dates()}
    days |= {d: day(before_sessions, 10.0) for d in reference.dates()}
    return summarize(bot, period, days, as_of=NOW - timedelta(hours=2))


def alert(bot: Bot, metric: str = "cost", *, acked_by: str | None = None) -> AlertView:
    """An open alert of ``bot``: LLM cost $41.20 against $12.00 expected (or a latency jump)."""
    since = NOW.date() - timedelta(days=1)
    value, band = (41.2, Band(12.0, 8.0, 17.5, "same-weekday", 28))
    if metric == "latency":
        value, band = (2400.0, Band(900.0, 700.0, 1200.0, "same-weekday", 28))
    evaluation = Evaluation(bot.id, metric, "up", since, value, band, 2.6)  # type: ignore[arg-type]
    state = "acknowledged" if acked_by else "firing"
    return AlertView(f"{bot.id}:{metric}:up", bot, evaluation, state, since, acked_by)


def digest(channel: str, target: str = "all bots") -> SubscriptionView:
    """A weekly digest of ``target`` in ``channel``, next on Monday."""
    return SubscriptionView(
        channel, target, "weekly", "Mondays at 09:00 UTC", datetime(2026, 12, 7, 9, tzinfo=UTC)
    )


SUPPORT, SALES = Bot("bot-support", "Support Assistant", "support"), Bot("bot-sales", "Sales")
BOTS = [Bot(f"bot-{i:02d}", f"Bot {i:02d}") for i in range(23)]
FULL = HomeData(
    summaries=[week(SUPPORT, sessions=118, cost=12.34), week(SALES, sessions=50, cost=3.0)],
    subscriptions=[digest(MINE)],
    routes=[RouteView(MINE, "Support Assistant", True)],
    alerts=[alert(SUPPORT), alert(SALES, "latency", acked_by="U0ACKER01")],
    as_of=NOW - timedelta(hours=2),
)
EMPTY = HomeData(summaries=[], subscriptions=[], routes=[], alerts=[])


@pytest.mark.parametrize(
    ("data", "expected", "absent"),
    [
        (
            FULL,
            [
                "Support Assistant (support)",
                "https://app.botpress.cloud/workspaces/ws-1/bots/bot-support/overview",
                "$12.34",
                "+18%",
                "User messages",
                "LLM calls",
                "Error rate",
                "<#C0HOMEMINE>",
                "Weekly digest of *all bots*",
                "next Mon 7 Dec 09:00 UTC",
                "Anomaly alerts *on* for Support Assistant",
                "Firing now (2)",
                "LLM cost",
                "acknowledged by <@U0ACKER01>",
                "since Tue 1 Dec",
                "data as of Wed 2 Dec 08:30 UTC",
                "latency 2.4 s",
                "/botstats subscribe",
            ],
            ["Nothing is firing", "No bots tracked yet", "None of your channels"],
        ),
        (
            EMPTY,
            [
                "No bots tracked yet — run `botstats sync`",
                "None of your channels subscribe to a digest — `/botstats subscribe all weekly`",
                "None of your channels gets anomaly alerts",
                "Nothing is firing",
                "no data stored yet",
                "`/botstats help`  the full help, with every PERIOD",
            ],
            ["Firing now (", "Slack did not list"],
        ),
        (
            HomeData([week(b, sessions=30, cost=2.0) for b in BOTS], [], [], []),
            ["and 3 more bots", "Bot 00"],
            [],
        ),
        (
            HomeData([], [digest(f"C0CHAN{i:04d}") for i in range(34)], [], []),
            ["and 4 more channels", "<#C0CHAN0000>"],
            ["<#C0CHAN0033>", "None of your channels subscribe"],
        ),
        (
            HomeData([], [], [], [alert(b) for b in BOTS]),
            ["Firing now (23)", "and 3 more alerts", "23 firing"],
            [],
        ),
        (
            HomeData([], [digest(OTHER)], [], [], channels_unknown="missing_scope"),
            ["Slack did not list your channels (`missing_scope`)", "<#C0HOMEOTHER>"],
            [],
        ),
    ],
    ids=["full", "empty", "many-bots", "many-channels", "many-alerts", "channels-unknown"],
)
def test_home_view_reads_right(data: HomeData, expected: list[str], absent: list[str]) -> None:
    """Each case shows the words a person reads, within the Home view's block limit."""
    view = home_view(data, tz=UTC_TZ, now=NOW, links=LINKS)
    shown = texts(view["blocks"])
    assert view["type"] == "home"
    assert len(view["blocks"]) <= HOME_MAX_BLOCKS
    for words in expected:
        assert words in shown, words
    for words in absent:
        assert words not in shown, words


def test_home_view_stays_within_slack_limits_when_everything_is_long() -> None:
    """Hundreds of bots, digests and alerts still fit 100 blocks and keep the help at the end."""
    many = [Bot(f"bot-{i:03d}", "N" * 200) for i in range(300)]
    data = HomeData(
        summaries=[week(b, sessions=40, cost=5.0) for b in many],
        subscriptions=[digest(f"C0CHAN{i:04d}", "T" * 200) for i in range(500)],
        routes=[RouteView(f"C0CHAN{i:04d}", "all bots", True) for i in range(500)],
        alerts=[alert(b) for b in many],
    )
    blocks = home_view(data, tz=UTC_TZ, now=NOW, links=LINKS)["blocks"]
    assert len(blocks) <= HOME_MAX_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= SECTION_MAX for b in blocks)
    assert blocks[-3]["text"]["text"] == "Using /botstats"
    assert "and 280 more bots" in texts(blocks)


def test_home_view_shows_times_in_the_configured_timezone() -> None:
    """The data-as-of line is in BOTSTATS_TIMEZONE."""
    view = home_view(FULL, tz=ZoneInfo("Europe/Paris"), now=NOW, links=None)
    assert "data as of Wed 2 Dec 09:30 CET" in texts(view["blocks"])
    assert "*Support Assistant (support)*" in texts(view["blocks"])  # no link without a workspace


def test_home_error_view_says_what_failed_and_keeps_the_help() -> None:
    """The error view is the sentence, then the /botstats help."""
    blocks = home_error_view("botstats could not gather this tab.")["blocks"]
    assert blocks[0]["text"]["text"] == ":warning: botstats could not gather this tab."
    assert "/botstats subscribe" in texts(blocks)


def test_user_channels_reads_every_page() -> None:
    """users.conversations is paged through; archived channels and others' channels are left out."""
    with FakeSlack() as slack:
        for i in range(2 * PAGE_SIZE + 50):
            slack.add_channel(f"C0PAGE{i:04d}", users={USER}, private=i % 2 == 1)
        slack.add_channel("C0ARCHIVED", users={USER}, archived=True)
        slack.add_channel("C0NOTMINE", users={"U0SOMEONE"})
        found = user_channels(WebClient(token="xoxb-1", base_url=slack.api_url), USER)
        calls = slack.calls_to("users.conversations")
    assert len(found) == 2 * PAGE_SIZE + 50
    assert "C0ARCHIVED" not in found
    assert "C0NOTMINE" not in found
    assert len(calls) == 3
    assert calls[0].body["types"] == "public_channel,private_channel"
    assert calls[0].body["exclude_archived"] == "1"
    assert calls[0].body["user"] == USER


# --- end to end: a signed app_home_opened over loopback HTTP -------------------------------


@pytest.fixture(autouse=True)
def no_worker_crash(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail the test when work on the pool raised (the runner logs it as its last net)."""
    caplog.set_level(logging.INFO, logger="slackbot")
    yield
    crashed = [r for r in caplog.records if r.getMessage() == "background work failed"]
    assert not crashed, crashed[0].exc_text


def home_event(user: str = USER) -> tuple[bytes, dict[str, str]]:
    """An ``app_home_opened`` callback, signed exactly as Slack signs it."""
    body = json.dumps(
        {
            "token": "unused-verification-token",
            "team_id": "T0TEST",
            "api_app_id": "A0BOTSTATS",
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0HOMEDM",
                "tab": "home",
                "event_ts": f"{datetime.now(UTC).timestamp():.6f}",
            },
            "type": "event_callback",
            "event_id": "Ev0HOME0001",
            "event_time": int(datetime.now(UTC).timestamp()),
        }
    ).encode()
    return body, signed_headers(SECRET, body, content_type="application/json")


def open_home(harness: Harness) -> Any:
    """POST the event to /slack/events; the HTTP response (the ack)."""
    body, headers = home_event()
    response = harness.http.post(f"{harness.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    return response


def published(harness: Harness) -> str:
    """The text of the one Home view views.publish received, once it arrives."""
    (call,) = harness.slack.wait_for_calls("views.publish", timeout=10)
    assert call.body["user_id"] == USER
    view = call.body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    assert len(view["blocks"]) <= HOME_MAX_BLOCKS
    return texts(view["blocks"])


def store_firing_alert(harness: Harness, bot: Bot) -> None:
    """Store one open cost alert of ``bot``, acknowledged by someone."""
    since = date.today() - timedelta(days=1)
    record = AlertRecord(
        bot.id, "cost", "up", "firing", since, since, 41.2, 12.0, 8.1, 17.5, "critical",
        2.6, 2.6, 1, datetime.now(UTC), 2.6, "critical", acknowledged_by="U0ACKER01",
    )  # fmt: skip
    alert_id = f"{bot.id}:cost:up"
    stored = StoredAlert(alert_id, bot.id, "cost", "up", "firing", since, record.to_json())
    harness.store.alerts.save_record(stored)


@pytest.fixture
def home(harness_factory: Any) -> Harness:
    """An app with synced history, a digest and alerts in the user's channel, one elsewhere."""
    harness: Harness = harness_factory(bot_count=3)
    bots = harness.service.bots()
    sync_bots(harness.service.client, harness.store, bots, today=datetime.now(UTC).date(), days=30)
    harness.slack.add_channel(MINE, name="bot-team", users={USER, "U0SOMEONE"})
    harness.slack.add_channel(OTHER, name="elsewhere", users={"U0SOMEONE"})
    harness.store.subscriptions.add(MINE, "all", "weekly", USER)
    harness.store.subscriptions.add(OTHER, bots[1].id, "daily", "U0SOMEONE")
    harness.store.alerts.set_route(MINE, True, USER)
    store_firing_alert(harness, bots[0])
    harness.sim.clear_requests()
    return harness


def test_home_tab_shows_the_users_bots_channels_and_alerts(home: Harness) -> None:
    """The published view names each bot, the user's channel's digest and the firing alert."""
    home.sim.fault = "down"  # opening the tab asks Botpress nothing
    response = open_home(home)
    shown = published(home)
    assert response.content == b""
    for bot in home.service.bots():
        assert bot.name in shown
    assert "<#C0HOMEMINE>" in shown
    assert "Weekly digest of *all bots*" in shown
    assert "Anomaly alerts *on* for all bots" in shown
    assert "<#C0HOMEOTHER>" not in shown  # the user is not in that channel
    assert "Firing now (1)" in shown
    assert "LLM cost" in shown
    assert "acknowledged by <@U0ACKER01>" in shown
    assert "Nothing is firing" not in shown
    assert "No bots tracked yet" not in shown
    assert "data as of" in shown
    assert "/botstats subscribe" in shown
    assert home.sim.requests == []


def test_the_ack_does_not_wait_for_the_users_channels(home: Harness) -> None:
    """With users.conversations answering late, the ack is back before anything is published."""
    home.slack.hang("users.conversations", 2.0)
    open_home(home)
    assert home.slack.calls_to("views.publish") == []
    assert "<#C0HOMEMINE>" in published(home)


def test_a_refused_channel_list_still_publishes_every_channel(
    home: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Without groups:read the view shows every channel's digests, says why, and logs it."""
    home.slack.scopes.discard("groups:read")
    open_home(home)
    shown = published(home)
    assert "Slack did not list your channels (`missing_scope`)" in shown
    assert "<#C0HOMEMINE>" in shown
    assert "<#C0HOMEOTHER>" in shown
    assert "users.conversations refused for U0TESTUSER: missing_scope" in caplog.text


def test_a_failure_while_gathering_publishes_the_error_and_the_help(
    home: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A database that cannot be read still gets the user a view: what failed, then the help."""
    with home.store.write() as db:
        db.execute("DROP TABLE alert_records")
    open_home(home)
    shown = published(home)
    assert "botstats could not gather this tab: botstats' database is unavailable" in shown
    assert "/botstats subscribe" in shown
    assert "could not gather the Home tab for U0TESTUSER" in caplog.text
