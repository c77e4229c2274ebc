"""The alert state machine (DESIGN §7): transitions, hysteresis, re-notify, snooze, rebaseline."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from slackbot.core.alert_states import (
    AlertRecord,
    AlertStateError,
    BudgetStage,
    Episode,
    Step,
    acknowledge,
    excluded_days,
    snooze,
    step,
)
from slackbot.core.anomalies import Band, Evaluation, Metric

FIRST = date(2026, 11, 23)  # a Monday
T0 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # the morning check after FIRST
BAND = Band(expected=10.0, low=5.0, high=15.0, method="same-weekday", history_days=35)


def ev(
    offset: int,
    score: float,
    *,
    metric: Metric = "cost",
    bot: str | None = "bot-1",
    day: date = FIRST,
) -> Evaluation:
    """An evaluation of ``day + offset`` days with ``score`` (value 10 x score)."""
    return Evaluation(bot, metric, "up", day + timedelta(days=offset), 10.0 * score, BAND, score)


def hours(n: float) -> datetime:
    """``n`` hours after the first check."""
    return T0 + timedelta(hours=n)


def run(
    moves: Sequence[tuple[int, float, float]], record: AlertRecord | None = None
) -> tuple[list[str], AlertRecord | None]:
    """Step (day offset, score, hours after T0) in order: the actions and the last record."""
    actions: list[str] = []
    for offset, score, at in moves:
        result = step(record, ev(offset, score), now=hours(at))
        actions.append(result.action)
        record = result.record
    return actions, record


def fired(score: float = 1.2) -> AlertRecord:
    """A cost alert notified on FIRST at T0."""
    record = step(None, ev(0, score), now=T0).record
    assert record is not None
    return record


@pytest.mark.parametrize(
    ("moves", "actions", "status"),
    [
        pytest.param([(0, 0.3, 0)], ["none"], None, id="normal-day-no-record"),
        pytest.param([(0, 1.2, 0), (0, 1.2, 1)], ["notify", "none"], "firing", id="notify-once"),
        pytest.param(
            [(0, 1.2, 0), (1, 0.7, 24), (2, 0.5, 48)],
            ["notify", "update", "update"],
            "firing",
            id="hysteresis-0.5-to-1-stays-firing",
        ),
        pytest.param(
            [(0, 1.2, 0), (1, 0.49, 24)], ["notify", "resolve"], "resolved", id="resolve-below-0.5"
        ),
        pytest.param(
            [(0, 1.2, 0), (1, 1.2, 24)], ["notify", "renotify"], "firing", id="renotify-at-24h"
        ),
        pytest.param(
            [(0, 1.2, 0), (1, 0.8, 30)],
            ["notify", "update"],
            "firing",
            id="no-renotify-at-24h-below-threshold",
        ),
        pytest.param(
            [(0, 1.2, 0), (1, 1.3, 20)], ["notify", "update"], "firing", id="no-renotify-before-24h"
        ),
        pytest.param(
            [(0, 1.2, 0), (1, 2.1, 20)],
            ["notify", "renotify"],
            "firing",
            id="warning-to-critical-at-once",
        ),
        pytest.param(
            [(0, 1.2, 0), (1, 1.8, 20)], ["notify", "renotify"], "firing", id="1.5x-score-at-once"
        ),
        pytest.param(
            [(0, 1.2, 0), (1, 1.7, 20)], ["notify", "update"], "firing", id="1.4x-score-waits"
        ),
        pytest.param(
            [(0, 1.2, 0), (1, 1.2, 24), (2, 1.2, 30), (3, 1.2, 48)],
            ["notify", "renotify", "update", "renotify"],
            "firing",
            id="24h-counts-from-the-last-message",
        ),
        pytest.param(
            [(0, 1.2, 0), (1, 0.2, 24), (2, 1.1, 48)],
            ["notify", "resolve", "notify"],
            "firing",
            id="fires-again-after-resolving",
        ),
    ],
)
def test_transitions(
    moves: list[tuple[int, float, float]], actions: list[str], status: str | None
) -> None:
    """Each run of evaluations posts exactly the expected messages and ends in the state."""
    got, record = run(moves)
    assert got == actions
    assert (record.status if record else None) == status


def test_new_alert_record() -> None:
    """A first breach opens an episode that remembers what was notified."""
    record = fired(2.5)
    assert (record.since, record.last_day, record.firing_days) == (FIRST, FIRST, 1)
    assert (record.value, record.expected, record.low, record.high) == (25.0, 10.0, 5.0, 15.0)
    assert (record.severity, record.notified_severity, record.notified_at) == (
        "critical",
        "critical",
        T0,
    )
    assert record.key == ("bot-1", "cost", "up", None)
    assert record.state_at(T0) == "firing"


def test_resolving_records_when_and_why() -> None:
    """A resolve stores the recovering day's numbers, the time, and "recovered"."""
    result = step(fired(), ev(1, 0.3), now=hours(24))
    assert result.record is not None
    assert (result.record.status, result.record.resolution) == ("resolved", "recovered")
    assert (result.record.resolved_at, result.record.score) == (hours(24), 0.3)
    assert not result.rebaselined
    assert result.record.state_at(hours(25)) == "resolved"


def test_hysteresis_keeps_the_peak_and_the_days() -> None:
    """Days between 0.5 and 1 update the numbers without counting as days past the threshold."""
    _, record = run([(0, 1.2, 0), (1, 3.0, 24), (2, 0.7, 48)])
    assert record is not None
    assert (record.score, record.peak_score, record.firing_days) == (0.7, 3.0, 2)


def test_acknowledged_alert_renotifies_only_when_worse() -> None:
    """An acknowledged alert stays quiet at 24 h and speaks again once it gets worse."""
    taken = acknowledge(fired(), "U1", now=hours(1))
    assert taken.state_at(hours(1)) == "acknowledged"
    actions, record = run([(1, 1.3, 30), (2, 2.2, 50), (3, 2.3, 80)], taken)
    assert actions == ["update", "renotify", "update"]
    assert record is not None
    assert record.acknowledged_by == "U1"
    assert (record.notified_score, record.notified_severity) == (2.2, "critical")


def test_acknowledge_keeps_the_first_taker() -> None:
    """A second Acknowledge leaves the first user's name and time."""
    first = acknowledge(fired(), "U1", now=hours(1))
    assert acknowledge(first, "U2", now=hours(2)) == first
    assert (first.acknowledged_by, first.acknowledged_at) == ("U1", hours(1))


def test_snoozed_alert_that_worsens_stays_quiet_and_records_it() -> None:
    """A snooze silences even a worse alert, notes it, and the alert speaks after it ends."""
    snoozed = snooze(fired(), hours(24 * 7), now=hours(1))
    actions, record = run([(1, 1.2, 24), (2, 3.0, 48)], snoozed)
    assert actions == ["update", "update"]
    assert record is not None
    assert record.worsened_while_snoozed
    assert record.state_at(hours(48)) == "snoozed"
    assert record.state_at(hours(24 * 7)) == "firing"
    after = step(record, ev(7, 1.2), now=hours(24 * 7 + 1))
    assert after.action == "renotify"
    assert after.record is not None
    assert not after.record.worsened_while_snoozed


def test_snooze_wins_over_acknowledge_while_it_runs() -> None:
    """Acknowledged and snoozed shows "snoozed" until the snooze ends, then "acknowledged"."""
    record = snooze(acknowledge(fired(), "U1", now=hours(1)), hours(24), now=hours(1))
    assert [record.state_at(hours(h)) for h in (2, 24, 25)] == [
        "snoozed",
        "acknowledged",
        "acknowledged",
    ]


def test_seven_days_firing_is_the_new_normal() -> None:
    """Seven days past the threshold (hysteresis days aside) resolve as "new normal since"."""
    moves = [(0, 1.2, 0), (1, 1.2, 24), (2, 0.8, 48)]
    moves += [(n, 1.3, 24 * n) for n in range(3, 8)]
    actions, record = run(moves)
    assert actions[-1] == "resolve"
    assert "resolve" not in actions[:-1]
    assert record is not None
    assert record.resolution == "new normal since Mon 23 Nov"
    assert (record.status, record.firing_days, record.rebaselined_on) == (
        "resolved",
        7,
        FIRST + timedelta(days=7),
    )
    last = step(record, ev(7, 1.3), now=hours(24 * 7 + 2))
    assert last.action == "none"  # the re-baselined day does not reopen the alert


def test_rebaseline_step_says_so() -> None:
    """The step that re-baselines carries ``rebaselined`` for the engine."""
    _, record = run([(n, 1.2, 24 * n) for n in range(6)])
    result = step(record, ev(6, 1.2), now=hours(24 * 6))
    assert (result.action, result.rebaselined) == ("resolve", True)


def test_same_day_twice_is_idempotent() -> None:
    """Stepping the same evaluation again changes nothing and posts nothing."""
    for moves in ([(0, 1.2, 0)], [(0, 1.2, 0), (1, 1.2, 24)], [(0, 1.2, 0), (1, 0.3, 24)]):
        _, record = run(moves)
        offset, score, at = moves[-1]
        again = step(record, ev(offset, score), now=hours(at + 1))
        assert again == Step(record, "none", again.reason)


def test_late_data_refetch_counts_the_day_once() -> None:
    """A re-fetched day replaces its numbers: days past the threshold count it once."""
    _, record = run([(0, 1.2, 0), (1, 1.2, 24)])
    assert record is not None
    higher = step(record, ev(1, 1.4), now=hours(30))
    assert higher.action == "update"
    assert higher.record is not None
    assert (higher.record.firing_days, higher.record.value) == (2, 14.0)
    dipped = step(record, ev(1, 0.8), now=hours(30))
    assert dipped.record is not None
    assert (dipped.action, dipped.record.firing_days) == ("update", 1)


def test_late_data_refetch_can_resolve() -> None:
    """A re-fetched day that drops below 0.5 resolves the alert."""
    result = step(fired(), ev(0, 0.4), now=hours(5))
    assert result.action == "resolve"
    assert result.record is not None
    assert result.record.resolution == "recovered"


def test_late_data_refetch_worse_renotifies_but_not_on_the_timer() -> None:
    """A re-fetched day speaks again only if worse: the 24 h timer is for new days."""
    assert step(fired(), ev(0, 1.3), now=hours(25)).action == "update"
    assert step(fired(), ev(0, 2.5), now=hours(2)).action == "renotify"


def test_an_older_day_changes_nothing() -> None:
    """An evaluation of a day before the last one evaluated is ignored."""
    _, record = run([(0, 1.2, 0), (1, 1.2, 24)])
    assert step(record, ev(0, 0.1), now=hours(30)) == Step(
        record, "none", "older than the last day evaluated"
    )


def test_resolved_alert_refuses_acknowledge_and_snooze() -> None:
    """Acknowledge or Snooze on a resolved alert raise an error that names it."""
    record = step(fired(), ev(1, 0.2), now=hours(24)).record
    assert record is not None
    with pytest.raises(AlertStateError, match=r"cost \(up\) alert for bot-1 is already resolved"):
        acknowledge(record, "U1", now=hours(25))
    with pytest.raises(AlertStateError, match=r"cost \(up\) alert for bot-1 is already resolved"):
        snooze(record, hours(48), now=hours(25))


def test_snooze_into_the_past_is_refused() -> None:
    """A snooze must end after now."""
    with pytest.raises(AlertStateError, match="into the past"):
        snooze(fired(), T0, now=hours(1))


def test_mismatched_evaluation_is_a_programming_error() -> None:
    """An evaluation of another metric, or a budget without a stage, raises ValueError."""
    with pytest.raises(ValueError, match="does not belong"):
        step(fired(), ev(1, 1.2, metric="sessions"), now=hours(24))
    with pytest.raises(ValueError, match="stage"):
        step(None, ev(0, 1.2, metric="budget", bot=None), now=T0)
    with pytest.raises(ValueError, match="stage"):
        step(None, ev(0, 1.2), now=T0, stage="0.8")


# --- budget ------------------------------------------------------------------------------

NOV = date(2026, 11, 1)


def budget(
    moves: list[tuple[int, float]], stage: BudgetStage = "0.8"
) -> tuple[list[str], AlertRecord | None]:
    """Step a budget stage through (days after 1 Nov, score), each checked at 07:00 that day+1."""
    record: AlertRecord | None = None
    actions: list[str] = []
    for offset, score in moves:
        evaluation = ev(offset, score, metric="budget", bot=None, day=NOV)
        now = datetime.combine(evaluation.day + timedelta(days=1), T0.timetz())
        result = step(record, evaluation, now=now, stage=stage)
        actions.append(result.action)
        record = result.record
    return actions, record


def test_budget_stage_notifies_once_a_month() -> None:
    """A budget stage fires once, never repeats or re-baselines that month; a new month is new."""
    days = [(9, 1.2), (10, 2.5), *[(n, 1.3) for n in range(11, 25)]]
    actions, record = budget(days)
    assert actions == ["notify", *["update"] * (len(days) - 1)]
    assert record is not None
    assert (record.status, record.key, record.since) == (
        "firing",
        (None, "budget", "up", "0.8"),
        NOV + timedelta(days=9),
    )
    assert record.label == "budget 80% alert for Nov 2026"
    actions, record = budget([*days, (30, 0.0), (34, 1.1)])
    assert actions[-2:] == ["resolve", "notify"]
    assert record is not None
    assert record.since == date(2026, 12, 5)


def test_a_month_that_starts_past_the_stage_closes_last_months_alert_first() -> None:
    """Still over in the new month: last month's message is resolved, the next check notifies."""
    days = [(9, 1.2), (29, 1.5), (30, 1.4), (30, 1.4)]  # 30 Nov, 1 Dec twice
    actions, record = budget(days)
    assert actions == ["notify", "update", "resolve", "notify"]
    assert record is not None
    assert (record.status, record.since) == ("firing", date(2026, 12, 1))


def test_budget_month_ends_quietly_when_never_fired() -> None:
    """A stage that never fired stays without a record."""
    assert budget([(3, 0.2), (40, 0.3)]) == (["none", "none"], None)


def test_budget_stages_are_separate_records() -> None:
    """The 80% and 100% stages each fire once: their keys differ."""
    _, eighty = budget([(9, 1.2)], "0.8")
    _, full = budget([(9, 1.2)], "1.0")
    assert eighty is not None
    assert full is not None
    assert eighty.key != full.key
    with pytest.raises(ValueError, match="does not belong"):
        step(eighty, ev(10, 1.2, metric="budget", bot=None, day=NOV), now=T0, stage="1.0")


# --- baselines ---------------------------------------------------------------------------


def d(n: int) -> date:
    """FIRST + n days."""
    return FIRST + timedelta(days=n)


def span(a: int, b: int) -> set[date]:
    """The days d(a)..d(b)."""
    return {d(n) for n in range(a, b + 1)}


@pytest.mark.parametrize(
    ("episodes", "last", "skipped"),
    [
        pytest.param([], 20, set(), id="nothing-fired"),
        pytest.param([Episode("cost", d(3), d(5))], 20, span(3, 5), id="firing-days-skipped"),
        pytest.param([Episode("sessions", d(3), d(5))], 20, set(), id="other-metric-ignored"),
        pytest.param([Episode("cost", d(-5), d(2))], 20, span(0, 2), id="clipped-to-window"),
        pytest.param(
            [Episode("cost", d(3), d(9), rebaselined_on=d(9))],
            20,
            span(0, 2),
            id="rebaselined-level-feeds-baseline",
        ),
        pytest.param(
            [Episode("cost", d(3), d(9), rebaselined_on=d(9))],
            7,
            span(3, 7),
            id="rebaseline-not-yet-known",
        ),
        pytest.param(
            [Episode("cost", d(3), d(9), rebaselined_on=d(9)), Episode("cost", d(14), d(15))],
            20,
            span(0, 2) | span(14, 15),
            id="later-alert-after-new-normal",
        ),
    ],
)
def test_excluded_days(episodes: list[Episode], last: int, skipped: set[date]) -> None:
    """Firing days stay out of baselines; after a re-baseline the new level is the baseline."""
    assert excluded_days(episodes, "cost", first=d(0), last=d(last)) == skipped


def test_episode_of_records() -> None:
    """A recovered alert's last day was normal; a firing or re-baselined one's was not."""
    _, recovered = run([(0, 1.2, 0), (1, 1.2, 24), (2, 0.3, 48)])
    _, firing = run([(0, 1.2, 0), (1, 0.7, 24)])
    _, rebased = run([(n, 1.2, 24 * n) for n in range(7)])
    assert recovered is not None
    assert firing is not None
    assert rebased is not None
    assert Episode.of(recovered) == Episode("cost", d(0), d(1))
    assert Episode.of(firing) == Episode("cost", d(0), d(1))
    assert Episode.of(rebased) == Episode("cost", d(0), d(6), rebaselined_on=d(6))


def test_record_json_round_trip() -> None:
    """A record survives json.dumps and loads through to_json and from_json."""
    record = snooze(acknowledge(fired(), "U1", now=hours(1)), hours(30), now=hours(1))
    record = dataclasses.replace(record, rebaselined_on=d(6), stage=None)
    text = json.dumps(record.to_json())
    assert AlertRecord.from_json(json.loads(text)) == record


def test_the_peak_is_the_worst_day_not_the_last() -> None:
    """Fired at 12, peaked at 30 on day 2, resolved at 4: the record keeps 30 and day 2."""
    actions, record = run([(0, 1.2, 0), (1, 3.0, 24), (2, 2.0, 48), (3, 0.4, 72)])
    assert actions[-1] == "resolve"
    assert record is not None
    assert (record.value, record.peak_value, record.peak_day) == (4.0, 30.0, FIRST + timedelta(1))
    assert AlertRecord.from_json(json.loads(json.dumps(record.to_json()))) == record
