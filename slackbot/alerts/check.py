"""The alert check as the tick and ``botstats check`` run it: evaluate, then post.

The tick runs it once per hour (``store.jobs`` slot ``alerts``), after the hourly sync,
so the newest settled day is checked soon after it settles and today's cost so far is
checked every hour; the re-fetched days of the sync can resolve or confirm an alert.
An alert that reached no channel because Slack refused it before taking it (``untell``)
is put back as it was, so the next hour's check posts it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slackbot.alerts.delivery import AlertDelivery, Posted
from slackbot.alerts.engine import AlertEngine, CheckResult
from slackbot.core.alert_states import AlertRecord
from slackbot.core.alerting import Change
from slackbot.store.alerts import Alerts, StoredAlert

log = logging.getLogger(__name__)


class AlertCheck:
    """Engine plus delivery: what one run of the check does."""

    def __init__(self, engine: AlertEngine, delivery: AlertDelivery | None) -> None:
        self.engine = engine
        self.delivery = delivery

    def run(self, now: datetime, *, post: bool = True) -> tuple[CheckResult, list[Posted]]:
        """Check every bot; post what changed unless ``post`` is False (nothing is saved then)."""
        alerts = self.engine.service.store.alerts
        before = {a.alert_id: a for a in alerts.records()} if post else {}
        result = self.engine.check(now, save=post)
        posted: list[Posted] = []
        if post and self.delivery is not None:
            posted = self.delivery.deliver(
                result.changes, self.engine.service.bots(), now=now, histories=result.histories
            )
            untell(alerts, posted, before)
        return result, posted

    def hourly(self, now: datetime) -> None:
        """The tick's hook: run once per hour across processes (``store.jobs``)."""
        jobs = self.engine.service.store.jobs
        slot = now.astimezone(UTC).strftime("%Y-%m-%dT%H")
        if not jobs.start("alerts", slot, now=now):
            return
        try:
            result, posted = self.run(now)
        except Exception as exc:
            jobs.finish("alerts", slot, ok=False, detail=f"{type(exc).__name__}: {exc}", now=now)
            raise
        sent = sum(1 for p in posted if p.outcome == "sent")
        detail = f"{len(result.changes)} change(s), {sent} message(s) posted"
        jobs.finish("alerts", slot, ok=True, detail=detail, now=now)
        log.info("alert check: %s", detail)


def untell(alerts: Alerts, posted: Sequence[Posted], before: Mapping[str, StoredAlert]) -> None:
    """Put back, as they were before the check, the alerts whose every message failed before
    Slack took it (a 5xx, a 429 past its retries): the next check steps them again and posts
    them, claiming the failed run again. Saved as told, they would wait 24 h for a reminder."""
    refused = {a for p in posted if p.outcome == "failed" and p.retry for a in p.alert_ids}
    told = {a for p in posted if not (p.outcome == "failed" and p.retry) for a in p.alert_ids}
    for alert_id in sorted(refused - told):
        log.info("alert %s reached no channel: the next check tries again", alert_id)
        if alert_id in before:
            alerts.save_record(before[alert_id])
        else:
            alerts.delete_record(alert_id)


def alert_row(change: Change, *, now: datetime) -> dict[str, Any]:
    """One alert as DESIGN §2's JSON row."""
    record = change.step.record
    evaluation = change.evaluation
    state = record.state_at(now) if record is not None else "resolved"
    return {
        "bot_id": evaluation.bot_id,
        "metric": evaluation.metric,
        "direction": evaluation.direction,
        "day": evaluation.day.isoformat(),
        "value": evaluation.value,
        "expected": evaluation.band.expected,
        "low": evaluation.band.low,
        "high": evaluation.band.high,
        "severity": evaluation.severity if record is None else record.severity,
        "state": state,
        "action": change.action,
        "alert_id": change.alert_id,
        "score": round(evaluation.score, 3),
        **({"stage": record.stage} if isinstance(record, AlertRecord) and record.stage else {}),
    }


def reported(result: CheckResult) -> list[Change]:
    """The changes worth listing: every one that is not a quiet normal reading."""
    latest: dict[str, Change] = {}
    for change in result.changes:
        latest[change.alert_id] = change
    return [
        c
        for c in latest.values()
        if c.step.record is not None and (c.action != "none" or c.step.record.status == "firing")
    ]
