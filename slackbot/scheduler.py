"""APScheduler as a clock only: one job, every 60 s and once at start, that runs the tick.

No logic lives here (DESIGN §6): what is due is read from SQLite by ``tick.Tick``, so a
restart, a missed minute or a second process change nothing. In-memory job store, an
explicit ``ZoneInfo``, ``coalesce`` and ``max_instances=1`` so a slow tick is never
run twice at once.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

TICK_SECONDS = 60
JOB_ID = "botstats-tick"


class _Ticking:
    """The tick, with an event set while no run of it is in progress (for a timed stop)."""

    def __init__(self, tick: Callable[[], object]) -> None:
        self.tick = tick
        self.idle = threading.Event()
        self.idle.set()

    def __call__(self) -> object:
        self.idle.clear()
        try:
            return self.tick()
        finally:
            self.idle.set()


#: Each started scheduler's tick (a stopped scheduler no longer looks its jobs up).
_TICKS: weakref.WeakKeyDictionary[BackgroundScheduler, _Ticking] = weakref.WeakKeyDictionary()


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
    ticking = _TICKS[scheduler] = _Ticking(tick)
    scheduler.add_job(
        ticking,
        IntervalTrigger(seconds=interval, timezone=tz),
        id=JOB_ID,
        name="botstats tick",
        next_run_time=now,
        replace_existing=True,
    )
    scheduler.start()
    log.info("scheduler started: the tick runs every %g s (%s)", interval, tz.key)
    return scheduler


def stop_scheduler(
    scheduler: BackgroundScheduler, *, wait: bool = True, timeout: float | None = None
) -> bool:
    """Stop the scheduler (no new tick starts); with ``wait``, let a running tick finish, for
    at most ``timeout`` seconds (None: however long it takes). True when none is left running.
    """
    ticking = _TICKS.get(scheduler)
    stopping = scheduler.running
    if stopping:
        # Unbounded waiting is APScheduler's own; a bounded one waits on the tick's event.
        scheduler.shutdown(wait=wait and timeout is None)
    if ticking is None:
        done = True
    elif wait and timeout is not None:
        done = ticking.idle.wait(max(0.0, timeout))
    else:
        done = ticking.idle.is_set()
    if stopping:
        log.info("scheduler stopped" if done else "scheduler stopped; its tick is still running")
    return done


def tick_running(scheduler: BackgroundScheduler) -> bool:
    """True while a run of the tick is in progress (also after the scheduler was stopped)."""
    ticking = _TICKS.get(scheduler)
    return ticking is not None and not ticking.idle.is_set()


def scheduler_state(scheduler: BackgroundScheduler | None) -> str:
    """``running``, ``stopped`` or ``off`` (no scheduler in this process), for /healthz."""
    if scheduler is None:
        return "off"
    return "running" if scheduler.running else "stopped"
