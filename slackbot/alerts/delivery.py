"""Post alerts: one message per bot per run and channel, under a run key; update on resolve.

A first alert or a reminder posts a message (run key ``alert:CHANNEL:BOT:DAY:N``, N the
bot's notified-score bucket, so a restart or a second tick finds the key taken). A
resolved alert updates every message that told a channel about it and replies in its
thread (run key ``resolve:CHANNEL:ALERT:SINCE``).
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from slackbot.alerts.views import channels_for, view_of
from slackbot.charts.worker import ChartRenderer
from slackbot.core.alerting import Change
from slackbot.core.blocks.alerts import AlertView, alert_message, resolved_message, resolved_reply
from slackbot.core.blocks.kit import Dashboard, Message
from slackbot.core.models import Bot, Metrics
from slackbot.core.series import daily_series
from slackbot.digests.delivery import Poster, log_delivery, upload_chart
from slackbot.errors import SlackDeliveryError
from slackbot.store import Store
from slackbot.store.alerts import AlertMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
#: The alert's chart shows this many days, ending on the alert's day.
CHART_DAYS = 28
CHART_ALT = "Daily sessions and LLM cost over the last 4 weeks, the alert's days shaded"


@dataclass(frozen=True)
class Posted:
    """One alert delivery that went out (or was refused), for logs, the CLI and tests."""

    key: str
    channel: str
    outcome: str  # "sent" | "failed" | "taken" | "stuck"
    error: str | None = None
    alert_ids: tuple[str, ...] = ()  # the alerts the message is about
    retry: bool = False  # failed before Slack took it: a later check may post it


class AlertDelivery:
    """Turns a check's changes into Slack messages, each claimed under its run key."""

    def __init__(
        self,
        store: Store,
        poster: Poster,
        *,
        tz: ZoneInfo,
        links: Dashboard | None = None,
        mention: str | None = None,
        default_channel: str | None = None,
        charts: ChartRenderer | None = None,
    ) -> None:
        self.store = store
        self.poster = poster
        self.tz = tz
        self.links = links
        self.mention = mention
        self.default_channel = default_channel
        self.charts = charts

    def deliver(
        self,
        changes: Sequence[Change],
        bots: Sequence[Bot],
        *,
        now: datetime,
        histories: Mapping[str, Mapping[date, Metrics]] | None = None,
    ) -> list[Posted]:
        """Post the new alerts and reminders, then update the resolved ones.

        ``histories`` (each bot's recent days) feed the small chart of each message.
        """
        known = {bot.id: bot for bot in bots}
        done: list[Posted] = []
        # Re-checking the day before can open and close an alert in one run (late data, or
        # a first check): nothing to tell, so it is not posted only to be resolved.
        closed = {c.alert_id for c in changes if c.action == "resolve"}
        told = [
            c for c in changes if c.action in ("notify", "renotify") and c.alert_id not in closed
        ]
        for bot_id, group in _by_bot(told):
            history = (histories or {}).get(bot_id or "")
            done += self._notify(bot_id, group, known, now=now, history=history)
        for change in changes:
            if change.action == "resolve":
                done += self._resolve(change, known, now=now)
        return done

    def _views(
        self, group: Sequence[Change], known: dict[str, Bot], now: datetime
    ) -> list[AlertView]:
        views = []
        for change in group:
            record = change.step.record
            assert record is not None  # a notify step always carries its record
            views.append(view_of(change.alert_id, record, change.evaluation, known, now=now))
        return views

    def _chart(
        self,
        bot: Bot | None,
        group: Sequence[Change],
        history: Mapping[date, Metrics] | None,
    ) -> str | None:
        """The bot's last four weeks, the alert's days shaded, uploaded; None without one."""
        if self.charts is None or bot is None or not history:
            return None
        last = max(c.evaluation.day for c in group)
        first_alert = min(c.step.record.since if c.step.record else last for c in group)
        series = daily_series(
            bot.name,
            history,
            last - timedelta(days=CHART_DAYS - 1),
            last,
            highlight=(min(first_alert, last), last),
        )
        return upload_chart(
            self.poster,
            self.charts,
            series,
            name=f"botstats-alert-{last.isoformat()}",
            title=f"{bot.name}: sessions and LLM cost",
            alt_text=CHART_ALT,
            what=f"the alert of {bot.id}",
        )

    def _notify(
        self,
        bot_id: str | None,
        group: Sequence[Change],
        known: dict[str, Bot],
        *,
        now: datetime,
        history: Mapping[date, Metrics] | None = None,
    ) -> list[Posted]:
        channels = channels_for(bot_id, self.store.alerts.route_table(), self.default_channel)
        built: list[Message] = []

        def message() -> Message:
            # Drawn once, and only for a run this process claimed: no chart is uploaded
            # for a bot nobody routes, nor again for an alert already posted.
            if not built:
                bot = known.get(bot_id or "") if bot_id else None
                chart = self._chart(bot, group, history)
                views = self._views(group, known, now)
                built.append(
                    alert_message(
                        bot,
                        views,
                        tz=self.tz,
                        now=now,
                        links=self.links,
                        mention=self.mention,
                        chart_file_id=chart,
                    )
                )
            return built[0]

        day = max(c.evaluation.day for c in group).isoformat()
        bucket = max(int(math.log(max(c.evaluation.score, 1.0), 1.5)) for c in group)
        out = []
        for channel in channels:
            key = f"alert:{channel}:{bot_id or 'workspace'}:{day}:{bucket}"
            started = time.perf_counter()
            posted = self._post(key, channel, message, [c.alert_id for c in group], now=now)
            log_delivery(log, key, channel, posted.outcome, started=started)
            out.append(posted)
        return out

    def _post(
        self,
        key: str,
        channel: str,
        message: Callable[[], Message],
        alert_ids: list[str],
        *,
        now: datetime,
    ) -> Posted:
        """Claim ``key``, post ``message()`` and remember it for each alert it is about."""
        runs = self.store.runs
        attempt = runs.claim_attempt(
            key, kind="alert", channel=channel, now=now, max_attempts=MAX_ATTEMPTS, due_at=now
        )
        about = tuple(alert_ids)
        if attempt is None:
            return Posted(key, channel, "taken", alert_ids=about)
        body = message()  # claimed, not yet posting: a crash while drawing is retaken later
        if not runs.mark_posting(key, attempt=attempt):
            return Posted(key, channel, "taken", alert_ids=about)
        try:
            posted = self.poster.post(channel, body)
        except SlackDeliveryError as exc:
            if exc.maybe_posted:
                log.error(
                    "alert %s may or may not be in %s: left for a person (%s)", key, channel, exc
                )
                return Posted(key, channel, "stuck", str(exc), about)
            runs.finish(
                key,
                status="failed",
                error=f"{exc.error}: {exc.user_message}",
                retryable=exc.retryable,
                now=now,
            )
            log.warning("alert %s was not posted: %s", key, exc)
            return Posted(key, channel, "failed", str(exc), about, exc.retryable)
        link = self.poster.permalink(channel, posted.ts)
        for alert_id in alert_ids:
            self.store.alerts.save_message(
                AlertMessage(alert_id, channel, posted.ts, link, key), now=now
            )
        runs.finish(key, status="sent", message_ts=posted.ts, permalink=link, now=now)
        return Posted(key, channel, "sent", alert_ids=about)

    def _resolve(self, change: Change, known: dict[str, Bot], *, now: datetime) -> list[Posted]:
        """Update each message that told about the alert, and reply in its thread."""
        record = change.step.record
        assert record is not None
        view = view_of(change.alert_id, record, change.evaluation, known, now=now)
        out = []
        for sent in self.store.alerts.messages(change.alert_id):
            key = f"resolve:{sent.channel}:{change.alert_id}:{record.since.isoformat()}"
            started = time.perf_counter()
            attempt = self.store.runs.claim_attempt(
                key, kind="resolve", channel=sent.channel, now=now, max_attempts=MAX_ATTEMPTS
            )
            if attempt is None or not self.store.runs.mark_posting(key, attempt=attempt):
                out.append(Posted(key, sent.channel, "taken", alert_ids=(sent.alert_id,)))
                continue
            out.append(self._resolve_one(key, sent, view, now=now))
            log_delivery(log, key, sent.channel, out[-1].outcome, started=started)
        return out

    def _resolve_one(
        self, key: str, sent: AlertMessage, view: AlertView, *, now: datetime
    ) -> Posted:
        bot = view.bot
        updated = resolved_message(bot, [view], tz=self.tz, now=now, links=self.links)
        try:
            self.poster.update(sent.channel, sent.ts, updated)
        except SlackDeliveryError as exc:
            log.warning("alert %s: the original message could not be updated: %s", key, exc)
        try:
            reply = self.poster.post(
                sent.channel, resolved_reply(view, tz=self.tz, now=now), thread_ts=sent.ts
            )
        except SlackDeliveryError as exc:
            self.store.runs.finish(
                key, status="failed", error=exc.error, retryable=exc.retryable, now=now
            )
            return Posted(key, sent.channel, "failed", str(exc), (sent.alert_id,), exc.retryable)
        self.store.runs.finish(key, status="sent", message_ts=reply.ts, now=now)
        return Posted(key, sent.channel, "sent", alert_ids=(sent.alert_id,))


def _by_bot(changes: Iterable[Change]) -> list[tuple[str | None, list[Change]]]:
    """Changes grouped by bot, in first-seen order (one message per bot per run)."""
    groups: dict[str | None, list[Change]] = defaultdict(list)
    for change in changes:
        groups[change.evaluation.bot_id].append(change)
    return list(groups.items())
