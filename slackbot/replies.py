"""What ``/botstats`` answers: command text in, a Block Kit message out (no Slack I/O here).

``Replies.answer`` parses the text, checks BOTSTATS_ADMINS for the commands that change
anything, runs the use case through the service and the store, and turns every failure
into a short friendly message (details go to the log). It never raises, so the Slack
listener always has something to send.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeAlias

from slackbot.alerts.views import digest_alert_source, open_alerts
from slackbot.config import Settings
from slackbot.core.blocks.alerts import alerts_status_message
from slackbot.core.blocks.digest import digest_messages, preview_message
from slackbot.core.blocks.kit import (
    Dashboard,
    Message,
    build,
    channel_link,
    context,
    fit_message,
    section,
)
from slackbot.core.blocks.listings import (
    bots_message,
    error_message,
    help_message,
    subscriptions_message,
)
from slackbot.core.blocks.overview import overview_message
from slackbot.core.blocks.summary import bot_title, summary_message
from slackbot.core.commands import (
    ALL,
    USAGE,
    Alerts,
    AllBots,
    BotStats,
    Command,
    DigestPreview,
    Help,
    ListBots,
    Overview,
    Subscribe,
    Subscriptions,
    Unsubscribe,
    parse_command,
    parse_period_args,
    suggest_subcommand,
    usage,
)
from slackbot.core.formatting import timestamp
from slackbot.core.lookup import longest_prefix
from slackbot.core.models import Bot
from slackbot.core.periods import Period
from slackbot.core.schedule import Schedule, last_settled_week, next_due
from slackbot.core.text import code, escape_mrkdwn
from slackbot.digests.build import DigestBuilder
from slackbot.digests.due import DueDigests
from slackbot.digests.views import subscription_views
from slackbot.errors import (
    BotpressError,
    BotstatsError,
    ConfigError,
    StoreError,
    UnknownBotError,
    UsageError,
)
from slackbot.service import Service

log = logging.getLogger(__name__)

Outcome: TypeAlias = Literal[
    "ok", "usage", "denied", "botpress_error", "store_error", "config_error", "error"
]
UNEXPECTED = "Something went wrong on our side; the details are in botstats' log."
PRIVATE_HINT = "botstats posts as an app: in a private channel, `/invite @botstats` first."
_SUBCOMMAND: dict[type, str] = {
    Help: "help",
    Overview: "overview",
    BotStats: "bot",
    AllBots: "all",
    ListBots: "bots",
    Subscribe: "subscribe",
    Unsubscribe: "unsubscribe",
    Subscriptions: "subscriptions",
    Alerts: "alerts",
    DigestPreview: "digest",
}


@dataclass(frozen=True)
class Reply:
    """The answer to one command: the message, where it shows, and labels for metrics."""

    message: Message
    public: bool = False
    subcommand: str = "invalid"
    outcome: Outcome = "ok"


def subcommand_name(command: Command) -> str:
    """The metrics label of a parsed command (``bot``, ``all``, ``subscribe``...)."""
    return _SUBCOMMAND.get(type(command), "invalid")


def needs_admin(command: Command) -> bool:
    """True for the commands that change subscriptions or alert routing."""
    if isinstance(command, Subscribe | Unsubscribe):
        return True
    return isinstance(command, Alerts) and command.action != "status"


def info_message(text: str) -> Message:
    """A neutral notice; ``text`` is trusted mrkdwn."""
    return build(text, [section(f":information_source: {text}")])


def refusal_message(admins: Sequence[str], what: str) -> Message:
    """Tells a refused user who may change ``what`` (the admins, as mentions)."""
    who = ", ".join(f"<@{user}>" for user in sorted(admins))
    text = f"Only botstats admins can change {what}: {who}. Ask one of them."
    return build(text, [section(f":no_entry: {text}")])


def digest_builder(settings: Settings, service: Service) -> DigestBuilder:
    """The digest builder every entry point uses: budget and open alerts from the settings."""
    return DigestBuilder(
        service,
        budget=settings.botstats_monthly_budget_usd,
        open_alerts=digest_alert_source(service.store, service.clock),
    )


def dashboard(settings: Settings) -> Dashboard | None:
    """Where bot links point (BOTPRESS_DASHBOARD_URL), or None without a workspace id."""
    workspace = settings.botpress_workspace_id
    return Dashboard(settings.botpress_dashboard_url, workspace) if workspace else None


#: At most this many distinct warnings on one message (each bot's summary may carry one).
MAX_WARNINGS = 3


def with_warnings(message: Message, warnings: Sequence[str]) -> Message:
    """``message`` with a context line, under its header, of the ``warnings`` a reader must
    see (a refused BOTPRESS_TOKEN), each once; the ones it already shows are left out."""
    shown = json.dumps(message.blocks)
    fresh = [w for w in dict.fromkeys(warnings) if w not in shown][:MAX_WARNINGS]
    if not fresh:
        return message
    line = context(*(f":warning: {escape_mrkdwn(w, 300)}" for w in fresh)).to_dict()
    at = 1 if message.blocks and message.blocks[0].get("type") == "header" else 0
    blocks = [*message.blocks[:at], line, *message.blocks[at:]]
    return fit_message(Message(f"{message.text} {' '.join(fresh)}", blocks))


class Replies:
    """Answers ``/botstats`` commands through the service's use cases, with the settings."""

    def __init__(self, service: Service, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.tz = settings.timezone
        self.links = dashboard(settings)

    def answer(self, text: str, *, user_id: str, channel_id: str, now: datetime) -> Reply:
        """The reply to ``/botstats text`` from ``user_id`` in ``channel_id``; never raises."""
        subcommand = "invalid"
        try:
            command = parse_command(text, now=now)
            subcommand = subcommand_name(command)
            if needs_admin(command) and not self.is_admin(user_id):
                what = "alert routing" if isinstance(command, Alerts) else "digests"
                log.info("refused %s from %s: not in BOTSTATS_ADMINS", subcommand, user_id)
                return Reply(
                    refusal_message(sorted(self.settings.admins), what), False, subcommand, "denied"
                )
            message = self.handle(command, user_id=user_id, channel_id=channel_id, now=now)
            return Reply(message, bool(getattr(command, "public", False)), subcommand)
        except UsageError as exc:
            log.info("/botstats usage error from %s: %s", user_id, exc.message.splitlines()[0])
            # The parser and the bot finder put user text in code spans, escaped.
            return Reply(error_message(exc.user_message), False, subcommand, "usage")
        except BotstatsError as exc:
            outcome, level = _classify(exc)
            log.log(level, "/botstats %s failed: %s", subcommand, exc)
            friendly = error_message(escape_mrkdwn(exc.user_message, 300))
            return Reply(friendly, False, subcommand, outcome)
        except Exception:
            log.exception("/botstats %s failed unexpectedly (text %r)", subcommand, text[:200])
            return Reply(error_message(UNEXPECTED), False, subcommand, "error")

    def is_admin(self, user_id: str) -> bool:
        """True when BOTSTATS_ADMINS is unset or lists ``user_id``."""
        admins = self.settings.admins
        return not admins or user_id in admins

    def handle(self, command: Command, *, user_id: str, channel_id: str, now: datetime) -> Message:
        """The message for a parsed, permitted command (errors propagate)."""
        match command:
            case Help():
                return help_message()
            case Overview(period=period, public=public):
                return self._overview(period, now, public=public)
            case BotStats():
                summary = self.service.summary(
                    self._bot(command.bot_query, now=now), command.period, now=now
                )
                return summary_message(
                    summary, tz=self.tz, now=now, links=self.links, public=command.public
                )
            case AllBots(period=period):
                summaries = self.service.summaries(self.service.bots(), period, now=now)
                message = overview_message(
                    summaries, tz=self.tz, now=now, title="All bots", links=self.links
                )
                return with_warnings(message, [n for s in summaries for n in s.notes])
            case ListBots():
                return self._bots_list()
            case Subscribe():
                return self._subscribe(command, command.channel or channel_id, user_id, now)
            case Unsubscribe():
                return self._unsubscribe(command, command.channel or channel_id)
            case Subscriptions():
                return self._subscriptions(now)
            case DigestPreview(target=target):
                return self._digest(target, now)
            case Alerts():
                return self._alerts(command, command.channel or channel_id, user_id, now)
        raise AssertionError(f"unhandled command {command!r}")  # pragma: no cover

    def _overview(self, period: Period, now: datetime, *, public: bool) -> Message:
        bots = self.service.bots()
        if len(bots) == 1:
            summary = self.service.summary(bots[0], period, now=now)
            return summary_message(summary, tz=self.tz, now=now, links=self.links, public=public)
        summaries = self.service.summaries(bots, period, now=now)
        message = overview_message(
            summaries, tz=self.tz, now=now, title="Tracked bots", links=self.links
        )
        return with_warnings(message, [n for s in summaries for n in s.notes])

    def _bots_list(self) -> Message:
        """``/botstats bots``, saying so when the list is the stored one (a refused token)."""
        return with_warnings(bots_message(self.service.bots()), self.service.warnings())

    def _bot(self, query: str, *, now: datetime | None = None) -> Bot:
        """The bot ``query`` names; with ``now`` (a BOT before a PERIOD), words after the
        longest run that names a bot are taken as a PERIOD that was not understood."""
        try:
            return self.service.resolve_bot(query)
        except UnknownBotError as exc:
            if now is not None and (found := longest_prefix(self.service.bots(), query)):
                # `support fortnight`: the bot is found, so `fortnight` is the news.
                parse_period_args(found[1], "bot", now=now)
            # `/botstats subscibe` parses as a bot named "subscibe": the typo is the news.
            # `/botstats subscibe all` makes a two-word bot query: its first word is the typo.
            first_word = query.split(maxsplit=1)[0] if query.strip() else query
            if suggestion := suggest_subcommand(first_word):
                raise UsageError(
                    f"{code(query)} is neither a botstats command nor a tracked bot. "
                    f"Did you mean `{suggestion}`?",
                    usage(suggestion),
                ) from exc
            raise

    def _target(self, target: str) -> tuple[str, str]:
        """The stored target (a bot id or ``all``) and how to show it."""
        if target == ALL:
            return ALL, "all bots"
        bot = self._bot(target)
        return bot.id, f"*{escape_mrkdwn(bot_title(bot), 80)}*"

    def _subscribe(self, command: Subscribe, channel: str, user_id: str, now: datetime) -> Message:
        target, shown = self._target(command.target)
        at = None if command.at is None else "{:02d}:{:02d}".format(*command.at)
        created = self.service.subscribe(channel, target, command.cadence, user_id, at=at, now=now)
        schedule = Schedule.of(command.cadence, at)
        verb = "will now get" if created else "now gets"
        text = (
            f"{channel_link(channel)} {verb} a {command.cadence} digest of {shown}, "
            f"{schedule.describe(self.tz)}; the first one "
            f"{timestamp(next_due(schedule, self.tz, now).due_at, self.tz)}."
        )
        return build(
            text, [section(f":white_check_mark: {text}"), context(PRIVATE_HINT, _ADMIN_HINT)]
        )

    def _unsubscribe(self, command: Unsubscribe, channel: str) -> Message:
        try:
            target, shown = self._target(command.target)
        except UnknownBotError:
            # A bot no longer tracked can still have a digest stored under its id.
            if command.target not in {s.target for s in self.service.subscriptions(channel)}:
                raise
            target, shown = command.target, code(command.target)
        if any(s.target == target and s.from_config for s in self.service.subscriptions(channel)):
            return info_message(
                f"The digest of {shown} in {channel_link(channel)} comes from botstats' settings "
                "(`BOTSTATS_DIGEST_CHANNEL`): ask whoever runs botstats to unset or change it."
            )
        if not self.service.unsubscribe(channel, target):
            return info_message(
                f"{channel_link(channel)} has no digest of {shown}. "
                f"`{USAGE['subscriptions']}` lists the digests."
            )
        text = f"{channel_link(channel)} will no longer get the digest of {shown}."
        return build(text, [section(f":white_check_mark: {text}")])

    def _subscriptions(self, now: datetime) -> Message:
        names = {bot.id: bot_title(bot) for bot in self.service.known_bots()}
        due = DueDigests(self.service.store, None, tz=self.tz)
        views = subscription_views(due, self.service.subscriptions(), names, tz=self.tz, now=now)
        return subscriptions_message(views, tz=self.tz, now=now)

    def _digest(self, target: str | None, now: datetime) -> Message:
        """``/botstats digest``: this week's digest, shown only to the one who asked."""
        bot_id = ALL if target in (None, ALL) else self._bot(target).id
        builder = digest_builder(self.settings, self.service)
        digest = builder.build(bot_id, "weekly", last_settled_week(now), now=now)
        messages = digest_messages(digest, tz=self.tz, now=now, links=self.links)
        return preview_message(messages)

    def _alerts(self, command: Alerts, channel: str, user_id: str, now: datetime) -> Message:
        if command.action != "status":
            enabled = command.action == "on"
            target, shown = self._target(command.target or ALL)
            self.service.set_alerts(channel, enabled, user_id, target=target, now=now)
            text = (
                f"Anomaly alerts of {shown} are now *{command.action}* in {channel_link(channel)}."
            )
            hints = [PRIVATE_HINT] if enabled else []
            return build(
                text, [section(f":white_check_mark: {text}"), context(*hints, _ADMIN_HINT)]
            )
        routes = self.service.alert_routes(self.settings.botstats_alert_channel)
        channels = sorted(channel for channel, on in routes.items() if on)
        bots = {bot.id: bot for bot in self.service.known_bots()}
        views = open_alerts(self.service.store, bots, now=now)
        return alerts_status_message(
            channel,
            views,
            routed=routes.get(channel, False),
            channels=channels,
            tz=self.tz,
            now=now,
            links=self.links,
        )


_ADMIN_HINT = "`/botstats subscriptions` and `/botstats alerts status` show the current setup."


def _classify(exc: BotstatsError) -> tuple[Outcome, int]:
    """The metrics outcome and log level of a failure."""
    if isinstance(exc, BotpressError):
        return "botpress_error", logging.WARNING
    if isinstance(exc, StoreError):
        return "store_error", logging.ERROR
    if isinstance(exc, ConfigError):
        return "config_error", logging.ERROR
    return "error", logging.ERROR
