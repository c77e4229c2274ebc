"""The alert state machine (DESIGN §7): normal -> firing -> resolved, per (bot, metric, direction).

Pure: the caller passes ``now`` and the day's ``Evaluation``; ``step`` returns the next
``AlertRecord`` and what to post (nothing, a first message, a reminder, a resolution, or
just new numbers to store). An alert fires at ``score >= 1`` and resolves below
``RESOLVE_SCORE`` (hysteresis), re-notifies after 24 h only while still past the
threshold, at once when it gets worse, and resolves as "new normal" after
``REBASELINE_DAYS`` days past the threshold. Budget alerts are one record per stage
(``pace``, ``0.8``, ``1.0``) and month, and speak once a month.

Days are stepped in order, a re-fetched day before the next one: an evaluation of a day
older than the record's ``last_day`` changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeAlias

from slackbot.core.anomalies import RESOLVE_SCORE, Direction, Evaluation, Metric, Severity
from slackbot.core.formatting import day as day_text

Status: TypeAlias = Literal["firing", "resolved"]
State: TypeAlias = Literal["firing", "acknowledged", "snoozed", "resolved"]
Action: TypeAlias = Literal["none", "notify", "renotify", "resolve", "update"]
BudgetStage: TypeAlias = Literal["pace", "0.8", "1.0"]
Key: TypeAlias = tuple[str | None, Metric, Direction, BudgetStage | None]

#: Days past the threshold after which the level is the new normal (DESIGN §7).
REBASELINE_DAYS = 7
#: A firing alert that is no worse is repeated at most this often (daily data).
RENOTIFY_AFTER = timedelta(hours=24)
#: A score this many times the last notified one counts as worse: re-notify at once.
WORSE_FACTOR = 1.5
#: How the resolution of a rebaselined alert starts (the day follows).
NEW_NORMAL = "new normal since"

_STAGE_NAMES: dict[str, str] = {"pace": "pace", "0.8": "80%", "1.0": "100%"}
_DAY_FIELDS = ("since", "last_day", "rebaselined_on", "peak_day")
_TIME_FIELDS = ("notified_at", "acknowledged_at", "snoozed_until", "resolved_at")


class AlertStateError(ValueError):
    """A button asked for something the alert's state does not allow (e.g. it resolved)."""


@dataclass(frozen=True)
class AlertRecord:
    """One alert episode of a (bot, metric, direction), or a budget stage in a month."""

    bot_id: str | None  # None for the workspace-wide budget
    metric: Metric
    direction: Direction
    status: Status  # "normal" is no record, or a resolved one
    since: date  # first day of this episode (a budget's month is since's month)
    last_day: date  # last day evaluated
    value: float | None
    expected: float | None
    low: float | None
    high: float | None
    severity: Severity  # the latest evaluation's
    score: float  # the latest evaluation's
    peak_score: float  # the worst so far this episode
    firing_days: int  # days past the threshold this episode
    notified_at: datetime | None
    notified_score: float
    notified_severity: Severity | None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    snoozed_until: datetime | None = None
    worsened_while_snoozed: bool = False
    resolved_at: datetime | None = None
    resolution: str | None = None  # "recovered", "new normal since Mon 23 Nov", "month ended"
    rebaselined_on: date | None = None  # the day its level became the baseline
    stage: BudgetStage | None = None  # budget alerts only
    peak_value: float | None = None  # the value on the worst day so far (None: stored before)
    peak_day: date | None = None

    @property
    def key(self) -> Key:
        """``(bot_id, metric, direction, stage)``: one record per key at a time."""
        return (self.bot_id, self.metric, self.direction, self.stage)

    @property
    def label(self) -> str:
        """The alert as a sentence names it: ``cost (up) alert for bot-1``."""
        if self.metric == "budget":
            stage = _STAGE_NAMES.get(self.stage or "", self.stage or "?")
            return f"budget {stage} alert for {self.since:%b %Y}"
        return f"{self.metric} ({self.direction}) alert for {self.bot_id}"

    def snoozed_at(self, now: datetime) -> bool:
        """True while a snooze is running."""
        return self.snoozed_until is not None and self.snoozed_until > now

    def state_at(self, now: datetime) -> State:
        """The state DESIGN §2 names: a running snooze wins over an acknowledgement."""
        if self.status == "resolved":
            return "resolved"
        if self.snoozed_at(now):
            return "snoozed"
        return "acknowledged" if self.acknowledged_by is not None else "firing"

    def to_json(self) -> dict[str, Any]:
        """The record as JSON values (days and instants as ISO text)."""
        data = asdict(self)
        for name in (*_DAY_FIELDS, *_TIME_FIELDS):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertRecord:
        """A record back from ``to_json``'s output."""
        days = {n: date.fromisoformat(data[n]) for n in _DAY_FIELDS if data.get(n) is not None}
        times = {n: datetime.fromisoformat(data[n]) for n in _TIME_FIELDS if data.get(n)}
        return cls(**{**data, **days, **times})


@dataclass(frozen=True)
class Step:
    """What one evaluation did to an alert: the next record, what to post, and why."""

    record: AlertRecord | None
    action: Action
    reason: str
    rebaselined: bool = False  # the engine now takes the level as the baseline


def step(
    record: AlertRecord | None,
    evaluation: Evaluation,
    *,
    now: datetime,
    stage: BudgetStage | None = None,
) -> Step:
    """Move one alert on by one evaluation (``stage`` is required for budget alerts)."""
    _check_key(record, evaluation, stage)
    if record is not None and evaluation.day < record.last_day:
        return Step(record, "none", "older than the last day evaluated")
    if evaluation.metric == "budget":
        return _step_budget(record, evaluation, now=now, stage=stage)
    if record is None or record.status == "resolved":
        return _start(record, evaluation, now=now)
    if evaluation.score < RESOLVE_SCORE:
        resolved = _resolved(record, evaluation, now=now, resolution="recovered")
        return Step(resolved, "resolve", f"recovered below {RESOLVE_SCORE}")
    return _go_on(record, evaluation, now=now)


def acknowledge(record: AlertRecord, user: str, *, now: datetime) -> AlertRecord:
    """Mark a firing alert as taken by ``user`` (the first acknowledgement is kept)."""
    _refuse_resolved(record, "acknowledge")
    if record.acknowledged_by is not None:
        return record
    return replace(record, acknowledged_by=user, acknowledged_at=now)


def snooze(record: AlertRecord, until: datetime, *, now: datetime) -> AlertRecord:
    """Silence a firing alert until ``until`` (a later snooze replaces an earlier one)."""
    _refuse_resolved(record, "snooze")
    if until <= now:
        raise AlertStateError(f"The {record.label} cannot be snoozed into the past.")
    return replace(record, snoozed_until=until, worsened_while_snoozed=False)


@dataclass(frozen=True)
class Episode:
    """The days one alert of a metric spent firing, and the day they became the new normal.

    ``since`` and ``until`` are inclusive; ``rebaselined_on`` is the day the state machine
    resolved the alert as "new normal" (None when it recovered or still fires). Both
    directions of a metric count: a baseline is per (bot, metric).
    """

    metric: Metric
    since: date
    until: date
    rebaselined_on: date | None = None

    @classmethod
    def of(cls, record: AlertRecord) -> Episode:
        """The episode a record describes."""
        until = record.last_day
        if record.status == "resolved" and record.rebaselined_on is None:
            until -= timedelta(days=1)  # the day it recovered on was a normal day
        return cls(record.metric, record.since, until, record.rebaselined_on)


def excluded_days(
    episodes: Iterable[Episode], metric: Metric, *, first: date, last: date
) -> frozenset[date]:
    """The days of ``first..last`` that ``metric``'s baseline skips, given one bot's episodes.

    Days an alert was firing are skipped, so an anomaly does not become its own baseline.
    Once an episode is re-baselined (on or before ``last``: a replay never sees the future)
    its days are the new normal and stay in, while every day before its ``since`` is
    skipped: the old level no longer describes the metric, so the baseline restarts there.
    """
    mine = [e for e in episodes if e.metric == metric]
    settled = [e for e in mine if e.rebaselined_on is not None and e.rebaselined_on <= last]
    start = max((e.since for e in settled), default=first)
    skipped = set(_days(first, min(last, start - timedelta(days=1))))
    for episode in mine:
        if episode not in settled:
            skipped.update(_days(max(first, episode.since), min(last, episode.until)))
    return frozenset(skipped)


# --- transitions ------------------------------------------------------------------------


def _start(record: AlertRecord | None, evaluation: Evaluation, *, now: datetime) -> Step:
    """No open alert: a breach opens a new episode."""
    if record is not None and record.rebaselined_on == evaluation.day:
        # The day that became the new normal must not reopen the alert it closed.
        return Step(record, "none", "this day's level is the new normal")
    if not evaluation.firing:
        return Step(record, "none", "normal")
    return Step(_opened(evaluation, now=now, stage=None), "notify", "past the threshold")


def _go_on(record: AlertRecord, evaluation: Evaluation, *, now: datetime) -> Step:
    """A firing alert at or above RESOLVE_SCORE stays firing: rebaseline, remind or store."""
    new_day = evaluation.day > record.last_day
    updated = _read(record, evaluation, firing_days=_firing_days(record, evaluation))
    if updated.firing_days >= REBASELINE_DAYS:
        return _rebaselined(updated, now=now)
    worse = _worse(record, evaluation)
    if worse and record.snoozed_at(now):
        updated = replace(updated, worsened_while_snoozed=True)
    remind, reason = _remind(record, evaluation, now=now, new_day=new_day, worse=worse)
    if remind:
        notified = replace(
            updated,
            notified_at=now,
            notified_score=evaluation.score,
            notified_severity=evaluation.severity,
            worsened_while_snoozed=False,
        )
        return Step(notified, "renotify", reason)
    return Step(updated, "none" if updated == record else "update", reason)


def _rebaselined(record: AlertRecord, *, now: datetime) -> Step:
    """Past the threshold for REBASELINE_DAYS: resolve, and let the level be the baseline."""
    resolved = replace(
        record,
        status="resolved",
        resolved_at=now,
        resolution=f"{NEW_NORMAL} {day_text(record.since)}",
        rebaselined_on=record.last_day,
    )
    return Step(resolved, "resolve", f"{REBASELINE_DAYS} days firing", rebaselined=True)


def _remind(
    record: AlertRecord,
    evaluation: Evaluation,
    *,
    now: datetime,
    new_day: bool,
    worse: str | None,
) -> tuple[bool, str]:
    """Whether a firing alert gets a fresh message now, and why (not)."""
    if record.snoozed_at(now):
        return False, f"snoozed until {record.snoozed_until:%Y-%m-%d %H:%M}"
    if worse:
        return True, worse
    if record.acknowledged_by is not None:
        return False, "acknowledged and no worse"
    if not evaluation.firing:
        return False, "below the threshold but not resolved (hysteresis)"
    if not new_day:
        # A re-fetch of a day already reported is no reason to repeat it.
        return False, "same day re-evaluated"
    if record.notified_at is not None and now - record.notified_at < RENOTIFY_AFTER:
        return False, "notified less than 24 h ago"
    return True, "still firing after 24 h"


def _worse(record: AlertRecord, evaluation: Evaluation) -> str | None:
    """Why the evaluation is worse than what the last message said, or None."""
    if evaluation.severity == "critical" and record.notified_severity != "critical":
        return "worse: warning -> critical"
    if record.notified_score > 0 and evaluation.score >= WORSE_FACTOR * record.notified_score:
        return f"worse: score {evaluation.score:.2f} >= 1.5 x {record.notified_score:.2f}"
    return None


def _step_budget(
    record: AlertRecord | None,
    evaluation: Evaluation,
    *,
    now: datetime,
    stage: BudgetStage | None,
) -> Step:
    """A budget stage speaks once a month: it fires, then stores numbers till the month ends."""
    if record is not None and _month(record.since) == _month(evaluation.day):
        if record.status == "resolved":
            return Step(record, "none", "already alerted this month")
        updated = _read(record, evaluation, firing_days=_firing_days(record, evaluation))
        return Step(updated, "none" if updated == record else "update", "once a month")
    if record is not None and record.status == "firing":
        # Last month's message is closed first, even when the new month is already past
        # the stage: the next check (an hour later) opens the new month's alert.
        resolved = _resolved(record, evaluation, now=now, resolution="month ended")
        return Step(resolved, "resolve", "a new month started")
    if evaluation.firing:
        return Step(_opened(evaluation, now=now, stage=stage), "notify", "budget stage reached")
    return Step(record, "none", "normal")


# --- helpers ----------------------------------------------------------------------------


def _opened(evaluation: Evaluation, *, now: datetime, stage: BudgetStage | None) -> AlertRecord:
    """A new firing record from its first breach, notified now."""
    band = evaluation.band
    return AlertRecord(
        bot_id=evaluation.bot_id,
        metric=evaluation.metric,
        direction=evaluation.direction,
        status="firing",
        since=evaluation.day,
        last_day=evaluation.day,
        value=evaluation.value,
        expected=band.expected,
        low=band.low,
        high=band.high,
        severity=evaluation.severity,
        score=evaluation.score,
        peak_score=evaluation.score,
        peak_value=evaluation.value,
        peak_day=evaluation.day,
        firing_days=1,
        notified_at=now,
        notified_score=evaluation.score,
        notified_severity=evaluation.severity,
        stage=stage,
    )


def _read(record: AlertRecord, evaluation: Evaluation, *, firing_days: int) -> AlertRecord:
    """The record carrying the evaluation's numbers."""
    band = evaluation.band
    return replace(
        record,
        last_day=evaluation.day,
        value=evaluation.value,
        expected=band.expected,
        low=band.low,
        high=band.high,
        severity=evaluation.severity,
        score=evaluation.score,
        firing_days=firing_days,
        **_peak(record, evaluation),
    )


def _peak(record: AlertRecord, evaluation: Evaluation) -> dict[str, Any]:
    """The peak fields once ``evaluation`` is in: its own when it is the worst so far."""
    if evaluation.score > record.peak_score:
        return {
            "peak_score": evaluation.score,
            "peak_value": evaluation.value,
            "peak_day": evaluation.day,
        }
    return {}


def _resolved(
    record: AlertRecord, evaluation: Evaluation, *, now: datetime, resolution: str
) -> AlertRecord:
    """The record closed by ``evaluation``."""
    updated = _read(record, evaluation, firing_days=_firing_days(record, evaluation))
    return replace(updated, status="resolved", resolved_at=now, resolution=resolution)


def _firing_days(record: AlertRecord, evaluation: Evaluation) -> int:
    """Days past the threshold once ``evaluation`` is in, a re-fetched day counted once."""
    # The record's score is its last_day's: a re-fetch replaces that day's count.
    counted = evaluation.day == record.last_day and record.score >= 1.0
    return record.firing_days + int(evaluation.firing) - int(counted)


def _check_key(record: AlertRecord | None, evaluation: Evaluation, stage: str | None) -> None:
    """Refuse to mix alerts up: the evaluation must be the record's (a programming error)."""
    if (evaluation.metric == "budget") != (stage is not None):
        raise ValueError("a budget evaluation needs its stage ('pace', '0.8', '1.0'); others none")
    key = (evaluation.bot_id, evaluation.metric, evaluation.direction, stage)
    if record is not None and record.key != key:
        raise ValueError(f"evaluation {key} does not belong to the {record.label}")


def _refuse_resolved(record: AlertRecord, verb: str) -> None:
    """A resolved alert has nothing left to act on; say so, naming it."""
    if record.status == "resolved":
        raise AlertStateError(
            f"The {record.label} is already resolved: there is nothing to {verb}."
        )


def _month(value: date) -> tuple[int, int]:
    """The (year, month) a day belongs to."""
    return (value.year, value.month)


def _days(first: date, last: date) -> Iterable[date]:
    """Every day of ``first..last`` (none when last < first)."""
    return (first + timedelta(days=n) for n in range((last - first).days + 1))
