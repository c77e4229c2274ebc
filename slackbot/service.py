"""Use cases shared by every entry point: the slash command, the scheduler, the CLI, the demo.

This is the only module where the pure core meets the adapters: it reads the store,
asks Botpress for what is missing, and hands plain data to ``metrics`` and ``blocks``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from slackbot.botpress.client import BotpressClient
from slackbot.clock import Clock, system_clock
from slackbot.core.comparisons import reference_period
from slackbot.core.formatting import day, timestamp
from slackbot.core.lookup import find_bot
from slackbot.core.metrics import Summary, summarize
from slackbot.core.models import Bot, BotInfo, Metrics
from slackbot.core.periods import Period
from slackbot.errors import BotpressAuthError, BotpressError, BotpressUnavailableError
from slackbot.store import Store
from slackbot.store.subscriptions import Cadence, Subscription
from slackbot.sync import ensure_days

__all__ = ["Service", "tracked_bots"]

log = logging.getLogger(__name__)

#: How long the list of bots from ``listBots`` is trusted before it is asked again.
BOTS_TTL = timedelta(minutes=15)


def refused_note(
    error: BotpressAuthError, what: str, fetched: datetime | None, tz: ZoneInfo
) -> str:
    """The warning served with stored data while Botpress refuses the token (never hidden)."""
    when = f", last fetched {timestamp(fetched, tz)}" if fetched is not None else ""
    status = f" ({error.status})" if error.status else ""
    return (
        f"Botpress refused BOTPRESS_TOKEN{status}: {what} from the store{when}; "
        "ask an admin to renew the token."
    )


def unanswered_note(error: BotpressUnavailableError, last: date) -> str:
    """The warning served with stored data when Botpress did not answer an interactive reply."""
    if error.timeout is not None:
        why = f"Botpress is slow to answer right now (no reply in {error.timeout:g} s)"
    else:
        why = "Botpress is busy or down right now"
    return f"{why}; showing stored data up to {day(last)}"


class Service:
    """Stats, bot lookup and summaries over one store and one Botpress client."""

    def __init__(
        self,
        *,
        store: Store,
        client: BotpressClient,
        aliases: Sequence[tuple[str, str]] = (),
        clock: Clock = system_clock,
        workers: int = 8,
        tz: ZoneInfo | None = None,
        interactive: bool = False,
    ) -> None:
        self.store = store
        self.client = client
        #: True: a Botpress call that fails or times out serves stored days, with a note.
        self.interactive = interactive
        self.aliases = tuple(aliases)
        self.clock = clock
        self.workers = workers
        self.tz = tz or ZoneInfo("UTC")  # how the times in warnings are shown
        #: The 401/403 that made ``bots()`` fall back on the stored list (None: it did not).
        self.last_auth_failure: BotpressAuthError | None = None
        self._bots: list[Bot] | None = None
        self._bots_at: datetime | None = None
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def for_replies(self) -> Service:
        """This service for replies: one Botpress attempt per call, stored data if it fails."""
        return Service(
            store=self.store,
            client=self.client.single_attempt(),
            aliases=self.aliases,
            clock=self.clock,
            workers=self.workers,
            tz=self.tz,
            interactive=True,
        )

    def bots(self, *, refresh: bool = False) -> list[Bot]:
        """The tracked bots: BOTSTATS_BOTS when set, else every production bot, by name."""
        with self._lock:
            now = self.clock()
            stale = self._bots_at is None or now - self._bots_at > BOTS_TTL
            if self._bots is None or stale or refresh:
                self._bots = self._load_bots()
                self._bots_at = now
                # Bots removed from Botpress or BOTSTATS_BOTS stop being tracked; history stays.
                self.store.bots.upsert(self._bots, exclusive=True)
            return list(self._bots)

    def _load_bots(self) -> list[Bot]:
        try:
            listed = self.client.list_bots()
        except BotpressError as exc:
            known = self.store.bots.all()
            if not known:
                raise
            # Botpress is down but we know the bots from an earlier run: keep serving stored data.
            # A refused token is said with every answer (warnings(), summary notes), so the log
            # does not say it again on a terminal (WARNING is the CLI's level).
            level = logging.WARNING
            if isinstance(exc, BotpressAuthError):
                self.last_auth_failure, level = exc, logging.INFO
            log.log(level, "listBots failed; using the %d bots stored earlier: %s", len(known), exc)
            return known
        self.last_auth_failure = None
        return tracked_bots(listed, self.aliases)

    def warnings(self) -> list[str]:
        """What must be said beside any answer: the bots came from the store because Botpress
        refused the token (empty when all is well)."""
        refused = self.last_auth_failure
        if refused is None:
            return []
        return [refused_note(refused, "the list of bots is", None, self.tz)]

    def days_stored(self, bots: Sequence[Bot]) -> dict[str, int]:
        """How many days with data the store holds for each bot (0 for none)."""
        counts = self.store.days.counts([b.id for b in bots])
        return {bot.id: counts.get(bot.id, 0) for bot in bots}

    def resolve_bot(self, query: str) -> Bot:
        """The tracked bot that ``query`` names (alias, id, or unique name prefix)."""
        return find_bot(self.bots(), query)

    def summary(self, bot: Bot, period: Period, *, now: datetime | None = None) -> Summary:
        """One bot's summary for ``period`` against its reference period (DESIGN §5)."""
        now = now or self.clock()
        today = now.astimezone(UTC).date()
        first = min(reference_period(period, today).first, period.first)
        days, note = self._days(bot, period, first, today)
        live = period.partial and note is None
        as_of = now if live else self.store.days.last_fetched_at(bot.id)
        first_day = self.store.days.first_day(bot.id)
        summary = summarize(bot, period, days, as_of=as_of, first_data_day=first_day)
        if note is None:
            return summary
        return replace(summary, notes=(*summary.notes, note))

    def summary_from(
        self,
        bot: Bot,
        period: Period,
        days: Mapping[date, Metrics],
        *,
        now: datetime | None = None,
    ) -> Summary:
        """``summary`` from the bot's stored days the caller already holds, without reading
        them again (the digest brings every bot's window up to date, then summarizes it).

        ``days`` must hold the bot's stored days with data from the reference period's
        first day to the end of ``period`` (more is ignored), as ``ensure_days`` or
        ``store.days.load`` return them. A period that reaches today needs today's partial
        bucket, fetched live: that is ``summary``'s job, so it is handed to it.
        """
        now = now or self.clock()
        today = now.astimezone(UTC).date()
        if period.partial or period.last >= today:
            return self.summary(bot, period, now=now)
        first = min(reference_period(period, today).first, period.first)
        window = {d: m for d, m in days.items() if first <= d <= period.last}
        # As ``summary``: the days are stored ones (a closed period is never live), and a
        # refused token behind the stored bot list is said, as ``_days`` decides it.
        refused = self.last_auth_failure if self.client.health == "unauthorized" else None
        as_of = self.store.days.last_fetched_at(bot.id)
        first_day = self.store.days.first_day(bot.id)
        summary = summarize(bot, period, window, as_of=as_of, first_data_day=first_day)
        if refused is None:
            return summary
        note = refused_note(refused, "these numbers are", as_of, self.tz)
        return replace(summary, notes=(*summary.notes, note))

    def _days(
        self, bot: Bot, period: Period, first: date, today: date
    ) -> tuple[dict[date, Metrics], str | None]:
        """The days from ``first`` to the end of ``period``, and the warning to say with them:
        stored days when Botpress refuses the token (or, ``interactive``, does not answer)."""
        try:
            days = ensure_days(
                self.client, self.store, bot.id, first, period.last, today=today, clock=self.clock
            )
        except BotpressAuthError as exc:
            stored = self._stored(bot, period, first, today)
            if stored is None:
                raise
            log.info("Botpress refused the token; serving bot %s from the store", bot.id)
            return stored[0], self._refused(exc, bot)
        except BotpressUnavailableError as exc:
            stored = self._stored(bot, period, first, today) if self.interactive else None
            if stored is None:
                raise
            log.warning("Botpress did not answer; serving bot %s from the store: %s", bot.id, exc)
            return stored[0], unanswered_note(exc, stored[1])
        # The bots came from the store after a refusal and these days needed no call (or the
        # last call was refused too): the numbers are stored ones, and the reader is told why.
        if self.last_auth_failure is not None and self.client.health == "unauthorized":
            return days, self._refused(self.last_auth_failure, bot)
        return days, None

    def _stored(
        self, bot: Bot, period: Period, first: date, today: date
    ) -> tuple[dict[date, Metrics], date] | None:
        """Stored days from ``first`` and the last stored day of ``period`` (None: none)."""
        closed_last = min(period.last, today - timedelta(days=1))
        covered = self.store.days.covered(bot.id, period.first, closed_last)
        if period.first > closed_last or not covered:
            return None
        return self.store.days.load(bot.id, first, closed_last), max(covered)

    def _refused(self, error: BotpressAuthError, bot: Bot) -> str:
        as_of = self.store.days.last_fetched_at(bot.id)
        return refused_note(error, "these numbers are", as_of, self.tz)

    def summaries(
        self, bots: Sequence[Bot], period: Period, *, now: datetime | None = None
    ) -> list[Summary]:
        """Summaries of many bots, fetched in parallel (bounded), in the order given."""
        now = now or self.clock()
        if len(bots) <= 1 or self.workers <= 1:
            return [self.summary(bot, period, now=now) for bot in bots]
        # One long-lived pool: its threads keep their SQLite connections, and no call pays
        # for starting threads (benchmarks/bench_load.py: ~11 -> ~5 ms for 10 bots, 7 days).
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="summaries")
            pool = self._pool
        return list(pool.map(lambda bot: self.summary(bot, period, now=now), bots))

    def known_bots(self) -> list[Bot]:
        """Every bot the store knows, tracked or not (old subscriptions may name them)."""
        return self.store.bots.all(include_untracked=True)

    def subscribe(
        self,
        channel: str,
        target: str,
        cadence: Cadence,
        user: str | None,
        *,
        at: str | None = None,
        now: datetime,
    ) -> bool:
        """Subscribe ``channel`` to ``target``'s digest; True if new, False if only changed."""
        return self.store.subscriptions.add(channel, target, cadence, user, at=at, now=now)

    def unsubscribe(self, channel: str, target: str) -> bool:
        """Remove a digest; False if ``channel`` had none of ``target``."""
        return self.store.subscriptions.remove(channel, target)

    def subscriptions(self, channel: str | None = None) -> list[Subscription]:
        """Every digest subscription (or one channel's)."""
        return self.store.subscriptions.all(channel)

    def set_alerts(
        self,
        channel: str,
        enabled: bool,
        user: str | None,
        *,
        target: str = "all",
        now: datetime,
    ) -> None:
        """Turn anomaly alerts in ``channel`` on or off, for one bot or ``all``."""
        self.store.alerts.set_route(channel, enabled, user, target=target, now=now)

    def alert_routes(self, default_channel: str | None) -> dict[str, bool]:
        """Each channel's alerts on/off choice; ``default_channel`` is on unless turned off."""
        routes = self.store.alerts.routes()
        if default_channel and default_channel not in routes:
            routes[default_channel] = True
        return routes


def tracked_bots(listed: Sequence[BotInfo], aliases: Sequence[tuple[str, str]]) -> list[Bot]:
    """The bots to track: the aliased ones when aliases are set, else all listed, by name."""
    names = {info.id: info.name for info in listed}
    if not aliases:
        return sorted((Bot(i.id, i.name) for i in listed), key=lambda b: b.name.casefold())
    bots = []
    for alias, bot_id in aliases:
        if bot_id not in names:
            # listBots shows production bots only; a dev bot or a typo still gets tracked, and
            # a wrong id surfaces as a clear 404 on its first analytics call.
            log.warning("BOTSTATS_BOTS: listBots does not return bot %s (alias %s)", bot_id, alias)
        bots.append(Bot(bot_id, names.get(bot_id, alias), alias))
    return bots
