"""Charts drawn in one reused worker process, so a chart never holds the server's GIL.

Drawing is CPU-bound Python (matplotlib); in a thread it would compete with the Slack ack
path for the interpreter lock. ``ChartWorker`` keeps one child process, reuses it for
every chart, and replaces it when it dies or hangs. The child comes from the stdlib's
fork server ("spawn" where there is none), never from a plain fork: the server is
multi-threaded, and forking a threaded process can deadlock the child. Every failure
becomes None and one WARNING line saying why: a message never fails for want of a chart.

``InlineRenderer`` draws in the calling process with the same contract, for tests and the
demo. The use cases take any ``ChartRenderer``.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date, timedelta
from multiprocessing.context import BaseContext
from types import TracebackType
from typing import Protocol, TypeVar

from slackbot.core.series import DailySeries

log = logging.getLogger(__name__)

T = TypeVar("T")

#: What draws a chart: a module-level function, so that it can be pickled by name.
Target = Callable[[DailySeries], bytes]

#: Drawn once when a worker starts, so fonts and caches are loaded before a real chart.
SAMPLE = DailySeries(
    title="warm-up",
    days=tuple(date(2026, 1, 5) + timedelta(days=i) for i in range(7)),
    sessions=(3.0, None, 5.0, 8.0, 0.0, 2.0, 4.0),
    cost=(0.5, None, 1.25, 2.0, 0.0, 0.75, 1.0),
    highlight=(date(2026, 1, 9), date(2026, 1, 11)),
)


class ChartRenderer(Protocol):
    """Turns a ``DailySeries`` into PNG bytes, or None when there is no chart to show."""

    def render(self, series: DailySeries) -> bytes | None:
        """PNG bytes; None when there is nothing to draw or drawing failed (logged)."""
        ...


def worker_context() -> BaseContext:
    """Fork server where there is one (a fresh worker costs milliseconds), else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # The fork server is one per process and starts clean (single-threaded, so forking it
    # is safe); with matplotlib imported there once, every worker starts warm. This list
    # is the process's only one, and is read only when the server first starts.
    context.set_forkserver_preload(["slackbot.charts.drawing", __name__])
    return context


def draw_png(series: DailySeries) -> bytes:
    """``drawing.render_png``, imported on first use: the serving process never loads matplotlib."""
    from slackbot.charts.drawing import render_png

    return render_png(series)


def current_pid() -> int:
    """The id of the process that runs this: in the worker, the worker's pid."""
    return os.getpid()


def warm_up() -> int:
    """Draw the sample chart (imports matplotlib, loads its fonts); return this pid."""
    draw_png(SAMPLE)
    return os.getpid()


def exit_with(pid: int) -> None:
    """Worker initializer: end this worker once botstats (``pid``) is gone, even by SIGKILL."""
    # Nothing else would: its parent is the fork server, which a killed botstats leaves
    # running, and it holds its own queue open, so it would wait for work forever.
    threading.Thread(target=_watch, args=(pid,), name="botstats-watch", daemon=True).start()


def _watch(pid: int) -> None:
    stat = f"/proc/{pid}/stat"
    while True:
        time.sleep(0.2)  # cheap: one kill(0) and a /proc read
        try:
            os.kill(pid, 0)
            with open(stat) as file:  # a killed process stays a zombie until reaped
                if file.read().rsplit(")", 1)[1].split()[0] == "Z":
                    os._exit(0)
        except ProcessLookupError:
            os._exit(0)
        except (OSError, IndexError):
            pass  # alive as far as can be told (another user's, or no /proc)


def run_unless_late(deadline: float, call: Callable[[], T]) -> T:
    """``call()`` in the child, unless its caller's deadline (monotonic) has passed."""
    # CLOCK_MONOTONIC is one clock for every process of the machine, so the parent's
    # deadline holds here: a chart nobody waits for any more is skipped, not drawn.
    if time.monotonic() > deadline:
        raise _Late("the caller stopped waiting before the worker reached this call")
    return call()


def nothing_to_draw(series: DailySeries) -> bool:
    """True (and logged) when no day of ``series`` has data: no chart, and no failure."""
    if series.empty:
        log.info("Chart %r skipped: no day in it has data", series.title)
    return series.empty


class InlineRenderer:
    """Draws in the calling process (tests, the demo), with ChartWorker's error contract."""

    def __init__(self, target: Target = draw_png) -> None:
        self._target = target

    def render(self, series: DailySeries) -> bytes | None:
        """PNG bytes drawn here and now, or None (logged at WARNING) if drawing raised."""
        if nothing_to_draw(series):
            return None
        try:
            return self._target(series)
        except Exception as error:
            log.warning(
                "Chart %r not drawn: drawing raised %s: %s",
                series.title,
                type(error).__name__,
                error,
                exc_info=True,
            )
            return None


class _TimedOut(Exception):
    """The worker did not answer within the caller's timeout."""

    def __init__(self, *, restarted: bool) -> None:
        super().__init__()
        self.restarted = restarted


class _Late(Exception):
    """Raised in the child for a call whose caller has already given up on it."""


class _Died(Exception):
    """The worker process died (killed, crashed) and a fresh one died too or had no time."""


class _Closed(Exception):
    """The ChartWorker was closed; it starts no process any more."""


class ChartWorker:
    """One reused worker process that draws charts; thread-safe, lazily started, restartable.

    A render that outlives its timeout has the worker killed (it may be stuck), and any
    other render waiting on that worker is retried once on a fresh one, as is a render
    whose worker died. ``close()`` waits for the render in progress, if any.
    """

    def __init__(self, target: Target = draw_png) -> None:
        self._target = target
        self._context = worker_context()
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    def __enter__(self) -> ChartWorker:
        """This worker; it is closed when the block ends."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the worker."""
        self.close()

    def start(self, *, timeout: float = 60.0) -> bool:
        """Start the worker and draw a sample chart in it now, not on the first digest."""
        try:
            pid = self._call(timeout, warm_up)
        except Exception as error:
            log.warning("The chart worker did not start: %s", describe(error, timeout))
            return False
        log.info("Chart worker ready (pid %d)", pid)
        return True

    def worker_pid(self, *, timeout: float = 30.0) -> int | None:
        """The pid of the worker process (started if need be); None if it cannot answer."""
        try:
            return self._call(timeout, current_pid)
        except Exception as error:
            log.warning("The chart worker did not answer: %s", describe(error, timeout))
            return None

    def render(self, series: DailySeries, *, timeout: float = 30.0) -> bytes | None:
        """PNG bytes drawn in the worker; None (logged at WARNING, never raised) on failure."""
        if nothing_to_draw(series):
            return None
        try:
            return self._call(timeout, functools.partial(self._target, series))
        except Exception as error:
            log.warning(
                "Chart %r not drawn: %s",
                series.title,
                describe(error, timeout),
                # The child's traceback (chained by concurrent.futures) when drawing raised.
                exc_info=not isinstance(error, _TimedOut | _Died | _Closed),
            )
            return None

    def close(self, *, kill: bool = False) -> None:
        """Stop the worker process (``kill``: at once, even mid-chart, for a process about to
        exit); later renders return None. Safe to call twice."""
        with self._lock:
            pool, self._pool, self._closed = self._pool, None, True
        if pool is not None and kill:
            self._discard(pool, kill=True)
        elif pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _call(self, timeout: float, call: Callable[[], T]) -> T:
        """``call()`` in the worker; a dead worker is replaced and the call tried once more."""
        deadline = time.monotonic() + timeout
        for attempt in range(2):
            if attempt and time.monotonic() >= deadline:
                break
            pool = self._current_pool()
            try:
                future = pool.submit(run_unless_late, deadline, call)
            except (BrokenProcessPool, RuntimeError):
                # Broken before we came, or shut down by another thread meanwhile: nothing
                # ran, so a fresh worker may safely take the call.
                self._discard(pool, kill=False)
                continue
            try:
                return self._wait(pool, future, deadline)
            except (BrokenProcessPool, CancelledError):
                # Its worker died, or was killed or closed by another thread; nothing
                # came back, so a fresh worker may take the call.
                self._discard(pool, kill=False)
                if attempt == 0:
                    log.warning("The chart worker process died; starting a fresh one")
        raise _Died

    def _wait(self, pool: ProcessPoolExecutor, future: Future[T], deadline: float) -> T:
        """The result of ``future``, or _TimedOut; a call the child holds then kills it."""
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            if future.done():
                raise  # the target itself raised TimeoutError: a drawing error
            # Never future.cancel(): if the pool broke later, its manager thread would
            # crash setting an exception on a cancelled future. A call still queued here
            # is skipped by the child (run_unless_late); one the child holds may be stuck,
            # and the child is the only worker.
            held = future.running()
            if held:
                self._discard(pool, kill=True)
            raise _TimedOut(restarted=held) from None

    def _current_pool(self) -> ProcessPoolExecutor:
        """The live pool, created on first use or after the last one was discarded."""
        with self._lock:
            if self._closed:
                raise _Closed
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=self._context,
                    initializer=exit_with,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor, *, kill: bool) -> None:
        """Forget ``pool`` (the next call starts a fresh one) and stop it without waiting."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        # The public API cannot stop a busy child; its process table is the only handle.
        processes = list((pool._processes or {}).values()) if kill else []
        for process in processes:
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)


def describe(error: BaseException, timeout: float) -> str:
    """Why a call to the worker failed, in words for the log."""
    if isinstance(error, _TimedOut):
        why = "it was stuck, and is replaced" if error.restarted else "waiting behind other charts"
        return f"the chart worker took longer than {timeout:g} s ({why})"
    if isinstance(error, _Died):
        return "the chart worker process died, twice or with no time left to retry"
    if isinstance(error, _Closed):
        return "the chart worker is closed"
    return f"drawing raised {type(error).__name__}: {error}"
