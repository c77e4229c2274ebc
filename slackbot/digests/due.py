"""Which digests are due now: each subscription's newest run, caught up within 24 h or skipped.

Pure decisions come from ``core.schedule``; this module reads the subscriptions and the
runs, records skipped runs, and hands the due ones to ``DigestDelivery``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from slackbot.core.schedule import Schedule, decide, latest_due, next_due, period_key
from slackbot.digests.delivery import Delivered, DigestDelivery, DigestRun
from slackbot.store import Store
from slackbot.store.runs import Run
from slackbot.store.subscriptions import Subscription

log = logging.getLogger(__name__)

SKIPPED = "botstats was not running within 24 h of its due time"


def schedule_of(subscription: Subscription) -> Schedule:
    """The subscription's schedule (defaults: 09:00, Mondays for weekly)."""
    return Schedule.of(subscription.cadence, subscription.at, subscription.weekday)


@dataclass(frozen=True)
class Planned:
    """A subscription with its schedule, its effective next run and its last delivery."""

    subscription: Subscription
    schedule: Schedule
    next_run: datetime
    last: Run | None


class DueDigests:
    """Finds each subscription's due run and posts it through ``DigestDelivery``."""

    def __init__(self, store: Store, delivery: DigestDelivery | None, *, tz: ZoneInfo) -> None:
        self.store = store
        self.delivery = delivery
        self.tz = tz

    def due_runs(self, now: datetime) -> list[DigestRun]:
        """The runs to post now (one per subscription at most); records the skipped ones."""
        runs = []
        for subscription in self.store.subscriptions.all():
            run = self._due(subscription, now)
            if run is not None:
                runs.append(run)
        return runs

    def _due(self, subscription: Subscription, now: datetime) -> DigestRun | None:
        due = latest_due(schedule_of(subscription), self.tz, now)
        decision = decide(due, now=now, since=subscription.created_at)
        if decision == "wait":
            return None
        run = DigestRun(
            subscription.channel,
            subscription.target,
            subscription.cadence,
            due.period,
            due_at=due.due_at,
        )
        if decision == "skip":
            self._skip(run)
            return None
        return run

    def _skip(self, run: DigestRun) -> None:
        recorded = self.store.runs.skip(
            run.key,
            kind=run.kind,
            channel=run.channel,
            reason=SKIPPED,
            target=run.target,
            period=period_key(run.period),
            due_at=run.due_at,
        )
        if recorded:
            log.warning("digest %s skipped: %s", run.key, SKIPPED)

    def run(self, now: datetime) -> list[Delivered]:
        """Post every due digest (keys already sent or taken post nothing)."""
        if self.delivery is None:
            return []
        done = []
        for run in self.due_runs(now):
            existing = self.store.runs.get(run.key)
            if existing is not None and (
                existing.status in ("sent", "posting", "skipped")
                or (existing.status == "failed" and not existing.retryable)
            ):
                continue  # the usual case every minute after a post: no claim needed
            done.append(self.delivery.deliver(run, now=now))
        return done

    def planned(self, now: datetime, subscriptions: Iterable[Subscription]) -> list[Planned]:
        """Each subscription with its effective next run and its last delivery."""
        return [
            Planned(
                s,
                schedule_of(s),
                next_due(schedule_of(s), self.tz, now).due_at,
                self.store.runs.latest(kind="digest", channel=s.channel, target=s.target),
            )
            for s in subscriptions
        ]
