"""``botstats digest``: the weekly digest in the terminal (``--dry-run``) or posted now.

A manual digest has its own run key kind (``manual-digest``, with the minute it was asked
for), so it never stands in for a scheduled one (DESIGN §6).
"""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path

from rich.console import Console

from slackbot.charts.worker import ChartWorker, InlineRenderer
from slackbot.config import Settings
from slackbot.console.render import render_message
from slackbot.core.blocks.digest import DigestMessages, digest_messages
from slackbot.core.blocks.kit import Message, block_kit_builder_url, channel_link
from slackbot.core.digest import Digest
from slackbot.core.schedule import last_settled_week, period_key
from slackbot.digests.delivery import Delivered, DigestDelivery, DigestRun, Posted, Poster
from slackbot.errors import SlackDeliveryError
from slackbot.replies import dashboard, digest_builder
from slackbot.service import Service
from slackbot.store.runs import Run

#: The run key kind of ``botstats digest``: never the scheduled ``digest`` (DESIGN §6).
MANUAL_KIND = "manual-digest"


def build_now(settings: Settings, service: Service, target: str) -> tuple[Digest, DigestMessages]:
    """The digest of the last settled week, as data and as Slack messages."""
    now = service.clock()
    builder = digest_builder(settings, service)
    digest = builder.build(target, "weekly", last_settled_week(now), now=now)
    messages = digest_messages(digest, tz=settings.timezone, now=now, links=dashboard(settings))
    return digest, messages


def show_messages(console: Console, messages: DigestMessages) -> None:
    """Each message rendered, then its Block Kit JSON and a Block Kit Builder link."""
    parts = [("Digest", messages.top)]
    parts += [
        (f"In its thread, {i} of {len(messages.thread)}", m)
        for i, m in enumerate(messages.thread, 1)
    ]
    for title, message in parts:
        render_message(console, message, title=title)
        print(json.dumps({"text": message.text, "blocks": message.blocks}, indent=2))
        console.print(
            f"[dim]Open in Block Kit Builder:[/dim] {block_kit_builder_url(message)}",
            soft_wrap=True,
            highlight=False,
        )


def write_chart(digest: Digest, folder: Path) -> Path | None:
    """Draw the digest's chart into ``folder``; its path, or None when there is nothing to draw."""
    if digest.chart is None or digest.chart.empty:
        return None
    png = InlineRenderer().render(digest.chart)
    if png is None:
        return None
    path = folder / f"botstats-digest-{period_key(digest.period)}.png"
    path.write_bytes(png)
    return path


def show_digest(console: Console, settings: Settings, service: Service, target: str) -> int:
    """``--dry-run``: print the digest and write its chart to a file; posts nothing."""
    digest, messages = build_now(settings, service, target)
    show_messages(console, messages)
    chart = write_chart(digest, Path(tempfile.mkdtemp(prefix="botstats-chart-")))
    if chart is not None:
        console.print(f"Chart: {chart}", highlight=False, soft_wrap=True)
    console.print("[dim]Dry run: nothing was posted.[/dim]")
    return 0


def post_digest(
    console: Console,
    *,
    settings: Settings,
    service: Service,
    target: str,
    channel: str,
    poster: Poster,
) -> int:
    """Post the digest of the last settled week to ``channel`` now; 0 when it was posted."""
    now = service.clock()
    builder = digest_builder(settings, service)
    watched = WatchedPoster(poster)
    with ChartWorker() as charts:
        delivery = DigestDelivery(
            builder,
            service.store,
            watched,
            charts=charts,
            tz=settings.timezone,
            links=dashboard(settings),
        )
        done = delivery.deliver(manual_run(channel, target, now), now=now)
    return report(console, done, service.store.runs.get(done.run.key), watched.refused)


def manual_run(channel: str, target: str, now: datetime) -> DigestRun:
    """The manual run of the last settled week: its own kind, keyed by the minute asked."""
    return DigestRun(
        channel,
        target,
        "weekly",
        last_settled_week(now),
        kind=MANUAL_KIND,
        suffix=now.strftime("%Y%m%dT%H%M"),
    )


class WatchedPoster:
    """A ``Poster`` that keeps Slack's refusal of the top-level post, to advise on it."""

    def __init__(self, poster: Poster) -> None:
        self.poster = poster
        self.refused: SlackDeliveryError | None = None

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        """``chat.postMessage``, remembering why Slack refused a top-level message."""
        try:
            return self.poster.post(channel, message, thread_ts=thread_ts)
        except SlackDeliveryError as exc:
            if thread_ts is None:
                self.refused = exc
            raise

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
        """The wrapped poster's upload."""
        return self.poster.upload_png(
            png,
            filename=filename,
            title=title,
            alt_text=alt_text,
            channel=channel,
            thread_ts=thread_ts,
        )

    def update(self, channel: str, ts: str, message: Message) -> None:
        """``chat.update`` through the poster (digests never update; kept for the protocol)."""
        self.poster.update(channel, ts, message)

    def permalink(self, channel: str, ts: str) -> str | None:
        """The wrapped poster's permalink."""
        return self.poster.permalink(channel, ts)


def report(
    console: Console, done: Delivered, run: Run | None, refused: SlackDeliveryError | None
) -> int:
    """Say how a manual delivery ended; the exit code (DESIGN §2)."""
    channel = done.run.channel
    if done.outcome == "sent":
        link = f": {run.permalink}" if run is not None and run.permalink else ""
        console.print(f"Posted the digest to {channel}{link}", highlight=False, soft_wrap=True)
        if done.error:  # the top message is in; its thread is not complete
            _say(f"The digest is posted, but its {done.error}.")
        return 0
    if done.outcome == "taken":
        return _taken(console, channel, run)
    why = advice(refused, channel) if refused is not None else done.error
    _say(f"The digest was not posted to {channel}: {why}")
    return 1


def _taken(console: Console, channel: str, run: Run | None) -> int:
    """The same manual run key was claimed moments ago: say by whom and how it went."""
    if run is not None and run.status == "sent":
        link = f" ({run.permalink})" if run.permalink else ""
        console.print(
            f"The digest was already posted to {channel} this minute{link}: not posting it "
            "twice. Run it again in a minute for another copy.",
            highlight=False,
            soft_wrap=True,
        )
        return 0
    if run is not None and run.status == "failed":
        _say(
            f"The digest failed to post to {channel} less than a minute ago ({run.error}); "
            "run it again in a minute."
        )
    else:
        _say(
            f"Another botstats is posting this digest to {channel} right now: check the "
            "channel in a minute before running it again."
        )
    return 1


#: What to do, in the terminal, about Slack refusing a manual post (not a subscription's).
_ADVICE = {
    "is_archived": (
        "channel {channel} is archived. Unarchive it in Slack, or name another channel "
        "with --channel."
    ),
    "channel_not_found": (
        "Slack has no channel {channel} that the bot token can see. Check the ID (in Slack: "
        "channel details, at the bottom); for a private channel, type `/invite @botstats` "
        "in it first."
    ),
}


def advice(refused: SlackDeliveryError, channel: str) -> str:
    """What a person at the terminal can do about Slack refusing the digest."""
    if refused.maybe_posted:
        return (
            "Slack stopped answering while botstats posted, so the digest may or may not be "
            "there. Check the channel before running this again."
        )
    if refused.error in _ADVICE:
        return _ADVICE[refused.error].format(channel=channel)
    if refused.retryable:
        status = f", HTTP {refused.status}" if refused.status else ""
        return (
            f"Slack did not take it ({refused.error}{status}) and nothing was posted. "
            "Run this again in a few minutes."
        )
    # Slack's sentence for the channel, with the channel as the terminal shows it.
    return refused.user_message.replace(channel_link(channel), f"channel {channel}")


def _say(sentence: str) -> None:
    Console(stderr=True, soft_wrap=True).print(
        f"botstats: {sentence}", highlight=False, markup=False
    )
