"""Tests for the Block Kit builders (kit, listings, summary): valid Block Kit within limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block

from slackbot.core.blocks import alerts as alert_blocks
from slackbot.core.blocks import kit as bk
from slackbot.core.blocks import listings
from slackbot.core.blocks.kit import Message, message_chars
from slackbot.core.blocks.overview import overview_message
from slackbot.core.blocks.summary import period_title, summary_message
from slackbot.core.formatting import EN_DASH, MINUS
from slackbot.core.metrics import Summary, summarize
from slackbot.core.models import Bot, Metrics
from slackbot.core.periods import Period, parse_period

NOW = datetime(2026, 5, 11, 10, 0, tzinfo=UTC)  # Monday
PARIS = ZoneInfo("Europe/Paris")
WEEK = parse_period("7d", now=NOW)

CURRENT = Metrics(
    days=7,
    new_users=1000,
    returning_users=234,
    sessions=1500,
    user_messages=6000,
    bot_messages=7000,
    events=12_345,
    event_types={"message_received": 6000, "conversation_started": 1500},
    custom_events={"checkout": 42, "<!here>": 3},
    llm_calls=3000,
    llm_errors=36,
    input_tokens=1_200_000,
    output_tokens=340_000,
    latency_sum=3000 * 1234.0,
    latency_max=8400.0,
    tps_sum=3000 * 45.5,
    cost_sum=12.3456,
    call_cost_sum=12.3456,
    call_tokens=1_540_000,
)
PREVIOUS = Metrics(
    days=7,
    new_users=900,
    returning_users=200,
    sessions=1271,
    user_messages=5000,
    bot_messages=6500,
    events=11_000,
    llm_calls=2800,
    llm_errors=20,
    input_tokens=1_000_000,
    output_tokens=300_000,
    latency_sum=2800 * 1000.0,
    latency_max=5000.0,
    tps_sum=2800 * 50.0,
    cost_sum=10.0,
    call_cost_sum=10.0,
    call_tokens=1_300_000,
)


BOT_ONE = Bot("bot-1", "Support Bot", "support")


def make_summary(
    bot: Bot | None = None,
    *,
    period: Period = WEEK,
    current: Metrics = CURRENT,
    previous: Metrics = PREVIOUS,
    as_of: datetime | None = None,
) -> Summary:
    """A summary built by hand (no store, no API)."""
    return Summary(
        bot or Bot("bot-1", "Support Bot", "support"),
        period,
        period.previous(),
        current,
        previous,
        as_of,
    )


def assert_valid(message: Message) -> str:
    """Check a message against Slack's rules and return its blocks as JSON text."""
    assert message.text.strip()
    parsed = Block.parse_all(message.blocks)
    assert len([b for b in parsed if b is not None]) == len(message.blocks)
    assert len(message.blocks) <= bk.MAX_BLOCKS
    assert message_chars(message.blocks) <= bk.MAX_CHARS
    for block in message.blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= bk.HEADER_MAX
        if block["type"] == "section":
            assert len(block.get("fields", [])) <= bk.FIELDS_MAX
            assert all(len(f["text"]) <= bk.FIELD_MAX for f in block.get("fields", []))
            assert len(block.get("text", {}).get("text", "")) <= bk.SECTION_MAX
    return json.dumps(message.blocks, ensure_ascii=False)


def all_text(message: Message) -> str:
    """Every text string of a message, fallback included."""
    texts = [message.text]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.blocks)
    return "\n".join(texts)


def fields_of(message: Message) -> list[str]:
    """Every section field's text, in order."""
    return [f["text"] for b in message.blocks for f in b.get("fields", [])]


def test_summary_numbers_are_formatted_for_people() -> None:
    """A known summary shows compact counts, dollars, percentages and coloured changes."""
    message = summary_message(make_summary(), tz=PARIS, now=NOW)
    assert_valid(message)
    fields = fields_of(message)
    expected = [
        "*Users*\n1.2k   ▲ +12% :large_green_circle:\n_new 1k · returning 234_",
        "*Sessions*\n1.5k   ▲ +18% :large_green_circle:",
        "*User messages*\n6k   ▲ +20% :large_green_circle:",
        "*Bot messages*\n7k   ▲ +8%",
        "*Messages / session*\n4   ▲ +2%",
        "*Events*\n12.3k   ▲ +12%",
        "*Calls*\n3k   ▲ +7%",
        "*Error rate*\n1.2% _(36 errors)_   ▲ +0.5 pp",
        "*Tokens*\n1.2M in · 340k out   ▲ +18%",
        "*Tokens / call*\n513   ▲ +11%",
        "*Cost*\n$12.35   ▲ +23% :red_circle:",
        "*Cost / session*\n$0.0082   ▲ +5%",
        "*Cost / call*\n$0.0041   ▲ +15% :red_circle:",
        "*Latency*\nmean 1.2 s · max 8.4 s   ▲ +23% :red_circle:",
        f"*Tokens / s*\n45.5   ▼ {MINUS}9% :red_circle:",
    ]
    assert fields[: len(expected)] == expected
    assert message.blocks[0]["text"]["text"] == "Support Bot (support) · last 7 days"
    assert message.text.startswith("Support Bot (support), last 7 days: 1.5k sessions")
    assert f"+18% vs Mon 27 Apr {EN_DASH} Sun 3 May" in message.text
    assert "prev." not in message.text


def test_summary_has_users_note_top_events_and_context() -> None:
    """The users caveat, top events (escaped) and period dates with the zone are shown."""
    message = summary_message(make_summary(), tz=PARIS, now=NOW)
    text = all_text(message)
    assert "not distinct" in text or "counts 3 times" in text
    assert "`message_received` 6k" in text
    assert "`&lt;!here&gt;` 3" in text
    assert f"Mon 4 May {EN_DASH} Sun 10 May (7 UTC days) vs Mon 27 Apr {EN_DASH} Sun 3 May" in text
    assert "times in Europe/Paris" in text
    assert "partial" not in text


def test_summary_freshness_uses_slack_date_with_local_fallback() -> None:
    """Data freshness is a Slack date token whose fallback is in the configured zone."""
    as_of = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
    message = summary_message(make_summary(as_of=as_of), tz=PARIS, now=NOW)
    token = f"<!date^{int(as_of.timestamp())}^{{date_short_pretty}} {{time}}|Mon 11 May 11:00 CEST>"
    assert token in all_text(message)
    assert "stale" not in all_text(message)
    old = summary_message(make_summary(as_of=NOW - timedelta(days=3)), tz=PARIS, now=NOW)
    assert "data may be stale" in all_text(old)


def test_partial_period_says_so() -> None:
    """A period including today says its data is partial, in blocks and fallback."""
    period = parse_period("this-week", now=NOW)
    today = NOW.date()
    days = {d: Metrics(days=1, sessions=100) for d in period.dates()}
    days |= {d - timedelta(days=7): Metrics(days=1, sessions=80) for d in period.dates()}
    message = summary_message(summarize(BOT_ONE, period, days), tz=PARIS, now=NOW)
    assert_valid(message)
    text = all_text(message)
    assert "*Today so far* (until" in text
    assert "100 sessions" in text
    assert "today so far 100 sessions" in message.text
    assert message.blocks[0]["text"]["text"].endswith("this week")
    closed = period.days - 1
    assert f"({closed} UTC days)" in text or closed == 0
    assert today.isoformat() not in text


def test_no_data_variant() -> None:
    """A period without data gets a short message, not a grid of dashes."""
    message = summary_message(make_summary(current=Metrics()), tz=PARIS, now=NOW)
    assert_valid(message)
    text = all_text(message)
    assert "No data for Support Bot (support) in this period" in text
    assert "The reference period had 1.3k sessions" in text
    assert not fields_of(message)
    assert message.blocks[-1]["type"] == "context"


def test_no_previous_data_shows_dashes_not_new() -> None:
    """Without data in the previous period every change is a dash."""
    message = summary_message(make_summary(previous=Metrics()), tz=PARIS, now=NOW)
    fields = fields_of(message)
    assert fields[1] == "*Sessions*\n1.5k"
    assert not any("▲ new" in f for f in fields)
    assert "(—)" not in message.text
    assert "vs prev." not in message.text


def test_no_llm_calls() -> None:
    """A bot without LLM calls gets one line instead of an empty LLM grid."""
    quiet = Metrics(days=7, sessions=10, user_messages=20)
    message = summary_message(make_summary(current=quiet, previous=quiet), tz=PARIS, now=NOW)
    assert_valid(message)
    assert "No LLM calls on these days" in all_text(message)


def test_bot_named_like_a_mention_is_escaped_everywhere() -> None:
    """A bot named ``<!channel> & co`` never becomes a live mention, in any message."""
    bot = Bot("b1", "<!channel> & co")
    summary = make_summary(bot)
    messages = [
        summary_message(summary, tz=PARIS, now=NOW),
        summary_message(make_summary(bot, current=Metrics()), tz=PARIS, now=NOW),
        overview_message([summary], tz=PARIS, now=NOW),
        listings.bots_message([bot, Bot("b2", "<@U123> bot", "<!here>")]),
    ]
    for message in messages:
        assert_valid(message)
        text = all_text(message)
        assert "<!channel" not in text
        assert "<!here" not in text
        assert "<@" not in text
        assert "&lt;!channel&gt; &amp; co" in text


def test_header_is_cut_to_150_characters() -> None:
    """A 500-character bot name still gives a valid header."""
    message = summary_message(make_summary(Bot("b", "&" * 500)), tz=PARIS, now=NOW)
    assert_valid(message)
    assert len(message.blocks[0]["text"]["text"]) <= 150


def many_summaries(count: int) -> list[Summary]:
    """``count`` bots with long names and rising costs."""
    return [
        make_summary(
            Bot(f"id-{i}", f"Bot {i:03d} {'with a very long name indeed ' * 6}"),
            current=Metrics(days=7, sessions=i * 10, llm_calls=i, llm_errors=i // 10, cost_sum=i),
            previous=Metrics(days=7, sessions=100, llm_calls=10, cost_sum=50.0),
        )
        for i in range(count)
    ]


def test_all_view_of_300_bots_fits_slack_limits() -> None:
    """300 long-named bots fit in 50 blocks and 12,000 characters, with "and N more"."""
    message = overview_message(many_summaries(300), tz=PARIS, now=NOW)
    assert_valid(message)
    text = all_text(message)
    assert "more bots not shown" in text
    assert len(message.blocks) <= 50
    assert message_chars(message.blocks) <= 12_000
    first_lines = message.blocks[3]["text"]["text"].splitlines()
    assert first_lines[0].startswith("*Bot 299 ")  # highest cost first
    assert "$299.00" in first_lines[0]
    assert first_lines[1].startswith("*Bot 298 ")


def test_all_view_small_shows_everyone_sorted_by_cost() -> None:
    """A handful of bots are all shown, highest cost first, without a "more" note."""
    summaries = [*many_summaries(4), make_summary(Bot("z", "Zero"), current=Metrics())]
    message = overview_message(summaries, tz=PARIS, now=NOW, title="Tracked bots")
    assert_valid(message)
    text = all_text(message)
    assert "not shown" not in text
    assert text.index("*Bot 003 ") < text.index("*Bot 002 ") < text.index("*Bot 000 ")
    assert "*Zero*  _no data_" in text
    assert message.blocks[0]["text"]["text"] == "Tracked bots · last 7 days"
    assert "*5 bots*" in text


def test_all_view_of_no_bots() -> None:
    """No bots at all is a sentence, not an empty message."""
    message = overview_message([], tz=PARIS, now=NOW)
    assert_valid(message)
    assert "No bots" in message.text


def test_period_titles() -> None:
    """Headers name the period the way people say it."""
    assert period_title(parse_period("30d", now=NOW)) == "last 30 days"
    assert period_title(parse_period("1d", now=NOW)) == "yesterday"
    assert period_title(parse_period("last-month", now=NOW)) == "last month"
    ranged = parse_period("2026-05-01..2026-05-03", now=NOW)
    assert period_title(ranged, today=NOW) == f"Fri 1 May {EN_DASH} Sun 3 May"


def sub(channel: str, target: str, cadence: str) -> listings.SubscriptionView:
    """A listed subscription that has not run yet."""
    return listings.SubscriptionView(channel, target, cadence, f"{cadence} at 09:00", None)


def test_small_messages_are_valid() -> None:
    """Help, bots, subscriptions, alerts, error and ok messages all validate."""
    messages = [
        listings.help_message(),
        listings.bots_message([]),
        listings.bots_message([Bot(f"id{i}", f"Bot {i}", f"b{i}") for i in range(400)]),
        listings.subscriptions_message([], tz=PARIS, now=NOW),
        listings.subscriptions_message(
            [sub("C123ABC", "all bots", "weekly"), sub("bad id", "<!here>", "daily")],
            tz=PARIS,
            now=NOW,
        ),
        alert_blocks.alerts_status_message(
            "C123ABC",
            [],
            routed=True,
            channels=["C123ABC", "C999XYZ"],
            tz=PARIS,
            now=NOW,
            links=None,
        ),
        alert_blocks.alerts_status_message(
            "C123ABC", [], routed=False, channels=[], tz=PARIS, now=NOW, links=None
        ),
        listings.error_message("`<!channel>` matches no tracked bot."),
        listings.ok_message("Subscribed <#C123ABC> to the weekly digest."),
    ]
    for message in messages:
        assert_valid(message)
    assert "/botstats subscribe BOT|all" in all_text(messages[0])
    assert "last-month" in all_text(messages[0])
    assert "*<#C123ABC>*\n• *all bots* · weekly at 09:00" in all_text(messages[4])
    assert "`bad id`" in all_text(messages[4])
    assert "*&lt;!here&gt;*" in all_text(messages[4])
    assert "*on* in <#C123ABC>" in all_text(messages[5])
    assert "<#C999XYZ>" in all_text(messages[5])
    assert "No channel gets alerts yet" in all_text(messages[6])
    assert "<!channel>" not in all_text(messages[7])
    assert messages[7].text == "`&lt;!channel&gt;` matches no tracked bot."
    assert ":white_check_mark:" in all_text(messages[8])


def test_bots_list_of_400_is_cut_with_a_note() -> None:
    """A long bots list is cut to Slack's limits and says how much is missing."""
    message = listings.bots_message([Bot(f"id-{i}" * 8, f"Bot {'x' * 80} {i}") for i in range(400)])
    assert_valid(message)
    assert "more parts not shown" in all_text(message)


def test_fit_message_limits_blocks_and_characters() -> None:
    """fit_message keeps at most 50 blocks and 12,000 characters and counts what it cut."""
    sixty = Message("t", [bk.section(f"line {i}").to_dict() for i in range(60)])
    fitted = bk.fit_message(sixty)
    assert len(fitted.blocks) == 50
    assert "…and 11 more parts not shown" in fitted.blocks[-1]["elements"][0]["text"]
    big = Message("t", [bk.section("x" * 2900).to_dict() for i in range(10)])
    fitted_big = bk.fit_message(big)
    assert message_chars(fitted_big.blocks) <= 12_000
    assert "…and 6 more parts not shown" in all_text(fitted_big)
    small = Message("t", [bk.section("ok").to_dict()])
    assert bk.fit_message(small) is small


def test_fields_section_refuses_more_than_ten_fields() -> None:
    """Eleven fields is a programming error, not something to drop silently."""
    with pytest.raises(ValueError, match="at most 10 fields"):
        bk.fields_section([f"f{i}" for i in range(11)])


def test_builders_cut_long_text_to_block_limits() -> None:
    """Section text and fields longer than Slack allows are cut, not rejected by Slack."""
    section = bk.section("y" * 5000).to_dict()
    assert len(section["text"]["text"]) == 3000
    fields = bk.fields_section(["z" * 2500]).to_dict()
    assert len(fields["fields"][0]["text"]) == 2000


def test_block_kit_builder_url_round_trips() -> None:
    """The Builder link carries the blocks as URL-encoded JSON."""
    message = summary_message(make_summary(), tz=PARIS, now=NOW)
    url = bk.block_kit_builder_url(message)
    assert url.startswith("https://app.slack.com/block-kit-builder/#")
    payload = json.loads(unquote(url.split("#", 1)[1]))
    assert payload == {"blocks": message.blocks}
    assert " " not in url


def test_payload_has_text_and_blocks() -> None:
    """The payload for respond/chat.postMessage always carries the fallback text."""
    message = listings.help_message()
    assert message.payload() == {"text": message.text, "blocks": message.blocks}
    assert bk.build("   ", [bk.section("x")]).text == "botstats"
