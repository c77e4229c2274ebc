"""Detectors (DESIGN §7): each fires on its anomaly and stays quiet on normal, small or bad data."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import pytest
from scipy.stats import binom, binomtest  # type: ignore[import-untyped]

from slackbot.core.anomalies import Band, Direction, Evaluation, Metric, Sensitivity, Thresholds
from slackbot.core.baselines import stricter
from slackbot.core.detectors import (
    PACE,
    evaluate_budget,
    evaluate_day,
    evaluate_intraday,
    p_value,
    wilson,
)
from slackbot.core.detectors.context import Context, finite
from slackbot.core.digest import MonthSpend
from slackbot.core.models import Metrics

MONDAY = date(2026, 3, 2)
SATURDAY = date(2026, 2, 28)
T = Thresholds()
#: A small day-to-day wobble with a 5-day period, so the same weekday differs week to week.
WOBBLE = (1.0, 1.04, 0.97, 1.02, 0.96)


def day_metrics(
    day: date,
    *,
    traffic: float = 1.0,
    calls: int | None = None,
    cost_per_call: float = 0.02,
    error_rate: float = 0.03,
    errors: int | None = None,
    latency: float = 1200.0,
    sessions: int | None = None,
) -> Metrics:
    """One day of a bot with weekly seasonality: 200 calls on weekdays, 80 on weekends."""
    wobble = WOBBLE[day.toordinal() % len(WOBBLE)]
    n = round((200 if day.weekday() < 5 else 80) * wobble * traffic) if calls is None else calls
    s = round(n / 2) if sessions is None else sessions
    cost = n * cost_per_call
    return Metrics(
        days=1,
        sessions=s,
        user_messages=3 * s,
        llm_calls=n,
        llm_errors=round(n * error_rate) if errors is None else errors,
        cost_sum=cost,
        call_cost_sum=cost if n else 0.0,
        latency_sum=latency * n,
    )


def history(day: date = MONDAY, *, days: int = 42, **normal: Any) -> dict[date, Metrics]:
    """``days`` normal closed days before ``day`` (``normal``: day_metrics overrides)."""
    return {
        d: day_metrics(d, **normal) for d in (day - timedelta(days=i) for i in range(1, days + 1))
    }


def pick(evaluations: list[Evaluation], metric: Metric, direction: Direction) -> Evaluation:
    """The one evaluation of ``metric`` in ``direction``."""
    (found,) = [e for e in evaluations if (e.metric, e.direction) == (metric, direction)]
    return found


def judge(
    metric: Metric,
    direction: Direction,
    today: Metrics | None,
    *,
    day: date = MONDAY,
    past: Mapping[date, Metrics] | None = None,
    thresholds: Thresholds = T,
    excluded: Mapping[Metric, list[date]] | None = None,
) -> Evaluation:
    """Evaluate ``day`` holding ``today`` (None: no record) after ``past`` (default: normal)."""
    days = dict(history(day) if past is None else past)
    if today is not None:
        days[day] = today
    result = evaluate_day("bot-1", days, day, thresholds=thresholds, excluded=excluded)
    return pick(result, metric, direction)


# --- cost -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "past", "fires"),
    [
        pytest.param(day_metrics(MONDAY, cost_per_call=0.06), None, True, id="cost-x3"),
        pytest.param(day_metrics(MONDAY, traffic=3), None, True, id="traffic-x3-costs-x3"),
        pytest.param(day_metrics(MONDAY), None, False, id="normal"),
        pytest.param(day_metrics(MONDAY, cost_per_call=0.026), None, False, id="plus-30pct"),
        pytest.param(
            day_metrics(MONDAY, cost_per_call=0.00475),
            history(cost_per_call=0.001),
            False,
            id="x4.75-under-the-floor",
        ),
        pytest.param(
            day_metrics(MONDAY, cost_per_call=0.025),
            history(cost_per_call=0.001),
            True,
            id="from-pennies-to-5-dollars",
        ),
        pytest.param(day_metrics(MONDAY, calls=0), None, False, id="zero-calls"),
    ],
)
def test_cost(today: Metrics, past: dict[date, Metrics] | None, fires: bool) -> None:
    """Daily cost fires on a log-scale breach above the cost floor."""
    evaluation = judge("cost", "up", today, past=past)
    assert evaluation.firing is fires
    assert evaluation.band.method == "same-weekday"


def test_cost_band_is_reported_in_dollars() -> None:
    """The cost band's expected value is the same-weekday median in dollars."""
    evaluation = judge("cost", "up", day_metrics(MONDAY, cost_per_call=0.06))
    assert evaluation.band.expected == pytest.approx(4.0, rel=0.05)
    assert evaluation.change == pytest.approx(2.0, rel=0.1)  # +200%


# --- cost per call ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "past", "fires"),
    [
        pytest.param(day_metrics(MONDAY, cost_per_call=0.05), None, True, id="x2.5-flat-calls"),
        pytest.param(day_metrics(MONDAY, traffic=3), None, False, id="traffic-x3-same-price"),
        pytest.param(day_metrics(MONDAY, cost_per_call=0.03), None, False, id="x1.5-under-ratio"),
        pytest.param(
            day_metrics(MONDAY, calls=20, cost_per_call=0.1), None, False, id="x5-on-20-calls"
        ),
        pytest.param(
            day_metrics(MONDAY, cost_per_call=0.0025),
            history(cost_per_call=0.001),
            False,
            id="x2.5-under-the-floor",
        ),
        pytest.param(day_metrics(MONDAY, calls=0), None, False, id="zero-calls"),
    ],
)
def test_cost_per_call(today: Metrics, past: dict[date, Metrics] | None, fires: bool) -> None:
    """Cost per call fires when each call got dearer, not when there were more calls."""
    assert judge("cost_per_call", "up", today, past=past).firing is fires


def test_cost_per_call_baseline_needs_volume() -> None:
    """Baseline days under min_calls do not count: a bot of 10 calls a day has no band."""
    past = history(calls=10)
    evaluation = judge("cost_per_call", "up", day_metrics(MONDAY, cost_per_call=0.2), past=past)
    assert evaluation.band.expected is None
    assert evaluation.score == 0.0


# --- error rate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "past", "fires"),
    [
        pytest.param(
            day_metrics(MONDAY, calls=200, error_rate=0.09), None, True, id="x3-at-200-calls"
        ),
        pytest.param(
            day_metrics(MONDAY, calls=200, error_rate=0.15), None, True, id="x5-at-200-calls"
        ),
        pytest.param(day_metrics(MONDAY, traffic=2, error_rate=0.09), None, True, id="x3-at-400"),
        pytest.param(day_metrics(MONDAY), None, False, id="normal"),
        pytest.param(day_metrics(MONDAY, error_rate=0.045), None, False, id="x1.5"),
        pytest.param(day_metrics(MONDAY, calls=10, errors=5), None, False, id="5-of-10-calls"),
        pytest.param(
            day_metrics(MONDAY, calls=40, errors=4),
            history(error_rate=0.005),
            False,
            id="4-errors-under-min-errors",
        ),
        pytest.param(day_metrics(MONDAY, calls=0), None, False, id="zero-calls"),
        pytest.param(day_metrics(MONDAY, calls=200, errors=260), None, False, id="suspect"),
        pytest.param(
            day_metrics(MONDAY, error_rate=0.05),
            history(error_rate=0.02),
            False,
            id="x2.5-from-2pct-not-significant",
        ),
    ],
)
def test_error_rate(today: Metrics, past: dict[date, Metrics] | None, fires: bool) -> None:
    """Error rate fires only with volume, effect (x2 and +1 point) and p < alpha."""
    assert judge("error_rate", "up", today, past=past).firing is fires


def test_error_rate_detail_says_why() -> None:
    """A firing error rate carries calls, errors, rate, p0, its Wilson interval and p-value."""
    evaluation = judge("error_rate", "up", day_metrics(MONDAY, calls=200, error_rate=0.15))
    d = evaluation.detail
    assert (d["calls"], d["errors"]) == (200, 30)
    assert d["rate"] == evaluation.value == pytest.approx(0.15)
    assert d["p0"] == evaluation.band.expected == pytest.approx(0.03, rel=0.1)
    assert d["ci_low"] < d["rate"] < d["ci_high"]
    assert d["p_value"] == pytest.approx(binom.sf(29, 200, d["p0"]))
    assert evaluation.band.method == "binomial"
    assert evaluation.severity == "critical"


def test_suspect_day_is_not_alerted() -> None:
    """More errors than calls on the day: error rate score 0, flagged as suspect."""
    evaluation = judge("error_rate", "up", day_metrics(MONDAY, calls=200, errors=260))
    assert evaluation.score == 0.0
    assert evaluation.detail["suspect"] == 1.0
    assert evaluation.value == 1.0  # capped, as everywhere


def test_suspect_days_stay_out_of_every_baseline() -> None:
    """Days with errors > calls feed no baseline: neither the pooled rate nor the counts."""
    past = history()
    for weeks in (1, 2, 3):
        day = MONDAY - timedelta(weeks=weeks)
        past[day] = day_metrics(day, calls=200, errors=5000, sessions=5000)
    result = evaluate_day("bot-1", {**past, MONDAY: day_metrics(MONDAY)}, MONDAY, thresholds=T)
    errors = pick(result, "error_rate", "up")
    assert errors.band.history_days == 3
    assert errors.band.expected == pytest.approx(0.03, rel=0.1)
    sessions = pick(result, "sessions", "down")
    assert sessions.band.history_days == 3
    assert sessions.band.expected == pytest.approx(100, rel=0.05)
    assert not any(e.firing for e in result)


@pytest.mark.parametrize(
    ("errors", "calls"),
    [(0, 50), (3, 50), (30, 200), (200, 200), (1, 1), (7, 31)],
    ids=["none", "few", "some", "all", "one-call", "odd"],
)
def test_wilson_interval_matches_scipy_and_holds_the_rate(errors: int, calls: int) -> None:
    """The closed-form Wilson interval is scipy's, and it contains the observed rate."""
    low, high = wilson(errors, calls)
    ci = binomtest(errors, calls).proportion_ci(method="wilson")
    assert (low, high) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert low <= errors / calls <= high


@pytest.mark.parametrize(
    ("errors", "calls", "p0"),
    [(12, 200, 0.02), (30, 200, 0.03), (1, 10, 0.5), (300, 1000, 0.01)],
    ids=["moderate", "large", "coin", "tiny-tail"],
)
def test_p_value_is_the_binomial_tail(errors: int, calls: int, p0: float) -> None:
    """``p_value`` is ``binom.sf(e - 1, n, p0)``: the chance of at least e errors."""
    assert p_value(errors, calls, p0) == pytest.approx(binom.sf(errors - 1, calls, p0), rel=1e-9)


# --- latency ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "fires"),
    [
        pytest.param(day_metrics(MONDAY, latency=2400), True, id="x2"),
        pytest.param(day_metrics(MONDAY, latency=1560), False, id="x1.3"),
        pytest.param(day_metrics(MONDAY), False, id="normal"),
        pytest.param(day_metrics(MONDAY, calls=10, latency=6000), False, id="x5-on-10-calls"),
        pytest.param(day_metrics(MONDAY, calls=0), False, id="zero-calls"),
    ],
)
def test_latency(today: Metrics, fires: bool) -> None:
    """Call-weighted latency fires from +50% on enough calls."""
    assert judge("latency", "up", today).firing is fires


# --- traffic ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "direction", "today", "day", "fires"),
    [
        pytest.param("sessions", "down", day_metrics(MONDAY, sessions=40), MONDAY, True, id="-60%"),
        pytest.param("sessions", "down", day_metrics(MONDAY, sessions=0), MONDAY, True, id="zero"),
        pytest.param("sessions", "up", day_metrics(MONDAY, traffic=3), MONDAY, True, id="x3"),
        pytest.param(
            "user_messages", "down", day_metrics(MONDAY, sessions=40), MONDAY, True, id="msgs-60%"
        ),
        pytest.param(
            "user_messages", "up", day_metrics(MONDAY, traffic=3), MONDAY, True, id="msgs-x3"
        ),
        pytest.param("sessions", "down", day_metrics(MONDAY), MONDAY, False, id="normal"),
        pytest.param("sessions", "up", day_metrics(MONDAY), MONDAY, False, id="normal-up"),
        pytest.param("sessions", "down", day_metrics(SATURDAY), SATURDAY, False, id="weekend-dip"),
        pytest.param(
            "sessions", "down", day_metrics(MONDAY, sessions=70), MONDAY, False, id="-30%"
        ),
        pytest.param("sessions", "down", None, MONDAY, False, id="no-record-is-not-zero"),
    ],
)
def test_traffic(
    metric: Metric, direction: Direction, today: Metrics | None, day: date, fires: bool
) -> None:
    """Sessions and user messages fire on drops (to zero too) and spikes, not on weekends."""
    assert judge(metric, direction, today, day=day, past=history(day)).firing is fires


def test_small_traffic_is_quiet() -> None:
    """A bot expecting under 20 sessions a day never alerts on traffic, even at zero."""
    past = history(traffic=0.1)  # 20 calls and 10 sessions on weekdays
    assert judge("sessions", "down", day_metrics(MONDAY, sessions=0), past=past).score == 0.0
    assert judge("sessions", "up", day_metrics(MONDAY, sessions=60), past=past).score == 0.0


# --- missing data ----------------------------------------------------------------------


def with_gap(days: int, *, active: int = 42) -> dict[date, Metrics]:
    """Normal history with no record for the last ``days`` days up to MONDAY."""
    past = history(days=active)
    for i in range(days):
        past.pop(MONDAY - timedelta(days=i), None)
    return past


@pytest.mark.parametrize(
    ("past", "score"),
    [
        pytest.param(with_gap(2), 1.0, id="2-days"),
        pytest.param(with_gap(4), 2.0, id="4-days-critical"),
        pytest.param(with_gap(1), 0.0, id="1-day-is-a-gap"),
        pytest.param(with_gap(0), 0.0, id="present"),
        pytest.param(with_gap(2, active=7), 0.0, id="not-an-active-bot"),
        pytest.param({}, 0.0, id="never-seen"),
    ],
)
def test_missing_data(past: dict[date, Metrics], score: float) -> None:
    """An active bot with no record for 2 days in a row; one missing day is only a gap."""
    evaluation = judge("missing_data", "down", past.get(MONDAY), past=past)
    assert evaluation.score == score


def test_gaps_in_history_do_not_alert() -> None:
    """Every third day missing: bands are built from what is there, and nothing fires."""
    past = {d: m for d, m in history().items() if d.toordinal() % 3}
    result = evaluate_day("bot-1", {**past, MONDAY: day_metrics(MONDAY)}, MONDAY, thresholds=T)
    assert [e.metric for e in result if e.score >= 0.5] == []
    assert pick(result, "sessions", "down").band.expected is not None


# --- history -----------------------------------------------------------------------------


def test_one_day_of_history_never_alerts() -> None:
    """A bot with one closed day: every band is empty or limited, and nothing fires."""
    past = {MONDAY - timedelta(days=1): day_metrics(MONDAY - timedelta(days=1))}
    today = day_metrics(MONDAY, traffic=5, cost_per_call=0.2, error_rate=0.5, latency=9000)
    result = evaluate_day("bot-1", {**past, MONDAY: today}, MONDAY, thresholds=T)
    assert [e for e in result if e.score > 0] == []
    assert all(
        e.band.expected is None or e.band.limited for e in result if e.metric != "missing_data"
    )


def test_limited_history_before_three_weeks() -> None:
    """Two weeks of history: bands come from the last 14 days, flagged limited."""
    past = history(days=14)
    result = evaluate_day("bot-1", {**past, MONDAY: day_metrics(MONDAY)}, MONDAY, thresholds=T)
    for e in result:
        if e.metric not in ("missing_data",):
            assert (e.band.method, e.band.limited) in {("recent", True), ("binomial", True)}
    assert not any(e.firing for e in result)
    spike = judge("cost", "up", day_metrics(MONDAY, cost_per_call=0.2), past=past)
    assert spike.firing
    assert spike.band.limited


def test_flagged_days_do_not_raise_the_baseline() -> None:
    """A cost spike that lasted 3 Mondays, once flagged, does not make the 4th look normal."""
    past = history()
    spikes = [MONDAY - timedelta(weeks=w) for w in (1, 2, 3)]
    for day in spikes:
        past[day] = day_metrics(day, cost_per_call=0.06)
    today = day_metrics(MONDAY, cost_per_call=0.06)
    assert not judge("cost", "up", today, past=past).firing
    flagged = judge("cost", "up", today, past=past, excluded={"cost": spikes})
    assert flagged.firing
    assert flagged.band.history_days == 3


def test_history_after_the_day_is_not_read() -> None:
    """A backtest may pass the whole history: later days change nothing."""
    past = {**history(), MONDAY: day_metrics(MONDAY, cost_per_call=0.06)}
    later = {
        d: day_metrics(d, traffic=9) for d in (MONDAY + timedelta(days=i) for i in range(1, 20))
    }
    alone = evaluate_day("bot-1", past, MONDAY, thresholds=T)
    assert evaluate_day("bot-1", {**past, **later}, MONDAY, thresholds=T) == alone


def test_one_evaluation_per_metric_and_direction() -> None:
    """evaluate_day answers every detector once, for the bot and the day asked."""
    result = evaluate_day("bot-1", history(), MONDAY, thresholds=T)
    keys = [(e.metric, e.direction) for e in result]
    assert len(keys) == len(set(keys)) == 9
    assert {e.bot_id for e in result} == {"bot-1"}
    assert {e.day for e in result} == {MONDAY}


def test_non_finite_values_score_zero() -> None:
    """Garbage that slipped past parsing (NaN, inf) never alerts."""
    bad = Metrics(
        days=1,
        sessions=100,
        user_messages=300,
        llm_calls=200,
        cost_sum=math.nan,
        call_cost_sum=math.inf,
        latency_sum=math.inf,
    )
    result = evaluate_day("bot-1", {**history(), MONDAY: bad}, MONDAY, thresholds=T)
    assert [e.metric for e in result if e.score > 0] == []


# --- sensitivity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factor", "fired"),
    [
        pytest.param(1.15, set(), id="x1.15-none"),
        pytest.param(1.4, {"high"}, id="x1.4-high"),
        pytest.param(1.8, {"high", "normal"}, id="x1.8-high-normal"),
        pytest.param(2.6, {"high", "normal", "low"}, id="x2.6-all"),
    ],
)
def test_sensitivity_orders_the_thresholds(factor: float, fired: set[str]) -> None:
    """High fires on a smaller cost move than normal; low needs a bigger one."""
    today = day_metrics(MONDAY, cost_per_call=0.02 * factor)
    levels: tuple[Sensitivity, ...] = ("low", "normal", "high")
    got = {s for s in levels if judge("cost", "up", today, thresholds=for_(s)).firing}
    assert got == fired


def for_(sensitivity: Sensitivity) -> Thresholds:
    """The thresholds of one sensitivity."""
    return Thresholds.for_sensitivity(sensitivity)


def test_sensitivity_moves_the_error_test_too() -> None:
    """Errors x2.5 from 2% on 194 calls (p = 0.007): significant at high sensitivity only."""
    today, past = day_metrics(MONDAY, error_rate=0.05), history(error_rate=0.02)
    got = [
        judge("error_rate", "up", today, past=past, thresholds=for_(s)).firing
        for s in ("low", "normal", "high")
    ]
    assert got == [False, False, True]


# --- intraday ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("so_far", "past", "fires"),
    [
        pytest.param(day_metrics(MONDAY, calls=100), None, False, id="normal-morning"),
        pytest.param(day_metrics(MONDAY, calls=210), None, False, id="busy-but-normal"),
        pytest.param(
            day_metrics(MONDAY, calls=100, cost_per_call=0.15), None, True, id="runaway-by-noon"
        ),
        pytest.param(
            day_metrics(MONDAY, calls=100, cost_per_call=0.009),
            history(cost_per_call=0.001),
            False,
            id="runaway-under-the-floor",
        ),
    ],
)
def test_intraday_runaway(so_far: Metrics, past: dict[date, Metrics] | None, fires: bool) -> None:
    """Today's partial cost fires once past the whole day's upper band."""
    days = history() if past is None else past
    evaluation = evaluate_intraday("bot-1", days, MONDAY, so_far, thresholds=T)
    assert (evaluation.metric, evaluation.direction) == ("intraday_cost", "up")
    assert evaluation.firing is fires
    whole_day = judge("cost", "up", None, past=days)
    assert evaluation.band == whole_day.band


# --- budget ------------------------------------------------------------------------------


def spend(spent: float, projected: float, budget: float | None = 100.0) -> MonthSpend:
    """A month's spend on the 15th of March."""
    return MonthSpend(date(2026, 3, 1), date(2026, 3, 14), spent, projected, budget)


@pytest.mark.parametrize(
    ("month", "fired"),
    [
        pytest.param(spend(40, 90), set(), id="on-track"),
        pytest.param(spend(60, 130), {PACE}, id="pace"),
        pytest.param(spend(85, 170), {PACE, 0.8}, id="80pct"),
        pytest.param(spend(100, 200), {PACE, 0.8, 1.0}, id="100pct"),
        pytest.param(spend(0, 0), set(), id="nothing-spent"),
    ],
)
def test_budget_stages(month: MonthSpend, fired: set[float]) -> None:
    """Pace fires on the projection, then 80% and 100% on the actual spend."""
    result = evaluate_budget(month, day=date(2026, 3, 14))
    assert [e.detail["stage"] for e in result] == [PACE, 0.8, 1.0]
    assert {e.detail["stage"] for e in result if e.firing} == fired
    assert {(e.bot_id, e.metric, e.direction) for e in result} == {(None, "budget", "up")}


def test_no_budget_no_evaluation() -> None:
    """Without a budget there is nothing to evaluate."""
    assert evaluate_budget(spend(500, 900, budget=None), day=date(2026, 3, 14)) == []


# --- exact values (mutation tests) ------------------------------------------------------


def calls_day(calls: int, errors: int = 0, **fields: Any) -> Metrics:
    """A day of ``calls`` LLM calls with ``errors`` errors (``fields``: other Metrics fields)."""
    return Metrics(days=1, llm_calls=calls, llm_errors=errors, **fields)


def weekly(*days: Metrics, day: date = MONDAY) -> dict[date, Metrics]:
    """The same weekday before ``day``, newest first: one record a week."""
    return {day - timedelta(weeks=i + 1): m for i, m in enumerate(days)}


def pooled(calls: int, errors: int) -> float:
    """The pooled baseline rate of ``errors`` over ``calls``, as the error detector pools it."""
    return (errors + 0.5) / (calls + 1)


@pytest.mark.parametrize(
    ("month", "scores"),
    [
        pytest.param(spend(85, 170), [1.7, 85 / 80, 0.85], id="80pct"),
        pytest.param(spend(0.5, 0.5), [0.005, 0.5 / 80, 0.005], id="under-a-dollar"),
        pytest.param(spend(-1, math.inf), [0.0, 0.0, 0.0], id="garbage"),
        pytest.param(spend(0, 0), [0.0, 0.0, 0.0], id="nothing"),
    ],
)
def test_budget_evaluations_are_exact(month: MonthSpend, scores: list[float]) -> None:
    """Each stage reports its value, a band at its limit over the days counted, and its detail."""
    day = date(2026, 3, 14)
    result = evaluate_budget(month, day=day)
    detail = {"spent": month.spent, "projected": month.projected, "budget": 100.0}
    expected = [
        Evaluation(
            None,
            "budget",
            "up",
            day,
            value,
            Band(limit, None, limit, "budget", 14),
            score,
            {**detail, "stage": stage},
        )
        for (stage, value, limit), score in zip(
            [(PACE, month.projected, 100.0), (0.8, month.spent, 80.0), (1.0, month.spent, 100.0)],
            scores,
            strict=True,
        )
    ]
    assert result == expected


@pytest.mark.parametrize(
    ("budget", "count"),
    [
        pytest.param(0.0, 0, id="zero"),
        pytest.param(-5.0, 0, id="negative"),
        pytest.param(math.inf, 0, id="inf"),
        pytest.param(math.nan, 0, id="nan"),
        pytest.param(0.5, 3, id="half-a-dollar"),
    ],
)
def test_budget_must_be_positive_and_finite(budget: float, count: int) -> None:
    """A budget of 0, below 0 or non-finite is no budget; any positive one is."""
    assert len(evaluate_budget(spend(1, 2, budget=budget), day=date(2026, 3, 14))) == count


def test_budget_on_the_first_counts_no_days() -> None:
    """Nothing closed yet this month: the bands say 0 days."""
    month = MonthSpend(date(2026, 3, 1), None, 0.0, 50.0, 100.0)
    result = evaluate_budget(month, day=date(2026, 3, 1))
    assert [e.band.history_days for e in result] == [0, 0, 0]
    assert [e.score for e in result] == [0.5, 0.0, 0.0]


@pytest.mark.parametrize(
    ("past", "run", "active", "score"),
    [
        pytest.param({**history(), MONDAY: day_metrics(MONDAY)}, 0.0, 14, 0.0, id="present"),
        pytest.param(with_gap(1), 1.0, 14, 0.0, id="1-day"),
        pytest.param(with_gap(2), 2.0, 14, 1.0, id="2-days"),
        pytest.param(with_gap(2, active=9), 2.0, 8, 1.0, id="exactly-8-active"),
        pytest.param(with_gap(2, active=8), 2.0, 7, 0.0, id="7-active"),
        pytest.param(with_gap(27), 27.0, 14, 13.5, id="27-days"),
        pytest.param(with_gap(28), 28.0, 14, 0.0, id="28-days-gone"),
        pytest.param({}, 28.0, 0, 0.0, id="never-seen"),
    ],
)
def test_missing_data_is_exact(
    past: dict[date, Metrics], run: float, active: int, score: float
) -> None:
    """The value is the run (capped at 28), the band a presence band over the active days."""
    evaluation = judge("missing_data", "down", past.get(MONDAY), past=past)
    assert evaluation == Evaluation(
        "bot-1",
        "missing_data",
        "down",
        MONDAY,
        run,
        Band(0.0, None, 1.0, "presence", active),
        score,
        {"active_days": float(active)},
    )


def test_wilson_and_p_value_edges() -> None:
    """No calls: the whole [0, 1]; no errors: p-value 1."""
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(3, -1) == (0.0, 1.0)
    assert p_value(0, 50, 0.1) == 1.0


@pytest.mark.parametrize(
    ("past", "band"),
    [
        pytest.param({}, Band(None, None, None, "binomial", 0, True), id="no-history"),
        pytest.param(
            weekly(calls_day(100, 3), calls_day(100, 5)),
            Band(pooled(200, 8), None, None, "binomial", 2, True),
            id="two-days",
        ),
        pytest.param(
            weekly(*[calls_day(100, 3)] * 3),
            Band(pooled(300, 9), None, pooled(300, 9) * 2, "binomial", 3, False),
            id="three-days-ratio",
        ),
        pytest.param(
            weekly(*[calls_day(100, 0)] * 3),
            Band(pooled(300, 0), None, pooled(300, 0) + 0.01, "binomial", 3, False),
            id="three-days-points",
        ),
        pytest.param(
            weekly(*[calls_day(100, 60)] * 3),
            Band(pooled(300, 180), None, 1.0, "binomial", 3, False),
            id="capped-at-1",
        ),
        pytest.param(
            weekly(calls_day(0), calls_day(0), calls_day(0), *[calls_day(100, 3)] * 3),
            Band(pooled(300, 9), None, pooled(300, 9) * 2, "binomial", 3, False),
            id="days-without-calls-skipped",
        ),
        pytest.param(
            weekly(*[calls_day(1)] * 3, *[calls_day(100, 3)] * 3),
            Band(pooled(303, 9), None, pooled(303, 9) * 2, "binomial", 6, False),
            id="one-call-days-count",
        ),
    ],
)
def test_error_rate_band_is_exact(past: dict[date, Metrics], band: Band) -> None:
    """The pooled rate ``(e + 0.5) / (n + 1)``, its edge ``max(x ratio, + points)``, capped at 1."""
    evaluation = judge("error_rate", "up", None, past=past)
    assert evaluation == Evaluation("bot-1", "error_rate", "up", MONDAY, None, band, 0.0, {})


def test_limited_error_band_is_stricter() -> None:
    """On the recent fallback the edge is ``p0 x 2.3`` (the stricter ratio)."""
    past = {MONDAY - timedelta(days=i): calls_day(100, 3) for i in range(1, 8)}
    band = judge("error_rate", "up", None, past=past).band
    p0 = pooled(700, 21)
    assert band == Band(p0, None, p0 * (1 + 1.3), "binomial", 7, True)


def test_excluded_days_stay_out_of_the_error_band() -> None:
    """Flagged error days do not feed the pooled rate."""
    past = weekly(*[calls_day(100, 50)] * 3, *[calls_day(100, 3)] * 3)
    flagged = [MONDAY - timedelta(weeks=w) for w in (1, 2, 3)]
    band = judge("error_rate", "up", None, past=past, excluded={"error_rate": flagged}).band
    assert (band.expected, band.history_days) == (pooled(300, 9), 3)


def _ci(errors: int, calls: int) -> dict[str, float]:
    low, high = wilson(errors, calls)
    return {
        "calls": float(calls),
        "errors": float(errors),
        "rate": min(errors / calls, 1.0),
        "ci_low": low,
        "ci_high": high,
    }


@pytest.mark.parametrize(
    ("today", "past", "band", "extra"),
    [
        pytest.param(
            calls_day(200, 260),
            weekly(*[calls_day(100, 3)] * 3),
            Band(pooled(300, 9), None, pooled(300, 9) * 2, "binomial", 3, False),
            {"suspect": 1.0},
            id="suspect",
        ),
        pytest.param(
            calls_day(200, 30),
            weekly(calls_day(100, 3)),
            Band(pooled(100, 3), None, None, "binomial", 1, True),
            {},
            id="no-edge",
        ),
        pytest.param(
            calls_day(200, 30),
            {},
            Band(None, None, None, "binomial", 0, True),
            {},
            id="no-history",
        ),
    ],
)
def test_unscored_error_rate_is_exact(
    today: Metrics, past: dict[date, Metrics], band: Band, extra: dict[str, float]
) -> None:
    """Suspect or without an edge: score 0, the rate, the band and the interval still reported."""
    evaluation = judge("error_rate", "up", today, past=past)
    detail = {**_ci(today.llm_errors, today.llm_calls), **extra}
    rate = min(today.llm_errors / today.llm_calls, 1.0)
    assert evaluation == Evaluation("bot-1", "error_rate", "up", MONDAY, rate, band, 0.0, detail)


def _effect(errors: int, calls: int, p0: float, t: Thresholds) -> float:
    rate = errors / calls
    return min(math.log(rate / p0) / math.log(t.error_ratio), (rate - p0) / t.error_points)


def _significance(errors: int, calls: int, p0: float, t: Thresholds) -> float:
    return math.log(binom.sf(errors - 1, calls, p0)) / math.log(t.alpha)


BASE = weekly(*[calls_day(1000, 20)] * 3)  # p0 = 60.5 / 3001
P0 = pooled(3000, 60)


@pytest.mark.parametrize(
    ("today", "thresholds", "score", "tested"),
    [
        pytest.param(
            calls_day(30, 5),
            T,
            min(_effect(5, 30, P0, T), _significance(5, 30, P0, T)),
            True,
            id="exactly-min-calls-and-min-errors",
        ),
        pytest.param(calls_day(29, 5), T, 0.0, False, id="one-call-short"),
        pytest.param(calls_day(100, 4), T, 0.0, False, id="one-error-short"),
        pytest.param(calls_day(1000, 45), T, _effect(45, 1000, P0, T), True, id="points-bound"),
        pytest.param(calls_day(1000, 25), T, _effect(25, 1000, P0, T), False, id="small-effect"),
        pytest.param(calls_day(1000, 1000), T, _effect(1000, 1000, P0, T), True, id="p-is-0"),
    ],
)
def test_error_score_is_exact(
    today: Metrics, thresholds: Thresholds, score: float, tested: bool
) -> None:
    """The score is min(ratio, points, significance); the test runs only from the resolve score."""
    evaluation = judge("error_rate", "up", today, past=BASE, thresholds=thresholds)
    assert evaluation.score == pytest.approx(score, rel=1e-9)
    assert ("p_value" in evaluation.detail) is tested


def test_error_effect_of_exactly_the_resolve_score_is_tested() -> None:
    """An effect of exactly 0.5 is not below the resolve score: the p-value is computed."""
    errors, calls = 40, 1000
    points = (errors / calls - P0) * 2
    t = Thresholds(error_ratio=1.01, error_points=points)
    evaluation = judge("error_rate", "up", calls_day(calls, errors), past=BASE, thresholds=t)
    assert "p_value" in evaluation.detail
    assert evaluation.score == pytest.approx(min(0.5, _significance(errors, calls, P0, t)))


def test_limited_error_score_uses_the_stricter_thresholds() -> None:
    """On the recent fallback the day is scored against ratio 2.3 and points 3.9."""
    past = {MONDAY - timedelta(days=i): calls_day(1000, 20) for i in range(1, 8)}
    p0 = pooled(7000, 140)
    evaluation = judge("error_rate", "up", calls_day(1000, 60), past=past)
    strict = stricter(T)
    expected = min(_effect(60, 1000, p0, strict), _significance(60, 1000, p0, strict))
    assert evaluation.score == pytest.approx(expected, rel=1e-9)


# --- per call, exact -------------------------------------------------------------------


def per_call_day(calls: int, cost_per_call: float = 0.02, latency: float = 1000.0) -> Metrics:
    """A day of ``calls`` calls at a flat price and latency."""
    cost = calls * cost_per_call
    return calls_day(calls, cost_sum=cost, call_cost_sum=cost, latency_sum=latency * calls)


@pytest.mark.parametrize(
    ("metric", "limited", "ratio"),
    [
        pytest.param("cost_per_call", False, 1.8, id="cost-per-call"),
        pytest.param("cost_per_call", True, 1 + 0.8 * 1.3, id="cost-per-call-limited"),
        pytest.param("latency", False, 1.5, id="latency"),
        pytest.param("latency", True, 1 + 0.5 * 1.3, id="latency-limited"),
    ],
)
def test_per_call_score_is_the_ratio_score(metric: Metric, limited: bool, ratio: float) -> None:
    """Twice the flat baseline: the ratio score, its threshold stricter on limited history."""
    if limited:
        past = {MONDAY - timedelta(days=i): per_call_day(100) for i in range(1, 8)}
    else:
        past = weekly(*[per_call_day(100)] * 6)
    evaluation = judge(metric, "up", per_call_day(100, 0.04, 2000.0), past=past)
    assert evaluation.band.limited is limited
    assert evaluation.value == pytest.approx(0.04 if metric == "cost_per_call" else 2000.0)
    assert evaluation.score == pytest.approx(math.log(2) / math.log(ratio), rel=1e-9)
    assert evaluation.detail == {"calls": 100.0}


@pytest.mark.parametrize("metric", ["cost_per_call", "latency"])
def test_per_call_volume_is_inclusive(metric: Metric) -> None:
    """Exactly min_calls calls, on the day and on the baseline days, is enough volume."""
    past = weekly(*[per_call_day(30, 0.04)] * 6)
    evaluation = judge(metric, "up", per_call_day(30, 0.08, 2000.0), past=past)
    assert evaluation.band.history_days == 6
    assert evaluation.score > 1.0
    assert evaluation.detail == {"calls": 30.0}


def test_cost_per_call_at_exactly_the_floor_is_scored() -> None:
    """A day that spent exactly the cost floor is not cheap."""
    past = weekly(*[per_call_day(200, 0.002)] * 6)
    evaluation = judge("cost_per_call", "up", per_call_day(200, 0.005), past=past)
    assert evaluation.score == pytest.approx(math.log(2.5) / math.log(1.8), rel=1e-6)


@pytest.mark.parametrize("metric", ["cost_per_call", "latency", "cost"])
def test_no_record_has_no_detail(metric: Metric) -> None:
    """No record on the day: no value, no detail, score 0."""
    evaluation = judge(metric, "up", None, past=weekly(*[per_call_day(100)] * 6))
    assert (evaluation.value, evaluation.detail, evaluation.score) == (None, {}, 0.0)


@pytest.mark.parametrize("metric", ["cost_per_call", "latency", "cost", "sessions"])
def test_excluded_days_stay_out_of_every_band(metric: Metric) -> None:
    """Each detector keeps its own flagged days out of its band."""
    past = weekly(*[per_call_day(100, 0.5, 9000.0)] * 3, *[per_call_day(100)] * 3)
    for m in past.values():
        object.__setattr__(m, "sessions", 100)
    flagged = [MONDAY - timedelta(weeks=w) for w in (1, 2, 3)]
    band = judge(metric, "up", None, past=past, excluded={metric: flagged}).band
    assert band.history_days == 3


# --- cost, exact -----------------------------------------------------------------------


def test_cost_detail_and_value() -> None:
    """The daily cost reports its dollars and its calls."""
    evaluation = judge("cost", "up", per_call_day(100, 0.06), past=weekly(*[per_call_day(100)] * 6))
    assert evaluation.value == pytest.approx(6.0)
    assert evaluation.detail == {"calls": 100.0}
    assert evaluation.score > 1.0


@pytest.mark.parametrize(
    ("value", "past", "scored"),
    [
        pytest.param(1.0, weekly(*[per_call_day(10)] * 6), True, id="exactly-the-floor"),
        pytest.param(0.99, weekly(*[per_call_day(10)] * 6), False, id="under-the-floor"),
        pytest.param(0.5, {}, False, id="under-the-floor-no-history"),
    ],
)
def test_cost_floor_is_inclusive(value: float, past: dict[date, Metrics], scored: bool) -> None:
    """A cost of exactly the floor is scored (here $0.20 a day to $1)."""
    today = calls_day(10, cost_sum=value, call_cost_sum=value)
    evaluation = judge("cost", "up", today, past=past)
    assert (evaluation.score > 1.0) is scored


def test_intraday_is_exact() -> None:
    """Intraday cost: the bot, the partial dollars, its calls and flagged days kept out."""
    past = weekly(*[per_call_day(100, 0.5)] * 3, *[per_call_day(100)] * 3)
    flagged = [MONDAY - timedelta(weeks=w) for w in (1, 2, 3)]
    so_far = per_call_day(50, 0.2)
    evaluation = evaluate_intraday("bot-7", past, MONDAY, so_far, thresholds=T, excluded=flagged)
    assert (evaluation.bot_id, evaluation.metric, evaluation.day) == (
        "bot-7",
        "intraday_cost",
        MONDAY,
    )
    assert evaluation.value == pytest.approx(10.0)
    assert evaluation.detail == {"calls": 50.0}
    assert evaluation.band.history_days == 3
    assert evaluation.band.expected == pytest.approx(2.0)
    assert evaluation.score > 1.0


# --- traffic, exact ----------------------------------------------------------------------


def traffic_day(sessions: int) -> Metrics:
    """A day of ``sessions`` sessions and three user messages each."""
    return Metrics(days=1, sessions=sessions, user_messages=3 * sessions)


@pytest.mark.parametrize(
    ("metric", "value"),
    [
        pytest.param("sessions", 40.0, id="sessions"),
        pytest.param("user_messages", 120.0, id="msgs"),
    ],
)
def test_traffic_value_is_its_own_count(metric: Metric, value: float) -> None:
    """Sessions read sessions and user messages read user messages."""
    evaluation = judge(metric, "down", traffic_day(40), past=weekly(*[traffic_day(100)] * 6))
    assert evaluation.value == value
    assert evaluation.band.expected == pytest.approx(value * 2.5)


def test_traffic_at_exactly_the_floor_is_scored() -> None:
    """An expected count of exactly the traffic floor is not quiet."""
    evaluation = judge("sessions", "down", traffic_day(0), past=weekly(*[traffic_day(20)] * 6))
    # Counts compare on a log scale, with the Poisson noise of 20 (1/sqrt(20)) as the spread.
    assert evaluation.score == pytest.approx(math.log1p(20) / (4.5 / math.sqrt(20)))


@pytest.mark.parametrize(
    ("sessions", "spread"),
    [
        pytest.param(20, 1.5 / math.sqrt(20), id="few-long-sessions"),
        pytest.param(300, math.log1p(0.20), id="many-sessions-count-floor"),
    ],
)
def test_user_messages_swing_like_their_sessions(sessions: int, spread: float) -> None:
    """600 messages from 20 sessions get a band as wide as 20 sessions' noise, not 600's."""
    day = Metrics(days=1, sessions=sessions, user_messages=600)
    drop = Metrics(days=1, sessions=sessions, user_messages=240)
    evaluation = judge("user_messages", "down", drop, past=weekly(*[day] * 6))
    expected = (math.log1p(600) - math.log1p(240)) / (4.5 * spread)
    assert evaluation.score == pytest.approx(expected)
    assert evaluation.firing is (sessions == 300)


# --- context -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "safe"),
    [
        pytest.param(0.7, 0.7, id="kept"),
        pytest.param(-1.0, 0.0, id="negative"),
        pytest.param(math.inf, 0.0, id="inf"),
        pytest.param(math.nan, 0.0, id="nan"),
    ],
)
def test_evaluation_keeps_only_finite_positive_scores(score: float, safe: float) -> None:
    """A negative or non-finite score reads as 0."""
    ctx = Context.build("bot-1", {}, MONDAY, T)
    band = Band(None, None, None, "recent", 0, True)
    assert ctx.evaluation("cost", "up", 1.0, band, score).score == safe


def test_column_reads_only_finite_values() -> None:
    """A column skips days without a value or with a non-finite one, and says which it lacks."""
    costs = {1: 2.0, 2: math.nan, 3: math.inf, 4: 5.0}
    past = {MONDAY - timedelta(days=i): calls_day(1, cost_sum=c) for i, c in costs.items()}
    column = Context.build("bot-1", past, MONDAY, T).column(lambda m: m.cost_sum)
    first, second, _, fourth = (MONDAY - timedelta(days=i) for i in costs)
    assert dict(column) == {first: 2.0, fourth: 5.0}
    assert len(column) == 2
    assert column[first] == 2.0
    assert column.get(second, 9.0) == 9.0
    assert column.get(MONDAY) is None
    with pytest.raises(KeyError) as error:
        column[second]
    assert error.value.args == (second,)


@pytest.mark.parametrize(
    ("value", "kept"),
    [(1.5, 1.5), (0.0, 0.0), (None, None), (math.nan, None), (-math.inf, None)],
    ids=["number", "zero", "none", "nan", "minus-inf"],
)
def test_finite(value: float | None, kept: float | None) -> None:
    """``finite`` keeps finite numbers only."""
    assert finite(value) == kept
