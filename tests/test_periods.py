"""The PERIOD grammar: every form, every refusal, and properties over random input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from slackbot.core.periods import MAX_DAYS, MIN_DATE, PERIOD_USAGE, Period, parse_period
from slackbot.errors import PeriodError, UsageError

WEDNESDAY = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 5, 18, 0, 0, tzinfo=UTC)
SUNDAY = datetime(2026, 5, 24, 23, 59, 59, tzinfo=UTC)
FIRST_OF_MONTH = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)  # a Wednesday
NEW_YEAR = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)  # a Thursday
LEAP_MARCH = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)  # a Friday; Feb 2024 has 29 days
LEAP_DAY = datetime(2024, 2, 29, 18, 0, tzinfo=UTC)  # a Thursday

D = date.fromisoformat


def parse(text: str | None, now: datetime = WEDNESDAY) -> Period:
    """Shorthand for parse_period with a fixed clock."""
    return parse_period(text, now=now)


def span(period: Period) -> tuple[str, str, bool]:
    """The first and last day (ISO) and whether the period is partial."""
    return period.first.isoformat(), period.last.isoformat(), period.partial


# --- every form ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        # A Wednesday.
        (WEDNESDAY, "today", ("2026-05-20", "2026-05-20", True)),
        (WEDNESDAY, "yesterday", ("2026-05-19", "2026-05-19", False)),
        (WEDNESDAY, "7d", ("2026-05-13", "2026-05-19", False)),
        (WEDNESDAY, "30d", ("2026-04-20", "2026-05-19", False)),
        (WEDNESDAY, "1d", ("2026-05-19", "2026-05-19", False)),
        (WEDNESDAY, "365d", ("2025-05-20", "2026-05-19", False)),
        (WEDNESDAY, "this-week", ("2026-05-18", "2026-05-20", True)),
        (WEDNESDAY, "last-week", ("2026-05-11", "2026-05-17", False)),
        (WEDNESDAY, "this-month", ("2026-05-01", "2026-05-20", True)),
        (WEDNESDAY, "last-month", ("2026-04-01", "2026-04-30", False)),
        (WEDNESDAY, "2026-05-04", ("2026-05-04", "2026-05-04", False)),
        (WEDNESDAY, "2026-05-20", ("2026-05-20", "2026-05-20", True)),
        (WEDNESDAY, "2026-05-01..2026-05-10", ("2026-05-01", "2026-05-10", False)),
        (WEDNESDAY, "2026-05-10..2026-05-10", ("2026-05-10", "2026-05-10", False)),
        (WEDNESDAY, "2026-05-15..2026-05-20", ("2026-05-15", "2026-05-20", True)),
        # A Monday: this-week is today only, last-week the full week before.
        (MONDAY, "this-week", ("2026-05-18", "2026-05-18", True)),
        (MONDAY, "last-week", ("2026-05-11", "2026-05-17", False)),
        (MONDAY, "yesterday", ("2026-05-17", "2026-05-17", False)),
        # A Sunday: this-week is the whole week so far, Monday..Sunday.
        (SUNDAY, "this-week", ("2026-05-18", "2026-05-24", True)),
        (SUNDAY, "last-week", ("2026-05-11", "2026-05-17", False)),
        (SUNDAY, "7d", ("2026-05-17", "2026-05-23", False)),
        # The first of a month: this-month is one day, last-month the whole of June.
        (FIRST_OF_MONTH, "this-month", ("2026-07-01", "2026-07-01", True)),
        (FIRST_OF_MONTH, "last-month", ("2026-06-01", "2026-06-30", False)),
        (FIRST_OF_MONTH, "yesterday", ("2026-06-30", "2026-06-30", False)),
        (FIRST_OF_MONTH, "this-week", ("2026-06-29", "2026-07-01", True)),
        # January 1st: last month, yesterday and last week are in the year before.
        (NEW_YEAR, "last-month", ("2025-12-01", "2025-12-31", False)),
        (NEW_YEAR, "yesterday", ("2025-12-31", "2025-12-31", False)),
        (NEW_YEAR, "this-month", ("2026-01-01", "2026-01-01", True)),
        (NEW_YEAR, "this-week", ("2025-12-29", "2026-01-01", True)),
        (NEW_YEAR, "last-week", ("2025-12-22", "2025-12-28", False)),
        (NEW_YEAR, "7d", ("2025-12-25", "2025-12-31", False)),
        # Leap years.
        (LEAP_MARCH, "last-month", ("2024-02-01", "2024-02-29", False)),
        (LEAP_MARCH, "yesterday", ("2024-02-29", "2024-02-29", False)),
        (LEAP_MARCH, "30d", ("2024-01-31", "2024-02-29", False)),
        (LEAP_MARCH, "2024-02-29", ("2024-02-29", "2024-02-29", False)),
        (LEAP_DAY, "today", ("2024-02-29", "2024-02-29", True)),
        (LEAP_DAY, "this-month", ("2024-02-01", "2024-02-29", True)),
        (LEAP_DAY, "365d", ("2023-03-01", "2024-02-28", False)),
        (LEAP_DAY, "2024-02-28..2024-02-29", ("2024-02-28", "2024-02-29", True)),
        (LEAP_DAY, "2000-02-29", ("2000-02-29", "2000-02-29", False)),
    ],
)
def test_every_form(now: datetime, text: str, expected: tuple[str, str, bool]) -> None:
    """Each PERIOD form gives the documented UTC days for a fixed clock."""
    assert span(parse(text, now)) == expected


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("today", "today"),
        ("7d", "7d"),
        ("007d", "7d"),
        ("last-week", "last-week"),
        ("2026-05-04", "2026-05-04"),
        ("2026-05-01..2026-05-04", "2026-05-01..2026-05-04"),
    ],
)
def test_labels_are_normalised(text: str, label: str) -> None:
    """The label is the canonical spelling of what was typed."""
    assert parse(text).label == label


@pytest.mark.parametrize("text", [None, "", "   ", "\t\n"])
def test_missing_period_means_7d(text: str | None) -> None:
    """No period (or only whitespace) is the last 7 closed days."""
    assert parse(text) == parse("7d")
    assert parse(text).label == "7d"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("TODAY", "today"),
        ("  Yesterday ", "yesterday"),
        ("30D", "30d"),
        ("\tLast-Week\n", "last-week"),
        ("THIS-MONTH", "this-month"),
        ("2026-05-01 .. 2026-05-04", "2026-05-01..2026-05-04"),
    ],
)
def test_case_and_surrounding_whitespace_are_ignored(text: str, canonical: str) -> None:
    """Upper case and surrounding whitespace parse like the canonical form."""
    assert parse(text) == parse(canonical)


def test_nd_ends_yesterday_and_compares_with_the_n_days_before() -> None:
    """7d is the 7 closed days ending yesterday; its previous period is the 7 days before."""
    period = parse("7d")
    assert period.last == WEDNESDAY.date() - timedelta(days=1)
    assert not period.partial
    before = period.previous()
    assert (before.first, before.last) == (D("2026-05-06"), D("2026-05-12"))
    assert before.label == "prev. 7d"
    assert not before.partial


def test_today_is_the_utc_day_of_now_whatever_its_offset() -> None:
    """`now` in another zone is converted to UTC before taking its date."""
    late_in_new_york = datetime(2026, 5, 20, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    early_in_kiribati = datetime(2026, 5, 21, 1, 0, tzinfo=timezone(timedelta(hours=14)))
    assert parse("today", late_in_new_york).first == D("2026-05-21")
    assert parse("today", early_in_kiribati).first == D("2026-05-20")


def test_naive_now_is_a_programming_error() -> None:
    """A naive `now` is refused rather than silently read as local time."""
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_period("7d", now=datetime(2026, 5, 20, 12))


def test_a_range_running_past_today_is_cut_at_today() -> None:
    """A range ending in the future stops at today and says it is partial."""
    period = parse("2026-05-01..2026-06-30")
    assert span(period) == ("2026-05-01", "2026-05-20", True)
    assert period.label == "2026-05-01..2026-05-20"


# --- Period helpers ---------------------------------------------------------------------


def test_days_dates_and_membership() -> None:
    """days counts both ends, dates lists them in order, `in` tests membership."""
    period = parse("2026-04-29..2026-05-02")
    assert period.days == 4
    assert period.dates() == [D("2026-04-29"), D("2026-04-30"), D("2026-05-01"), D("2026-05-02")]
    assert D("2026-04-29") in period
    assert D("2026-05-02") in period
    assert D("2026-05-03") not in period
    assert D("2026-04-28") not in period
    assert "2026-04-30" not in period


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("this-week", "2026-05-15", "2026-05-17"),  # Wed: 3 days, so Fri..Sun before
        ("last-month", "2026-03-02", "2026-03-31"),  # April has 30 days
        ("today", "2026-05-19", "2026-05-19"),
        ("2026-05-01..2026-05-10", "2026-04-21", "2026-04-30"),
    ],
)
def test_previous_is_equal_length_and_immediately_before(text: str, first: str, last: str) -> None:
    """previous() has the same number of days and ends the day before the period starts."""
    period = parse(text)
    before = period.previous()
    assert (before.first, before.last) == (D(first), D(last))
    assert before.days == period.days
    assert before.label == f"prev. {period.label}"
    assert not before.partial


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("7d", "7 days, 2026-05-13 \u2013 2026-05-19"),
        ("yesterday", "1 day, 2026-05-19"),
        ("today", "1 day, 2026-05-20 (today so far, UTC)"),
        ("this-week", "3 days, 2026-05-18 \u2013 2026-05-20 (today so far, UTC)"),
    ],
)
def test_describe(text: str, description: str) -> None:
    """describe() gives the length, the dates and whether today is partial."""
    assert parse(text).describe() == description


# --- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("foo", "`foo` is not a period botstats understands."),
        ("week", "`week` is not a period"),
        ("7", "`7` is not a period"),
        ("d", "`d` is not a period"),
        ("-7d", "`-7d` is not a period"),
        ("7d7d", "`7d7d` is not a period"),
        ("2026-5-4", "`2026-5-4` is not a period"),
        ("20260504", "`20260504` is not a period"),
        ("2026-W20", "`2026-W20` is not a period"),
        ("2026-05-01...2026-05-04", "is not a period"),
        ("2026-05-01..", "is not a period"),
        ("\u0667d", "is not a period"),  # Arabic-Indic digit seven: not ASCII
        ("0d", "`0d` covers no days"),
        ("000d", "`000d` covers no days"),
        ("366d", "`366d` is too long: a period covers at most 365 days."),
        ("100000000000000000000000d", "is too long"),
        ("2025-05-19..2026-05-19", "covers 366 days: a period covers at most 365 days."),
        ("2026-05-10..2026-05-01", "`2026-05-10..2026-05-01` ends before it starts"),
        ("2026-02-30", "`2026-02-30` is not a calendar date."),
        ("2026-13-01", "`2026-13-01` is not a calendar date."),
        ("2026-00-10", "is not a calendar date."),
        ("2025-02-29", "`2025-02-29` is not a calendar date."),
        ("2026-02-30..2026-03-04", "`2026-02-30..2026-03-04`: 2026-02-30 is not a calendar date."),
        ("2026-05-21", "`2026-05-21` is in the future: today is 2026-05-20 (UTC)."),
        ("2026-06-01..2026-06-05", "is in the future"),
        ("1999-12-31", "`1999-12-31` is too far back: periods start on 2000-01-01"),
    ],
)
def test_refusals_say_what_was_wrong(text: str, fragment: str) -> None:
    """Every refused input raises PeriodError quoting the input and showing the usage."""
    with pytest.raises(PeriodError) as info:
        parse(text)
    error = info.value
    assert isinstance(error, UsageError)
    assert fragment in error.message
    assert error.usage == PERIOD_USAGE
    assert str(error).endswith(f"Usage: {PERIOD_USAGE}")
    assert error.user_message == str(error)


def test_range_of_exactly_365_days_is_accepted() -> None:
    """The limit is inclusive: 365 days is fine, 366 is not."""
    assert parse("2025-05-20..2026-05-19").days == MAX_DAYS


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("last week", "last-week"),
        ("last_month", "last-month"),
        ("thisweek", "this-week"),
        ("7 days", "7d"),
        ("30days", "30d"),
        ("1 day", "1d"),
    ],
)
def test_near_misses_get_a_suggestion(text: str, suggestion: str) -> None:
    """Common near misses are refused with a "did you mean" for the accepted form."""
    with pytest.raises(PeriodError, match=f"Did you mean `{suggestion}`"):
        parse(text)


def test_usage_lists_every_form() -> None:
    """The usage line names each accepted form."""
    for form in ["today", "yesterday", "Nd", "this-week", "last-week", "this-month"]:
        assert form in PERIOD_USAGE
    assert "last-month" in PERIOD_USAGE
    assert "YYYY-MM-DD..YYYY-MM-DD" in PERIOD_USAGE
    assert "365" in PERIOD_USAGE


def quoted(error: PeriodError) -> str:
    """The user's text as the message quotes it (between the first two backticks)."""
    return error.message.split("`")[1]


def test_quoted_input_is_truncated() -> None:
    """Long input is cut to about 40 characters with an ellipsis."""
    with pytest.raises(PeriodError) as info:
        parse("x" * 500)
    shown = quoted(info.value)
    assert len(shown) == 40
    assert shown.endswith("\u2026")
    assert "x" * 500 not in str(info.value)


def test_quoted_input_has_no_control_characters() -> None:
    """Control and invisible format characters are dropped; line breaks become spaces."""
    with pytest.raises(PeriodError) as info:
        parse("bad\x00\x1b[31m\u202e\u200b\nperiod\r\x7f")
    shown = quoted(info.value)
    assert shown == "bad[31m period"
    assert all(ch.isprintable() for ch in shown)


def test_backticks_in_input_cannot_break_the_quote() -> None:
    """A backtick in the input is shown as a quote mark so the code span stays closed."""
    with pytest.raises(PeriodError) as info:
        parse("a`b")
    assert info.value.message.startswith("`a'b` ")


# --- properties -------------------------------------------------------------------------

NOWS = st.datetimes(
    min_value=datetime(2002, 1, 1),
    max_value=datetime(2100, 12, 31),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=13))]),
)
DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2110, 1, 1)).map(date.isoformat)
PERIOD_LIKE = st.one_of(
    st.sampled_from(["today", "yesterday", "this-week", "last-week", "this-month", "last-month"]),
    st.integers(min_value=-5, max_value=1000).map(lambda n: f"{n}d"),
    DAYS,
    st.tuples(DAYS, DAYS).map(lambda pair: f"{pair[0]}..{pair[1]}"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}(\.\.[0-9]{4}-[0-9]{2}-[0-9]{2})?\Z"),
)


def attempt(text: str, now: datetime) -> Period | PeriodError:
    """The parsed period, or the PeriodError it raised (any other exception propagates)."""
    try:
        return parse_period(text, now=now)
    except PeriodError as error:
        return error


def check_valid(period: Period, now: datetime) -> None:
    """The invariants every parsed period keeps."""
    today = now.astimezone(UTC).date()
    assert 1 <= period.days <= MAX_DAYS
    assert period.first <= period.last <= today
    assert period.partial == (period.last == today)
    assert len(period.dates()) == period.days
    before = period.previous()
    assert before.last == period.first - timedelta(days=1)
    assert before.days == period.days
    assert not before.partial


@settings(max_examples=300)
@given(text=st.text(max_size=60), now=NOWS)
@example(text="\ud800", now=WEDNESDAY)
@example(text="9" * 5000 + "d", now=WEDNESDAY)
@example(text="0001-01-01", now=WEDNESDAY)
@example(text="9999-12-31..9999-12-31", now=WEDNESDAY)
def test_random_text_never_raises_anything_but_period_error(text: str, now: datetime) -> None:
    """Arbitrary text either parses to a valid period or raises PeriodError, nothing else."""
    result = attempt(text, now)
    if isinstance(result, PeriodError):
        assert result.usage == PERIOD_USAGE
        assert len(quoted(result)) <= 40
        result.message.encode("utf-8")  # no lone surrogates leak into the message
    else:
        check_valid(result, now)


@settings(max_examples=500)
@given(text=PERIOD_LIKE, now=NOWS)
def test_period_like_text_gives_valid_periods_or_period_errors(text: str, now: datetime) -> None:
    """Grammar-shaped input (valid or not) keeps every invariant when it parses."""
    try:
        period = parse_period(text, now=now)
    except PeriodError:
        return
    check_valid(period, now)
    assert period.first >= MIN_DATE or text.endswith("d")


@given(text=PERIOD_LIKE, now=NOWS, pad=st.sampled_from(["", " ", "\t", "  \n"]))
def test_case_and_padding_never_change_the_result(text: str, now: datetime, pad: str) -> None:
    """Upper-casing and padding any input gives the same period or the same error."""

    def outcome(candidate: str) -> Period | str:
        try:
            return parse_period(candidate, now=now)
        except PeriodError as error:
            return error.message.split("`", 2)[2]

    assert outcome(pad + text.upper() + pad) == outcome(text)


@given(count=st.integers(min_value=1, max_value=MAX_DAYS), now=NOWS)
def test_nd_is_n_closed_days_ending_yesterday(count: int, now: datetime) -> None:
    """Nd always has N days, ends yesterday and is never partial."""
    period = parse_period(f"{count}d", now=now)
    assert period.days == count
    assert period.last == now.astimezone(UTC).date() - timedelta(days=1)
    assert not period.partial
