"""When digests fall due and what they cover (core/schedule.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slackbot.core.periods import Period
from slackbot.core.schedule import (
    CATCH_UP,
    Schedule,
    covered_period,
    decide,
    last_settled_day,
    last_settled_week,
    latest_due,
    local_moment,
    next_due,
    period_key,
    run_key,
    run_on,
    settled_at,
)

UTC_ZONE = ZoneInfo("UTC")
PARIS = ZoneInfo("Europe/Paris")
TOKYO = ZoneInfo("Asia/Tokyo")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
WEEKLY = Schedule("weekly")
DAILY = Schedule("daily")
MONDAY = date(2026, 11, 30)


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cadence", "local_day", "first", "last"),
    [
        ("daily", date(2026, 12, 1), date(2026, 11, 30), date(2026, 11, 30)),
        ("daily", date(2026, 3, 1), date(2026, 2, 28), date(2026, 2, 28)),
        ("daily", date(2028, 3, 1), date(2028, 2, 29), date(2028, 2, 29)),
        ("weekly", MONDAY, date(2026, 11, 23), date(2026, 11, 29)),
        ("weekly", date(2026, 12, 1), date(2026, 11, 23), date(2026, 11, 29)),
        ("weekly", date(2026, 12, 6), date(2026, 11, 23), date(2026, 11, 29)),
        ("weekly", date(2026, 12, 7), date(2026, 11, 30), date(2026, 12, 6)),
        ("weekly", date(2027, 1, 4), date(2026, 12, 28), date(2027, 1, 3)),
    ],
)
def test_covered_period(cadence: str, local_day: date, first: date, last: date) -> None:
    """A digest covers UTC day L-1, or the Monday-to-Sunday week ending on or before L-1."""
    period = covered_period(cadence, local_day)  # type: ignore[arg-type]
    assert (period.first, period.last) == (first, last)
    # The label picks the reference (DESIGN §5): a day against the same weekday, a range
    # against the stretch before it.
    label = first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
    assert period.label == label
    assert period.partial is False


def test_weekly_in_utc_posts_at_its_time() -> None:
    """Monday 09:00 UTC is past the settle hour, so it posts at 09:00 sharp."""
    run = run_on(WEEKLY, MONDAY, UTC_ZONE)
    assert run.fires_at == run.due_at == utc(2026, 11, 30, 9)


def test_zone_ahead_of_utc_waits_for_the_week_to_close() -> None:
    """Monday 09:00 in Tokyo is Monday 00:00 UTC: it posts an hour after Sunday UTC closed."""
    run = run_on(WEEKLY, MONDAY, TOKYO)
    assert run.fires_at == utc(2026, 11, 30, 0)
    assert run.due_at == utc(2026, 11, 30, 1)
    assert run.due_at.astimezone(TOKYO).hour == 10


def test_far_ahead_zone_still_covers_a_closed_week() -> None:
    """In UTC+14 Monday 09:00 is Sunday 19:00 UTC, before the week ends: it waits for Monday."""
    run = run_on(WEEKLY, MONDAY, KIRITIMATI)
    assert run.fires_at == utc(2026, 11, 29, 19)
    assert run.period.last == date(2026, 11, 29)
    assert run.due_at == utc(2026, 11, 30, 1)


def test_zone_behind_utc_fires_later_in_utc() -> None:
    """Daily 09:00 in Los Angeles is 17:00 UTC and covers the UTC day before its local date."""
    run = run_on(DAILY, date(2026, 12, 1), LOS_ANGELES)
    assert run.fires_at == utc(2026, 12, 1, 17)
    assert run.period.first == date(2026, 11, 30)


def test_daily_settles_an_hour_after_midnight_utc() -> None:
    """A daily digest at 00:30 UTC waits until 01:00 UTC for yesterday to settle."""
    run = run_on(Schedule("daily", 0, 30), date(2026, 12, 1), UTC_ZONE)
    assert run.fires_at == utc(2026, 12, 1, 0, 30)
    assert run.due_at == utc(2026, 12, 1, 1)
    assert settled_at(run.period) == utc(2026, 12, 1, 1)


def test_time_skipped_by_dst_fires_at_the_next_valid_minute() -> None:
    """02:30 does not exist in Paris on 29 March 2026: it fires at 03:00 CEST (01:00 UTC)."""
    moment = local_moment(date(2026, 3, 29), 2, 30, PARIS)
    assert moment == utc(2026, 3, 29, 1)
    assert moment.astimezone(PARIS).strftime("%H:%M") == "03:00"


def test_time_repeated_by_dst_fires_once_at_its_first_occurrence() -> None:
    """02:30 happens twice in Paris on 25 October 2026: the first one (00:30 UTC) is used."""
    assert local_moment(date(2026, 10, 25), 2, 30, PARIS) == utc(2026, 10, 25, 0, 30)
    day = date(2026, 10, 25)
    runs = [run_on(Schedule("daily", 2, 30), day, PARIS)]
    assert len({run.fires_at for run in runs}) == 1


def test_ordinary_local_time_is_converted_exactly() -> None:
    """09:15 in Paris in winter is 08:15 UTC, in summer 07:15 UTC."""
    assert local_moment(date(2026, 12, 1), 9, 15, PARIS) == utc(2026, 12, 1, 8, 15)
    assert local_moment(date(2026, 7, 1), 9, 15, PARIS) == utc(2026, 7, 1, 7, 15)


def test_latest_due_is_the_newest_run_at_or_before_now() -> None:
    """On Wednesday the latest weekly run is Monday's; at 08:59 Monday it is the week before."""
    assert latest_due(WEEKLY, UTC_ZONE, utc(2026, 12, 2, 12)) == run_on(WEEKLY, MONDAY, UTC_ZONE)
    before = latest_due(WEEKLY, UTC_ZONE, utc(2026, 11, 30, 8, 59))
    assert before.period.last == date(2026, 11, 22)
    exactly = latest_due(WEEKLY, UTC_ZONE, utc(2026, 11, 30, 9))
    assert exactly.period.last == date(2026, 11, 29)


def test_next_due_is_the_first_run_after_now() -> None:
    """The next weekly run after Monday 09:00 is the following Monday; daily, tomorrow."""
    assert next_due(WEEKLY, UTC_ZONE, utc(2026, 11, 30, 9)).due_at == utc(2026, 12, 7, 9)
    assert next_due(WEEKLY, UTC_ZONE, utc(2026, 11, 30, 8)).due_at == utc(2026, 11, 30, 9)
    assert next_due(DAILY, TOKYO, utc(2026, 12, 1, 0, 30)).due_at == utc(2026, 12, 1, 1)


def test_other_weekday_schedule() -> None:
    """A Friday schedule fires on Fridays and covers the week ending the Sunday before."""
    friday = Schedule.of("weekly", "17:45", "fri")
    assert friday.fires_on(date(2026, 12, 4))
    assert not friday.fires_on(date(2026, 12, 3))
    run = next_due(friday, UTC_ZONE, utc(2026, 12, 1))
    assert run.fires_at == utc(2026, 12, 4, 17, 45)
    assert (run.period.first, run.period.last) == (date(2026, 11, 23), date(2026, 11, 29))


def test_schedule_from_stored_text_and_its_words() -> None:
    """Stored ``at``/``weekday`` text becomes a schedule that describes itself for people."""
    assert Schedule.of("weekly") == Schedule("weekly", 9, 0, 0)
    assert Schedule.of("daily", "07:05").at == "07:05"
    assert Schedule.of("weekly", "18:00", "sun").describe(PARIS) == "Sundays at 18:00 Europe/Paris"
    assert Schedule.of("daily").describe(UTC_ZONE) == "daily at 09:00 UTC"


@pytest.mark.parametrize(
    ("now", "since", "decision"),
    [
        (utc(2026, 11, 30, 9), utc(2026, 11, 1), "post"),
        (utc(2026, 12, 1, 9), utc(2026, 11, 1), "post"),
        (utc(2026, 12, 1, 9, 1), utc(2026, 11, 1), "skip"),
        (utc(2026, 11, 30, 8), utc(2026, 11, 1), "wait"),
        (utc(2026, 11, 30, 12), utc(2026, 11, 30, 10), "wait"),
        (utc(2026, 11, 30, 12), utc(2026, 11, 30, 9), "post"),
    ],
)
def test_decide_posts_catches_up_within_a_day_and_skips_after(
    now: datetime, since: datetime, decision: str
) -> None:
    """A run is posted up to 24 h after it fell due, skipped later, and never if it predates us."""
    run = run_on(WEEKLY, MONDAY, UTC_ZONE)
    assert decide(run, now=now, since=since) == decision
    assert timedelta(hours=24) == CATCH_UP


def test_run_keys_name_kind_channel_bot_and_days() -> None:
    """Run keys read ``kind:channel:bot:period`` with the period's days."""
    week = covered_period("weekly", MONDAY)
    assert run_key("digest", "C1", "all", week) == "digest:C1:all:2026-11-23..2026-11-29"
    day = Period(date(2026, 11, 30), date(2026, 11, 30), "x")
    assert period_key(day) == "2026-11-30"
    assert run_key("digest", "C2", "bot-1", day) == "digest:C2:bot-1:2026-11-30"


def test_last_settled_week_and_day() -> None:
    """Before 01:00 UTC on Monday the week just ended is not settled: the one before is used."""
    assert last_settled_week(utc(2026, 11, 30, 0, 59)).last == date(2026, 11, 22)
    assert last_settled_week(utc(2026, 11, 30, 1)).last == date(2026, 11, 29)
    assert last_settled_week(utc(2026, 12, 3, 15)).first == date(2026, 11, 23)
    assert last_settled_day(utc(2026, 12, 1, 0, 30)).first == date(2026, 11, 29)
    assert last_settled_day(utc(2026, 12, 1, 1)).first == date(2026, 11, 30)


def test_latest_due_in_a_zone_ahead_of_utc() -> None:
    """In Tokyo, at 00:30 UTC on Monday (09:30 local), the newest due run is last week's."""
    before = latest_due(WEEKLY, TOKYO, utc(2026, 11, 30, 0, 30))
    assert before.period.last == date(2026, 11, 22)
    after = latest_due(WEEKLY, TOKYO, utc(2026, 11, 30, 1))
    assert after.period.last == date(2026, 11, 29)
    assert after.fires_at == utc(2026, 11, 30, 0)
