"""How ``botstats serve`` stops: one deadline, BOTSTATS_SHUTDOWN_GRACE_S, for the whole stop.

The first SIGTERM or SIGINT starts it. uvicorn stops accepting connections and lets the
open ones finish; then the scheduler's running tick (a digest or alert being posted) and
the replies already acknowledged get what is left of the grace. When it runs out, or a
second signal arrives, what was still running is logged and the process exits anyway with
status 0: a stop asked for by a signal is an orderly stop (DESIGN §2), and a delivery cut
short stays in the database as DESIGN §6 says (``claimed``: taken over later;
``posting``: listed for a person, never posted twice).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import ParamSpec, TypeVar

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt.adapter.socket_mode import SocketModeHandler

from slackbot.charts.worker import ChartWorker
from slackbot.errors import StoreError
from slackbot.scheduler import stop_scheduler, tick_running
from slackbot.service import Service
from slackbot.store import Store
from slackbot.store.runs import DEFAULT_STALE_AFTER, Run

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
SIGNALS = (signal.SIGTERM, signal.SIGINT)
#: What happens to a delivery left in each state, for the log line.
LEFT = {
    "claimed": (
        f"left claimed: nothing was posted, and a later tick takes it over once the claim "
        f"is {DEFAULT_STALE_AFTER.total_seconds() / 60:g} min old"
    ),
    "posting": (
        "left posting: it may have reached Slack, so it is never retried; it is listed for "
        "a person to check"
    ),
}


class ForcedStop(BaseException):
    """A second SIGTERM or SIGINT while botstats waits for its work to finish."""


class Deadline:
    """The end of the grace period, counted from the first signal (``begin``)."""

    def __init__(self, grace: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.grace = grace
        self._clock = clock
        self.started: float | None = None
        self.forced = False
        #: True while botstats waits for work, when a second signal interrupts the wait.
        self.waiting = False

    def begin(self) -> None:
        """Start the grace period now (no-op once started)."""
        if self.started is None:
            self.started = self._clock()

    def remaining(self) -> float:
        """Seconds of grace left (0 once forced or run out)."""
        if self.forced:
            return 0.0
        self.begin()
        assert self.started is not None
        return max(0.0, self.started + self.grace - self._clock())

    def elapsed(self) -> float:
        """Seconds since the stop began."""
        return 0.0 if self.started is None else self._clock() - self.started

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        """A signal during the stop: the first starts it, the next one forces it."""
        name = signal.Signals(signum).name
        if self.started is None:
            self.begin()
            log.info("%s received: botstats is stopping (grace %g s)", name, self.grace)
            return
        first = not self.forced
        self.forced = True
        log.warning("%s received again: botstats stops now", name)
        if first and self.waiting:
            raise ForcedStop


class Server(uvicorn.Server):
    """uvicorn whose signals go to the ``Deadline``; a second one stops waiting at once."""

    def __init__(self, config: uvicorn.Config, deadline: Deadline) -> None:
        super().__init__(config)
        self.deadline = deadline

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Stop serving; not re-raised afterwards (uvicorn would), so the exit stays ours."""
        self.deadline.on_signal(sig, frame)
        if self.should_exit:
            self.force_exit = True
        self.should_exit = True


@contextmanager
def signals_to(deadline: Deadline) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT go to ``deadline`` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, deadline.on_signal) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def wait(deadline: Deadline, until: Callable[[float], bool]) -> bool:
    """``until(seconds left)``, cut short (False) by a second signal."""
    deadline.waiting = True
    try:
        return until(deadline.remaining())
    except ForcedStop:
        return False
    finally:
        deadline.waiting = False


class CountingPool(ThreadPoolExecutor):
    """The reply pool, counting its unfinished tasks so that a stop can wait for them."""

    def __init__(self, workers: int, *, thread_name_prefix: str = "") -> None:
        super().__init__(workers, thread_name_prefix=thread_name_prefix)
        self._cond = threading.Condition()
        self._unfinished = 0

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Queue ``fn`` as ThreadPoolExecutor does, counting it until it ends."""
        with self._cond:
            self._unfinished += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, future: Future[T] | None) -> None:
        with self._cond:
            self._unfinished -= 1
            self._cond.notify_all()

    @property
    def unfinished(self) -> int:
        """Tasks queued or running."""
        with self._cond:
            return self._unfinished

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every task to end; True if they did."""
        with self._cond:
            return self._cond.wait_for(lambda: self._unfinished == 0, timeout=timeout)


def running_runs(store: Store, since: datetime) -> list[Run]:
    """The deliveries this process claimed (since ``since``) and has not finished."""
    runs = store.runs.all(status="claimed") + store.runs.all(status="posting")
    return sorted((r for r in runs if r.claimed_at >= since), key=lambda r: r.claimed_at)


def left_running(deadline: Deadline, runs: list[Run], *, tick: bool, replies: int) -> str:
    """The log line naming what a stop leaves behind."""
    parts = []
    if runs:
        named = ", ".join(f"{r.key} ({LEFT.get(r.status, r.status)})" for r in runs)
        parts.append(f"{len(runs)} deliver{'y' if len(runs) == 1 else 'ies'} running: {named}")
    elif tick:
        parts.append("the scheduler's tick running (no delivery claimed)")
    if replies:
        parts.append(f"{replies} Slack repl{'y' if replies == 1 else 'ies'} unfinished")
    head = (
        "a second signal stopped botstats"
        if deadline.forced
        else f"shutdown grace of {deadline.grace:g} s ran out"
    )
    return f"{head} with {'; '.join(parts) or 'work running'}"


@dataclass
class Parts:
    """What ``serve`` started, for ``wind_down`` to stop."""

    service: Service
    pool: CountingPool
    charts: ChartWorker
    started: datetime
    scheduler: BackgroundScheduler | None = None
    socket_mode: SocketModeHandler | None = None


def wind_down(parts: Parts, deadline: Deadline) -> bool:
    """Stop what ``serve`` started within ``deadline``; False when work was left running
    (logged: the caller must then ``exit_now``, since stuck threads cannot be joined)."""
    deadline.begin()
    with signals_to(deadline):
        if parts.socket_mode is not None:
            parts.socket_mode.close()  # type: ignore[no-untyped-call]  # first: no new events
        try:
            clean = _wait_for_work(parts, deadline)
        except ForcedStop:  # a second signal between two waits
            clean = False
        # Killed when work is left: the exit cannot wait for a chart of a cut-off delivery,
        # and an orphaned worker process would outlive botstats.
        parts.charts.close(kill=not clean)
        if not clean:
            _report_left(parts, deadline)
            if parts.scheduler is not None:
                stop_scheduler(parts.scheduler, wait=False)  # if a signal cut the stop short
        parts.pool.shutdown(wait=False)
        parts.service.client.close()
        parts.service.store.close()  # WAL checkpointed into the file
    return clean


def _wait_for_work(parts: Parts, deadline: Deadline) -> bool:
    """The running tick, then the replies already acknowledged, within the deadline."""
    ticks_done = True
    if parts.scheduler is not None:
        scheduler = parts.scheduler
        ticks_done = wait(deadline, lambda left: stop_scheduler(scheduler, timeout=left))
    replies_done = wait(deadline, parts.pool.wait_idle)
    return ticks_done and replies_done


def _report_left(parts: Parts, deadline: Deadline) -> None:
    try:
        runs = running_runs(parts.service.store, parts.started)
    except StoreError as exc:
        log.warning("the deliveries still running could not be listed: %s", exc)
        runs = []
    tick = parts.scheduler is not None and tick_running(parts.scheduler)
    log.warning("%s", left_running(deadline, runs, tick=tick, replies=parts.pool.unfinished))


def exit_now(code: int) -> None:
    """End the process at once (threads still stuck in a call cannot be joined)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
