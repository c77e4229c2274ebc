"""Daily LLM cost against its same-weekday band (log scale), and today's runaway cost."""

from __future__ import annotations

from slackbot.core.anomalies import Evaluation
from slackbot.core.baselines import Expectation
from slackbot.core.detectors.context import Context, finite
from slackbot.core.models import Metrics


def _cost(m: Metrics) -> float:
    return m.cost_sum


def cost(ctx: Context) -> Evaluation:
    """Cost up: the day's LLM spend above its band, unless it is all pocket money."""
    expectation = ctx.expect("cost", _cost, "cost")
    value = None if ctx.metrics is None else finite(ctx.metrics.cost_sum)
    detail = {} if ctx.metrics is None else {"calls": float(ctx.metrics.llm_calls)}
    score = _floored_score(expectation, value, ctx.thresholds.cost_floor)
    return ctx.evaluation("cost", "up", value, expectation.band, score, detail=detail)


def intraday_cost(ctx: Context, so_far: Metrics) -> Evaluation:
    """Intraday cost up: today's partial spend already past the whole day's upper band."""
    # The same band as the closed day's cost: a partial day can only fall short of it, so
    # being past it before the day is over is a runaway, not noise.
    expectation = ctx.expect("cost", _cost, "cost")
    value = finite(so_far.cost_sum)
    score = _floored_score(expectation, value, ctx.thresholds.cost_floor)
    detail = {"calls": float(so_far.llm_calls)}
    return ctx.evaluation("intraday_cost", "up", value, expectation.band, score, detail=detail)


def _floored_score(expectation: Expectation, value: float | None, floor: float) -> float:
    """The upward score, 0 when both the value and the expected cost are under ``floor``."""
    expected = expectation.band.expected
    if value is None or (value < floor and (expected is None or expected < floor)):
        return 0.0
    return expectation.score(value, "up")
