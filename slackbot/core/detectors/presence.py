"""Missing data: an active bot with no record for 2 closed days in a row.

No data is not zero. A single missing day is a gap (messages name it) and scores 0; from
the second day in a row the score is the run's length in units of 2 days.
"""

from __future__ import annotations

from datetime import timedelta

from slackbot.core.anomalies import Band, Evaluation
from slackbot.core.detectors.context import Context

MIN_RUN = 2  # missing days in a row that alert
ACTIVE_WINDOW = 14  # days before the run that say whether the bot was active...
MIN_ACTIVE = 8  # ...by having a record on most of them
#: A bot silent for this long is gone, not missing: the run stops counting.
MAX_RUN = 28

_DAY = timedelta(days=1)


def missing_data(ctx: Context) -> Evaluation:
    """Missing data down: the run of days without a record that ends on the day."""
    run = 0
    while run < MAX_RUN and ctx.day - run * _DAY not in ctx.history:
        run += 1
    # The window ends on the last day with a record, just before the run.
    last = ctx.day - run * _DAY
    active = sum(1 for i in range(ACTIVE_WINDOW) if last - i * _DAY in ctx.history)
    band = Band(0.0, None, float(MIN_RUN - 1), "presence", active)
    alerting = MIN_RUN <= run < MAX_RUN and active >= MIN_ACTIVE
    score = run / MIN_RUN if alerting else 0.0
    detail = {"active_days": float(active)}
    return ctx.evaluation("missing_data", "down", float(run), band, score, detail=detail)
