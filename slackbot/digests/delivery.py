"""Post a digest exactly once: claim its run key, then the message, its thread and its chart.

The run moves claimed -> posting -> sent | failed (``store.runs``). Slack has no
idempotency key, so the top-level message is the point of no return: before it the run
can be given back and retried on a later tick; once Slack may have taken it, a run that
cannot be finished is left in ``posting`` for a person (``/botstats subscriptions`` says
so) rather than posted twice. The chart and the thread are extras: their failures are
logged and never undo a posted digest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, TypeAlias
from zoneinfo import ZoneInfo

from slackbot.charts.worker import ChartRenderer
from slackbot.core.blocks.digest import DigestMessages, digest_messages
from slackbot.core.blocks.kit import Dashboard, Message
from slackbot.core.digest import Cadence, Digest
from slackbot.core.periods import Period
from slackbot.core.schedule import period_key
from slackbot.core.series import DailySeries
from slackbot.digests.build import DigestBuilder
from slackbot.errors import BotstatsError, SlackDeliveryError
from slackbot.store import Store

log = logging.getLogger(__name__)

Outcome: TypeAlias = Literal["sent", "failed", "stuck", "taken", "skipped"]
#: A failed digest is tried again on later ticks, this many claims in all...
MAX_ATTEMPTS = 30
#: ...and not sooner than this after its last failure (the tick runs every minute).
RETRY_AFTER = timedelta(minutes=1)
CHART_ALT = "Daily sessions and LLM cost over the last 4 weeks, the digest's days shaded"


class Posted(Protocol):
    """What a post returns: the message's timestamp."""

    @property
    def ts(self) -> str:
        """The posted message's ``ts``."""


class Poster(Protocol):
    """The Slack Web API calls a digest needs (``slack.poster.SlackPoster``)."""

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        """``chat.postMessage``; raises SlackDeliveryError."""

    def upload_png(
        self,
        png: bytes,
        *,
        filename: str,
        title: str,
        alt_text: str,
        channel: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Upload an image (``files_upload_v2``); its file id. Raises SlackDeliveryError."""

    def update(self, channel: str, ts: str, message: Message) -> None:
        """``chat.update`` a posted message; raises SlackDeliveryError."""

    def permalink(self, channel: str, ts: str) -> str | None:
        """A link to a posted message, or None."""


@dataclass(frozen=True)
class DigestRun:
    """One delivery to make: where, of what, covering which days, under which run key."""

    channel: str
    target: str
    cadence: Cadence
    period: Period
    kind: str = "digest"
    due_at: datetime | None = None
    suffix: str = ""  # manual runs add the minute they were asked for

    @property
    def key(self) -> str:
        """The run key ``kind:channel:bot:period`` (DESIGN §6)."""
        key = f"{self.kind}:{self.channel}:{self.target}:{period_key(self.period)}"
        return f"{key}:{self.suffix}" if self.suffix else key


@dataclass(frozen=True)
class Delivered:
    """How a delivery ended, for logs, the CLI and tests."""

    run: DigestRun
    outcome: Outcome
    ts: str | None = None
    error: str | None = None


class DigestDelivery:
    """Builds and posts digests under run keys, with their chart and thread."""

    def __init__(
        self,
        builder: DigestBuilder,
        store: Store,
        poster: Poster,
        *,
        charts: ChartRenderer | None = None,
        tz: ZoneInfo,
        links: Dashboard | None = None,
    ) -> None:
        self.builder = builder
        self.store = store
        self.poster = poster
        self.charts = charts
        self.tz = tz
        self.links = links

    def deliver(self, run: DigestRun, *, now: datetime) -> Delivered:
        """Claim ``run``'s key and post it; a key already taken posts nothing."""
        started = time.perf_counter()
        delivered = self._deliver(run, now=now)
        log_delivery(log, run.key, run.channel, delivered.outcome, started=started, ts=delivered.ts)
        return delivered

    def _deliver(self, run: DigestRun, *, now: datetime) -> Delivered:
        attempt = self.store.runs.claim_attempt(
            run.key,
            kind=run.kind,
            channel=run.channel,
            now=now,
            max_attempts=MAX_ATTEMPTS,
            retry_after=RETRY_AFTER,
            target=run.target,
            period=period_key(run.period),
            due_at=run.due_at or now,
        )
        if attempt is None:
            return Delivered(run, "taken")
        try:
            digest = self.builder.build(run.target, run.cadence, run.period, now=now)
        except BotstatsError as exc:
            log.warning("digest %s could not be built: %s", run.key, exc)
            self.store.runs.release(run.key, error=exc.user_message, now=now)
            return Delivered(run, "failed", error=str(exc))
        file_id = self._chart(digest, run)
        if not self.store.runs.mark_posting(run.key, attempt=attempt):
            log.warning("digest %s: another process took the run over; not posting", run.key)
            return Delivered(run, "taken")
        return self._post(run, digest, file_id, now=now)

    def _chart(self, digest: Digest, run: DigestRun) -> str | None:
        """Draw and upload the chart; None (and why, in the log) when either fails."""
        if self.charts is None or digest.chart is None:
            return None
        return upload_chart(
            self.poster,
            self.charts,
            digest.chart,
            name=f"botstats-{period_key(run.period)}",
            title=f"Sessions and LLM cost, {period_key(run.period)}",
            alt_text=CHART_ALT,
            what=f"digest {run.key}",
        )

    def _messages(self, digest: Digest, now: datetime, file_id: str | None) -> DigestMessages:
        return digest_messages(digest, tz=self.tz, now=now, links=self.links, chart_file_id=file_id)

    def _post(
        self, run: DigestRun, digest: Digest, file_id: str | None, *, now: datetime
    ) -> Delivered:
        """Post the top message (the point of no return), then its thread."""
        messages = self._messages(digest, now, file_id)
        try:
            posted = self.poster.post(run.channel, messages.top)
        except SlackDeliveryError as exc:
            if file_id is None or exc.error != "invalid_blocks" or exc.maybe_posted:
                return self._refused(run, exc, now=now)
            # Slack may refuse an image block whose file it has not finished processing:
            # the digest goes out without it (a refused post was not posted).
            log.warning(
                "digest %s: Slack refused the chart's image block; posting without", run.key
            )
            messages = self._messages(digest, now, None)
            try:
                posted = self.poster.post(run.channel, messages.top)
            except SlackDeliveryError as again:
                return self._refused(run, again, now=now)
        link = self.poster.permalink(run.channel, posted.ts)
        self.store.runs.record_message(run.key, message_ts=posted.ts, permalink=link)
        problems = self._thread(run, messages.thread, posted.ts)
        note = "; ".join(problems) or None
        self.store.runs.finish(
            run.key, status="sent", message_ts=posted.ts, permalink=link, error=note, now=now
        )
        return Delivered(run, "sent", ts=posted.ts, error=note)

    def _refused(self, run: DigestRun, exc: SlackDeliveryError, *, now: datetime) -> Delivered:
        """Record a refused top-level post; one that may have reached Slack stays ``posting``."""
        if exc.maybe_posted:
            log.error(
                "digest %s may or may not be in %s (%s): left for a person",
                run.key,
                run.channel,
                exc,
            )
            return Delivered(run, "stuck", error=str(exc))
        self.store.runs.finish(
            run.key,
            status="failed",
            error=f"{exc.error}: {exc.user_message}",
            retryable=exc.retryable,
            now=now,
        )
        log.warning("digest %s was not posted: %s", run.key, exc)
        return Delivered(run, "failed", error=str(exc))

    def _thread(self, run: DigestRun, thread: Sequence[Message], ts: str) -> list[str]:
        """Post the thread's messages in order; what went wrong, for the run's record."""
        for index, message in enumerate(thread, start=1):
            try:
                self.poster.post(run.channel, message, thread_ts=ts)
            except SlackDeliveryError as exc:
                log.warning(
                    "digest %s: thread message %d of %d failed: %s",
                    run.key,
                    index,
                    len(thread),
                    exc,
                )
                return [f"thread stopped at message {index} of {len(thread)}: {exc.error}"]
        return []


def log_delivery(
    logger: logging.Logger,
    key: str,
    channel: str,
    outcome: str,
    *,
    started: float,
    ts: str | None = None,
) -> None:
    """The one line per delivery: run key, channel, outcome, duration (the why is logged before)."""
    ms = round((time.perf_counter() - started) * 1000)
    fields: dict[str, object] = {"run_key": key, "channel": channel, "outcome": outcome}
    fields |= {"duration_ms": ms} | ({"ts": ts} if ts else {})
    # A key another tick or process holds is routine: only DEBUG says so.
    level = logging.DEBUG if outcome == "taken" else logging.INFO
    said = f"delivery {key} channel={channel} outcome={outcome}" + (f" ts={ts}" if ts else "")
    logger.log(level, "%s in %d ms", said, ms, extra=fields)


def upload_chart(
    poster: Poster,
    charts: ChartRenderer,
    series: DailySeries,
    *,
    name: str,
    title: str,
    alt_text: str,
    what: str,
) -> str | None:
    """Draw ``series`` and upload it; its file id, or None (and why, in the log).

    A message never fails for its chart: the caller posts without it.
    """
    if series.empty:
        return None
    png = charts.render(series)
    if png is None:
        log.warning("%s goes out without its chart: it could not be drawn", what)
        return None
    try:
        return poster.upload_png(png, filename=f"{name}.png", title=title, alt_text=alt_text)
    except SlackDeliveryError as exc:
        log.warning("%s goes out without its chart: upload failed: %s", what, exc)
        return None
