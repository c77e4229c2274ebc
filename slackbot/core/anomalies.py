"""The alert engine's vocabulary: metrics, bands, evaluations and thresholds (DESIGN §7). Pure.

Every detector turns a bot's history into one ``Evaluation`` per metric and direction for
a day: the value, the expected band and a ``score`` in threshold units (1.0 = exactly at
the firing threshold). The state machine (``alert_states``) fires at ``score >= 1`` and
resolves below ``RESOLVE_SCORE``, so an alert never flaps around one threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeAlias

Metric: TypeAlias = Literal[
    "cost",
    "cost_per_call",
    "error_rate",
    "latency",
    "sessions",
    "user_messages",
    "missing_data",
    "intraday_cost",
    "budget",
]
Direction: TypeAlias = Literal["up", "down"]
Severity: TypeAlias = Literal["warning", "critical"]
Sensitivity: TypeAlias = Literal["low", "normal", "high"]

METRICS: tuple[Metric, ...] = (
    "cost",
    "cost_per_call",
    "error_rate",
    "latency",
    "sessions",
    "user_messages",
    "missing_data",
    "intraday_cost",
    "budget",
)
#: An alert resolves once its score falls below this (it fired at 1.0): hysteresis.
RESOLVE_SCORE = 0.5
#: A score this high (in threshold units) makes an alert critical.
CRITICAL_SCORE = 2.0


@dataclass(frozen=True)
class Band:
    """What was expected of a metric on a day, and the band outside which it alerts."""

    expected: float | None
    low: float | None
    high: float | None
    method: str  # "same-weekday", "recent", "binomial", "budget", "presence"
    history_days: int  # days of history the band was computed from
    limited: bool = False  # fewer than 3 weeks of history: "limited history"


@dataclass(frozen=True)
class Evaluation:
    """One detector's reading of one metric, in one direction, on one day."""

    bot_id: str | None  # None for the workspace-wide budget
    metric: Metric
    direction: Direction
    day: date
    value: float | None
    band: Band
    score: float  # 0 when normal; >= 1 past the firing threshold
    detail: dict[str, float] = field(default_factory=dict)  # calls, errors, ci_low, ...

    @property
    def firing(self) -> bool:
        """True when the value is past the firing threshold."""
        return self.score >= 1.0

    @property
    def severity(self) -> Severity:
        """``critical`` far past the threshold, else ``warning``."""
        return "critical" if self.score >= CRITICAL_SCORE else "warning"

    @property
    def change(self) -> float | None:
        """Relative change of the value against the expected one (0.5 = +50%)."""
        if self.value is None or not self.band.expected:
            return None
        return self.value / self.band.expected - 1.0


@dataclass(frozen=True)
class Thresholds:
    """Every knob of the detectors; ``for_sensitivity`` moves them all together."""

    k: float = 4.5  # scaled deviations (robust z) past which a count or cost fires
    alpha: float = 1e-3  # binomial test of error rates: the effect size guards it too
    min_calls: int = 30  # LLM calls below which error rate and latency stay quiet
    min_errors: int = 5
    error_ratio: float = 2.0  # the rate must at least double...
    error_points: float = 0.01  # ...and be this much higher (1 point: x3 of 1% is 2)
    latency_ratio: float = 1.5  # call-weighted mean latency at least +50%
    cost_per_call_ratio: float = 1.8
    traffic_floor: float = 20.0  # expected sessions/messages below which traffic is quiet
    relative_floor: float = 0.10  # the band is never narrower than 10% of the median
    # Traffic swings 20-30% a day on its own; 6 same-weekday points can show far less.
    count_floor: float = 0.20
    cost_floor: float = 1.00  # BOTSTATS_COST_FLOOR_USD: daily cost below this never alerts

    @classmethod
    def for_sensitivity(cls, sensitivity: Sensitivity, cost_floor: float = 1.00) -> Thresholds:
        """``low`` alerts less, ``high`` more; ``normal`` is the default."""
        scale = {"low": 1.35, "normal": 1.0, "high": 0.75}[sensitivity]
        return cls(
            k=4.5 * scale,
            alpha={"low": 1e-5, "normal": 1e-3, "high": 1e-2}[sensitivity],
            min_calls=round(30 * scale),
            min_errors=max(3, round(5 * scale)),
            error_ratio=1.0 + 1.0 * scale,
            error_points=0.01 * scale,
            latency_ratio=1.0 + 0.5 * scale,
            cost_per_call_ratio=1.0 + 0.8 * scale,
            traffic_floor=20.0 * scale,
            relative_floor=0.10 * scale,
            count_floor=0.20 * scale,
            cost_floor=cost_floor,
        )
