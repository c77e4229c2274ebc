"""``botstats demo``: the real code paths against a simulated Botpress workspace.

Nothing here is demo-only logic: the simulator stands in for Botpress on loopback and a
temporary SQLite file for the database; sync, summaries and the Slack messages are the
production functions.
"""

from __future__ import annotations

import tempfile
from datetime import UTC
from pathlib import Path

from rich.console import Console

from slackbot.botpress.client import BotpressClient
from slackbot.config import Settings
from slackbot.console.progress import make_progress
from slackbot.console.render import render_message
from slackbot.core.blocks.kit import Message, block_kit_builder_url
from slackbot.replies import Replies
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.store import Store
from slackbot.sync import sync_bots

DEMO_DAYS = 60
DEMO_USER = "U0DEMOUSER"
DEMO_CHANNEL = "C0DEMOCHAN"


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

    # The slash-command path minus Bolt's transport: parse, resolve, summarise, build blocks.
    replies = Replies(service, Settings.model_construct())
    for step, text in ((2, "all 7d"), (3, bots[0].name.split()[0].lower()), (4, "bots")):
        console.print(f"\n[bold]{step}. `/botstats {text}`[/bold]", highlight=False)
        reply = replies.answer(text, user_id=DEMO_USER, channel_id=DEMO_CHANNEL, now=now)
        _show(console, reply.message)

    console.print("\n[bold]5. Planted anomalies[/bold] in the simulated data")
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
