"""Comparisons that never mislead (DESIGN §5): reference periods, bases, gaps, partial days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slackbot.core.blocks.overview import overview_message, totals_line
from slackbot.core.blocks.summary import badge, summary_message
from slackbot.core.comparisons import compare, compare_metric, reference_period
from slackbot.core.formatting import EN_DASH, sparkline
from slackbot.core.metrics import summarize
from slackbot.core.models import Bot, Metrics
from slackbot.core.periods import parse_period

UTC_ZONE = ZoneInfo("UTC")
BOT = Bot("bot-1", "Sales", "sales")


def at(day: str, hour: int = 12) -> datetime:
    """Noon (or ``hour``) UTC on ``day``."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def D(text: str) -> date:
    """A date from ISO text."""
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("now", "text", "first", "last"),
    [
        # Nd >= 7 and ranges: the equal stretch just before.
        ("2026-12-01", "7d", "2026-11-17", "2026-11-23"),
        ("2026-12-01", "30d", "2026-10-02", "2026-10-31"),
        ("2026-12-01", "2026-11-10..2026-11-12", "2026-11-07", "2026-11-09"),
        # Nd < 7: the same days one week earlier.
        ("2026-12-01", "3d", "2026-11-21", "2026-11-23"),
        ("2026-12-01", "1d", "2026-11-23", "2026-11-23"),
        # One day: the same weekday a week earlier.
        ("2026-11-30", "yesterday", "2026-11-22", "2026-11-22"),
        ("2026-12-01", "today", "2026-11-24", "2026-11-24"),
        ("2026-12-01", "2026-11-29", "2026-11-22", "2026-11-22"),
        # Weeks run Monday to Sunday; this-week: its Monday to the same weekday.
        ("2026-12-01", "this-week", "2026-11-23", "2026-11-24"),
        ("2026-12-01", "last-week", "2026-11-16", "2026-11-22"),
        ("2026-11-30", "this-week", "2026-11-23", "2026-11-23"),
        # Months: the calendar month before; this-month capped at its last day.
        ("2026-12-01", "last-month", "2026-10-01", "2026-10-31"),
        ("2026-12-31", "this-month", "2026-11-01", "2026-11-30"),
        ("2026-03-31", "this-month", "2026-02-01", "2026-02-28"),
        ("2028-03-30", "this-month", "2028-02-01", "2028-02-29"),
        ("2026-03-15", "last-month", "2026-01-01", "2026-01-31"),
        ("2026-01-10", "last-month", "2025-11-01", "2025-11-30"),
        ("2026-01-10", "this-month", "2025-12-01", "2025-12-10"),
    ],
)
def test_reference_period_follows_the_calendar(now: str, text: str, first: str, last: str) -> None:
    """Each PERIOD form is compared with the stretch DESIGN §5's table names."""
    period = parse_period(text, now=at(now))
    reference = reference_period(period, at(now).date())
    assert (reference.first, reference.last) == (D(first), D(last))


def days(spec: dict[str, Metrics]) -> dict[date, Metrics]:
    """A bot's days with data from ISO keys."""
    return {D(k): v for k, v in spec.items()}


def test_today_shows_so_far_apart_never_against_a_whole_day() -> None:
    """`today` at 06:00 shows so-far numbers with the reference day as uncoloured context."""
    now = at("2026-12-01", 6)
    period = parse_period("today", now=now)
    history = days(
        {"2026-12-01": Metrics(days=1, sessions=354), "2026-11-24": Metrics(days=1, sessions=1407)}
    )
    summary = summarize(BOT, period, history)
    assert summary.closed_period is None
    message = summary_message(summary, tz=UTC_ZONE, now=now)
    text = str(message.blocks) + message.text
    assert "Today so far" in text
    assert "354 sessions" in text
    assert "For context, the whole of Tue 24 Nov had 1.4k sessions" in text
    assert "75%" not in text
    assert ":red_circle:" not in text


def test_this_week_on_tuesday_compares_monday_with_monday() -> None:
    """On a Tuesday, this-week's change is its closed Monday against the Monday before."""
    now = at("2026-12-01")
    period = parse_period("this-week", now=now)
    history = days(
        {
            "2026-11-30": Metrics(days=1, sessions=100),
            "2026-12-01": Metrics(days=1, sessions=30),
            "2026-11-23": Metrics(days=1, sessions=80),
            "2026-11-24": Metrics(days=1, sessions=90),
        }
    )
    summary = summarize(BOT, period, history)
    cur, prev = summary.compared
    assert (cur.sessions, prev.sessions) == (100, 80)
    assert summary.so_far is not None
    assert summary.so_far.sessions == 30
    text = str(summary_message(summary, tz=UTC_ZONE, now=now).blocks)
    assert "Mon 30 Nov (1 UTC day) vs Mon 23 Nov" in text


def test_missing_days_are_named_and_changes_go_per_day() -> None:
    """A 7d period with a day missing names it and compares per day with data."""
    now = at("2026-12-01")
    history = {
        D("2026-11-17") + timedelta(days=i): Metrics(days=1, sessions=100) for i in range(14)
    }
    del history[D("2026-11-26")]
    summary = summarize(BOT, parse_period("7d", now=now), history)
    assert summary.missing_days == (D("2026-11-26"),)
    assert summary.per_day
    assert summary.changes()["sessions"] == pytest.approx(0.0)
    text = str(summary_message(summary, tz=UTC_ZONE, now=now).blocks)
    assert "No data for Thu 26 Nov" in text
    assert "per day with data (6 days vs 7)" in text


def test_history_shorter_than_the_period_says_where_it_starts() -> None:
    """A 30d period on a bot with 5 days of data says when its data starts."""
    now = at("2026-12-01")
    history = {D("2026-11-26") + timedelta(days=i): Metrics(days=1, sessions=50) for i in range(5)}
    summary = summarize(BOT, parse_period("30d", now=now), history)
    assert summary.missing_days == ()
    text = str(summary_message(summary, tz=UTC_ZONE, now=now).blocks)
    assert "Data for this bot starts Thu 26 Nov" in text


def test_small_bases_show_both_values_without_arrow_or_colour() -> None:
    """4 sessions against 2 reads `4 vs 2`, never `+100%` in green."""
    change = compare_metric(
        "sessions", Metrics(days=1, sessions=4), Metrics(days=1, sessions=2), per_day=False
    )
    assert change.small_base
    assert badge(change) == "_vs 2_"
    cost = compare_metric(
        "costUsd", Metrics(days=1, cost_sum=0.5), Metrics(days=1, cost_sum=5.0), per_day=False
    )
    assert badge(cost) == "_vs $5.00_"


def test_rates_change_in_percentage_points() -> None:
    """An error rate going 2% to 3% on 1,000 calls reads +1 pp, not +50%."""
    before = Metrics(days=1, llm_calls=1000, llm_errors=20)
    after = Metrics(days=1, llm_calls=1000, llm_errors=30)
    change = compare(after, before)["errorRate"]
    assert change.points == pytest.approx(1.0)
    assert badge(change) == "▲ +1 pp :red_circle:"


def test_error_count_is_singular_when_one() -> None:
    """`(1 error)`, not `(1 errors)`."""
    now = at("2026-12-01")
    history = {
        D("2026-11-30"): Metrics(days=1, sessions=30, llm_calls=21, llm_errors=1, call_tokens=5)
    }
    text = str(summary_message(summarize(BOT, parse_period("yesterday", now=now), history),
                               tz=UTC_ZONE, now=now).blocks)  # fmt: skip
    assert "(1 error)" in text
    assert "1 errors" not in text


def test_all_bots_compare_like_for_like_and_say_how_many() -> None:
    """A bot with no previous data is left out of the total's change, and the count says so."""
    now = at("2026-12-01")
    period = parse_period("7d", now=now)
    old = {D("2026-11-17") + timedelta(days=i): Metrics(days=1, cost_sum=10.0) for i in range(14)}
    new = {D("2026-11-24") + timedelta(days=i): Metrics(days=1, cost_sum=50.0) for i in range(7)}
    summaries = [summarize(BOT, period, old), summarize(Bot("b2", "Billing"), period, new)]
    line = totals_line(summaries)
    assert "Like for like (1 of 2 bots with data on both sides)" in line
    assert "cost 0%" in line
    message = overview_message(summaries, tz=UTC_ZONE, now=now)
    assert "2 bots" in message.text


def test_zero_call_cost_counts_in_the_total_not_per_call() -> None:
    """$1 over 10 calls plus $5 on a zero-call day: $6 in all, $0.10 per call."""
    with_calls = Metrics(days=1, llm_calls=10, cost_sum=1.0, call_cost_sum=1.0)
    zero_calls = Metrics(days=1, cost_sum=5.0)
    total = with_calls + zero_calls
    assert total.cost_sum == pytest.approx(6.0)
    assert total.cost_per_call == pytest.approx(0.10)


def test_errors_above_calls_cap_the_rate_and_mark_the_day() -> None:
    """5 errors on 2 calls is kept as reported, shown as 100%, and flagged suspect."""
    day = Metrics(days=1, llm_calls=2, llm_errors=5)
    assert day.error_rate == 1.0
    assert day.suspect
    assert not Metrics(days=1, llm_calls=5, llm_errors=5).suspect


def test_fallback_reads_well_in_a_notification() -> None:
    """The text fallback names the reference dates, never `prev.` or `(—)`."""
    now = at("2026-12-01")
    history = {D("2026-11-17") + timedelta(days=i): Metrics(days=1, sessions=30) for i in range(14)}
    message = summary_message(summarize(BOT, parse_period("7d", now=now), history),
                              tz=UTC_ZONE, now=now)  # fmt: skip
    assert message.text.startswith("Sales (sales), last 7 days: 210 sessions (0% vs Tue 17 Nov")
    assert f"Tue 17 Nov {EN_DASH} Mon 23 Nov" in message.text
    assert "prev." not in message.text
    assert "(—)" not in message.text


def test_sparkline_scales_and_marks_gaps() -> None:
    """Values map to eight bars; a missing day is a dot; a flat line sits mid-height."""
    assert sparkline([0, 7, 14, None, 14]) == "▁▅█·█"
    assert sparkline([3, 3]) == "▄▄"
    assert sparkline([None]) == ""
