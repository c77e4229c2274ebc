"""The digest's content: the month's spend, the headline, and the Slack messages people read."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from test_blocks import all_text, assert_valid, fields_of

from slackbot.core.blocks.digest import (
    MAX_THREAD,
    DigestMessages,
    digest_messages,
    preview_message,
)
from slackbot.core.blocks.kit import Dashboard, Message
from slackbot.core.digest import (
    TIMES,
    BotDigest,
    Digest,
    MonthSpend,
    OpenAlert,
    headline,
    month_spend,
)
from slackbot.core.formatting import EN_DASH, MINUS
from slackbot.core.metrics import Summary, summarize
from slackbot.core.models import Bot, Metrics
from slackbot.core.periods import Period
from slackbot.core.series import DailySeries, daily_series

D = date.fromisoformat
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday morning, the week just settled
PARIS = ZoneInfo("Europe/Paris")
WEEK = Period(D("2026-11-23"), D("2026-11-29"), "last-week")
BEFORE = Period(D("2026-11-16"), D("2026-11-22"), "week before")
SUNDAY = Period(D("2026-11-29"), D("2026-11-29"), "yesterday")
LINKS = Dashboard("https://app.botpress.cloud", "wkspc_1")
SUPPORT = Bot("bot_support", "Support Assistant", "support")
SALES = Bot("bot_sales", "Sales", "sales")
BILLING = Bot("bot_billing", "Billing", "billing")
WEEK_SHORT = f"23{EN_DASH}29 Nov"


def day_of(
    sessions: int,
    cost: float,
    *,
    calls: int | None = None,
    errors: int = 0,
    events: Mapping[str, float] | None = None,
) -> Metrics:
    """One day with data: users, messages and LLM calls in proportion to ``sessions``."""
    calls = 2 * sessions if calls is None else calls
    return Metrics(
        days=1,
        new_users=sessions // 2,
        returning_users=sessions // 4,
        sessions=sessions,
        user_messages=4 * sessions,
        bot_messages=5 * sessions,
        events=6 * sessions,
        custom_events=dict(events or {}),
        llm_calls=calls,
        llm_errors=errors,
        latency_sum=900.0 * calls,
        latency_max=2700.0 if calls else None,
        cost_sum=cost,
        call_cost_sum=cost if calls else 0.0,
    )


def two_weeks(this_week: Metrics, week_before: Metrics) -> dict[date, Metrics]:
    """The same numbers each day of the digest's week and of the week before."""
    days = {BEFORE.first + timedelta(days=i): week_before for i in range(7)}
    days.update({WEEK.first + timedelta(days=i): this_week for i in range(7)})
    return days


def summary_of(
    bot: Bot, this_week: Metrics, week_before: Metrics, period: Period = WEEK
) -> Summary:
    """A bot's summary over ``period`` from synthetic days, fetched an hour ago."""
    days = two_weeks(this_week, week_before)
    return summarize(bot, period, days, as_of=NOW - timedelta(hours=1), first_data_day=BEFORE.first)


def part(bot: Bot, this_week: Metrics, week_before: Metrics) -> BotDigest:
    """A bot's part of the weekly digest."""
    return BotDigest(bot, summary_of(bot, this_week, week_before))


def digest_of(
    *parts: BotDigest,
    spend: MonthSpend | None = None,
    alerts: tuple[OpenAlert, ...] = (),
    chart: DailySeries | None = None,
) -> Digest:
    """The weekly digest of 23-29 Nov 2026 over ``parts``."""
    return Digest("weekly", WEEK, BEFORE, parts, spend=spend, alerts=alerts, chart=chart)


def render(digest: Digest, *, links: Dashboard | None = LINKS, **extra: str) -> DigestMessages:
    """The digest's messages, each checked against Slack's rules and re-validated by slack_sdk."""
    messages = digest_messages(digest, tz=PARIS, now=NOW, links=links, **extra)
    assert len(messages.thread) <= MAX_THREAD
    for message in messages.messages:
        assert_valid(message)
        # Parsed back into slack_sdk blocks and serialised again: to_dict() validates.
        for block in Block.parse_all(message.blocks):
            assert block is not None
            block.to_dict()
    return messages


def everything(messages: DigestMessages) -> str:
    """Every text a person may read, across the top message and its thread."""
    return "\n".join(all_text(m) for m in messages.messages)


#: The example of the brief: cost per call triples, errors jump, sessions fall by 40%.
MOVERS = (
    part(SUPPORT, day_of(200, 30.0), day_of(200, 10.0)),
    part(BILLING, day_of(500, 5.0, calls=1000, errors=60), day_of(500, 5.0, calls=1000)),
    part(SALES, day_of(60, 1.8), day_of(100, 3.0)),
)


# --- month_spend ------------------------------------------------------------------------


def costs(first: str, last: str, cost: float | Mapping[int, float]) -> dict[date, Metrics]:
    """Days with data from ``first`` to ``last``; ``cost`` by weekday (0 = Monday) or flat."""
    start, end = D(first), D(last)
    out = {}
    for i in range((end - start).days + 1):
        d = start + timedelta(days=i)
        value = cost if isinstance(cost, float) else cost[d.weekday()]
        out[d] = Metrics(days=1, cost_sum=value)
    return out


WEEKDAYS_10_WEEKENDS_1 = {0: 10.0, 1: 10.0, 2: 10.0, 3: 10.0, 4: 10.0, 5: 1.0, 6: 1.0}


def edit(days: dict[date, Metrics], changes: Mapping[str, float | None]) -> dict[date, Metrics]:
    """``days`` with some days' cost changed, or removed where None (no data, not zero)."""
    out = dict(days)
    for day, cost in changes.items():
        if cost is None:
            del out[D(day)]
        else:
            out[D(day)] = Metrics(days=1, cost_sum=cost)
    return out


SPEND_CASES = [
    pytest.param(
        {"a": costs("2026-10-01", "2026-10-31", 2.0)},
        "2026-11-01",
        (None, 0.0, 60.0),
        id="1st of the month: nothing closed, 30 usual days ahead",
    ),
    pytest.param(
        {
            "a": edit(costs("2026-10-01", "2026-11-18", 2.0), {"2026-11-18": 50.0}),
            "b": costs("2026-10-20", "2026-11-17", 1.0),
        },
        "2026-11-18",
        ("2026-11-17", 17 * 2.0 + 17 * 1.0, 51.0 + 13 * 3.0),
        id="mid-month: closed days only (today's partial $50 and October left out)",
    ),
    pytest.param(
        {
            "a": edit(
                costs("2026-11-01", "2026-11-29", 1.0),
                {"2026-11-02": 10.0, "2026-11-09": None, "2026-11-16": 20.0, "2026-11-23": 30.0},
            )
        },
        "2026-11-30",
        ("2026-11-29", 85.0, 85.0 + 20.0),
        id="missing Monday skipped: median of $10, $20, $30, not of $0, $10, $20, $30",
    ),
    pytest.param(
        {
            "a": edit(
                costs("2026-11-01", "2026-11-27", WEEKDAYS_10_WEEKENDS_1), {"2026-11-16": 100.0}
            )
        },
        "2026-11-28",
        ("2026-11-27", 297.0, 297.0 + 1.0 + 1.0 + 10.0),
        id="same-weekday median: Sat and Sun at $1, Monday $10 despite one $100 Monday",
    ),
    pytest.param(
        {
            "new": {
                D("2026-11-25"): Metrics(days=1, cost_sum=3.0),
                D("2026-11-26"): Metrics(days=1, cost_sum=6.0),
                D("2026-11-27"): Metrics(days=1, cost_sum=9.0),
            }
        },
        "2026-11-28",
        ("2026-11-27", 18.0, 18.0 + 3 * 6.0),
        id="no same weekday yet: the mean of the latest days with data",
    ),
    pytest.param(
        {"a": costs("2026-11-17", "2026-11-20", 100.0) | costs("2026-11-24", "2026-11-27", 2.0)},
        "2026-11-28",
        ("2026-11-27", 408.0, 408.0 + 3 * (3 * 100.0 + 4 * 2.0) / 7),
        id="fallback mean over the 7 latest days with data only, the oldest left out",
    ),
    pytest.param(
        {"a": {}, "b": costs("2026-09-01", "2026-10-25", 5.0)},
        "2026-11-28",
        ("2026-11-27", 0.0, 0.0),
        id="no data in the last 4 weeks: nothing spent, nothing projected",
    ),
    pytest.param({}, "2026-11-15", ("2026-11-14", 0.0, 0.0), id="no bots at all"),
]


@pytest.mark.parametrize(("history", "today", "expected"), SPEND_CASES)
def test_month_spend_table(
    history: Mapping[str, Mapping[date, Metrics]],
    today: str,
    expected: tuple[str | None, float, float],
) -> None:
    """Spend counts the month's closed days; the projection adds each remaining day's usual cost."""
    through, spent, projected = expected
    spend = month_spend(history, today=D(today), budget=None)
    assert spend.month == D(today).replace(day=1)
    assert spend.through == (None if through is None else D(through))
    assert spend.spent == pytest.approx(spent)
    assert spend.projected == pytest.approx(projected)


@pytest.mark.parametrize("budget", [None, 2000.0])
def test_month_spend_carries_the_budget(budget: float | None) -> None:
    """The budget is passed through as given, None when unset."""
    spend = month_spend(
        {"a": costs("2026-11-01", "2026-11-10", 1.0)}, today=D("2026-11-11"), budget=budget
    )
    assert spend.budget == budget


# --- headline ---------------------------------------------------------------------------


def test_headline_ranks_by_size_of_change_and_volume() -> None:
    """A big bot's 40% fall outranks a tiny bot's doubling: size of change times volume."""
    big = part(Bot("b", "Big"), day_of(1200, 0.0), day_of(2000, 0.0))
    small = part(Bot("s", "Small"), day_of(8, 0.0), day_of(4, 0.0))
    moves = headline(digest_of(small, big))
    assert [(m.bot.name, m.text) for m in moves] == [
        ("Big", f"sessions {MINUS}40%"),
        ("Small", f"sessions {TIMES}2"),
    ]


def test_headline_of_the_example_week() -> None:
    """Tripled cost per call, +6 pts of errors and 40% fewer sessions, biggest first, in words."""
    moves = headline(digest_of(*MOVERS))
    assert [f"{m.bot.name}: {m.text}" for m in moves] == [
        f"Support Assistant: cost per call {TIMES}3",
        "Billing: error rate +6 pts",
        f"Sales: sessions {MINUS}40%",
    ]
    assert all("-" not in m.text for m in moves)  # the real minus sign, never a hyphen


def test_small_bases_are_never_headlined() -> None:
    """Sessions from none to 14, calls from 7 to 21 or cost from $0.10 to $0.90 are not news."""
    tiny = part(
        Bot("t", "Tiny"), day_of(2, 0.9 / 7, calls=3, errors=3), day_of(0, 0.1 / 7, calls=1)
    )
    assert headline(digest_of(tiny)) == []
    assert "No big moves" in everything(render(digest_of(tiny)))


def test_headline_names_at_most_two_moves_per_bot() -> None:
    """A bot moving on every front takes two lines at most, and never one story twice."""
    wild = part(SUPPORT, day_of(600, 90.0, errors=120), day_of(200, 10.0))
    moves = headline(digest_of(wild, MOVERS[2]), n=5)
    mine = [m.text for m in moves if m.bot == SUPPORT]
    assert len(mine) == 2
    assert mine[0].startswith((f"cost per call {TIMES}", f"LLM cost {TIMES}"))
    assert not any(t.startswith(("users", "user messages", "LLM calls")) for t in mine)
    assert any(m.bot == SALES for m in moves)


def test_headline_ignores_moves_under_twenty_percent() -> None:
    """A +10% week is shown in the numbers, not in the headline."""
    calm = part(SALES, day_of(110, 3.3), day_of(100, 3.0))
    assert headline(digest_of(calm)) == []


# --- messages ---------------------------------------------------------------------------


def header_of(message: Message) -> str:
    """The header's text."""
    return str(next(b["text"]["text"] for b in message.blocks if b["type"] == "header"))


def test_header_names_the_week_or_the_day() -> None:
    """A weekly digest's header gives the week's dates; a daily one the day."""
    weekly = render(digest_of(*MOVERS))
    assert header_of(weekly.top) == f"Weekly digest · Mon 23 {EN_DASH} Sun 29 Nov 2026"
    sunday = BotDigest(SALES, summary_of(SALES, day_of(60, 1.8), day_of(100, 3.0), SUNDAY))
    daily = render(
        Digest("daily", SUNDAY, Period(D("2026-11-22"), D("2026-11-22"), "x"), (sunday,))
    )
    assert header_of(daily.top) == "Daily digest · Sun 29 Nov 2026"
    assert "the same day a week earlier (Sun 22 Nov)" in all_text(daily.top)


def test_fallback_reads_as_a_notification() -> None:
    """The notification names the week and the biggest moves in plain words."""
    top = render(digest_of(*MOVERS)).top
    assert top.text == (
        f"Weekly digest {WEEK_SHORT}: Support Assistant: cost per call {TIMES}3; "
        f"Billing: error rate +6 pts; Sales: sessions {MINUS}40%"
    )


def test_each_bot_shows_its_key_numbers_with_arrows() -> None:
    """Sessions, users, messages, calls, errors, cost, cost per session, latency, with changes."""
    messages = render(digest_of(*MOVERS))
    assert messages.thread == ()
    fields = fields_of(messages.top)
    labels = [f.split("\n")[0] for f in fields[:8]]
    assert labels == [
        "*Sessions*", "*Users*", "*User messages*", "*LLM calls*",
        "*Error rate*", "*Cost*", "*Cost / session*", "*Latency*",
    ]  # fmt: skip
    assert f"*Sessions*\n420   ▼ {MINUS}40% :red_circle:" in fields
    assert "*Cost*\n$210.00   ▲ +200% :red_circle:" in fields
    assert "*Error rate*\n6% _(420 errors)_   ▲ +6 pp :red_circle:" in fields
    text = all_text(messages.top)
    assert f"*<{LINKS.bot_url('bot_sales')}|Sales>* · Open in Botpress" in text
    before = f"Mon 16 Nov {EN_DASH} Sun 22 Nov"
    assert f":mag: *Biggest moves* against the week before ({before})" in text
    assert f":calendar: Mon 23 Nov {EN_DASH} Sun 29 Nov (7 UTC days) vs {before}" in text


def test_bots_without_links_are_named_plainly() -> None:
    """Without a dashboard the names are bold, never broken links."""
    text = everything(render(digest_of(*MOVERS), links=None))
    assert "*Sales*" in text
    assert "Open in Botpress" not in text
    assert "<http" not in text


def test_top_custom_events_are_shown_escaped() -> None:
    """A bot's top custom events are listed, event names escaped."""
    busy = part(SALES, day_of(100, 3.0, events={"checkout": 5, "<!here>": 1}), day_of(100, 3.0))
    text = everything(render(digest_of(busy)))
    assert "Top custom events: `checkout` 35 · `&lt;!here&gt;` 7" in text


def test_quiet_week_says_no_big_moves() -> None:
    """A week without big moves says so in plain words, in the message and the notification."""
    calm = render(digest_of(part(SALES, day_of(100, 3.0), day_of(100, 3.0))))
    assert "*No big moves* this week: no bot changed by 20% or more" in all_text(calm.top)
    assert calm.top.text == f"Weekly digest {WEEK_SHORT}: no big moves"


def test_unavailable_bot_shows_its_problem() -> None:
    """A bot whose numbers could not be had is named with the reason, the others still shown."""
    broken = BotDigest(Bot("bot_x", "Helpdesk"), None, "Botpress refused the token.")
    text = everything(render(digest_of(MOVERS[2], broken)))
    assert "Helpdesk" in text
    assert ":warning: Unavailable: Botpress refused the token." in text
    assert f"420   ▼ {MINUS}40%" in text


def test_days_without_data_are_named() -> None:
    """A day of the week with no record is named, not counted as zero."""
    days = two_weeks(day_of(100, 3.0), day_of(100, 3.0))
    del days[D("2026-11-25")]
    summary = summarize(SALES, WEEK, days, as_of=NOW, first_data_day=BEFORE.first)
    text = everything(render(digest_of(BotDigest(SALES, summary))))
    assert ":warning: No data for Wed 25 Nov." in text
    assert "Changes are per day with data (6 days vs 7)" in text


def test_empty_workspace_gets_a_friendly_digest() -> None:
    """No bots tracked: a short digest that says so and what to check, not an error."""
    messages = render(digest_of())
    text = all_text(messages.top)
    assert messages.thread == ()
    assert "No bots are tracked yet" in text
    assert "`BOTSTATS_BOTS`" in text
    assert "production" in text
    assert messages.top.text == f"Weekly digest {WEEK_SHORT}: no bots are tracked yet."


def test_digest_of_one_bot_names_it_in_the_header() -> None:
    """A subscription to one bot puts the bot's name in the header."""
    digest = Digest("weekly", WEEK, BEFORE, (MOVERS[2],), target="bot_sales")
    assert (
        header_of(render(digest).top) == f"Weekly digest · Sales · Mon 23 {EN_DASH} Sun 29 Nov 2026"
    )


def test_digest_of_a_bot_no_longer_tracked_says_so() -> None:
    """A one-bot digest whose bot is gone says which and what to check."""
    messages = render(Digest("weekly", WEEK, BEFORE, (), target="bot_gone"))
    assert "The bot this digest follows (`bot_gone`) is not tracked." in all_text(messages.top)


def test_new_bot_has_nothing_to_compare_yet() -> None:
    """A bot with no data the week before gets no headline and a plain-words reason."""
    days = {WEEK.first + timedelta(days=i): day_of(100, 3.0) for i in range(7)}
    fresh = BotDigest(SALES, summarize(SALES, WEEK, days, as_of=NOW))
    messages = render(digest_of(fresh))
    assert headline(digest_of(fresh)) == []
    assert "*Nothing to compare yet*: no bot has data both on these days" in all_text(messages.top)


def test_open_alerts_are_listed_critical_first() -> None:
    """Open alerts show severity emoji, bot and text, critical ones first, states noted."""
    sales = ("bot_sales", "sessions", "down", "warning", "acknowledged", D("2026-11-27"))
    support = ("bot_support", "cost", "up", "critical", "firing", D("2026-11-28"))
    alerts = (
        OpenAlert(*sales, "sessions 40 vs 100 expected"),
        OpenAlert(*support, "cost $41.20 vs $12.00 expected"),
    )
    messages = render(digest_of(*MOVERS, alerts=alerts))
    text = all_text(messages.top)
    critical = (
        f":rotating_light: *<{LINKS.bot_url('bot_support')}|Support Assistant>*: "
        "cost $41.20 vs $12.00 expected · since Sat 28 Nov"
    )
    warning = (
        ":warning: *<https://app.botpress.cloud/workspaces/wkspc_1/bots/bot_sales/overview|Sales>*"
    )
    assert "*Open alerts (2)*" in text
    assert text.index(critical) < text.index(warning)
    assert "since Fri 27 Nov _(acknowledged)_" in text
    assert messages.top.text.endswith("; 2 open alerts")
    assert "Open alerts" not in everything(render(digest_of(*MOVERS)))


def spend_line(spend: MonthSpend) -> str:
    """The spend section's text in the top message."""
    text = all_text(render(digest_of(*MOVERS, spend=spend)).top)
    return next(line for line in text.split("\n") if line.startswith((":warning:", ":moneybag:")))


def test_spend_line_over_budget_warns() -> None:
    """Projected past the budget: the amounts, the share of the budget and a warning emoji."""
    spend = MonthSpend(D("2026-11-01"), D("2026-11-29"), 1234.56, 2100.0, 2000.0)
    assert spend_line(spend) == (
        ":warning: LLM spend in November so far: $1,234.56; "
        "projected month-end $2,100 (budget $2,000: 105%)"
    )


def test_spend_line_without_budget_or_within_it() -> None:
    """No budget: spent and projected only; within budget: no warning."""
    plain = MonthSpend(D("2026-11-01"), D("2026-11-29"), 1234.56, 2100.0, None)
    assert (
        spend_line(plain)
        == ":moneybag: LLM spend in November so far: $1,234.56; projected month-end $2,100"
    )
    within = MonthSpend(D("2026-11-01"), D("2026-11-29"), 12.5, 40.0, 100.0)
    assert spend_line(within) == (
        ":moneybag: LLM spend in November so far: $12.50; "
        "projected month-end $40.00 (budget $100: 40%)"
    )


def test_spend_line_on_the_first_of_the_month() -> None:
    """On the 1st nothing has closed yet: the line says so and still projects."""
    first = MonthSpend(D("2026-12-01"), None, 0.0, 310.0, None)
    assert spend_line(first) == (
        ":moneybag: LLM spend in December: no day of it has closed yet; projected month-end $310"
    )


def images(message: Message) -> list[dict[str, object]]:
    """The message's image blocks."""
    return [b for b in message.blocks if b["type"] == "image"]


def test_chart_image_only_with_a_file_id() -> None:
    """The uploaded chart shows as an image block with alt text; without a file, no image."""
    history = two_weeks(day_of(100, 3.0), day_of(100, 3.0))
    chart = daily_series(
        "All bots", history, D("2026-11-02"), D("2026-11-29"), highlight=(WEEK.first, WEEK.last)
    )
    digest = digest_of(*MOVERS, chart=chart)
    assert images(render(digest).top) == []
    (image,) = images(render(digest, chart_file_id="F0CHART").top)
    assert image["slack_file"] == {"id": "F0CHART"}
    assert image["alt_text"] == (
        f"Daily sessions and LLM cost, last 4 weeks (Mon 2 {EN_DASH} Sun 29 Nov 2026), "
        "the digest's days shaded"
    )


def many(count: int) -> tuple[BotDigest, ...]:
    """``count`` bots, each costing a little more than the one before."""
    return tuple(
        part(
            Bot(f"bot_{i:03d}", f"Bot {i:03d}", f"b{i}"),
            day_of(100 + i, 1.0 + i),
            day_of(100 + i, 1.0 + i),
        )
        for i in range(count)
    )


def test_one_bot_keeps_everything_in_the_top_message() -> None:
    """A single bot's digest is one message: its numbers in the top, no thread."""
    messages = render(digest_of(MOVERS[0]))
    assert messages.thread == ()
    assert "*Cost / session*" in all_text(messages.top)
    assert "in the thread" not in all_text(messages.top)


def test_sixty_bots_rank_in_the_top_and_detail_in_the_thread() -> None:
    """60 bots: a ranking by cost in the top with "and 50 more", every bot's numbers in a reply."""
    messages = render(digest_of(*many(60)))
    top = all_text(messages.top)
    assert "*Bots, highest cost first*" in top
    assert (
        f"1. *<{LINKS.bot_url('bot_059')}|Bot 059 (b59)>*  ·  1.1k sessions  ·  $420.00  ·  "
        "no big change" in top
    )
    assert "10. *<" in top
    assert "11. *<" not in top
    assert "…and 50 more in the thread, with every bot's numbers." in top
    assert "*Cost / session*" not in top
    assert 1 <= len(messages.thread) <= MAX_THREAD
    thread = "\n".join(all_text(m) for m in messages.thread)
    assert all(f"|Bot {i:03d}>*" in thread for i in range(60))
    first, last = messages.thread[0].text, messages.thread[-1].text
    assert re.fullmatch(f"Weekly digest {WEEK_SHORT}: bots 1{EN_DASH}[0-9]+ of 60", first)
    assert last.endswith(f"{EN_DASH}60 of 60")


def test_thousand_bots_stay_within_ten_thread_messages() -> None:
    """Past what details fit, the thread lists every bot in a line, still at most 10 messages."""
    messages = render(digest_of(*many(400)))
    assert len(messages.thread) <= MAX_THREAD
    thread = "\n".join(all_text(m) for m in messages.thread)
    assert all(f"|Bot {i:03d} (b{i})>*" in thread for i in range(400))


def test_channel_mention_in_a_bot_name_is_escaped() -> None:
    """A bot named ``<!channel>`` never pings anyone: escaped in blocks and fallback."""
    rogue = Bot("bot_rogue", "<!channel> Ops", None)
    alerts = (
        OpenAlert(
            "bot_rogue", "cost", "up", "critical", "firing", D("2026-11-28"), "<!here> cost up"
        ),
    )
    moved = part(rogue, day_of(200, 30.0), day_of(200, 10.0))
    for digest in (digest_of(moved, alerts=alerts), digest_of(*many(7), moved)):
        messages = render(digest)
        raw = json.dumps([m.blocks for m in messages.messages]) + "".join(
            m.text for m in messages.messages
        )
        assert "<!channel>" not in raw
        assert "<!here>" not in raw
        assert "&lt;!channel&gt; Ops" in everything(messages)


def test_preview_is_the_top_message_with_a_note_on_its_thread() -> None:
    """``/botstats digest`` shows the top message, says it is a preview, and counts the replies."""
    messages = render(digest_of(*many(60)))
    preview = preview_message(messages)
    assert_valid(preview)
    text = all_text(preview)
    assert text.startswith(f"Preview: Weekly digest {WEEK_SHORT}")
    replies = f"{len(messages.thread)} replies in its thread"
    assert f"_Preview, visible only to you._ Posted in a channel, {replies}" in text
    assert "*Bots, highest cost first*" in text
    quiet = preview_message(render(digest_of(MOVERS[0])))
    assert "replies" not in all_text(quiet)
