"""Per-call means: cost per call (each call got dearer) and call-weighted latency.

Both need a volume (``min_calls`` on the day and on every baseline day: a mean of three
calls is noise) and an effect (a ratio to the expected value) on top of the band breach,
so a steady bot with a tight band does not alert on a 10% wobble.
"""

from __future__ import annotations

from collections.abc import Callable

from slackbot.core.anomalies import Evaluation, Metric
from slackbot.core.baselines import Kind, ratio_score, stricter
from slackbot.core.detectors.context import Context, finite
from slackbot.core.models import Metrics


def cost_per_call(ctx: Context) -> Evaluation:
    """Cost per call up: dearer calls (a model or prompt change), not more traffic."""
    m = ctx.metrics
    # A day that spent under the cost floor never alerts on money, per call or not.
    cheap = m is not None and m.cost_sum < ctx.thresholds.cost_floor
    return _per_call(ctx, "cost_per_call", _cost_per_call, "ratio", quiet=cheap)


def latency(ctx: Context) -> Evaluation:
    """Latency up: the call-weighted mean latency of the day against its band and ratio."""
    return _per_call(ctx, "latency", _latency, "mean", quiet=False)


def _cost_per_call(m: Metrics) -> float | None:
    return m.cost_per_call


def _latency(m: Metrics) -> float | None:
    return m.latency_mean


def _ratio_threshold(ctx: Context, metric: Metric, limited: bool) -> float:
    t = stricter(ctx.thresholds) if limited else ctx.thresholds
    return t.cost_per_call_ratio if metric == "cost_per_call" else t.latency_ratio


def _per_call(
    ctx: Context,
    metric: Metric,
    read: Callable[[Metrics], float | None],
    kind: Kind,
    *,
    quiet: bool,
) -> Evaluation:
    """A per-call mean up: score = min(band score, ratio score), 0 without the volume."""
    min_calls = ctx.thresholds.min_calls

    def busy(m: Metrics) -> float | None:
        """The mean of a day with enough calls to mean something."""
        return read(m) if m.llm_calls >= min_calls else None

    expectation = ctx.expect(metric, busy, kind)
    band, m = expectation.band, ctx.metrics
    value = None if m is None else finite(read(m))
    enough = m is not None and m.llm_calls >= min_calls
    score = 0.0
    if enough and not quiet:
        ratio = _ratio_threshold(ctx, metric, band.limited)
        score = min(expectation.score(value, "up"), ratio_score(value, band.expected, ratio))
    detail = {} if m is None else {"calls": float(m.llm_calls)}
    return ctx.evaluation(metric, "up", value, band, score, detail=detail)
