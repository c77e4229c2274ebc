"""Error rate up: a one-sided binomial test against the pooled baseline rate.

Never a z-score on a rate: a rate from a small denominator swings wildly. The alert needs
all of volume (calls, errors), effect (a ratio and a number of points over the baseline)
and significance (``P(X >= e | n, p0) < alpha``). The score is the smallest of the three
effect/significance scores, each 1.0 at its threshold, so it reaches 1 only when all hold.
"""

from __future__ import annotations

import math

from slackbot.core.anomalies import RESOLVE_SCORE, Band, Evaluation, Thresholds
from slackbot.core.baselines import MIN_POINTS, baseline_points, stricter
from slackbot.core.detectors.context import Context

#: The normal quantile of a two-sided 95% interval (scipy's ``norm.ppf(0.975)``).
Z_95 = 1.959963984540054


def wilson(errors: int, calls: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of ``errors / calls`` (scipy's ``method="wilson"``)."""
    if calls <= 0:
        return 0.0, 1.0
    # Closed form: scipy's binomtest(...).proportion_ci costs milliseconds a call.
    e = min(errors, calls)
    denominator = calls + z * z
    center = (e + z * z / 2) / denominator
    half = z / denominator * math.sqrt(e * (calls - e) / calls + z * z / 4)
    return max(center - half, 0.0), min(center + half, 1.0)


def p_value(errors: int, calls: int, p0: float) -> float:
    """``P(X >= errors)`` for X ~ Binomial(calls, p0): the one-sided test's p-value."""
    if errors <= 0:
        return 1.0
    # scipy.stats.binom.sf(e - 1, n, p) is this very function behind ~100 us of dispatch;
    # imported here so that importing the core does not load scipy.
    from scipy.special import bdtrc  # type: ignore[import-untyped]

    return float(bdtrc(errors - 1, calls, p0))


def error_rate(ctx: Context) -> Evaluation:
    """Error rate up on the day, with calls, errors, rate, p0, Wilson CI and p-value."""
    m = ctx.metrics
    band = _band(ctx)
    if m is None or m.llm_calls == 0:
        return ctx.evaluation("error_rate", "up", None, band, 0.0)
    calls, errors = m.llm_calls, m.llm_errors
    rate = min(errors / calls, 1.0)
    low, high = wilson(errors, calls)
    detail = {"calls": float(calls), "errors": float(errors), "rate": rate}
    detail.update(ci_low=low, ci_high=high)
    if m.suspect:
        # More errors than calls: the counts are wrong, whatever they say.
        detail["suspect"] = 1.0
        return ctx.evaluation("error_rate", "up", rate, band, 0.0, detail=detail)
    if band.expected is None or band.high is None:
        return ctx.evaluation("error_rate", "up", rate, band, 0.0, detail=detail)
    p0 = band.expected
    detail["p0"] = p0
    t = stricter(ctx.thresholds) if band.limited else ctx.thresholds
    score = _score(errors, calls, p0, t, detail)
    return ctx.evaluation("error_rate", "up", rate, band, score, detail=detail)


def _score(errors: int, calls: int, p0: float, t: Thresholds, detail: dict[str, float]) -> float:
    """min(ratio, points, significance) scores; 0 under the volume; adds ``p_value``."""
    if calls < t.min_calls or errors < t.min_errors:
        return 0.0
    rate = errors / calls
    if rate <= p0:
        return 0.0
    effect = min(math.log(rate / p0) / math.log(t.error_ratio), (rate - p0) / t.error_points)
    # The test is the one costly step: skip it where its answer cannot matter, that is
    # below the resolve score, where the effect alone already keeps the alert quiet.
    if effect < RESOLVE_SCORE:
        return effect
    p = p_value(errors, calls, p0)
    detail["p_value"] = p
    significance = math.inf if p <= 0 else math.log(p) / math.log(t.alpha)
    return min(effect, significance)


def _band(ctx: Context) -> Band:
    """The pooled baseline rate ``(errors + 0.5) / (calls + 1)`` and the effect threshold."""
    usable = {d: m for d, m in ctx.candidates.items() if m.llm_calls > 0}
    days, limited = baseline_points(usable, ctx.day, ctx.excluded.get("error_rate", ()))
    if not days:
        return Band(None, None, None, "binomial", 0, limited)
    calls = sum(m.llm_calls for m in days.values())
    errors = sum(m.llm_errors for m in days.values())
    # The half error keeps p0 above 0: a clean baseline must not make one error "infinite".
    p0 = (errors + 0.5) / (calls + 1)
    if len(days) < MIN_POINTS:
        # One or two days say too little about what is normal for this bot to test against.
        return Band(p0, None, None, "binomial", len(days), limited)
    t = stricter(ctx.thresholds) if limited else ctx.thresholds
    high = min(max(p0 * t.error_ratio, p0 + t.error_points), 1.0)
    return Band(p0, None, high, "binomial", len(days), limited)
