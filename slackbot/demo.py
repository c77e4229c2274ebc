"""``botstats demo``: the real code paths against a simulated Botpress workspace.

Nothing here is demo-only logic: the simulator stands in for Botpress on loopback and a
temporary SQLite file for the database; sync, summaries, the weekly digest (its chart
drawn by the real renderer), the alert engine (its replay over the stored history and
the live check) and the Slack messages are the production functions.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console

from slackbot.alerts.backtest import backtest
from slackbot.alerts.engine import AlertEngine
from slackbot.alerts.views import digest_alerts, view_of
from slackbot.botpress.client import BotpressClient
from slackbot.config import Settings
from slackbot.console.digest import build_now, write_chart
from slackbot.console.progress import make_progress
from slackbot.console.render import render_message
from slackbot.core.alerting import Change, notified
from slackbot.core.blocks import alert_lines as al
from slackbot.core.blocks.alerts import alert_message
from slackbot.core.blocks.kit import Message, block_kit_builder_url
from slackbot.core.digest import BotDigest, Digest, Move, headline
from slackbot.core.formatting import day
from slackbot.core.models import Bot
from slackbot.core.schedule import last_settled_day
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
#: The alert each kind of planted anomaly should raise (one missing day is a gap, not an alert).
ALERT_METRICS = {
    "cost": "cost_per_call",
    "error_rate": "error_rate",
    "latency": "latency",
    "sessions": "sessions",
}
#: Days the alert replay covers: the three weeks the anomalies are planted in.
ALERT_DAYS = 21


def run_demo(console: Console, *, seed: int = 7, keep_db: str | None = None) -> int:
    """Run sync, summaries, Slack replies, the weekly digest and the alerts on the simulator."""
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
                _alerts(console, service, sim)
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


def _alerts(console: Console, service: Service, sim: Simulator) -> None:
    """The alert engine: its replay of the last weeks, the live check, the messages they send."""
    console.print(
        f"\n[bold]7. Alerts on the planted anomalies[/bold]: the engine replayed over the last "
        f"{ALERT_DAYS} days, then the live check of the newest settled day",
        highlight=False,
    )
    now = sim.now()
    bots = service.bots()
    known = {bot.id: bot for bot in bots}
    settings = Settings.model_construct()
    today = now.astimezone(UTC).date()
    results = backtest(
        service.store, bots, days=ALERT_DAYS, today=today, thresholds=settings.thresholds
    )
    live = AlertEngine(service, thresholds=settings.thresholds).check(now, save=True)
    settled = last_settled_day(now).first
    checked = {settled - timedelta(days=1), settled}  # the live check's days: not replayed
    sent = [c for r in results for c in r.alerts if c.evaluation.day not in checked]
    sent += notified(live.changes)
    planted = {(a.bot_id, a.day) for a in sim.anomalies}
    for group in _runs(c for c in sent if (c.evaluation.bot_id, c.evaluation.day) in planted):
        _show(console, _alert_message(group, known, now=now))
    for result in results:
        console.print(f"  {result.line()}", highlight=False)
    _caught(console, sim, sent, known)
    _open_alerts(console, service, known, now=now)


def _runs(changes: Iterable[Change]) -> list[list[Change]]:
    """The changes grouped as the engine posts them: one message per bot per day."""
    groups: dict[tuple[str | None, date], list[Change]] = defaultdict(list)
    for change in changes:
        groups[(change.evaluation.bot_id, change.evaluation.day)].append(change)
    return list(groups.values())


def _alert_message(group: Sequence[Change], known: Mapping[str, Bot], *, now: datetime) -> Message:
    """The message the engine sends (or would have sent, in the replay) for one bot's day."""
    views = []
    when = now
    for change in group:
        record = change.step.record
        assert record is not None  # a notify step carries its record
        when = record.notified_at or now  # the replay's alerts were sent the day after
        views.append(view_of(change.alert_id, record, change.evaluation, known, now=when))
    bot = known.get(group[0].evaluation.bot_id or "")
    return alert_message(bot, views, tz=ZoneInfo("UTC"), now=when, links=None)


def _caught(
    console: Console, sim: Simulator, sent: Sequence[Change], known: Mapping[str, Bot]
) -> None:
    """Each planted anomaly, and the alert that told it (or why none did)."""
    told: dict[tuple[str | None, str, date], Change] = {
        (c.evaluation.bot_id, c.evaluation.metric, c.evaluation.day): c for c in sent
    }
    for anomaly in sim.anomalies:
        bot = known.get(anomaly.bot_id)
        console.print(
            f"  {day(anomaly.day)}, {bot.name if bot else anomaly.bot_id}: "
            f"{anomaly.description}: {_verdict(anomaly, told)}.",
            highlight=False,
        )


def _verdict(anomaly: PlantedAnomaly, told: Mapping[tuple[str | None, str, date], Change]) -> str:
    """Whether the engine alerted on one planted anomaly, in words."""
    metric = ALERT_METRICS.get(anomaly.metric)
    if metric is None:
        return "no alert: a single missing day is a gap, named in messages, not alerted"
    change = told.get((anomaly.bot_id, metric, anomaly.day))
    if change is None:
        return "no alert: the engine judged the day inside the bot's usual range"
    return f"alerted as {al.words(change.evaluation.metric)} ({change.evaluation.severity})"


def _open_alerts(
    console: Console, service: Service, known: Mapping[str, Bot], *, now: datetime
) -> None:
    """The open alerts the live check saved: what the next digest lists."""
    alerts = digest_alerts(service.store, known, now=now)
    console.print(f"  Open alerts the next digest lists: {len(alerts) or 'none'}", highlight=False)
    for alert in alerts:
        bot = known.get(alert.bot_id)
        who = bot.name if bot else "Workspace"
        console.print(
            f"    {who}: {alert.text} ({alert.severity}, {alert.state})",
            highlight=False,
            markup=False,
        )
