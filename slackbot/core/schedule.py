"""When a digest falls due, and which settled UTC days it covers (DESIGN §6). Pure.

A schedule fires at a local time T (``BOTSTATS_TIMEZONE``) on local date L. The run covers
UTC day L-1 (daily) or the UTC week, Monday to Sunday, ending on or before L-1 (weekly),
and posts at the later of T and one hour after its last UTC day closed (late data), so a
zone ahead of UTC waits for the week to close. A local time that a DST change skips fires
at the next valid minute; a repeated one fires once (its first occurrence).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, TypeAlias
from zoneinfo import ZoneInfo

from slackbot.core.periods import Period

Cadence: TypeAlias = Literal["daily", "weekly"]
Decision: TypeAlias = Literal["post", "skip", "wait"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
DEFAULT_AT = (9, 0)
#: A day's data is settled this long after it closes (Botpress posts late buckets).
SETTLE = timedelta(hours=1)
#: How long after its effective due time a missed run is still posted.
CATCH_UP = timedelta(hours=24)
_ONE_DAY = timedelta(days=1)
#: Longest DST gap searched for the next valid minute (real gaps are 30 or 60 minutes).
_MAX_GAP_MINUTES = 3 * 60


@dataclass(frozen=True)
class Schedule:
    """A digest's cadence and local time; ``weekday`` (0 = Monday) only for weekly ones."""

    cadence: Cadence
    hour: int = DEFAULT_AT[0]
    minute: int = DEFAULT_AT[1]
    weekday: int = 0

    @classmethod
    def of(cls, cadence: Cadence, at: str | None = None, weekday: str | None = None) -> Schedule:
        """A schedule from stored text: ``at`` "HH:MM" (None: 09:00), ``weekday`` mon..sun."""
        hour, minute = DEFAULT_AT
        if at:
            hours, _, minutes = at.partition(":")
            hour, minute = int(hours), int(minutes)
        day = WEEKDAYS.index(weekday) if weekday else 0
        return cls(cadence, hour, minute, day)

    @property
    def at(self) -> str:
        """The local time of day as ``HH:MM``."""
        return f"{self.hour:02d}:{self.minute:02d}"

    def describe(self, tz: ZoneInfo) -> str:
        """People's words, e.g. ``Mondays at 09:00 Europe/Paris`` or ``daily at 08:30 UTC``."""
        when = "daily" if self.cadence == "daily" else _NAMES[self.weekday]
        return f"{when} at {self.at} {tz.key}"

    def fires_on(self, local_day: date) -> bool:
        """True when the schedule fires on ``local_day``."""
        return self.cadence == "daily" or local_day.weekday() == self.weekday


@dataclass(frozen=True)
class DueRun:
    """One scheduled digest: the days it covers, when it fires and when it may post."""

    period: Period
    fires_at: datetime  # the schedule's local time, as an aware UTC datetime
    due_at: datetime  # the later of fires_at and one hour after the period closed


def local_moment(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    """``day`` at ``hour:minute`` in ``tz`` as UTC; a skipped time moves to the next valid one."""
    wanted = datetime.combine(day, time(hour, minute))
    for shift in range(_MAX_GAP_MINUTES + 1):
        naive = wanted + timedelta(minutes=shift)
        # fold=0 picks the first of a repeated time, so it fires once.
        aware = naive.replace(tzinfo=tz, fold=0)
        if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
            return aware.astimezone(UTC)
    raise ValueError(f"no valid local time near {wanted} in {tz.key}")  # pragma: no cover


def covered_period(cadence: Cadence, local_day: date) -> Period:
    """The settled UTC days a digest fired on ``local_day`` covers."""
    return _day_before(local_day) if cadence == "daily" else _week_before(local_day)


def _day_before(local_day: date) -> Period:
    """UTC day L-1, labelled as a single day so it compares with the same weekday."""
    last = local_day - _ONE_DAY
    return Period(last, last, last.isoformat())


def _week_before(local_day: date) -> Period:
    """The Monday-to-Sunday UTC week ending on or before L-1, labelled as a range."""
    last = local_day - _ONE_DAY
    sunday = last - timedelta(days=(last.weekday() + 1) % 7)
    first = sunday - timedelta(days=6)
    return Period(first, sunday, f"{first.isoformat()}..{sunday.isoformat()}")


def settled_at(period: Period) -> datetime:
    """When the last day of ``period`` is settled: one hour after it closed (UTC)."""
    closed = datetime.combine(period.last + _ONE_DAY, time(0), tzinfo=UTC)
    return closed + SETTLE


def run_on(schedule: Schedule, local_day: date, tz: ZoneInfo) -> DueRun:
    """The run a schedule fires on ``local_day`` (which must be one it fires on)."""
    fires = local_moment(local_day, schedule.hour, schedule.minute, tz)
    period = covered_period(schedule.cadence, local_day)
    return DueRun(period, fires, max(fires, settled_at(period)))


def _runs_around(schedule: Schedule, tz: ZoneInfo, now: datetime) -> list[DueRun]:
    """The runs fired on the local days from 9 days before ``now`` to 9 days after."""
    today = now.astimezone(tz).date()
    days = (today + timedelta(days=offset) for offset in range(-9, 10))
    return [run_on(schedule, day, tz) for day in days if schedule.fires_on(day)]


def latest_due(schedule: Schedule, tz: ZoneInfo, now: datetime) -> DueRun:
    """The newest run whose effective due time is at or before ``now``.

    There always is one: every schedule fires at least weekly, and the search looks nine
    days back.
    """
    due = [run for run in _runs_around(schedule, tz, now) if run.due_at <= now]
    return max(due, key=lambda run: run.due_at)


def next_due(schedule: Schedule, tz: ZoneInfo, now: datetime) -> DueRun:
    """The first run whose effective due time is after ``now``."""
    return min(
        (run for run in _runs_around(schedule, tz, now) if run.due_at > now),
        key=lambda run: run.due_at,
    )


def decide(run: DueRun, *, now: datetime, since: datetime) -> Decision:
    """Post a due run, skip one missed past the catch-up window, or wait (not ours to post).

    ``since``: when the subscription (or its current schedule) was made; a run that fell
    due before it is not this subscription's to post.
    """
    if run.due_at < since or run.due_at > now:
        return "wait"
    return "post" if now - run.due_at <= CATCH_UP else "skip"


def period_key(period: Period) -> str:
    """The period part of a run key: ``2026-11-30`` or ``2026-11-23..2026-11-29``."""
    if period.first == period.last:
        return period.first.isoformat()
    return f"{period.first.isoformat()}..{period.last.isoformat()}"


def run_key(kind: str, channel: str, target: str, period: Period) -> str:
    """A delivery's run key, ``kind:channel:bot:period`` (DESIGN §6)."""
    return f"{kind}:{channel}:{target}:{period_key(period)}"


def last_settled_week(now: datetime) -> Period:
    """The newest UTC week (Monday to Sunday) whose last day is settled at ``now``."""
    return _last_settled(_week_before, now)


def last_settled_day(now: datetime) -> Period:
    """The newest UTC day that is settled at ``now``."""
    return _last_settled(_day_before, now)


def _last_settled(before: Callable[[date], Period], now: datetime) -> Period:
    """The newest period ``before`` gives that is settled at ``now`` (one step back if not)."""
    utc = now.astimezone(UTC)
    period = before(utc.date())
    return before(period.first) if settled_at(period) > utc else period
