"""What the Slack listeners share: the replies, metrics, and the bounded pool the work runs on."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from slackbot.alerts.actions import AlertActions
from slackbot.config import Settings
from slackbot.replies import Replies
from slackbot.service import Service
from slackbot.slack.telemetry import Telemetry

log = logging.getLogger(__name__)

#: BoltRequest context key: ``time.perf_counter()`` when the HTTP request arrived.
RECEIVED_AT = "botstats_received_at"
#: Work queued or running at most; past it a command is answered "busy" in the ack itself.
#: Replies drain at 100-150 a second on 2 cores while acks arrive 3-4 times faster
#: (benchmarks/bench_load.py), so a burst of 2,000 must fit; a queued reply is a closure
#: of a few kB and response_url stays valid 30 minutes, so 5,000 costs little memory.
DEFAULT_MAX_PENDING = 5000
#: "Busy" notes sent at once at most when the pool is full, each on a short thread.
MAX_BUSY_NOTES = 2
#: Reply threads. Few on purpose: the work is mostly Python (SQLite, Block Kit, JSON), so
#: every runnable worker competes with the ack path for the GIL. Measured with
#: benchmarks/bench_slack.py (500 requests, concurrency 16, 2 cores): p99 ack ~45 ms with 8
#: workers, ~25 with 3-4, ~19 with 2. Fetching many bots still runs in parallel inside
#: Service.summaries; the cost is that two commands stuck on a slow Botpress delay others.
DEFAULT_WORKERS = 2


class Runner:
    """Runs work after the ack on a bounded pool: ``reserve()`` a slot, then ``start()``.

    Reserving first lets a listener know, before it acks, whether the work will run, so
    a full pool is told in the ack itself rather than by silence.
    """

    def __init__(
        self,
        executor: Executor,
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        on_full: Callable[[str], None] | None = None,
    ) -> None:
        self.executor = executor
        self.max_pending = max_pending
        self._slots = threading.BoundedSemaphore(max_pending)
        self._on_full = on_full

    def reserve(self, what: str = "work") -> bool:
        """Take a slot without waiting; False (logged and counted) when the pool is full."""
        if self._slots.acquire(blocking=False):
            return True
        log.warning(
            "work pool full (%d tasks queued or running): %s refused", self.max_pending, what
        )
        if self._on_full is not None:
            self._on_full(what)
        return False

    def start(self, work: Callable[[], None]) -> None:
        """Run ``work`` on the pool in the slot reserved for it."""

        def run() -> None:
            try:
                work()
            except Exception:
                # The work handles its own failures; this is the last net so nothing is lost.
                log.exception("background work failed")
            finally:
                self._slots.release()

        try:
            self.executor.submit(run)
        except RuntimeError:
            self._slots.release()
            log.error("the work pool is shut down (botstats is stopping); the work was dropped")

    def submit(self, work: Callable[[], None], what: str = "work") -> bool:
        """``reserve()`` and ``start()`` in one; False (logged, counted) when the pool is full."""
        if not self.reserve(what):
            return False
        self.start(work)
        return True


class BusyNotes:
    """Says "busy" off the request thread when the pool is full (a button or a DM has no
    ack body to say it in); past ``MAX_BUSY_NOTES`` at once, only the log says it."""

    def __init__(self, limit: int = MAX_BUSY_NOTES) -> None:
        self._slots = threading.BoundedSemaphore(limit)

    def tell(self, say: Callable[[], object]) -> bool:
        """Run ``say`` on a short thread of its own; False when too many are already out."""
        if not self._slots.acquire(blocking=False):
            return False

        def run() -> None:
            try:
                say()
            except Exception:  # a busy note that fails has nobody left to tell
                log.warning("could not tell a user botstats is busy", exc_info=True)
            finally:
                self._slots.release()

        threading.Thread(target=run, name="botstats-busy-note", daemon=True).start()
        return True


@dataclass(frozen=True)
class SlackDeps:
    """Everything a listener needs, built once per app by ``slack_app.build_app``."""

    settings: Settings
    service: Service
    replies: Replies
    telemetry: Telemetry
    runner: Runner
    sleep: Callable[[float], None] = time.sleep
    #: Pause before the one retry of a reply that Slack answered with 5xx or never received.
    respond_retry_delay: float = 0.5
    #: What the alert buttons do (None only in tests that wire no alerts).
    alert_actions: AlertActions | None = None
    #: How a full pool is told to a button press, a DM or a mention.
    busy: BusyNotes = field(default_factory=BusyNotes)
