"""The summary's buttons: period switch and share, as signed ``block_actions`` over real HTTP."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from slack_harness import SECRET, Harness, harness_factory, shared, wait_reply
from slack_sdk.signature import SignatureVerifier

from slackbot.core.blocks.buttons import (
    BLOCK_ID,
    SHARE_ACTION,
    VALUE_MAX,
    action_value,
    parse_action_value,
    period_action_id,
    summary_actions,
)
from slackbot.core.blocks.summary import bot_title
from slackbot.core.formatting import day_range
from slackbot.core.periods import parse_period
from slackbot.errors import UsageError
from slackbot.slack.listeners.actions import GONE_BOT, STALE_BUTTON
from slackbot.slack.listeners.commands import BUSY
from slackbot.testing.interactions import signed_action_request

__all__ = ["harness_factory", "shared"]  # fixtures used by name

_sink = iter(range(1, 1_000_000))


def value(query: str, period: str) -> str:
    """A button value as botstats builds it."""
    return action_value(query, period)


def click(
    harness: Harness, action_id: str, raw_value: str | None, **kw: Any
) -> tuple[httpx.Response, str]:
    """POST one signed button click; the HTTP response and its response_url sink id."""
    sink = f"a{next(_sink)}"
    dropped = kw.pop("drop_headers", ())
    body, headers = signed_action_request(
        kw.pop("secret", SECRET),
        action_id,
        raw_value,
        response_url=harness.slack.url_for_response(sink),
        **kw,
    )
    headers = {k: v for k, v in headers.items() if k not in dropped}
    return harness.http.post(f"{harness.url}/slack/events", content=body, headers=headers), sink


def clicked(harness: Harness, action_id: str, raw_value: str | None, **kw: Any) -> dict[str, Any]:
    """Click, check the ack is an empty 200, and return the body of the one reply."""
    response, sink = click(harness, action_id, raw_value, **kw)
    assert response.status_code == 200, response.text
    assert response.content == b""
    return wait_reply(harness.slack, sink).body


def header_text(body: dict[str, Any]) -> str:
    """The reply's header text ("" without one)."""
    return next((b["text"]["text"] for b in body.get("blocks", []) if b["type"] == "header"), "")


def readable(body: dict[str, Any]) -> str:
    """Every text a person reads in the reply, joined (not JSON: en dashes stay en dashes)."""
    parts = [str(body.get("text", ""))]
    for block in body.get("blocks", []):
        for item in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                parts.append(item["text"])
    return "\n".join(parts)


def support(harness: Harness) -> Any:
    """The tracked Support Assistant bot."""
    return next(b for b in harness.service.bots() if b.name == "Support Assistant")


# --- the buttons themselves (pure) -----------------------------------------------------


def test_summary_actions_offers_three_periods_and_share() -> None:
    """7 / 30 / 90 days and "Share in channel", the current period primary, compact values."""
    block = summary_actions("bot_abc", "30d").to_dict()
    assert block["type"] == "actions"
    assert block["block_id"] == BLOCK_ID
    buttons = block["elements"]
    assert [b["text"]["text"] for b in buttons] == [
        "7 days",
        "30 days",
        "90 days",
        "Share in channel",
    ]
    assert [b["action_id"] for b in buttons] == [
        "botstats_period_7d",
        "botstats_period_30d",
        "botstats_period_90d",
        "botstats_share",
    ]
    assert [b.get("style") for b in buttons] == [None, "primary", None, None]
    assert [b["value"] for b in buttons] == [
        '{"q":"bot_abc","p":"7d"}',
        '{"q":"bot_abc","p":"30d"}',
        '{"q":"bot_abc","p":"90d"}',
        '{"q":"bot_abc","p":"30d"}',
    ]
    assert [parse_action_value(b["value"]) for b in buttons][-1] == ("bot_abc", "30d")


@pytest.mark.parametrize(
    "label",
    ["7d", "1d", "365d", "today", "yesterday", "this-week", "last-week", "this-month",
     "last-month", "DAY", "RANGE"],
)  # fmt: skip
def test_every_period_label_survives_a_button(label: str) -> None:
    """Whatever period the summary shows, its share button carries it back unchanged."""
    now = datetime(2026, 5, 11, 12, tzinfo=UTC)
    if label == "DAY":
        label = "2026-05-01"
    elif label == "RANGE":
        label = "2026-04-01..2026-04-20"
    period = parse_period(label, now=now)
    share = summary_actions("support", period.label).to_dict()["elements"][-1]
    assert parse_action_value(share["value"]) == ("support", period.label)
    assert "style" not in share


def test_no_button_is_primary_for_another_period() -> None:
    """Showing `this-week`, none of the period buttons is the current one."""
    elements = summary_actions("support", "this-week").to_dict()["elements"]
    assert all("style" not in b for b in elements)


def test_a_long_query_is_cut_to_fit_slack() -> None:
    """The value never passes Slack's 2,000 characters (nor the grammar's 100 for a bot)."""
    long = "b" * 5_000
    for button in summary_actions(long, "7d").to_dict()["elements"]:
        assert len(button["value"]) <= VALUE_MAX
        query, _ = parse_action_value(button["value"])
        assert query == "b" * 100


@pytest.mark.parametrize("query", ["Support Bot", "<!channel>", "", "a\nb", '"x"'])
def test_free_text_is_refused_as_a_bot_query(query: str) -> None:
    """Only an alias or an id may go in a button: a click re-runs it as a command."""
    with pytest.raises(ValueError, match="alias or id"):
        summary_actions(query, "7d")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not json",
        "[1, 2]",
        '"7d"',
        '{"q": "support"}',
        '{"p": "7d"}',
        '{"q": 5, "p": "7d"}',
        '{"q": "support all", "p": "7d"}',
        '{"q": "<!channel>", "p": "7d"}',
        '{"q": "support", "p": "forever"}',
        '{"q": "support", "p": "7d public"}',
        '{"q": "' + "x" * 101 + '", "p": "7d"}',
        "[" * 5_000,
        "x" * 2_001,
    ],
)
def test_parse_action_value_refuses_garbage(raw: str) -> None:
    """A value botstats did not build is a UsageError that says what is wrong."""
    with pytest.raises(UsageError, match="button"):
        parse_action_value(raw)


def test_signed_action_request_verifies_and_looks_like_slack() -> None:
    """The helper's body is `payload=<json>` as Slack sends it, and its signature verifies."""
    body, headers = signed_action_request(
        SECRET, "botstats_share", value("support", "7d"), response_url="http://x/r"
    )
    fields = dict(parse_qsl(body.decode()))
    payload = json.loads(fields["payload"])
    assert payload["type"] == "block_actions"
    assert payload["actions"][0]["action_id"] == "botstats_share"
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload  # Slack sends no message for an ephemeral one
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert SignatureVerifier(SECRET).is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


# --- over real HTTP ---------------------------------------------------------------------


def test_period_button_replaces_the_ephemeral_summary(shared: Harness) -> None:
    """ "30 days" answers the same bot over the last 30 days, in place of the clicked message."""
    bot = support(shared)
    now = datetime.now(UTC)
    body = clicked(shared, period_action_id("30d"), value(bot.id, "30d"))
    assert body["replace_original"] is True
    assert body["response_type"] == "ephemeral"
    assert header_text(body) == f"{bot_title(bot)} · last 30 days"
    assert "last 30 days" in body["text"]
    period = parse_period("30d", now=now)
    shown = readable(body)
    assert f"{day_range(period.first, period.last, today=now.date())} (30 UTC days)" in shown


def test_every_period_button_names_its_period(shared: Harness) -> None:
    """7 and 90 days work the same way."""
    bot = support(shared)
    for period in ("7d", "90d"):
        body = clicked(shared, period_action_id(period), value(bot.id, period))
        assert header_text(body) == f"{bot_title(bot)} · last {period[:-1]} days"
        assert f"({period[:-1]} UTC days)" in readable(body)


def test_share_posts_in_the_channel_and_keeps_the_ephemeral(shared: Harness) -> None:
    """ "Share in channel" sends a new in_channel message; the ephemeral one is neither replaced
    nor deleted."""
    bot = support(shared)
    response, sink = click(shared, SHARE_ACTION, value(bot.id, "7d"))
    assert response.status_code == 200
    body = wait_reply(shared.slack, sink).body
    assert body["response_type"] == "in_channel"
    assert body["replace_original"] is False
    assert body["delete_original"] is False
    assert header_text(body) == f"{bot_title(bot)} · last 7 days"
    # In the channel already: its period buttons stay, "Share in channel" would do nothing.
    buttons = [
        e["text"]["text"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["7 days", "30 days", "90 days"]
    time.sleep(0.1)
    assert len(shared.slack.responses_for(sink)) == 1


def test_a_click_on_a_shared_summary_does_not_rewrite_it_for_everyone(shared: Harness) -> None:
    """On a public message the new period comes as a new ephemeral message."""
    bot = support(shared)
    body = clicked(shared, period_action_id("30d"), value(bot.id, "30d"), ephemeral=False)
    assert body["replace_original"] is False
    assert body["response_type"] == "ephemeral"
    assert header_text(body) == f"{bot_title(bot)} · last 30 days"


@pytest.mark.parametrize("raw", ["not json", None, '{"q": "<!channel>", "p": "7d"}'])
def test_garbage_value_gets_a_friendly_sentence(shared: Harness, raw: str | None) -> None:
    """An unreadable value gets a short ephemeral sentence; the original message stays."""
    body = clicked(shared, period_action_id("30d"), raw)
    assert body["response_type"] == "ephemeral"
    assert body["replace_original"] is False
    assert STALE_BUTTON in body["text"]
    assert "<!channel>" not in json.dumps(body)


def test_share_of_a_bot_no_longer_tracked_says_so(shared: Harness) -> None:
    """A button whose bot has gone says so instead of answering about another bot."""
    body = clicked(shared, SHARE_ACTION, value("bot_gone_since", "7d"))
    assert body["response_type"] == "ephemeral"
    assert body["replace_original"] is False
    assert GONE_BOT in body["text"]


def test_impossible_period_in_a_signed_value_gets_the_sentence(shared: Harness) -> None:
    """`0d` has the shape of a period but covers no days: the friendly sentence, no error."""
    body = clicked(shared, period_action_id("7d"), value(support(shared).id, "0d"))
    assert body["replace_original"] is False
    assert STALE_BUTTON in body["text"]


@pytest.mark.parametrize("forgery", ["bad_signature", "other_secret", "no_signature", "old"])
def test_unsigned_or_stale_clicks_are_refused(shared: Harness, forgery: str) -> None:
    """Bolt's signature check refuses with 401 and nothing is answered."""
    bot = support(shared)
    kw: dict[str, Any] = {}
    if forgery == "other_secret":
        kw["secret"] = "0" * 32
    elif forgery == "no_signature":
        kw["drop_headers"] = ("X-Slack-Signature", "X-Slack-Request-Timestamp")
    elif forgery == "old":
        kw["timestamp"] = int((datetime.now(UTC) - timedelta(minutes=5, seconds=5)).timestamp())
    if forgery == "bad_signature":
        sink = f"a{next(_sink)}"
        body, headers = signed_action_request(
            SECRET,
            SHARE_ACTION,
            value(bot.id, "7d"),
            response_url=shared.slack.url_for_response(sink),
        )
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
        response = shared.http.post(f"{shared.url}/slack/events", content=body, headers=headers)
    else:
        response, sink = click(shared, SHARE_ACTION, value(bot.id, "7d"), **kw)
    assert response.status_code == 401
    # A genuine click after it is answered; the refused one never was.
    clicked(shared, period_action_id("7d"), value(bot.id, "7d"))
    assert shared.slack.responses_for(sink) == []


def test_link_buttons_are_still_only_acknowledged(shared: Harness) -> None:
    """ "Open in Botpress" gets its empty 200 and no message."""
    response, sink = click(shared, "open_in_botpress", None, block_id="links")
    assert response.status_code == 200
    assert response.content == b""
    clicked(shared, period_action_id("7d"), value(support(shared).id, "7d"))
    assert shared.slack.responses_for(sink) == []


def test_the_ack_does_not_wait_for_botpress(harness_factory: Any) -> None:
    """With a 300 ms Botpress the click is acked at once and the summary follows."""
    slow: Harness = harness_factory(latency=0.3)
    bot_id = slow.sim.bots[0].id
    started = time.perf_counter()
    response, sink = click(slow, period_action_id("30d"), value(bot_id, "30d"))
    acked = time.perf_counter() - started
    body = wait_reply(slow.slack, sink).body
    assert response.status_code == 200
    assert acked < 0.25
    assert "last 30 days" in body["text"]


def test_a_bot_whose_alias_is_a_keyword_is_still_that_bot(harness_factory: Any) -> None:
    """A bot aliased `bots` gets its summary from a button, not the list of bots."""
    probe: Harness = harness_factory()
    bot = probe.sim.bots[1]
    aliased: Harness = harness_factory(botstats_bots=f"bots={bot.id}")
    body = clicked(aliased, period_action_id("30d"), value("bots", "30d"))
    assert header_text(body) == f"{bot.name} (bots) · last 30 days"
    shared_body = clicked(aliased, SHARE_ACTION, value("bots", "7d"))
    assert shared_body["response_type"] == "in_channel"
    assert header_text(shared_body) == f"{bot.name} (bots) · last 7 days"


def test_buttons_of_a_real_summary_round_trip(shared: Harness) -> None:
    """The buttons `/botstats BOT` shows, clicked as Slack would, give the period they name."""
    summary = shared.command("support 7d")
    actions = [b for b in summary.body["blocks"] if b.get("block_id") == BLOCK_ID]
    if not actions:
        pytest.skip("the summary message does not carry the buttons yet")
    buttons = {b["action_id"]: b for b in actions[0]["elements"]}
    assert buttons[period_action_id("7d")].get("style") == "primary"
    ninety = buttons[period_action_id("90d")]
    body = clicked(shared, ninety["action_id"], ninety["value"])
    assert body["replace_original"] is True
    assert header_text(body).endswith("· last 90 days")
    switched = next(b for b in body["blocks"] if b.get("block_id") == BLOCK_ID)["elements"]
    assert [b["action_id"] for b in switched if b.get("style") == "primary"] == [
        period_action_id("90d")
    ]


def test_a_click_on_a_full_pool_is_told_busy(harness_factory: Any) -> None:
    """No room on the reply pool: the click gets the busy sentence, never silence."""
    full: Harness = harness_factory(max_pending=0)
    body = clicked(full, period_action_id("30d"), value("support", "30d"))
    assert body["text"] == f":hourglass: {BUSY}"
    assert body["response_type"] == "ephemeral"
    assert body["replace_original"] is False
