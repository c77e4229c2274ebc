"""/botstats over real HTTP: the ack, where replies show, and every form of the grammar."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_harness import CHANNEL, USER, Harness, harness, harness_factory, shared, wait_reply

from slackbot.core.blocks.summary import bot_title, period_title
from slackbot.core.periods import parse_period

__all__ = ["harness", "harness_factory", "shared"]  # fixtures used by name


def header_text(reply_body: dict[str, Any]) -> str:
    """The text of the reply's header block ("" when it has none)."""
    for block in reply_body.get("blocks", []):
        if block["type"] == "header":
            return str(block["text"]["text"])
    return ""


def bot_named(harness: Harness, name: str) -> Any:
    """The tracked bot with this Botpress name."""
    return next(b for b in harness.service.bots() if b.name == name)


def test_ack_is_an_empty_200_and_the_reply_arrives_with_blocks_and_text(harness: Harness) -> None:
    """The HTTP answer is an empty 200; the reply goes to response_url with blocks and text."""
    response, response_id = harness.post("help")
    assert response.status_code == 200
    assert response.content == b""
    reply = wait_reply(harness.slack, response_id)
    assert reply.body["text"].startswith("botstats")
    assert reply.body["blocks"][0]["type"] == "header"
    assert reply.body["response_type"] == "ephemeral"


def test_ack_does_not_wait_for_botpress(harness_factory: Any) -> None:
    """With a 300 ms Botpress the ack still comes back at once; the reply follows later."""
    slow: Harness = harness_factory(latency=0.3)
    started = time.perf_counter()
    response, response_id = slow.post("support today")
    acked = time.perf_counter() - started
    reply = wait_reply(slow.slack, response_id)
    replied = time.perf_counter() - started
    assert response.status_code == 200
    assert acked < 0.25
    assert replied >= 0.3
    assert "Support Assistant" in reply.body["text"]


def test_replies_are_ephemeral_unless_public(shared: Harness) -> None:
    """`public` makes the reply in_channel; without it only the user sees it."""
    assert shared.command("support 7d").body["response_type"] == "ephemeral"
    assert shared.command("support 7d public").body["response_type"] == "in_channel"
    assert shared.command("all public").body["response_type"] == "in_channel"


@pytest.mark.parametrize(
    "label",
    [
        "7d",
        "30d",
        "90d",
        "today",
        "yesterday",
        "this-week",
        "last-week",
        "this-month",
        "last-month",
        "DAY",
        "RANGE",
    ],
)
def test_one_bot_for_every_period_form(shared: Harness, label: str) -> None:
    """`/botstats BOT PERIOD` answers that bot over exactly that period."""
    now = datetime.now(UTC)
    if label == "DAY":
        label = (now.date() - timedelta(days=3)).isoformat()
    elif label == "RANGE":
        label = f"{now.date() - timedelta(days=20)}..{now.date() - timedelta(days=6)}"
    bot = bot_named(shared, "Support Assistant")
    reply = shared.command(f"support {label}")
    period = parse_period(label, now=now)
    assert header_text(reply.body) == f"{bot_title(bot)} · {period_title(period, today=now)}"


def test_bot_by_id_and_by_name_prefix(shared: Harness) -> None:
    """BOT may be the bot id or a unique case-insensitive prefix of its name."""
    bot = bot_named(shared, "HR Helpdesk")
    assert header_text(shared.command(bot.id).body).startswith("HR Helpdesk ·")
    assert header_text(shared.command("hr").body).startswith("HR Helpdesk ·")


def test_empty_text_is_the_overview_of_tracked_bots(shared: Harness) -> None:
    """`/botstats` alone lists every tracked bot over the last 7 days."""
    reply = shared.command("")
    assert header_text(reply.body) == "Tracked bots · last 7 days"
    body = str(reply.body["blocks"])
    for bot in shared.sim.bots:
        assert bot.name in body


def test_overview_takes_a_period(shared: Harness) -> None:
    """`/botstats 30d` is the overview over 30 days."""
    assert header_text(shared.command("30d").body) == "Tracked bots · last 30 days"


def test_overview_of_a_single_tracked_bot_is_its_summary(harness_factory: Any) -> None:
    """With one tracked bot the overview is that bot's summary."""
    probe: Harness = harness_factory()
    bot_id = probe.sim.bots[1].id
    single: Harness = harness_factory(botstats_bots=f"sales={bot_id}")
    reply = single.command("")
    assert header_text(reply.body) == "Sales Concierge (sales) · last 7 days"


def test_all_lists_bots_sorted_by_cost(shared: Harness) -> None:
    """`/botstats all` shows every bot side by side, highest cost first."""
    reply = shared.command("all last-week")
    assert header_text(reply.body) == "All bots · last week"
    text = "\n".join(str(b["text"]["text"]) for b in reply.body["blocks"] if b["type"] == "section")
    # Each name links to its Botpress overview: `*<url|Name>*`.
    names = sorted((b.name for b in shared.sim.bots), key=lambda name: text.find(f"|{name}>*"))
    assert all(f"|{name}>*" in text for name in names)
    now = datetime.now(UTC)
    period = parse_period("last-week", now=now)
    costs = {
        s.bot.name: s.current.cost_sum
        for s in shared.service.summaries(shared.service.bots(), period, now=now)
    }
    assert [costs[n] for n in names] == sorted(costs.values(), reverse=True)


def test_all_with_many_bots_is_cut_to_fit_slack(harness_factory: Any) -> None:
    """Past Slack's limits `all` shows what fits and says how many more there are."""
    crowded: Harness = harness_factory(bot_count=150)
    reply = crowded.command("all yesterday")
    blocks = reply.body["blocks"]
    assert len(blocks) <= 50
    assert len(json.dumps(blocks)) < 40_000
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    shown = sum(len(text.split("\n")) for text in sections[1:])  # after the totals line
    note = next(b for b in blocks if "more bots not shown" in json.dumps(b))
    hidden = int(re.search(r"and ([\d,]+) more bots", json.dumps(note))[1].replace(",", ""))
    assert shown + hidden == 150


def test_bots_lists_the_tracked_bots(shared: Harness) -> None:
    """`/botstats bots` names every tracked bot."""
    reply = shared.command("bots")
    for bot in shared.sim.bots:
        assert bot.name in reply.body["text"]


def test_help_lists_every_form(shared: Harness) -> None:
    """`/botstats help` shows each subcommand's usage."""
    body = str(shared.command("help").body["blocks"])
    for word in ("subscribe", "unsubscribe", "subscriptions", "alerts", "bots", "all"):
        assert f"/botstats {word}" in body


def test_subscribe_unsubscribe_and_list(shared: Harness) -> None:
    """Subscriptions are stored per channel, listed, and removed."""
    here = "C0SUBHERE1"
    reply = shared.command("subscribe support daily", channel_id=here)
    assert "daily digest" in reply.body["text"]
    bot = bot_named(shared, "Support Assistant")
    stored = shared.store.subscriptions.all(here)
    assert [(s.target, s.cadence, s.created_by) for s in stored] == [(bot.id, "daily", USER)]
    shared.command("subscribe all <#C0SUBOPS1|ops>", channel_id=here)
    assert [(s.target, s.cadence) for s in shared.store.subscriptions.all("C0SUBOPS1")] == [
        ("all", "weekly")
    ]
    listing = shared.command("subscriptions")
    listed = str(listing.body["blocks"])
    assert "<#C0SUBHERE1>" in listed
    assert "<#C0SUBOPS1>" in listed
    assert "Support Assistant" in listed
    shared.command("unsubscribe support", channel_id=here)
    assert shared.store.subscriptions.all(here) == []
    again = shared.command("unsubscribe support", channel_id=here)
    assert "has no digest" in again.body["text"]


def test_alerts_on_off_status(shared: Harness) -> None:
    """Alerts are turned on and off per channel and the status says so."""
    here = "C0ALERTS01"
    shared.command("alerts on", channel_id=here)
    assert shared.store.alerts.enabled(here) is True
    status = shared.command("alerts status", channel_id=here)
    assert "on" in status.body["text"]
    assert "<#C0ALERTS01>" in str(status.body["blocks"])
    shared.command("alerts off <#C0ALERTS01|alerts>", channel_id=CHANNEL)
    assert shared.store.alerts.enabled(here) is False
    assert "off" in shared.command("alerts", channel_id=here).body["text"]


def test_unknown_bot_gets_the_closest_matches(shared: Harness) -> None:
    """A misspelt bot name is answered with the names it most resembles."""
    reply = shared.command("suport")
    assert reply.body["response_type"] == "ephemeral"
    assert "Support Assistant" in reply.body["text"]
    assert "matches no tracked bot" in reply.body["text"]


def test_ambiguous_bot_lists_the_candidates(shared: Harness) -> None:
    """A prefix of several names lists them all."""
    reply = shared.command("s")
    assert "several" in reply.body["text"]
    assert "Support Assistant" in reply.body["text"]
    assert "Sales Concierge" in reply.body["text"]


@pytest.mark.parametrize("text", ["subscibe", "subscibe all", "subscirptions", "alrets on"])
def test_misspelt_subcommand_is_suggested(shared: Harness, text: str) -> None:
    """A typo of a subcommand is answered with the subcommand it resembles."""
    reply = shared.command(text)
    assert "Did you mean" in reply.body["text"]
    assert reply.body["response_type"] == "ephemeral"


def test_admins_are_enforced(harness_factory: Any) -> None:
    """Only BOTSTATS_ADMINS may change subscriptions and alerts; others are told who may."""
    guarded: Harness = harness_factory(botstats_admins="U0ADMIN01,U0ADMIN02")
    for text in ("subscribe all", "unsubscribe all", "alerts on", "alerts off"):
        refused = guarded.command(text, user_id="U0NOBODY1")
        assert "<@U0ADMIN01>" in refused.body["text"]
        assert "<@U0ADMIN02>" in refused.body["text"]
        assert refused.body["response_type"] == "ephemeral"
    assert guarded.store.subscriptions.all() == []
    assert guarded.store.alerts.routes() == {}
    # Reading is for everyone.
    assert "No digests" in guarded.command("subscriptions", user_id="U0NOBODY1").body["text"]
    guarded.command("subscribe all daily", user_id="U0ADMIN02")
    assert [(s.target, s.cadence) for s in guarded.store.subscriptions.all(CHANNEL)] == [
        ("all", "daily")
    ]
    guarded.command("alerts on", user_id="U0ADMIN01")
    assert guarded.store.alerts.enabled(CHANNEL)


def test_commands_and_latencies_are_counted(shared: Harness) -> None:
    """Each command is counted by subcommand and outcome; ack and reply latency are observed."""
    before = shared.telemetry.commands.labels("bots", "ok")._value.get()
    shared.command("bots")
    assert shared.telemetry.commands.labels("bots", "ok")._value.get() == before + 1
    metrics = shared.http.get(f"{shared.url}/metrics").text
    assert 'botstats_commands_total{outcome="ok",subcommand="bots"}' in metrics
    assert "botstats_slack_ack_seconds_count" in metrics
    assert "botstats_command_reply_seconds_count" in metrics
    assert 'botstats_slack_deliveries_total{kind="respond",outcome="ok"}' in metrics
    assert "botstats_botpress_requests_total" in metrics
