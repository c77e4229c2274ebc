"""Use cases shared by every entry point: the slash command, the scheduler, the CLI, the demo.

This is the only module where the pure core meets the adapters: it reads the store,
asks Botpress for what is missing, and hands plain data to ``metrics`` and ``blocks``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from slackbot.botpress.client import BotpressClient
from slackbot.clock import Clock, system_clock
from slackbot.core.lookup import find_bot
from slackbot.core.metrics import Summary, summarize
from slackbot.core.models import Bot, BotInfo
from slackbot.core.periods import Period
from slackbot.errors import BotpressError
from slackbot.store import Store
from slackbot.store.subscriptions import Cadence, Subscription
from slackbot.sync import ensure_days

__all__ = ["Service", "tracked_bots"]

log = logging.getLogger(__name__)

#: How long the list of bots from ``listBots`` is trusted before it is asked again.
BOTS_TTL = timedelta(minutes=15)


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
    ) -> None:
        self.store = store
        self.client = client
        self.aliases = tuple(aliases)
        self.clock = clock
        self.workers = workers
        self._bots: list[Bot] | None = None
        self._bots_at: datetime | None = None
        self._lock = threading.Lock()

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
        except BotpressError:
            known = self.store.bots.all()
            if not known:
                raise
            # Botpress is down but we know the bots from an earlier run: keep serving stored data.
            log.warning("listBots failed; using the %d bots stored earlier", len(known))
            return known
        return tracked_bots(listed, self.aliases)

    def resolve_bot(self, query: str) -> Bot:
        """The tracked bot that ``query`` names (alias, id, or unique name prefix)."""
        return find_bot(self.bots(), query)

    def summary(self, bot: Bot, period: Period, *, now: datetime | None = None) -> Summary:
        """One bot's summary for ``period`` against the period before it."""
        now = now or self.clock()
        first = period.previous().first
        days = ensure_days(
            self.client,
            self.store,
            bot.id,
            first,
            period.last,
            today=now.astimezone(UTC).date(),
            clock=self.clock,
        )
        as_of = now if period.partial else self.store.days.last_fetched_at(bot.id)
        return summarize(bot, period, days, as_of=as_of)

    def summaries(
        self, bots: Sequence[Bot], period: Period, *, now: datetime | None = None
    ) -> list[Summary]:
        """Summaries of many bots, fetched in parallel (bounded), in the order given."""
        now = now or self.clock()
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(bots)))) as pool:
            return list(pool.map(lambda bot: self.summary(bot, period, now=now), bots))

    def known_bots(self) -> list[Bot]:
        """Every bot the store knows, tracked or not (old subscriptions may name them)."""
        return self.store.bots.all(include_untracked=True)

    def subscribe(
        self, channel: str, target: str, cadence: Cadence, user: str | None, *, now: datetime
    ) -> bool:
        """Subscribe ``channel`` to ``target``'s digest; True if new, False if only changed."""
        return self.store.subscriptions.add(channel, target, cadence, user, now=now)

    def unsubscribe(self, channel: str, target: str) -> bool:
        """Remove a digest; False if ``channel`` had none of ``target``."""
        return self.store.subscriptions.remove(channel, target)

    def subscriptions(self, channel: str | None = None) -> list[Subscription]:
        """Every digest subscription (or one channel's)."""
        return self.store.subscriptions.all(channel)

    def set_alerts(self, channel: str, enabled: bool, user: str | None, *, now: datetime) -> None:
        """Turn anomaly alerts in ``channel`` on or off."""
        self.store.alerts.set_route(channel, enabled, user, now=now)

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
