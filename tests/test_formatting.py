"""Tests for slackbot.core.formatting: numbers, changes, dates and safe user text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slackbot.core import formatting as fmt
from slackbot.core import text as txt
from slackbot.core.formatting import MINUS, NO_DATA, Tone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234.56, "$1,234.56"),
        (12.3456, "$12.35"),
        (0.5, "$0.50"),
        (0.01, "$0.01"),
        (0.0042, "$0.0042"),
        (0.00123, "$0.0012"),
        (0.009999, "$0.01"),
        (0.000042, "$0.000042"),
        (0.0, "$0.00"),
        (1e-9, "<$0.000001"),
        (-3.5, f"{MINUS}$3.50"),
        (None, NO_DATA),
        (float("nan"), NO_DATA),
    ],
)
def test_money(value: float | None, expected: str) -> None:
    """Dollars get separators and cents; tiny amounts keep two significant digits."""
    assert fmt.money(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (950, "950"),
        (999, "999"),
        (999.6, "1k"),
        (1000, "1k"),
        (1234, "1.2k"),
        (12_345, "12.3k"),
        (123_456, "123k"),
        (999_950, "1M"),
        (1_200_000, "1.2M"),
        (3_400_000_000, "3.4B"),
        (-12_345, f"{MINUS}12.3k"),
        (None, NO_DATA),
    ],
)
def test_count(value: float | None, expected: str) -> None:
    """Counts are compact: k, M and B with at most one decimal, never 1000k."""
    assert fmt.count(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.042, "4.2%"),
        (0.12, "12%"),
        (0.125, "12.5%"),
        (1.0, "100%"),
        (0.0, "0%"),
        (0.0004, "<0.1%"),
        (None, NO_DATA),
    ],
)
def test_percent(value: float | None, expected: str) -> None:
    """Ratios become percentages with one decimal, trailing .0 trimmed."""
    assert fmt.percent(value) == expected


def test_number_trims_trailing_zeros() -> None:
    """Plain numbers keep separators and drop useless decimals."""
    assert fmt.number(3.4) == "3.4"
    assert fmt.number(4.0) == "4"
    assert fmt.number(12345.678, 2) == "12,345.68"
    assert fmt.number(None) == NO_DATA
    assert fmt.number(-0.01) == "0"
    assert fmt.count(-0.4) == "0"


@pytest.mark.parametrize(
    ("current", "previous", "versus", "expected"),
    [
        (118, 100, "prev. 7d", "+18% vs prev. 7d"),
        (95, 100, "", f"{MINUS}5%"),
        (100.4, 100, "", "+0.4%"),
        (100, 100, "", "0%"),
        (5, 0, "", "new"),
        (0, 0, "", "0%"),
        (5, None, "prev. 7d", NO_DATA),
        (None, 5, "", NO_DATA),
        (2500, 100, "", "+2,400%"),
    ],
)
def test_change(current: float | None, previous: float | None, versus: str, expected: str) -> None:
    """Changes are signed percentages, ``new`` from zero, and a dash without data."""
    assert fmt.change_text(current, previous, versus) == expected


def test_trend_tone_follows_good_direction() -> None:
    """Cost going up is bad, sessions going up is good, neutral metrics stay uncoloured."""
    cost_up = fmt.trend(120, 100, "costUsd")
    assert (cost_up.arrow, cost_up.text, cost_up.tone) == (fmt.ARROW_UP, "+20%", Tone.BAD)
    assert fmt.trend(80, 100, "costUsd").tone is Tone.GOOD
    assert fmt.trend(120, 100, "sessions").tone is Tone.GOOD
    assert fmt.trend(80, 100, "sessions").tone is Tone.BAD
    assert fmt.trend(80, 100, "latencyMeanMs").tone is Tone.GOOD
    assert fmt.trend(120, 100, "errorRate").tone is Tone.BAD
    assert fmt.trend(150, 100, "llmCalls").tone is Tone.NEUTRAL


def test_trend_small_changes_are_not_coloured() -> None:
    """A 2% move keeps its arrow but gets no good/bad emoji."""
    small = fmt.trend(102, 100, "costUsd")
    assert small.arrow == fmt.ARROW_UP
    assert small.tone is Tone.NEUTRAL
    assert small.slack() == "▲ +2%"


def test_trend_rendering() -> None:
    """Slack text carries the tone emoji; plain text does not."""
    bad = fmt.trend(200, 100, "costUsd")
    assert bad.slack() == "▲ +100% :red_circle:"
    assert bad.plain() == "▲ +100%"
    good = fmt.trend(50, 100, "costUsd")
    assert good.slack() == f"▼ {MINUS}50% :large_green_circle:"
    assert fmt.trend(None, 1).slack() == NO_DATA
    assert fmt.trend(3, 0, "sessions").slack() == "▲ new :large_green_circle:"


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (850, "850 ms"),
        (999.4, "999 ms"),
        (999.6, "1 s"),
        (1234, "1.2 s"),
        (12_345, "12.3 s"),
        (150_000, "2.5 min"),
        (0.4, "<1 ms"),
        (0, "0 ms"),
        (None, NO_DATA),
    ],
)
def test_duration_ms(ms: float | None, expected: str) -> None:
    """Latencies read as ms below a second, seconds below a minute, then minutes."""
    assert fmt.duration_ms(ms) == expected


def test_day_and_ranges() -> None:
    """Days read like ``Mon 4 May``; years appear only when they help."""
    assert fmt.day(date(2026, 5, 4)) == "Mon 4 May"
    assert fmt.day(date(2026, 5, 4), year=True) == "Mon 4 May 2026"
    assert (
        fmt.day_range(date(2026, 4, 27), date(2026, 5, 3)) == f"Mon 27 Apr {fmt.EN_DASH} Sun 3 May"
    )
    assert fmt.day_range(date(2025, 12, 29), date(2026, 1, 4)) == (
        f"Mon 29 Dec 2025 {fmt.EN_DASH} Sun 4 Jan 2026"
    )
    assert fmt.day_range(date(2025, 5, 4), date(2025, 5, 4), today=date(2026, 1, 1)) == (
        "Sun 4 May 2025"
    )


def test_datetimes_are_shown_in_the_given_zone() -> None:
    """An instant late on Sunday UTC is already Monday in Tokyo."""
    moment = datetime(2026, 5, 3, 22, 30, tzinfo=UTC)
    assert fmt.day(moment, ZoneInfo("Asia/Tokyo")) == "Mon 4 May"
    assert fmt.day(moment, ZoneInfo("UTC")) == "Sun 3 May"
    assert fmt.timestamp(moment, ZoneInfo("Europe/Paris")) == "Mon 4 May 00:30 CEST"


@pytest.mark.parametrize(
    "text", ["<!channel>", "<!here>", "<@U123ABC>", "<!subteam^S1|@team>", "<#C123|ops>"]
)
def test_escape_mrkdwn_never_leaves_a_live_mention(text: str) -> None:
    """Mentions and links come out as entities that Slack shows as text."""
    escaped = txt.escape_mrkdwn(f"hi {text} there")
    assert "<" not in escaped
    assert ">" not in escaped
    assert "&lt;" in escaped


def test_escape_mrkdwn_escapes_ampersand_first() -> None:
    """``&`` is escaped before ``<``, so ``&lt;`` typed by a user stays literal."""
    assert txt.escape_mrkdwn("a & b <c>") == "a &amp; b &lt;c&gt;"
    assert txt.escape_mrkdwn("&lt;") == "&amp;lt;"


def test_escape_mrkdwn_strips_controls_and_bidi_overrides() -> None:
    """Control characters and bidi overrides go; emoji, joiners and RTL text stay."""
    text = "a\x00b\x07c\u202edcba\u2066 \U0001f468\u200d\U0001f469 שלום\nnext\tline"
    cleaned = txt.escape_mrkdwn(text)
    assert cleaned == "abcdcba \U0001f468\u200d\U0001f469 שלום next line"


def test_escape_mrkdwn_truncates_with_ellipsis() -> None:
    """Long user text is cut to the limit and ends in an ellipsis."""
    cut = txt.escape_mrkdwn("x" * 4000, limit=50)
    assert len(cut) == 50
    assert cut.endswith("…")
    assert txt.escape_mrkdwn("short", limit=50) == "short"


def test_fit_escaped_bounds_the_escaped_length() -> None:
    """The escaped result never exceeds the limit, even when every char grows to 5."""
    assert len(txt.fit_escaped("&" * 500, 150)) <= 150
    assert txt.fit_escaped("<!channel> & co", 150) == "&lt;!channel&gt; &amp; co"
    assert txt.fit_escaped("", 1) == ""
    assert txt.fit_escaped("&&&", 1) == "…"


def test_code_keeps_the_span_closed() -> None:
    """Backticks in user text cannot end the inline-code span early."""
    assert txt.code("a`b<!here>") == "`a'b&lt;!here&gt;`"


def test_defuse_is_safe_on_escaped_and_raw_text() -> None:
    """Raw brackets become entities; text already escaped is left alone."""
    assert txt.defuse("`<!channel>` matches no bot") == "`&lt;!channel&gt;` matches no bot"
    assert txt.defuse("a &lt;b&gt;") == "a &lt;b&gt;"


def test_truncate_refuses_a_zero_limit() -> None:
    """A limit below one is a programming error, reported loudly."""
    with pytest.raises(ValueError, match="at least 1"):
        txt.truncate("abc", 0)


@given(st.text(max_size=500), st.integers(min_value=1, max_value=300))
def test_escape_mrkdwn_fuzz(text: str, limit: int) -> None:
    """Any text escapes to something without raw brackets or control characters."""
    out = txt.escape_mrkdwn(text, limit)
    assert "<" not in out
    assert ">" not in out
    assert not any(ord(ch) < 32 for ch in out)
    assert len(txt.clean_text(text, limit)) <= limit
    assert len(txt.fit_escaped(text, max(limit, 5))) <= max(limit, 5)


@given(st.floats(allow_nan=True, allow_infinity=True) | st.none())
def test_number_formatters_never_raise(value: float | None) -> None:
    """Every number formatter accepts any float (or None) and returns text."""
    for render in (fmt.money, fmt.count, fmt.percent, fmt.number, fmt.duration_ms):
        assert isinstance(render(value), str)
    assert isinstance(fmt.change_text(value, 1.0), str)
    assert isinstance(fmt.change_text(1.0, value), str)
