"""Baselines (DESIGN §7): same-weekday median and MAD, floors, the recent fallback, exclusions."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from slackbot.core.anomalies import Band, Thresholds
from slackbot.core.baselines import (
    LIMITED_FACTOR,
    MAD_TO_SD,
    Expectation,
    Kind,
    band_for,
    baseline_points,
    expect,
    ratio_score,
    stricter,
)

DAY = date(2026, 3, 2)  # a Monday
T = Thresholds()


def weeks_back(*values: float, day: date = DAY) -> dict[date, float]:
    """Same-weekday values before ``day``, newest first: one a week."""
    return {day - timedelta(weeks=i + 1): v for i, v in enumerate(values)}


def daily(n: int, weekday: float, weekend: float, day: date = DAY) -> dict[date, float]:
    """``n`` days before ``day`` with a weekly pattern: ``weekday`` on Mon-Fri, else ``weekend``."""
    days = (day - timedelta(days=i) for i in range(1, n + 1))
    return {d: weekday if d.weekday() < 5 else weekend for d in days}


def test_same_weekday_median_and_mad() -> None:
    """The expectation is the median of the same weekday, its spread 1.4826 x the MAD."""
    values = weeks_back(100, 110, 90, 120, 80, 100)
    band = band_for(values, DAY, kind="mean", thresholds=T)
    reach = T.k * MAD_TO_SD * 10  # MAD of (0, 10, 10, 20, 20, 0) is 10
    assert band.method == "same-weekday"
    assert band.history_days == 6
    assert not band.limited
    assert band.expected == 100
    assert band.high == pytest.approx(100 + reach)
    assert band.low == pytest.approx(100 - reach)


def test_only_the_same_weekday_feeds_the_band() -> None:
    """Weekdays do not pull a Saturday band up: 'compares Sunday to Sundays'."""
    values = daily(42, weekday=200, weekend=80)
    saturday = DAY - timedelta(days=2)
    band = band_for(values, saturday, kind="mean", thresholds=T)
    assert band.expected == 80
    assert band.high is not None
    assert band.high < 200


def test_only_six_weeks_are_read() -> None:
    """Weeks older than six do not count, whatever they hold."""
    values = weeks_back(100, 100, 100, 100, 100, 100, 1000, 1000, 1000, 1000)
    band = band_for(values, DAY, kind="mean", thresholds=T)
    assert (band.expected, band.history_days) == (100, 6)


@pytest.mark.parametrize(
    ("kind", "level", "scale"),
    [
        ("mean", 1200.0, 120.0),
        ("ratio", 0.02, 0.002),
    ],
    ids=["mean", "ratio"],
)
def test_scale_floors_when_the_mad_is_zero(kind: Kind, level: float, scale: float) -> None:
    """Identical values (MAD 0) still give a band: relative, absolute and Poisson floors."""
    band = band_for(weeks_back(*[level] * 6), DAY, kind=kind, thresholds=T)
    assert band.high == pytest.approx(level + T.k * scale)


@pytest.mark.parametrize(
    ("level", "scale"),
    [
        (16.0, 0.25),  # Poisson: 1/sqrt(16) beats the count floor log(1.2) = 0.18
        (10_000.0, math.log1p(0.20)),  # the count floor beats 1/sqrt(10000)
        (4.0, 0.5),  # a small count is noisy: 1/sqrt(4)
        (0.0, 1.0),  # never narrower than a count of 1's Poisson noise
    ],
    ids=["poisson", "relative", "small", "zero"],
)
def test_count_bands_are_on_a_log_scale(level: float, scale: float) -> None:
    """Counts compare log1p(count): a busy bot's sessions vary by a share of themselves."""
    band = band_for(weeks_back(*[level] * 6), DAY, kind="count", thresholds=T)
    assert band.expected == pytest.approx(level)
    assert band.high == pytest.approx(math.expm1(math.log1p(level) + T.k * scale))
    assert band.low == pytest.approx(max(0.0, math.expm1(math.log1p(level) - T.k * scale)))


def test_a_drop_of_80_percent_on_a_noisy_busy_bot_is_past_the_band() -> None:
    """With 18% day-to-day noise around 1,200 sessions, 340 sessions is below the band."""
    values = weeks_back(1010, 1728, 1208, 1944, 1106, 1230)
    result = expect(values, DAY, kind="count", thresholds=T)
    assert result.score(343.0, "down") >= 1.0
    assert result.score(1000.0, "down") < 1.0  # an ordinary quiet day does not fire


def test_cost_band_is_on_a_log_scale_and_reported_in_dollars() -> None:
    """Cost compares log1p(dollars); expected and edges come back in dollars, low >= 0."""
    band = band_for(weeks_back(*[10.0] * 6), DAY, kind="cost", thresholds=T)
    reach = T.k * math.log1p(T.relative_floor)
    assert band.expected == pytest.approx(10.0)
    assert band.high == pytest.approx(math.expm1(math.log1p(10.0) + reach))
    assert band.low == pytest.approx(math.expm1(math.log1p(10.0) - reach))
    # The band is a ratio: $10 and $1000 get edges at (about) the same multiples.
    big = band_for(weeks_back(*[1000.0] * 6), DAY, kind="cost", thresholds=T)
    assert big.high is not None
    assert band.high is not None
    assert big.high / 1000 == pytest.approx(band.high / 10, rel=0.1)


def test_low_edge_is_clamped_at_zero() -> None:
    """A wide count band stops at 0: a count cannot go negative."""
    band = band_for(weeks_back(5, 50, 5, 50, 5, 50), DAY, kind="mean", thresholds=T)
    assert band.low == 0.0


def test_fallback_before_three_weeks_is_recent_limited_and_stricter() -> None:
    """With 2 same-weekday points: the last 14 days, limited, k x 1.3."""
    values = {DAY - timedelta(days=i): 100.0 for i in range(1, 15)}
    band = band_for(values, DAY, kind="mean", thresholds=T)
    assert (band.method, band.history_days, band.limited) == ("recent", 14, True)
    assert band.high == pytest.approx(100 + T.k * LIMITED_FACTOR * 10)


def test_fallback_band_holds_the_weekend_swing() -> None:
    """Mixing weekdays with weekends, the fallback's band spans both: a weekend is no drop."""
    values = daily(13, weekday=200, weekend=80)
    saturday = DAY - timedelta(days=2)
    result = expect(values, saturday, kind="mean", thresholds=T)
    assert result.band.limited
    assert result.score(80, "down") < 1.0
    assert result.score(200, "up") < 1.0


@pytest.mark.parametrize(
    ("values", "expected", "history_days"),
    [
        ({}, None, 0),
        ({DAY - timedelta(days=1): 50.0}, 50.0, 1),
        ({DAY - timedelta(days=1): 50.0, DAY - timedelta(days=3): 70.0}, 60.0, 2),
    ],
    ids=["no-history", "one-day", "two-days"],
)
def test_too_little_history_gives_no_band(
    values: dict[date, float], expected: float | None, history_days: int
) -> None:
    """Under 3 points: an expected value (None without any), no edges, and no score."""
    result = expect(values, DAY, kind="mean", thresholds=T)
    assert result.band.expected == expected
    assert result.band.history_days == history_days
    assert (result.band.low, result.band.high) == (None, None)
    assert result.band.limited
    assert result.score(10_000, "up") == 0.0


def test_excluded_days_do_not_feed_the_band() -> None:
    """Flagged days are left out: three anomalous weeks do not raise the baseline."""
    values = weeks_back(300, 300, 300, 100, 100, 100)
    flagged = [DAY - timedelta(weeks=w) for w in (1, 2, 3)]
    raised = band_for(values, DAY, kind="mean", thresholds=T)
    clean = band_for(values, DAY, kind="mean", thresholds=T, excluded=flagged)
    assert raised.expected == 200
    assert (clean.expected, clean.history_days, clean.method) == (100, 3, "same-weekday")


def test_gaps_are_not_zeros() -> None:
    """Missing weeks are skipped, never read as 0."""
    values = weeks_back(100, 100, 100, 100)
    del values[DAY - timedelta(weeks=2)]
    band = band_for(values, DAY, kind="mean", thresholds=T)
    assert (band.expected, band.history_days) == (100, 3)


def test_non_finite_values_are_skipped() -> None:
    """A NaN or infinite value in history is no point of the band."""
    values = weeks_back(100, math.nan, 100, math.inf, 100, 100)
    band = band_for(values, DAY, kind="mean", thresholds=T)
    assert (band.expected, band.history_days) == (100, 4)


@pytest.mark.parametrize(
    ("value", "direction", "score"),
    [
        (100 + 4.5 * 10, "up", 1.0),  # exactly on the edge
        (100 + 9.0 * 10, "up", 2.0),
        (100 - 4.5 * 10, "down", 1.0),
        (130, "down", 0.0),
        (70, "up", 0.0),
        (math.nan, "up", 0.0),
        (math.inf, "up", 0.0),
        (-5, "down", 0.0),
    ],
    ids=["edge", "twice", "down-edge", "wrong-way-down", "wrong-way-up", "nan", "inf", "negative"],
)
def test_score_is_in_band_widths(value: float, direction: str, score: float) -> None:
    """The score is the robust z over k: 1.0 on the band's edge, 0 inside or for garbage."""
    result = expect(weeks_back(*[100.0] * 6), DAY, kind="mean", thresholds=T)
    assert result.score(value, direction) == pytest.approx(score)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected", "ratio", "score"),
    [(3.0, 1.0, 3.0, 1.0), (9.0, 1.0, 3.0, 2.0), (0.5, 1.0, 3.0, 0.0), (1.0, 0.0, 3.0, 0.0)],
    ids=["at-ratio", "squared", "below", "no-expected"],
)
def test_ratio_score(value: float, expected: float, ratio: float, score: float) -> None:
    """A ratio scores on a log scale: 1.0 at the threshold ratio, 2.0 at its square."""
    assert ratio_score(value, expected, ratio) == pytest.approx(score)


def test_stricter_raises_every_threshold() -> None:
    """Limited history needs a bigger effect on every knob."""
    loose, strict = T, stricter(T)
    assert strict.k > loose.k
    assert strict.alpha < loose.alpha
    assert strict.error_ratio > loose.error_ratio
    assert strict.error_points > loose.error_points
    assert strict.latency_ratio > loose.latency_ratio
    assert strict.cost_per_call_ratio > loose.cost_per_call_ratio


def test_baseline_points_prefers_the_same_weekday() -> None:
    """Three same-weekday points are enough; fewer fall back to the last 14 days."""
    seasonal, limited = baseline_points(weeks_back(1, 2, 3), DAY)
    assert (list(seasonal.values()), limited) == ([1, 2, 3], False)
    recent, limited = baseline_points(weeks_back(1, 2), DAY)
    assert (list(recent.values()), limited) == ([1, 2], True)


def test_stricter_values_are_exact() -> None:
    """Every ratio's excess over 1 and every other effect grows by exactly 1.3."""
    strict = stricter(T)
    assert strict.k == pytest.approx(4.5 * 1.3, abs=1e-12)
    assert strict.alpha == pytest.approx(1e-3**1.3, rel=1e-12)
    assert strict.error_ratio == pytest.approx(2.3, abs=1e-12)
    assert strict.error_points == pytest.approx(0.013, abs=1e-12)
    assert strict.latency_ratio == pytest.approx(1.65, abs=1e-12)
    assert strict.cost_per_call_ratio == pytest.approx(2.04, abs=1e-12)


@pytest.mark.parametrize(
    ("center", "reach"),
    [(None, 1.0), (100.0, None), (100.0, 0.0), (100.0, -1.0)],
    ids=["no-center", "no-reach", "zero-reach", "negative-reach"],
)
def test_score_without_a_band_is_zero(center: float | None, reach: float | None) -> None:
    """No centre or no positive reach: nothing to breach, score 0."""
    expectation = Expectation(Band(None, None, None, "recent", 0), "count", center, reach)
    assert expectation.score(1_000.0, "up") == 0.0


@pytest.mark.parametrize(
    ("value", "expected", "ratio", "score"),
    [
        (math.nan, 1.0, 3.0, 0.0),
        (-1.0, 1.0, 3.0, 0.0),
        (2.0, -1.0, 3.0, 0.0),
        (2.0, 1.0, 1.0, 0.0),
        (2.0, 1.0, 0.5, 0.0),
        (None, 1.0, 3.0, 0.0),
        (1.0, 1.0, 3.0, 0.0),
    ],
    ids=["nan", "negative", "negative-expected", "ratio-1", "ratio-under-1", "none", "equal"],
)
def test_ratio_score_guards(
    value: float | None, expected: float, ratio: float, score: float
) -> None:
    """Garbage values, a negative expectation or a ratio of at most 1 score 0."""
    assert ratio_score(value, expected, ratio) == score


@pytest.mark.parametrize(
    ("values", "kind", "band"),
    [
        pytest.param({}, "count", Band(None, None, None, "recent", 0, True), id="empty"),
        pytest.param({}, "cost", Band(None, None, None, "recent", 0, True), id="empty-cost"),
        pytest.param(
            weeks_back(), "count", Band(None, None, None, "recent", 0, True), id="no-weeks"
        ),
    ],
)
def test_empty_expectation_is_exact(values: dict[date, float], kind: Kind, band: Band) -> None:
    """No points: an empty band of the recent method, and the kind kept."""
    assert expect(values, DAY, kind=kind, thresholds=T) == Expectation(band, kind)


def test_short_cost_expectation_is_in_dollars() -> None:
    """Under 3 cost points the expected value comes back in dollars, the kind kept."""
    result = expect({DAY - timedelta(days=1): 50.0}, DAY, kind="cost", thresholds=T)
    assert result.kind == "cost"
    assert (result.center, result.reach) == (None, None)
    assert result.band.expected == pytest.approx(50.0, rel=1e-12)
    assert (result.band.method, result.band.history_days, result.band.limited) == (
        "recent",
        1,
        True,
    )


# --- counts pool their spread over every weekday ---------------------------------------


def six_weeks(same_weekday: list[float], other: float | list[float]) -> dict[date, float]:
    """42 days before DAY: ``same_weekday`` on DAY's weekday (newest first), ``other`` else."""
    values: dict[date, float] = {}
    for i in range(1, 43):
        d = DAY - timedelta(days=i)
        if i % 7 == 0:
            values[d] = same_weekday[i // 7 - 1]
        else:
            values[d] = other if isinstance(other, float) else other[(i - 1) % len(other)]
    return values


def test_a_noisy_weekday_among_calm_ones_gets_the_pooled_spread() -> None:
    """36 calm days outweigh 6 noisy Mondays: the count floor sets the band, not their MAD."""
    values = six_weeks([1000.0, 1500.0, 700.0, 1300.0, 900.0, 1100.0], 1000.0)
    band = band_for(values, DAY, kind="count", thresholds=T)
    center = (math.log1p(1000.0) + math.log1p(1100.0)) / 2  # the median, on the log scale
    assert band.expected == pytest.approx(math.expm1(center))
    assert band.high == pytest.approx(math.expm1(center + T.k * math.log1p(T.count_floor)))


def test_calm_mondays_among_noisy_days_get_the_pooled_spread() -> None:
    """Six equal Mondays do not make a narrow band when the other days swing by half."""
    values = six_weeks([1000.0] * 6, [600.0, 1400.0, 700.0, 1300.0, 1000.0, 1000.0])
    band = band_for(values, DAY, kind="count", thresholds=T)
    narrow = math.expm1(math.log1p(1000.0) + T.k * math.log1p(T.count_floor))
    assert band.expected == pytest.approx(1000.0)
    assert band.high is not None
    assert band.high > narrow * 1.2


def test_the_pooled_spread_needs_14_residuals() -> None:
    """Under 14 residuals (6 Mondays, 3 calm Sundays) the Mondays' own MAD sets the band."""
    values = weeks_back(1000, 2000, 500, 1500, 1000, 1000)
    values.update({DAY - timedelta(days=1 + 7 * w): 1000.0 for w in range(3)})
    band = band_for(values, DAY, kind="count", thresholds=T)
    points = sorted(math.log1p(v) for v in (1000, 2000, 500, 1500, 1000, 1000))
    center = (points[2] + points[3]) / 2
    mad = sorted(abs(p - center) for p in points)
    spread = MAD_TO_SD * (mad[2] + mad[3]) / 2
    assert band.high == pytest.approx(math.expm1(center + T.k * spread))
