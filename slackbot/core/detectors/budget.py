"""Budget: the month's projected and actual spend of the tracked bots against the budget.

The projection is ``digest.month_spend``'s (the digest shows the same numbers); this only
reads it. Each stage is reported on every call: firing once per month is the alert
state machine's job.
"""

from __future__ import annotations

import math
from datetime import date

from slackbot.core.anomalies import Band, Evaluation
from slackbot.core.digest import MonthSpend

#: ``detail["stage"]`` of the pace evaluation (details are numbers; the others are 0.8, 1.0).
PACE = 0.0
#: Stage -> the share of the budget it fires at.
STAGES: tuple[tuple[float, float], ...] = ((PACE, 1.0), (0.8, 0.8), (1.0, 1.0))


def evaluate_budget(spend: MonthSpend, *, day: date) -> list[Evaluation]:
    """Pace (projected > budget), 80% and 100% of the budget spent; none without a budget."""
    budget = spend.budget
    if budget is None or not math.isfinite(budget) or budget <= 0:
        return []
    days = 0 if spend.through is None else (spend.through - spend.month).days + 1
    detail = {"spent": spend.spent, "projected": spend.projected, "budget": budget}
    out: list[Evaluation] = []
    for stage, share in STAGES:
        value = spend.projected if stage == PACE else spend.spent
        limit = budget * share
        band = Band(limit, None, limit, "budget", days)
        score = value / limit if math.isfinite(value) and value > 0 else 0.0
        out.append(
            Evaluation(None, "budget", "up", day, value, band, score, {**detail, "stage": stage})
        )
    return out
