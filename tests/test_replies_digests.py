"""`/botstats subscribe … at HH:MM`, `subscriptions` and `digest` answered over the simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_harness import clear_env

from slackbot.botpress.client import BotpressClient
from slackbot.config import load_settings
from slackbot.core.blocks.kit import Message
from slackbot.replies import Replies, Reply
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.store import Store

#: Tuesday 1 December 2026, 12:00 UTC.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """Three simulated bots at NOW."""
    with Simulator(seed=5, bot_count=3, today=NOW.date(), history_days=60) as simulator:
        yield simulator


@pytest.fixture
def replies(sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Replies]:
    """Replies over one SQLite file and the simulator, times shown in Paris."""
    clear_env(monkeypatch)
    settings = load_settings(
        env_file=None,
        botpress_token=sim.token,
        botpress_workspace_id=sim.workspace_id,
        botpress_api_url=sim.url,
        botstats_db=tmp_path / "replies.db",
        botstats_timezone="Europe/Paris",
    )
    store = Store(settings.botstats_db)
    client = BotpressClient(token=sim.token, workspace_id=sim.workspace_id, base_url=sim.url)
    yield Replies(Service(store=store, client=client, clock=lambda: NOW), settings)
    client.close()
    store.close()


def answer(replies: Replies, text: str, now: datetime = NOW) -> Reply:
    """The reply to `/botstats text` in one channel."""
    return replies.answer(text, user_id="U0TESTUSER", channel_id="C0TESTCHAN", now=now)


def read(message: Message) -> str:
    """Every word a person reads in the message."""
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def test_subscribe_at_a_time_says_when_the_first_digest_comes(replies: Replies) -> None:
    """`subscribe all daily at 08:30` names the schedule in the zone and the first run."""
    reply = answer(replies, "subscribe all daily at 08:30")
    assert reply.outcome == "ok", reply.message.text
    assert "daily at 08:30 Europe/Paris" in reply.message.text
    assert "Wed 2 Dec 08:30" in reply.message.text
    (sub,) = replies.service.subscriptions()
    assert (sub.cadence, sub.at, sub.target) == ("daily", "08:30", "all")


def test_weekly_subscription_defaults_to_monday_nine(replies: Replies) -> None:
    """A weekly digest with no time is Mondays at 09:00, first run next Monday."""
    reply = answer(replies, "subscribe support")
    assert "Mondays at 09:00 Europe/Paris" in reply.message.text
    assert "Mon 7 Dec 09:00" in reply.message.text


def test_subscriptions_show_next_run_and_last_delivery(replies: Replies) -> None:
    """The listing shows each digest's next run and, once posted, the link to it."""
    answer(replies, "subscribe all daily at 08:30")
    store = replies.service.store
    key = "digest:C0TESTCHAN:all:2026-11-30"
    assert store.runs.claim_attempt(
        key, kind="digest", channel="C0TESTCHAN", target="all", period="2026-11-30", now=NOW
    )
    assert store.runs.mark_posting(key)
    link = "https://botstats-test.slack.com/archives/C0TESTCHAN/p1700000001000001"
    store.runs.finish(key, status="sent", message_ts="1700000001.000001", permalink=link, now=NOW)
    text = read(answer(replies, "subscriptions").message)
    assert "next: Wed 2 Dec 08:30" in text
    assert link in text
    assert "posted" in text


def test_subscriptions_show_a_failed_delivery_with_what_to_do(replies: Replies) -> None:
    """A digest Slack refused is listed with the reason and the advice."""
    answer(replies, "subscribe all")
    store = replies.service.store
    key = "digest:C0TESTCHAN:all:2026-11-23..2026-11-29"
    store.runs.claim_attempt(key, kind="digest", channel="C0TESTCHAN", target="all", now=NOW)
    store.runs.mark_posting(key)
    store.runs.finish(
        key,
        status="failed",
        error="not_in_channel: botstats is not in <#C0TESTCHAN>: /invite @botstats",
        retryable=False,
        now=NOW,
    )
    text = read(answer(replies, "subscriptions").message)
    assert "not_in_channel" in text
    assert "/invite @botstats" in text


def test_the_default_digest_from_settings_cannot_be_unsubscribed_in_slack(
    replies: Replies,
) -> None:
    """The BOTSTATS_DIGEST_CHANNEL digest is listed as such and unsubscribing it says why not."""
    replies.service.store.subscriptions.keep_config(
        "C0TESTCHAN", "weekly", at="09:00", weekday=None, now=NOW - timedelta(days=3)
    )
    assert "BOTSTATS_DIGEST_CHANNEL" in read(answer(replies, "subscriptions").message)
    reply = answer(replies, "unsubscribe all")
    assert "BOTSTATS_DIGEST_CHANNEL" in reply.message.text
    assert len(replies.service.subscriptions()) == 1


def test_digest_preview_is_shown_only_to_the_user(replies: Replies, sim: Simulator) -> None:
    """`/botstats digest` shows last week's digest, privately, naming the week and the bots."""
    reply = answer(replies, "digest")
    assert reply.outcome == "ok", reply.message.text
    assert reply.public is False
    text = read(reply.message)
    assert "Preview, visible only to you" in text
    assert "23" in text
    assert "29 Nov" in text
    assert all(bot.name in text for bot in sim.bots)


def test_digest_preview_of_one_bot(replies: Replies, sim: Simulator) -> None:
    """`/botstats digest sales` previews that bot alone."""
    reply = answer(replies, "digest sales")
    text = read(reply.message)
    assert "Sales Concierge" in text
    others = [b.name for b in sim.bots if not b.name.startswith("Sales")]
    assert not any(name in text for name in others)


def test_digest_preview_of_an_unknown_bot_says_so(replies: Replies) -> None:
    """An unknown bot in `/botstats digest` gets the usual friendly "no such bot"."""
    reply = answer(replies, "digest zzyzx")
    assert reply.outcome == "usage"
    assert "`zzyzx` matches no tracked bot." in reply.message.text


def test_digest_preview_lists_the_open_alerts(replies: Replies, sim: Simulator) -> None:
    """An alert still firing shows in the digest, with the bot and what moved."""
    from datetime import date

    from slackbot.store.alerts import StoredAlert
    from slackbot.testing.alerts import firing_record

    replies.service.bots()  # the bots are stored before an alert can name one
    bot = sim.bots[0]
    since = date(2026, 11, 28)
    record = firing_record(bot.id, since=since, notified_at=NOW)
    replies.service.store.alerts.save_record(
        StoredAlert(f"{bot.id}:cost:up", bot.id, "cost", "up", "firing", since, record.to_json())
    )
    text = read(answer(replies, "digest").message)
    assert "Open alerts (1)" in text
    assert "$41.20" in text
