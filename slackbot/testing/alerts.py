"""A firing alert record as the state machine leaves it, for tests and benchmarks to store."""

from __future__ import annotations

from datetime import date, datetime

from slackbot.core.alert_states import AlertRecord, Status
from slackbot.core.anomalies import Metric


def firing_record(
    bot_id: str,
    *,
    since: date,
    notified_at: datetime,
    metric: Metric = "cost",
    status: Status = "firing",
) -> AlertRecord:
    """A critical alert of ``metric`` up, opened and notified on ``since``: 41.2 against 12.0."""
    return AlertRecord(
        bot_id=bot_id,
        metric=metric,
        direction="up",
        status=status,
        since=since,
        last_day=since,
        value=41.2,
        expected=12.0,
        low=8.1,
        high=17.5,
        severity="critical",
        score=2.6,
        peak_score=2.6,
        firing_days=1,
        notified_at=notified_at,
        notified_score=2.6,
        notified_severity="critical",
    )
