"""APScheduler as a clock only: one job, every 60 s and once at start, that runs the tick.

No logic lives here (DESIGN §6): what is due is read from SQLite by ``tick.Tick``, so a
restart, a missed minute or a second process change nothing. In-memory job store, an
explicit ``ZoneInfo``, ``coalesce`` and ``max_instances=1`` so a slow tick is never
run twice at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

TICK_SECONDS = 60
JOB_ID = "botstats-tick"


def start_scheduler(
    tick: Callable[[], object],
    *,
    tz: ZoneInfo,
    now: datetime,
    interval: float = TICK_SECONDS,
) -> BackgroundScheduler:
    """A started BackgroundScheduler running ``tick`` now and every ``interval`` seconds."""
    scheduler = BackgroundScheduler(
        timezone=tz,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": max(1, int(interval)),
        },
    )
    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=interval, timezone=tz),
        id=JOB_ID,
        name="botstats tick",
        next_run_time=now,
        replace_existing=True,
    )
    scheduler.start()
    log.info("scheduler started: the tick runs every %g s (%s)", interval, tz.key)
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler, *, wait: bool = True) -> None:
    """Stop the scheduler, letting a running tick finish when ``wait``."""
    if scheduler.running:
        scheduler.shutdown(wait=wait)
        log.info("scheduler stopped")


def scheduler_state(scheduler: BackgroundScheduler | None) -> str:
    """``running``, ``stopped`` or ``off`` (no scheduler in this process), for /healthz."""
    if scheduler is None:
        return "off"
    return "running" if scheduler.running else "stopped"
