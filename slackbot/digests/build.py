"""Assemble a digest's data: each bot's settled period, the month's spend, the chart's days.

Every bot's days are made present in the store with one ``ensure_days`` over the whole
window the digest reads (so a cold store costs one analytics call per bot), and the last
closed days are fetched again only when they were stored before they settled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from slackbot.core.comparisons import reference_period
from slackbot.core.digest import BotDigest, Cadence, Digest, OpenAlert, month_spend
from slackbot.core.models import Bot, Metrics
from slackbot.core.periods import Period
from slackbot.core.schedule import settled_at
from slackbot.core.series import DailySeries, daily_series
from slackbot.errors import BotstatsError
from slackbot.service import Service
from slackbot.sync import REFETCH_DAYS, ensure_days, fetch_days

log = logging.getLogger(__name__)

ALL = "all"
#: The chart shows this many days, ending on the digest's last day.
CHART_DAYS = 28
#: Same-weekday expectations for the month's projection look back this far.
PROJECTION_DAYS = 28
#: Bots fetched at once: Botpress latency, not CPU, bounds a digest of many bots.
DEFAULT_WORKERS = 16
OpenAlerts = Callable[[Sequence[Bot]], Sequence[OpenAlert]]


@dataclass(frozen=True)
class _BotData:
    part: BotDigest
    days: dict[date, Metrics]


class DigestBuilder:
    """Builds ``Digest`` values from the service's store and Botpress client."""

    def __init__(
        self,
        service: Service,
        *,
        budget: float | None = None,
        open_alerts: OpenAlerts | None = None,
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        self.service = service
        self.budget = budget
        self.open_alerts = open_alerts
        self.workers = workers

    def bots_for(self, target: str) -> list[Bot]:
        """The bots a subscription's target names: every tracked bot, or the one bot."""
        if target == ALL:
            return self.service.bots()
        tracked = {bot.id: bot for bot in self.service.bots()}
        if target in tracked:
            return [tracked[target]]
        known = {bot.id: bot for bot in self.service.known_bots()}
        return [known.get(target, Bot(target, target))]

    def build(self, target: str, cadence: Cadence, period: Period, *, now: datetime) -> Digest:
        """The digest of ``target`` over the settled ``period`` as seen at ``now``."""
        bots = self.bots_for(target)
        today = now.astimezone(UTC).date()
        first = window_start(period, today)
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(bots)))) as pool:
            parts = list(pool.map(lambda b: self._bot(b, period, first, today, now), bots))
        history = {p.part.bot.id: p.days for p in parts if p.part.summary is not None}
        spend = month_spend(history, today=today, budget=self.budget) if history else None
        alerts = tuple(self.open_alerts(bots)) if self.open_alerts else ()
        return Digest(
            cadence=cadence,
            period=period,
            previous=reference_period(period, today),
            bots=tuple(p.part for p in parts),
            spend=spend,
            alerts=alerts,
            chart=chart_series(parts, period) if history else None,
            target=target,
        )

    def _bot(self, bot: Bot, period: Period, first: date, today: date, now: datetime) -> _BotData:
        """One bot's summary and stored days; unavailable (with why) when Botpress fails."""
        try:
            days = self._refresh(bot, first, today, now)
            # The days are read once: the summary is made from them, not loaded again.
            summary = self.service.summary_from(bot, period, days, now=now)
        except BotstatsError as exc:
            log.warning("digest: bot %s is unavailable: %s", bot.id, exc)
            return _BotData(BotDigest(bot, None, unavailable(exc)), {})
        return _BotData(BotDigest(bot, summary), days)

    def _refresh(self, bot: Bot, first: date, today: date, now: datetime) -> dict[date, Metrics]:
        """Store every closed day of the window, and re-fetch days stored before they settled.

        Returns the bot's stored days with data in the window, as ``store.days.load`` would.
        """
        store, client, clock = self.service.store, self.service.client, self.service.clock
        last = today - timedelta(days=1)
        days = ensure_days(client, store, bot.id, first, last, today=today, clock=clock)
        recent = last - timedelta(days=REFETCH_DAYS - 1)
        fetched = store.days.fetched(bot.id, recent, last)
        stale = [d for d, at in fetched.items() if at < min(now, _settled(d))]
        if not stale:
            return days
        # Stored before they settled: fetch the tail again in one call, as the hourly sync does.
        tail = min(stale)
        try:
            again = fetch_days(client, bot.id, tail, last)
        except BotstatsError as exc:
            log.info("digest: keeping the stored days of bot %s: %s", bot.id, exc)
            return days
        store.days.save(bot.id, tail, last, again, fetched_at=clock())
        # The tail as stored (a day gone from Botpress is gone here too), read back so it is
        # exactly what a load of the window returns: a few days, only when some were stale.
        kept = {d: m for d, m in days.items() if d < tail}
        return {**kept, **store.days.load(bot.id, tail, last)}


def _settled(day: date) -> datetime:
    return settled_at(Period(day, day, day.isoformat()))


def window_start(period: Period, today: date) -> date:
    """The first day a digest reads: the chart, the reference period and the month's history."""
    reference = reference_period(period, today)
    return min(
        period.last - timedelta(days=CHART_DAYS - 1),
        reference.first,
        today.replace(day=1),
        today - timedelta(days=PROJECTION_DAYS),
    )


def chart_series(parts: Sequence[_BotData], period: Period) -> DailySeries:
    """Daily sessions and cost of the digest's bots over the chart's four weeks."""
    first = period.last - timedelta(days=CHART_DAYS - 1)
    totals: dict[date, Metrics] = {}
    for part in parts:
        for day, metrics in part.days.items():
            if first <= day <= period.last:
                totals[day] = totals[day] + metrics if day in totals else metrics
    names = [p.part.bot.name for p in parts]
    title = names[0] if len(names) == 1 else f"{len(names)} bots"
    return daily_series(title, totals, first, period.last, highlight=(period.first, period.last))


def unavailable(exc: BotstatsError) -> str:
    """The short reason shown for a bot whose numbers could not be had."""
    return exc.user_message
