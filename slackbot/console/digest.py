"""``botstats digest``: the weekly digest in the terminal (``--dry-run``) or posted now.

A manual digest has its own run key kind (``manual-digest``, with the minute it was asked
for), so it never stands in for a scheduled one (DESIGN §6).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from rich.console import Console

from slackbot.charts.worker import ChartWorker, InlineRenderer
from slackbot.config import Settings
from slackbot.console.render import render_message
from slackbot.core.blocks.digest import DigestMessages, digest_messages
from slackbot.core.blocks.kit import block_kit_builder_url
from slackbot.core.digest import Digest
from slackbot.core.schedule import last_settled_week, period_key
from slackbot.digests.build import DigestBuilder
from slackbot.digests.delivery import DigestDelivery, DigestRun, Poster
from slackbot.replies import dashboard
from slackbot.service import Service


def build_now(settings: Settings, service: Service, target: str) -> tuple[Digest, DigestMessages]:
    """The digest of the last settled week, as data and as Slack messages."""
    now = service.clock()
    builder = DigestBuilder(service, budget=settings.botstats_monthly_budget_usd)
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
    builder = DigestBuilder(service, budget=settings.botstats_monthly_budget_usd)
    with ChartWorker() as charts:
        delivery = DigestDelivery(
            builder,
            service.store,
            poster,
            charts=charts,
            tz=settings.timezone,
            links=dashboard(settings),
        )
        run = DigestRun(
            channel,
            target,
            "weekly",
            last_settled_week(now),
            kind="manual-digest",
            suffix=now.strftime("%Y%m%dT%H%M"),
        )
        done = delivery.deliver(run, now=now)
    if done.outcome == "sent":
        console.print(f"Posted the digest to {channel} (ts {done.ts}).", highlight=False)
        return 0
    Console(stderr=True, soft_wrap=True).print(
        f"botstats: the digest was not posted to {channel} ({done.outcome}): {done.error}",
        highlight=False,
        markup=False,
    )
    return 1
