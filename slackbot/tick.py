"""The scheduler's one job: every minute, do the work that is due (DESIGN §6).

The tick reads what is due from SQLite and calls the use cases: the hourly sync of recent
days for every tracked bot (90 days on a new database or for a newly tracked bot), the
digests, then every hook registered after them (the alert check plugs in here). Each part
fails on its own: a sync that cannot reach Botpress never holds a digest back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from slackbot.clock import Clock
from slackbot.digests.delivery import Delivered
from slackbot.digests.due import DueDigests
from slackbot.errors import StoreError
from slackbot.service import Service
from slackbot.store.jobs import DEFAULT_STALE_AFTER as JOB_STALE_AFTER
from slackbot.sync import SyncReport, sync_bots

log = logging.getLogger(__name__)

#: Days of history the hourly sync keeps present (and fetches for a new bot or database).
SYNC_DAYS = 90
Hook = Callable[[datetime], object]


@dataclass
class TickReport:
    """What one tick did."""

    at: datetime
    sync: SyncReport | None = None
    digests: list[Delivered] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Tick:
    """Callable run by the scheduler every minute; safe to call from one thread at a time."""

    def __init__(
        self,
        service: Service,
        digests: DueDigests,
        *,
        clock: Clock,
        hooks: Sequence[tuple[str, Hook]] = (),
        sync_days: int = SYNC_DAYS,
    ) -> None:
        self.service = service
        self.digests = digests
        self.clock = clock
        self.hooks = list(hooks)
        self.sync_days = sync_days
        self.last: TickReport | None = None
        self._lock = threading.Lock()
        #: A sync claimed before this was built is not this process's own (see ``_sync``).
        self.started = clock()

    def add_hook(self, name: str, hook: Hook) -> None:
        """Run ``hook(now)`` on every tick, after the sync and the digests."""
        self.hooks.append((name, hook))

    def __call__(self) -> TickReport:
        """Do the due work once; never raises (every failure is logged and reported)."""
        with self._lock:
            report = TickReport(self.clock())
            self._guarded(report, "sync", self._sync)
            if not self._uninstalled():
                self._guarded(report, "digests", self._digests)
                for name, hook in self.hooks:
                    self._guarded(report, name, _at(hook))
            self.last = report
            return report

    def _uninstalled(self) -> bool:
        """True while Slack says the app is uninstalled: digests and hooks wait, unclaimed."""
        # Unclaimed, no run uses up its attempts; the first tick after a reinstall catches
        # up what fell due meanwhile (within 24 h), as after any downtime.
        try:
            gone = self.service.store.workspace.uninstalled()
        except StoreError as exc:  # the digests meet the same fault and report it
            log.warning("tick: could not read whether botstats is uninstalled: %s", exc)
            return False
        if gone is not None:
            log.info("tick: no digests or alerts: botstats is uninstalled (%s)", gone.describe())
        return gone is not None

    def _guarded(self, report: TickReport, name: str, work: Callable[[TickReport], object]) -> None:
        try:
            work(report)
        except StoreError as exc:
            # Its sentence says it all, and it comes back every minute until the file does:
            # no traceback each time.
            log.error("tick: %s failed: %s", name, exc)
            report.errors.append(f"{name}: {type(exc).__name__}: {exc}")
        except Exception as exc:  # one part's failure must not stop the others or the scheduler
            log.exception("tick: %s failed", name)
            report.errors.append(f"{name}: {type(exc).__name__}: {exc}")

    def _sync(self, report: TickReport) -> None:
        """The hourly sync: every tracked bot's missing days and its unsettled last two."""
        now = report.at
        slot = now.astimezone(UTC).strftime("%Y-%m-%dT%H")
        jobs = self.service.store.jobs
        # A sync still "running" from before this process started was left by one killed
        # mid-sync (or is another botstats's, and syncing twice only repeats idempotent
        # saves): take it over now rather than leave the history short until the next hour.
        mine = max(now - self.started, timedelta(0))
        if not jobs.start("sync", slot, now=now, stale_after=min(mine, JOB_STALE_AFTER)):
            return
        try:
            result = sync_bots(
                self.service.client,
                self.service.store,
                self.service.bots(),
                today=now.astimezone(UTC).date(),
                days=self.sync_days,
                clock=self.clock,
            )
        except Exception as exc:
            jobs.finish("sync", slot, ok=False, detail=f"{type(exc).__name__}: {exc}", now=now)
            raise
        report.sync = result
        head, *problems = result.lines()
        jobs.finish("sync", slot, ok=result.ok, detail="; ".join([head, *problems]), now=now)
        log.info("tick: hourly sync: %s", head)

    def _digests(self, report: TickReport) -> None:
        report.digests = self.digests.run(report.at)


def _at(hook: Hook) -> Callable[[TickReport], object]:
    """``hook`` called with the tick's time."""
    return lambda report: hook(report.at)
