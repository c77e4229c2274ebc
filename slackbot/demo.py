"""``botstats demo``: the real code paths against a simulated Botpress workspace.

Nothing here is demo-only logic: the simulator stands in for Botpress on loopback and a
temporary SQLite file for the database; sync, summaries, the weekly digest (its chart
drawn by the real renderer) and the Slack messages are the production functions.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path

from rich.console import Console

from slackbot.botpress.client import BotpressClient
from slackbot.config import Settings
from slackbot.console.digest import build_now, write_chart
from slackbot.console.progress import make_progress
from slackbot.console.render import render_message
from slackbot.core.blocks.kit import Message, block_kit_builder_url
from slackbot.core.digest import BotDigest, Digest, Move, headline
from slackbot.replies import Replies
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.simulator.workspace import PlantedAnomaly
from slackbot.store import Store
from slackbot.sync import sync_bots

DEMO_DAYS = 60
DEMO_USER = "U0DEMOUSER"
DEMO_CHANNEL = "C0DEMOCHAN"
#: The headline moves that tell each kind of planted anomaly (missing data is a gap, named).
HEADLINE_METRICS = {
    "cost": ("costPerCall", "costUsd", "costPerSession"),
    "error_rate": ("errorRate",),
    "latency": ("latencyMeanMs",),
    "sessions": ("sessions", "users", "userMessages", "llmCalls"),
}


def run_demo(console: Console, *, seed: int = 7, keep_db: str | None = None) -> int:
    """Run sync, summaries, Slack replies and the weekly digest against the simulator."""
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
                code = _walkthrough(console, service, sim)
                _digest(console, service, sim, db_path.parent, kept=keep_db is not None)
                console.print(
                    f"\nBotpress API calls made: {service.client.request_count}", highlight=False
                )
                return code
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
    return 0 if report.ok else 1


def _digest(
    console: Console, service: Service, sim: Simulator, folder: Path, *, kept: bool
) -> None:
    """The weekly digest it would post now, its chart as a PNG, and the anomalies it shows."""
    console.print(
        "\n[bold]6. The weekly digest[/bold] it would post now (the last settled week)",
        highlight=False,
    )
    digest, messages = build_now(Settings.model_construct(), service, "all")
    for message in messages.messages:
        _show(console, message)
    _planted_in(console, digest, sim)
    chart = write_chart(digest, folder)
    if chart is None:
        console.print("  No chart: no day of these weeks has data.")
        return
    where = (
        "beside the database"
        if kept
        else "in the demo's temporary folder, deleted when the demo ends; --db PATH keeps it"
    )
    console.print(f"  Chart: {chart} ({where})", highlight=False, soft_wrap=True)


def _planted_in(console: Console, digest: Digest, sim: Simulator) -> None:
    """Each planted anomaly of the digest's days, and where the digest shows it."""
    period = digest.period
    planted = [a for a in sim.anomalies if period.first <= a.day <= period.last]
    said = f"{len(planted)} (listed in step 5)" if planted else "none"
    console.print(f"  Planted anomalies in these days: {said}", highlight=False)
    parts = {part.bot.id: part for part in digest.bots}
    moves = headline(digest)
    for anomaly in planted:
        part = parts.get(anomaly.bot_id)
        console.print(
            f"  {anomaly.day:%a %d %b}, {part.bot.name if part else anomaly.bot_id}: "
            f"{anomaly.description}: {_seen(anomaly, part, moves)}.",
            highlight=False,
        )


def _seen(anomaly: PlantedAnomaly, part: BotDigest | None, moves: Sequence[Move]) -> str:
    """Where the digest shows one planted anomaly, in words."""
    said = [
        m.text
        for m in moves
        if m.bot.id == anomaly.bot_id and m.metric in HEADLINE_METRICS.get(anomaly.metric, ())
    ]
    if said:
        return f"in the headline, as {said[0]}"
    if part is not None and part.summary is not None and anomaly.day in part.summary.missing_days:
        return "named in the bot's numbers as a day with no data"
    return "not in the headline: one day moved the week too little"


def _show(console: Console, message: Message) -> None:
    render_message(console, message)
    console.print(
        f"[dim]Open in Block Kit Builder:[/dim] {block_kit_builder_url(message)}",
        soft_wrap=True,
        highlight=False,
    )
