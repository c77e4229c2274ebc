"""Keep closed days in the store: fetch only what is missing, one API call per gap.

``sync_bots`` is ``botstats sync`` and the scheduler's recent-days sync; ``ensure_days`` is
what summaries use: stored closed days, the missing ones fetched and saved, and today's
partial bucket fetched live and never stored (it would be mistaken for a complete day).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from slackbot.clock import Clock, system_clock
from slackbot.core.metrics import bucket_records
from slackbot.core.models import AnalyticsRecord, Bot, Metrics
from slackbot.errors import BotpressAuthError, BotstatsError
from slackbot.store import Store

log = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)
#: Closed days fetched again on every sync: Botpress can still add late data to them.
REFETCH_DAYS = 2
Range = tuple[date, date]
#: The error of a bot left unfinished because Botpress refused the token to another bot.
STOPPED = "not finished: Botpress refused the token"


class AnalyticsSource(Protocol):
    """What sync needs from the Botpress client (``BotpressClient`` is one)."""

    def get_analytics(self, bot_id: str, first: date, last: date) -> list[AnalyticsRecord]:
        """The raw analytics records of one bot for the UTC days [first, last]."""
        ...


def fetch_days(
    client: AnalyticsSource, bot_id: str, first: date, last: date
) -> dict[date, Metrics]:
    """Daily metrics of ``bot_id`` for ``first``..``last``; days without data are absent."""
    days = bucket_records(client.get_analytics(bot_id, first, last), first, last)
    for day, metrics in days.items():
        if metrics.suspect:
            _log_suspect(bot_id, day, metrics)
    return days


_suspects_logged: set[tuple[str, date]] = set()
_suspects_lock = threading.Lock()


def _log_suspect(bot_id: str, day: date, metrics: Metrics) -> None:
    """Say once per bot and day (re-fetches would repeat it) that errors exceed calls."""
    with _suspects_lock:
        if (bot_id, day) in _suspects_logged:
            return
        _suspects_logged.add((bot_id, day))
    log.warning(
        "Botpress reported %d LLM errors but only %d calls for bot %s on %s: kept as "
        "reported, its error rate shown as 100%%, and never used in a baseline",
        metrics.llm_errors,
        metrics.llm_calls,
        bot_id,
        day.isoformat(),
    )


class SyncProgress(Protocol):
    """Progress display of a sync (``slackbot.console.progress.make_progress`` builds one)."""

    def start(self, total: int) -> None:
        """``total`` bots are about to be synced."""

    def advance(self, result: BotSync) -> None:
        """One bot is done (successfully or not)."""

    def finish(self) -> None:
        """Every bot is done."""


@dataclass
class BotSync:
    """What the sync did for one bot."""

    bot_id: str
    calls: int = 0
    days_fetched: int = 0  # days covered by the calls that succeeded
    days_written: int = 0  # of those, days with data
    ranges: list[Range] = field(default_factory=list)
    error: str | None = None
    name: str = ""  # the bot's name, as people know it (lines show it, not the id)
    refused: bool = False  # Botpress refused the token (401/403): the whole sync stops

    @property
    def ok(self) -> bool:
        """True when every call for this bot succeeded."""
        return self.error is None

    @property
    def label(self) -> str:
        """The bot's name (its id when the name is unknown)."""
        return self.name or self.bot_id

    def line(self) -> str:
        """One human line: what was fetched, or why it failed."""
        if self.refused:
            # The refusal itself is said once, by the report, not once per bot.
            return f"{self.label}: Botpress refused the token"
        if self.error:
            return f"{self.label}: failed after {self.calls} call(s): {self.error}"
        spans = ", ".join(f"{a}..{b}" if a != b else str(a) for a, b in self.ranges)
        return (
            f"{self.label}: {self.calls} call(s), {self.days_fetched} day(s) fetched, "
            f"{self.days_written} with data ({spans or 'nothing missing'})"
        )


@dataclass(frozen=True)
class SyncReport:
    """The outcome of a sync: one ``BotSync`` per bot tried, in the order the bots were given.

    ``refused`` is Botpress's 401/403 sentence when it refused the token; the sync stopped
    there and ``not_tried`` names the bots it never asked for.
    """

    first: date
    last: date
    bots: tuple[BotSync, ...]
    seconds: float
    refused: str | None = None
    not_tried: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no bot failed and every bot was tried."""
        return self.refused is None and all(b.ok for b in self.bots)

    @property
    def failed(self) -> list[BotSync]:
        """The bots that failed."""
        return [b for b in self.bots if not b.ok]

    @property
    def calls(self) -> int:
        """API calls made, over all bots."""
        return sum(b.calls for b in self.bots)

    @property
    def days_fetched(self) -> int:
        """Bot-days fetched, over all bots."""
        return sum(b.days_fetched for b in self.bots)

    @property
    def days_written(self) -> int:
        """Bot-days with data written, over all bots."""
        return sum(b.days_written for b in self.bots)

    def lines(self) -> list[str]:
        """A summary line, then the refusal (once) or one line per failed bot."""
        failed = self.failed
        total = len(self.bots) + len(self.not_tried)
        head = (
            f"Synced {len(self.bots) - len(failed)} of {total} bot(s), "
            f"{self.first}..{self.last}: {self.calls} API call(s), {self.days_fetched} "
            f"bot-day(s) fetched, {self.days_written} with data, in {self.seconds:.1f} s."
        )
        return [head, *self.problems()]

    def problems(self) -> list[str]:
        """What went wrong, for a person: the token refusal said once, then each bot that
        failed for another reason."""
        lines = [f"  {b.line()}" for b in self.failed if not b.refused]
        if self.refused is None:
            return lines
        skipped = len(self.not_tried)
        rest = f"; {skipped} other bot(s) not tried" if skipped else ""
        return [f"Sync stopped: the token is workspace-wide{rest}. {self.refused}", *lines]


def merge_ranges(ranges: Iterable[Range]) -> list[Range]:
    """Ranges merged where they overlap or touch, sorted: one API call each."""
    merged: list[Range] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + ONE_DAY:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def plan_calls(missing: Sequence[Range], first: date, last: date, refetch_days: int) -> list[Range]:
    """The calls for one bot: each missing gap, plus the last ``refetch_days`` closed days."""
    recent = [(max(first, last - timedelta(days=refetch_days - 1)), last)] if refetch_days else []
    return merge_ranges([*missing, *recent])


def sync_bot(
    client: AnalyticsSource,
    store: Store,
    bot_id: str,
    first: date,
    last: date,
    *,
    refetch_days: int = REFETCH_DAYS,
    clock: Clock = system_clock,
    name: str = "",
    stop: threading.Event | None = None,
) -> BotSync:
    """Fetch one bot's missing closed days in [first, last] (one call per gap) and save them.

    A 401/403 marks the result ``refused`` and sets ``stop``; once ``stop`` is set no
    further call is made (another bot's refusal holds for this one too).
    """
    result = BotSync(bot_id, name=name)
    if first > last:  # an empty window (days < 1): nothing to fetch
        return result
    try:
        calls = plan_calls(
            store.days.missing_ranges(bot_id, first, last), first, last, refetch_days
        )
        for gap_first, gap_last in calls:
            if stop is not None and stop.is_set():
                result.refused, result.error = True, STOPPED
                break
            result.calls += 1
            days = fetch_days(client, bot_id, gap_first, gap_last)
            written = store.days.save(bot_id, gap_first, gap_last, days, fetched_at=clock())
            result.ranges.append((gap_first, gap_last))
            result.days_fetched += (gap_last - gap_first).days + 1
            result.days_written += written
    except BotpressAuthError as exc:
        # The token is workspace-wide: every other bot would be refused the same way.
        log.info("sync of bot %s refused: %s", bot_id, exc)
        result.error, result.refused = str(exc), True
        if stop is not None:
            stop.set()
    except BotstatsError as exc:
        # One bot's failure (Botpress or the store) is reported, never fatal to the others.
        log.info("sync of bot %s failed: %s", bot_id, exc)
        result.error = str(exc)
    return result


def sync_bots(
    client: AnalyticsSource,
    store: Store,
    bots: Sequence[Bot],
    *,
    today: date,
    days: int = 90,
    workers: int = 8,
    progress: SyncProgress | None = None,
    refetch_days: int = REFETCH_DAYS,
    clock: Clock = system_clock,
) -> SyncReport:
    """Sync the closed days [today - days, today - 1] of many bots, ``workers`` at a time.

    The first bot goes alone: when Botpress refuses the token (401/403) the sync stops
    there, having asked once, since the token is the same for every bot. A refusal later
    (a token revoked mid-sync) stops every bot not yet started.
    """
    started = time.perf_counter()
    first, last = today - timedelta(days=days), today - ONE_DAY
    results: dict[str, BotSync] = {}
    stop = threading.Event()

    def run(bot: Bot) -> BotSync | None:
        if stop.is_set():
            return None  # not tried: Botpress already refused the token
        return sync_bot(
            client,
            store,
            bot.id,
            first,
            last,
            refetch_days=refetch_days,
            clock=clock,
            name=bot.name,
            stop=stop,
        )

    def record(result: BotSync | None) -> None:
        if result is not None:
            results[result.bot_id] = result
            if progress:
                progress.advance(result)

    if progress:
        progress.start(len(bots))
    try:
        if bots:
            record(run(bots[0]))
        rest = bots[1:]
        if rest and not stop.is_set():
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(rest)))) as pool:
                for future in as_completed([pool.submit(run, bot) for bot in rest]):
                    record(future.result())
    finally:
        if progress:
            progress.finish()
    ordered = tuple(results[bot.id] for bot in bots if bot.id in results)
    refused = next((r.error for r in ordered if r.refused and r.error != STOPPED), None)
    not_tried = tuple(bot.name or bot.id for bot in bots if bot.id not in results)
    return SyncReport(
        first, last, ordered, time.perf_counter() - started, refused=refused, not_tried=not_tried
    )


def ensure_days(
    client: AnalyticsSource,
    store: Store,
    bot_id: str,
    first: date,
    last: date,
    *,
    today: date,
    clock: Clock = system_clock,
) -> dict[date, Metrics]:
    """A bot's days with data in [first, last]: stored, missing closed ones fetched, today live.

    Missing closed days are fetched (one call per gap) and saved. When the range includes
    today its partial bucket is fetched live and returned but never stored or marked
    covered; when the last gap ends yesterday the two share one call.
    """
    closed_last = min(last, today - ONE_DAY)
    wants_today = first <= today <= last
    gaps = store.days.missing_ranges(bot_id, first, closed_last) if first <= closed_last else []
    live: dict[date, Metrics] = {}
    for gap_first, gap_last in gaps:
        shared = wants_today and gap_last == today - ONE_DAY
        fetched = fetch_days(client, bot_id, gap_first, today if shared else gap_last)
        store.days.save(bot_id, gap_first, gap_last, fetched, fetched_at=clock())
        if shared:
            live = {d: m for d, m in fetched.items() if d == today}
            wants_today = False
    if wants_today:
        live = fetch_days(client, bot_id, today, today)
    days = store.days.load(bot_id, first, closed_last) if first <= closed_last else {}
    return {**days, **{d: m for d, m in live.items() if d == today}}
