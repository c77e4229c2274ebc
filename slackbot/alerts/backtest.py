"""Replay the alert engine day by day over stored history: what it would have sent.

The same pure path as the live check (``core.alerting``: detectors, flagged days kept
out of baselines, the state machine and its dedup), so the count is the count a team
would have seen, and tuning ``BOTSTATS_ALERT_SENSITIVITY`` here is tuning the real thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from slackbot.core.alerting import HISTORY_DAYS, AlertBook, Change, check_day, notified
from slackbot.core.anomalies import Thresholds
from slackbot.core.models import Bot
from slackbot.store import Store


@dataclass(frozen=True)
class BotBacktest:
    """One bot's replay: the alerts it would have sent over ``days`` days."""

    bot: Bot
    days: int
    days_with_data: int
    alerts: tuple[Change, ...]
    resolved: tuple[Change, ...] = ()  # the resolves it would have posted (the demo shows one)

    @property
    def per_week(self) -> float:
        """Alerts per week of replayed days."""
        return len(self.alerts) * 7 / self.days if self.days else 0.0

    def line(self) -> str:
        """One line for a person: the bot, how many alerts, how many a week."""
        return (
            f"{self.bot.name}: {len(self.alerts)} alert(s) in {self.days} days "
            f"({self.per_week:.2f} a week; {self.days_with_data} days with data)"
        )


def replay_bot(
    store: Store, bot: Bot, *, first: date, last: date, thresholds: Thresholds
) -> BotBacktest:
    """Replay ``bot`` from ``first`` to ``last`` (closed days) as the live check would."""
    history = store.days.load(bot.id, first - timedelta(days=HISTORY_DAYS), last)
    book = AlertBook()
    sent: list[Change] = []
    resolved: list[Change] = []
    day = first
    while day <= last:
        upto = {d: m for d, m in history.items() if d <= day}
        # The live check sees a day an hour after it closed.
        now = datetime.combine(day + timedelta(days=1), time(1), tzinfo=UTC)
        changes = check_day(book, bot.id, upto, day, thresholds=thresholds, now=now)
        sent += notified(changes)
        resolved += [c for c in changes if c.action == "resolve"]
        day += timedelta(days=1)
    in_range = sum(1 for d in history if first <= d <= last)
    return BotBacktest(bot, (last - first).days + 1, in_range, tuple(sent), tuple(resolved))


def backtest(
    store: Store, bots: Sequence[Bot], *, days: int, today: date, thresholds: Thresholds
) -> list[BotBacktest]:
    """Every bot's replay over the ``days`` closed days before ``today``."""
    last = today - timedelta(days=1)
    first = today - timedelta(days=days)
    return [replay_bot(store, bot, first=first, last=last, thresholds=thresholds) for bot in bots]
