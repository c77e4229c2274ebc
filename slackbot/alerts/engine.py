"""Evaluate every tracked bot's newest settled day, today's cost so far and the budget.

Records live in ``store.alerts`` as the state machine's JSON; each check loads them into
an ``AlertBook``, steps them and saves them back in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from slackbot.alerts.views import evaluation_json, record_from
from slackbot.core.alert_states import Episode
from slackbot.core.alerting import HISTORY_DAYS, AlertBook, Change, check_day
from slackbot.core.anomalies import Evaluation, Thresholds
from slackbot.core.detectors import evaluate_intraday
from slackbot.core.detectors.budget import evaluate_budget
from slackbot.core.digest import month_spend
from slackbot.core.models import Bot, Metrics
from slackbot.core.schedule import last_settled_day
from slackbot.errors import BotstatsError
from slackbot.service import Service
from slackbot.store.alerts import Baseline, StoredAlert
from slackbot.sync import ensure_days

log = logging.getLogger(__name__)


@dataclass
class CheckResult:
    """What one check found: every change, and the bots it could not read."""

    at: datetime
    changes: list[Change] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    book: AlertBook = field(default_factory=AlertBook)
    #: Each checked bot's days (today's partial one included): the alert charts draw them.
    histories: dict[str, dict[date, Metrics]] = field(default_factory=dict)


def load_book(service: Service) -> AlertBook:
    """The stored records (and their past episodes) as an AlertBook."""
    book = AlertBook()
    for stored in service.store.alerts.records():
        book.put(
            stored.alert_id,
            record_from(stored.record),
            [_episode_from(e) for e in stored.record.get("episodes", [])],
        )
    return book


def save_book(
    service: Service, book: AlertBook, changes: Sequence[Change], *, now: datetime
) -> None:
    """Save the records the changes touched (episodes, latest evaluation) in one transaction."""
    latest = {change.alert_id: change.evaluation for change in changes}
    rows = []
    for key, evaluation in latest.items():
        record = book.records[key]
        data: dict[str, Any] = record.to_json()
        data["episodes"] = [_episode_json(e) for e in book.episodes.get(key, [])]
        data["evaluation"] = evaluation_json(evaluation)
        rows.append(
            StoredAlert(
                key,
                record.bot_id,
                record.metric,
                record.direction,
                record.status,
                record.since,
                data,
            )
        )
    service.store.alerts.save_records(rows, now=now)


def save_baselines(service: Service, evaluations: Sequence[Evaluation], *, now: datetime) -> None:
    """Store what each evaluation expected, so every alert (and every quiet day) says why."""
    rows = {
        (e.bot_id, e.metric, e.day): Baseline(
            e.bot_id,
            e.metric,
            e.day,
            e.band.expected,
            e.band.low,
            e.band.high,
            e.band.method + (" (limited history)" if e.band.limited else ""),
            e.band.history_days,
            now,
        )
        for e in evaluations
        if e.bot_id is not None
    }
    service.store.alerts.save_baselines(rows.values())


def _episode_json(episode: Episode) -> dict[str, str | None]:
    return {
        "metric": episode.metric,
        "since": episode.since.isoformat(),
        "until": episode.until.isoformat(),
        "rebaselined_on": episode.rebaselined_on.isoformat() if episode.rebaselined_on else None,
    }


def _episode_from(data: Mapping[str, Any]) -> Episode:
    """The inverse of ``_episode_json``."""
    rebaselined = data.get("rebaselined_on")
    return Episode(
        data["metric"],
        date.fromisoformat(data["since"]),
        date.fromisoformat(data["until"]),
        date.fromisoformat(rebaselined) if rebaselined else None,
    )


class AlertEngine:
    """Runs the detectors over the store and steps the alert records."""

    def __init__(
        self, service: Service, *, thresholds: Thresholds, budget: float | None = None
    ) -> None:
        self.service = service
        self.thresholds = thresholds
        self.budget = budget

    def check(self, now: datetime, *, save: bool = True, intraday: bool = True) -> CheckResult:
        """Evaluate the newest settled day (and the day before, for late data) of every bot."""
        result = CheckResult(now, book=load_book(self.service))
        day = last_settled_day(now).first
        today = now.astimezone(UTC).date()
        histories: dict[str, dict[date, Metrics]] = {}
        for bot in self.service.bots():
            try:
                history = self._history(bot, day, today, intraday=intraday)
            except BotstatsError as exc:
                log.warning("alert check: bot %s is unavailable: %s", bot.id, exc)
                result.unavailable[bot.id] = exc.user_message
                continue
            histories[bot.id] = history
            result.changes += self._bot(
                result.book, bot, history, day=day, today=today, now=now, intraday=intraday
            )
        result.changes += self._budget(result.book, histories, today, now)
        result.histories = histories
        if save:
            save_baselines(self.service, result.book.seen, now=now)
            if result.changes:
                save_book(self.service, result.book, result.changes, now=now)
        return result

    def _history(self, bot: Bot, day: date, today: date, *, intraday: bool) -> dict[date, Metrics]:
        """The bot's days from the history window to today (today live when asked)."""
        first = day - timedelta(days=HISTORY_DAYS)
        last = today if intraday else day
        service = self.service
        return ensure_days(
            service.client, service.store, bot.id, first, last, today=today, clock=service.clock
        )

    def _bot(
        self,
        book: AlertBook,
        bot: Bot,
        history: dict[date, Metrics],
        *,
        day: date,
        today: date,
        now: datetime,
        intraday: bool,
    ) -> list[Change]:
        """The bot's changes: the day before (late data), the settled day, today so far."""
        changes: list[Change] = []
        for checked in (day - timedelta(days=1), day):
            upto = {d: m for d, m in history.items() if d <= checked}
            changes += check_day(book, bot.id, upto, checked, thresholds=self.thresholds, now=now)
        if intraday and today in history:
            closed = {d: m for d, m in history.items() if d < today}
            excluded = book.excluded(bot.id, today).get("cost", frozenset())
            evaluation = evaluate_intraday(
                bot.id,
                closed,
                today,
                history[today],
                thresholds=self.thresholds,
                excluded=excluded,
            )
            changes += book.apply([evaluation], now=now)
        return changes

    def _budget(
        self,
        book: AlertBook,
        histories: dict[str, dict[date, Metrics]],
        today: date,
        now: datetime,
    ) -> list[Change]:
        """The workspace's budget stages (none without BOTSTATS_MONTHLY_BUDGET_USD)."""
        if self.budget is None or not histories:
            return []
        closed = {b: {d: m for d, m in h.items() if d < today} for b, h in histories.items()}
        spend = month_spend(closed, today=today, budget=self.budget)
        return book.apply(evaluate_budget(spend, day=today), now=now)
