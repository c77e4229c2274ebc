"""The detectors (DESIGN §7): a bot's history in, one ``Evaluation`` per metric out. Pure.

``evaluate_day`` judges one closed day against baselines of the closed days before it
(history after the day is never read, so a backtest can pass all of it);
``evaluate_intraday`` judges today's partial cost; ``evaluate_budget`` the month's spend.
Firing, resolving and deduplication are the alert state machine's, not theirs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

from slackbot.core.anomalies import Evaluation, Metric, Thresholds
from slackbot.core.detectors.budget import PACE, STAGES, evaluate_budget
from slackbot.core.detectors.context import Context
from slackbot.core.detectors.costs import cost, intraday_cost
from slackbot.core.detectors.counts import traffic
from slackbot.core.detectors.errors import error_rate, p_value, wilson
from slackbot.core.detectors.per_call import cost_per_call, latency
from slackbot.core.detectors.presence import missing_data
from slackbot.core.models import Metrics

__all__ = [
    "PACE",
    "STAGES",
    "evaluate_budget",
    "evaluate_day",
    "evaluate_intraday",
    "p_value",
    "wilson",
]


def evaluate_day(
    bot_id: str,
    history: Mapping[date, Metrics],
    day: date,
    *,
    thresholds: Thresholds,
    excluded: Mapping[Metric, Collection[date]] | None = None,
) -> list[Evaluation]:
    """Every detector on the closed ``day``; ``excluded``: flagged days kept out of baselines."""
    ctx = Context.build(bot_id, history, day, thresholds, excluded)
    return [
        cost(ctx),
        cost_per_call(ctx),
        error_rate(ctx),
        latency(ctx),
        *traffic(ctx),
        missing_data(ctx),
    ]


def evaluate_intraday(
    bot_id: str,
    history: Mapping[date, Metrics],
    today: date,
    so_far: Metrics,
    *,
    thresholds: Thresholds,
    excluded: Collection[date] = (),
) -> Evaluation:
    """Today's partial cost ``so_far`` against the whole day's upper cost band."""
    ctx = Context.build(bot_id, history, today, thresholds, {"cost": excluded})
    return intraday_cost(ctx, so_far)
