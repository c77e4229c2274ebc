"""Expected values and bands from a bot's own history (DESIGN §7, notes/alerting.md). Pure.

A metric's expectation on a day is the median of the same weekday over the last 6 weeks
and its spread the MAD. Under 3 such days it falls back to the last 14 days, flagged
``limited`` and held to stricter thresholds. Four to six points give a noisy MAD that can
be 0, so every spread has floors: relative, absolute, and Poisson for counts. Counts
(sessions, user messages) take their spread from every weekday of the 6 weeks instead,
each day around its own weekday's median: 42 residuals say far more about a bot's
day-to-day noise than 6 do.

Only the days a band can use are ever looked up (``lookback``), never the whole history,
so a band costs the same on 42 days of history as on 4 years.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from statistics import median
from typing import Literal, TypeAlias, TypeVar

from slackbot.core.anomalies import Band, Direction, Thresholds

Kind: TypeAlias = Literal["count", "cost", "mean", "ratio"]
V = TypeVar("V")

WEEKS = 6  # same-weekday points looked at, at most
MIN_WEEKLY = 3  # fewer same-weekday points than this: the recent fallback
RECENT_DAYS = 14
MIN_POINTS = 3  # fewer points than this: an expected value, but no band to breach
LIMITED_FACTOR = 1.3  # how much stricter every threshold is on limited history
MAD_TO_SD = 1.4826  # the MAD of a normal sample times this estimates its sd
#: The narrowest spread of each kind, in the kind's own scale (log1p dollars for cost).
ABSOLUTE_FLOOR: Mapping[Kind, float] = {"count": 0.05, "cost": 0.01, "mean": 1.0, "ratio": 1e-9}
#: Kinds judged on a log scale: their noise grows with their size (a busy bot's sessions
#: vary by a share of themselves, not by a fixed number).
LOG_KINDS: frozenset[Kind] = frozenset({"count", "cost"})

_WEEKLY = tuple(timedelta(weeks=w) for w in range(1, WEEKS + 1))
_RECENT = tuple(timedelta(days=i) for i in range(1, RECENT_DAYS + 1))
#: Every day of the 6 weeks: counts pool their spread over all weekdays (``_pooled``).
_POOLED = tuple(timedelta(days=i) for i in range(1, 7 * WEEKS + 1))
_LOOKBACK = tuple(sorted(set(_WEEKLY) | set(_RECENT) | set(_POOLED)))


@dataclass(frozen=True)
class Expectation:
    """A band plus what scoring needs: its centre and reach in the kind's own scale."""

    band: Band
    kind: Kind
    center: float | None = None  # log1p dollars for cost, the value itself otherwise
    reach: float | None = None  # k x scale: from the centre to either edge; None: no band

    @property
    def comparable(self) -> bool:
        """True when there is a band a value can breach."""
        return self.center is not None and self.reach is not None and self.reach > 0

    def score(self, value: float | None, direction: Direction) -> float:
        """How far ``value`` is past the band edge in band widths (1.0 on the edge), 0 inside."""
        if self.center is None or self.reach is None or self.reach <= 0:
            return 0.0
        # Guards against input the parser already rejects: a garbage value never alerts.
        if value is None or not math.isfinite(value) or value < 0:
            return 0.0
        deviation = _forward(self.kind, value) - self.center
        return max(0.0, (deviation if direction == "up" else -deviation) / self.reach)


def lookback(day: date) -> tuple[date, ...]:
    """Every day a band for ``day`` may read, newest first: the only days worth fetching."""
    return tuple(day - delta for delta in _LOOKBACK)


def baseline_points(
    values_by_day: Mapping[date, V], day: date, excluded: Collection[date] = ()
) -> tuple[dict[date, V], bool]:
    """The values feeding ``day``'s baseline, newest first, and whether history is limited."""
    # One .get per day that can matter: the history may be a lazy view or years long.
    get = values_by_day.get
    weekly = {
        d: v for delta in _WEEKLY if (v := get(d := day - delta)) is not None and d not in excluded
    }
    if len(weekly) >= MIN_WEEKLY:
        return weekly, False
    recent = {
        d: v for delta in _RECENT if (v := get(d := day - delta)) is not None and d not in excluded
    }
    return recent, True


def stricter(thresholds: Thresholds) -> Thresholds:
    """``thresholds`` tightened for limited history: every effect ``LIMITED_FACTOR`` larger."""
    f = LIMITED_FACTOR
    return replace(
        thresholds,
        k=thresholds.k * f,
        alpha=thresholds.alpha**f,
        error_ratio=1.0 + (thresholds.error_ratio - 1.0) * f,
        error_points=thresholds.error_points * f,
        latency_ratio=1.0 + (thresholds.latency_ratio - 1.0) * f,
        cost_per_call_ratio=1.0 + (thresholds.cost_per_call_ratio - 1.0) * f,
    )


def expect(
    values_by_day: Mapping[date, float],
    day: date,
    *,
    kind: Kind,
    thresholds: Thresholds,
    excluded: Collection[date] = (),
    noise_floor: float = 0.0,
) -> Expectation:
    """The expectation of a metric on ``day``; ``noise_floor``: a known least spread."""
    values, limited = baseline_points(values_by_day, day, excluded)
    method = "recent" if limited else "same-weekday"
    points = [_forward(kind, v) for v in values.values() if _valid(v)]
    if not points:
        return Expectation(Band(None, None, None, method, 0, limited), kind)
    center = float(median(points))
    if len(points) < MIN_POINTS:
        band = Band(_back(kind, center), None, None, method, len(points), limited)
        return Expectation(band, kind)
    k = stricter(thresholds).k if limited else thresholds.k
    relative = thresholds.count_floor if kind == "count" else thresholds.relative_floor
    pooled = _pooled(values_by_day, day, excluded) if kind == "count" and not limited else None
    reach = k * max(
        _scale(points, center, kind, relative, limited=limited, pooled=pooled), noise_floor
    )
    band = Band(
        expected=_back(kind, center),
        # Every kind here is a non-negative quantity: a band below 0 could never be breached.
        low=max(_back(kind, center - reach), 0.0),
        high=_back(kind, center + reach),
        method=method,
        history_days=len(points),
        limited=limited,
    )
    return Expectation(band, kind, center, reach)


def band_for(
    values_by_day: Mapping[date, float],
    day: date,
    *,
    kind: Kind,
    thresholds: Thresholds,
    excluded: Collection[date] = (),
) -> Band:
    """The expected value and band of a metric on ``day`` (see ``expect``)."""
    return expect(values_by_day, day, kind=kind, thresholds=thresholds, excluded=excluded).band


def ratio_score(value: float | None, expected: float | None, ratio: float) -> float:
    """``value / expected`` in units of ``ratio`` on a log scale (1.0 at the ratio), 0 below 1."""
    if value is None or not expected or ratio <= 1.0 or not _valid(value) or expected < 0:
        return 0.0
    if value <= expected:
        return 0.0
    return math.log(value / expected) / math.log(ratio)


def _pooled(
    values_by_day: Mapping[date, float], day: date, excluded: Collection[date]
) -> float | None:
    """The count's robust spread over every weekday of 6 weeks, each around its own median."""
    get = values_by_day.get
    residuals: list[float] = []
    for offset in range(1, 8):
        group = [
            math.log1p(v)
            for w in range(WEEKS)
            if (v := get(d := day - timedelta(days=offset + 7 * w))) is not None
            and d not in excluded
            and _valid(v)
        ]
        if len(group) >= MIN_WEEKLY:
            m = median(group)
            residuals.extend(abs(x - m) for x in group)
    return MAD_TO_SD * float(median(residuals)) if len(residuals) >= 14 else None


def _scale(
    points: list[float],
    center: float,
    kind: Kind,
    relative: float,
    *,
    limited: bool,
    pooled: float | None = None,
) -> float:
    """One scaled deviation: the robust spread, never under the floors."""
    spread = (
        MAD_TO_SD * float(median(abs(x - center) for x in points)) if pooled is None else pooled
    )
    if limited:
        # The fallback mixes weekdays with weekends: that known swing must fit in the band,
        # and the MAD of 10 weekdays and 4 weekend days is blind to it.
        mean = sum(points) / len(points)
        spread = max(spread, math.sqrt(sum((x - mean) ** 2 for x in points) / len(points)))
    # On the log scale a relative floor is a constant: 10% more dollars is log(1.1).
    floor = math.log1p(relative) if kind in LOG_KINDS else relative * abs(center)
    # A Poisson count of mean m has sd sqrt(m): on the log scale, about 1/sqrt(m).
    poisson = 1.0 / math.sqrt(max(math.expm1(center), 1.0)) if kind == "count" else 0.0
    return max(spread, floor, ABSOLUTE_FLOOR[kind], poisson)


def _valid(value: float) -> bool:
    return math.isfinite(value) and value >= 0


def _forward(kind: Kind, value: float) -> float:
    # Costs and counts compare on a log scale: $10 -> $30 weighs like $100 -> $300.
    return math.log1p(value) if kind in LOG_KINDS else value


def _back(kind: Kind, value: float) -> float:
    return math.expm1(value) if kind in LOG_KINDS else value
