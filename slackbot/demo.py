"""``botstats demo``: the real code paths against a simulated Botpress workspace.

Nothing here is demo-only logic: the simulator stands in for Botpress on loopback and a
temporary SQLite file for the database; sync, summaries and the Slack messages are the
production functions.
"""

from __future__ import annotations

import tempfile
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console

from slackbot.blocks import Message, block_kit_builder_url
from slackbot.blocks_summary import overview_message, summary_message
from slackbot.botpress import BotpressClient
from slackbot.periods import parse_period
from slackbot.progress import make_progress
from slackbot.service import Service
from slackbot.simulator import Simulator
from slackbot.store import Store
from slackbot.sync import sync_bots
from slackbot.terminal import render_message

DEMO_DAYS = 60
UTC_ZONE = ZoneInfo("UTC")


def run_demo(console: Console, *, seed: int = 7, keep_db: str | None = None) -> int:
    """Run sync, summaries and Slack replies against the simulator; print them all."""
    with tempfile.TemporaryDirectory(prefix="botstats-demo-") as tmp:
        db_path = Path(keep_db) if keep_db else Path(tmp) / "demo.db"
        with Simulator(seed=seed) as sim:
            console.rule("[bold]botstats demo[/bold]")
            console.print(
                f"Simulated Botpress workspace on {sim.url} with {len(sim.bots)} bots "
                f"(seed {seed}); database {db_path}.",
                highlight=False,
            )
            client = BotpressClient(
                token=sim.token, workspace_id=sim.workspace_id, base_url=sim.url
            )
            service = Service(store=Store(db_path), client=client, clock=sim.now)
            try:
                return _walkthrough(console, service, sim)
            finally:
                client.close()
                service.store.close()


def _walkthrough(console: Console, service: Service, sim: Simulator) -> int:
    now = sim.now()
    bots = service.bots()
    console.print(f"\n[bold]1. Sync[/bold]: {DEMO_DAYS} closed days of every bot into SQLite")
    report = sync_bots(
        service.client,
        service.store,
        bots,
        today=now.astimezone(UTC).date(),
        days=DEMO_DAYS,
        progress=make_progress(console),
        clock=sim.now,
    )
    for line in report.lines():
        console.print(f"  {line}", highlight=False)

    period = parse_period("7d", now=now)
    summaries = service.summaries(bots, period, now=now)
    console.print("\n[bold]2. `/botstats all 7d`[/bold]: every bot side by side")
    _show(console, overview_message(summaries, tz=UTC_ZONE, now=now))

    console.print(
        f"\n[bold]3. `/botstats {bots[0].name.split()[0].lower()}`[/bold]: one bot, last 7 days"
    )
    _show(console, summary_message(summaries[0], tz=UTC_ZONE, now=now))

    console.print("\n[bold]4. Planted anomalies[/bold] in the simulated data")
    names = {bot.id: bot.name for bot in bots}
    for anomaly in sim.anomalies:
        console.print(
            f"  {anomaly.day} {names.get(anomaly.bot_id, anomaly.bot_id)}: {anomaly.description}",
            highlight=False,
        )
    console.print(f"\nBotpress API calls made: {service.client.request_count}", highlight=False)
    return 0 if report.ok else 1


def _show(console: Console, message: Message) -> None:
    render_message(console, message)
    console.print(
        f"[dim]Open in Block Kit Builder:[/dim] {block_kit_builder_url(message)}",
        soft_wrap=True,
        highlight=False,
    )
