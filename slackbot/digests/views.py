"""What ``/botstats subscriptions`` shows: each digest's next run and its last delivery."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slackbot.core.blocks.listings import LastDelivery, SubscriptionView
from slackbot.core.formatting import day_range
from slackbot.digests.build import ALL
from slackbot.digests.due import DueDigests
from slackbot.store.runs import Run
from slackbot.store.subscriptions import Subscription

CONFIG_VARIABLE = "BOTSTATS_DIGEST_CHANNEL"


def last_delivery(run: Run) -> LastDelivery:
    """A run as the listing shows it: when, what it covered, its link or its error."""
    at = run.finished_at or run.claimed_at
    error, advice = _split_error(run.error)
    return LastDelivery(
        status=run.status,
        at=at,
        period=_period_text(run.period),
        link=run.permalink,
        error=error,
        advice=advice,
    )


def _split_error(text: str | None) -> tuple[str | None, str | None]:
    """``code: what to do`` as stored by the delivery, split in two."""
    if not text:
        return None, None
    code, sep, advice = text.partition(": ")
    if sep and " " not in code:
        return code, advice
    return None, text


def _period_text(key: str | None) -> str:
    """``2026-11-23..2026-11-29`` as the listing shows it (``Mon 23 Nov`` to ``Sun 29 Nov``)."""
    if not key:
        return ""
    first, _, last = key.partition("..")
    try:
        start = date.fromisoformat(first)
        end = date.fromisoformat(last) if last else start
    except ValueError:
        return key
    return day_range(start, end)


def subscription_views(
    due: DueDigests,
    subscriptions: list[Subscription],
    names: Mapping[str, str],
    *,
    tz: ZoneInfo,
    now: datetime,
) -> list[SubscriptionView]:
    """Each subscription with its schedule in words, its next run and its last delivery."""
    views = []
    for plan in due.planned(now, subscriptions):
        sub = plan.subscription
        views.append(
            SubscriptionView(
                channel=sub.channel,
                target="all bots" if sub.target == ALL else names.get(sub.target, sub.target),
                cadence=sub.cadence,
                schedule=plan.schedule.describe(tz),
                next_run=plan.next_run,
                last=None if plan.last is None else last_delivery(plan.last),
                source=CONFIG_VARIABLE if sub.from_config else None,
            )
        )
    return views
