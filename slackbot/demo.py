"""``botstats demo``: the real code paths against a simulated Botpress workspace.

Nothing here is demo-only logic: the simulator stands in for Botpress on loopback and a
temporary SQLite file for the database; sync, summaries, the weekly digest (its chart
drawn by the real renderer), the alert engine (its replay over the stored history and
the live check) and the Slack messages are the production functions.
"""

from __future__ import annotations

import re
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
from slackbot.console.planted import caught, planted_in_digest
from slackbot.console.progress import make_progress
from slackbot.console.showcase import Screen, check_db_path, check_page_path, write_page
from slackbot.core.alerting import Change, notified
from slackbot.core.blocks import alert_lines as al
from slackbot.core.blocks.alerts import alert_message, resolved_message, resolved_reply
from slackbot.core.blocks.digest import digest_messages
from slackbot.core.blocks.kit import Message
from slackbot.core.formatting import day
from slackbot.core.models import Bot
from slackbot.core.schedule import last_settled_day
from slackbot.replies import Replies, dashboard
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.store import Store
from slackbot.sync import sync_bots

DEMO_DAYS = 60
DEMO_USER = "U0DEMOUSER"
DEMO_CHANNEL = "C0DEMOCHAN"
#: The file id the digest's image block names, as if its chart had been uploaded to Slack.
CHART_FILE_ID = "F0DEMOCHART"
#: Days the alert replay covers: the three weeks the anomalies are planted in.
ALERT_DAYS = 21
UTC_ZONE = ZoneInfo("UTC")


def run_demo(
    console: Console, *, seed: int = 7, keep_db: str | None = None, html: str | None = None
) -> int:
    """Run sync, summaries, Slack replies, the weekly digest and the alerts on the simulator."""
    # A bad --db or --html fails before any work, and leaves nothing.
    kept = check_db_path(keep_db) if keep_db else None
    page = check_page_path(html) if html else None
    screen = Screen(console)
    with tempfile.TemporaryDirectory(prefix="botstats-demo-") as tmp:
        db_path = kept or Path(tmp) / "demo.db"
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
                code = _walkthrough(screen, service, sim)
                chart = _digest(screen, service, sim, db_path.parent, kept=kept is not None)
                _alerts(screen, service, sim)
                console.print(
                    f"\nBotpress API calls made: {service.client.request_count}", highlight=False
                )
            finally:
                client.close()
                service.store.close()
        if page is not None:
            _write_page(screen, page, seed=seed)
    _left_behind(console, db=kept, chart=chart, page=page)
    return code


def _write_page(screen: Screen, page: Path, *, seed: int) -> None:
    """``--html PATH``: every message shown, on one page a browser opens offline."""
    intro = (
        f"What botstats demo (seed {seed}) showed in the terminal: each message as Slack "
        "lays it out, its notification text, its Block Kit JSON and a Block Kit Builder link."
    )
    write_page(page, screen.shown.page(title="botstats demo: the Slack messages", intro=intro))
    cards = len(screen.shown.cards)
    chart = ", the digest's chart embedded" if screen.shown.files else ""
    screen.console.print(
        f"\nWrote {page}: {cards} messages on one page{chart}; open it in a browser.",
        highlight=False,
        soft_wrap=True,
    )


def _left_behind(
    console: Console, *, db: Path | None, chart: Path | None, page: Path | None
) -> None:
    """Say which files outlive the demo: only those asked for with --db and --html."""
    kept = []
    if db is not None:
        kept.append(f"the database {db}")
        if chart is not None:
            kept.append(f"the digest's chart {chart}")
    if page is not None:
        kept.append(f"the page {page}")
    said = ", ".join(kept) if kept else "nothing (the temporary database and chart are deleted)"
    console.print(f"Left behind: {said}.", highlight=False, soft_wrap=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _walkthrough(screen: Screen, service: Service, sim: Simulator) -> int:
    console = screen.console
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
        screen.show(f"reply-{_slug(text)}", f"/botstats {text}", reply.message)

    console.print("\n[bold]5. Planted anomalies[/bold] in the simulated data")
    names = {bot.id: bot.name for bot in bots}
    for anomaly in sim.anomalies:
        console.print(
            f"  {anomaly.day} {names.get(anomaly.bot_id, anomaly.bot_id)}: {anomaly.description}",
            highlight=False,
        )
    return 0 if report.ok else 1


def _digest(
    screen: Screen, service: Service, sim: Simulator, folder: Path, *, kept: bool
) -> Path | None:
    """The weekly digest it would post now, with its chart drawn; the chart's path."""
    console = screen.console
    console.print(
        "\n[bold]6. The weekly digest[/bold] it would post now (the last settled week)",
        highlight=False,
    )
    settings = Settings.model_construct()
    digest, _ = build_now(settings, service, "all")
    chart = write_chart(digest, folder)
    if chart is not None:  # shown in the message as Slack shows an uploaded file
        screen.shown.files[CHART_FILE_ID] = chart.read_bytes()
    messages = digest_messages(
        digest,
        tz=settings.timezone,
        now=service.clock(),
        links=dashboard(settings),
        chart_file_id=CHART_FILE_ID if chart is not None else None,
    )
    screen.show("digest-top", "Weekly digest \u2014 top message", messages.top)
    for i, reply in enumerate(messages.thread, 1):
        title = f"Weekly digest \u2014 thread reply {i} of {len(messages.thread)}"
        screen.show(f"digest-thread-{i}", title, reply, in_thread=True)
    planted_in_digest(console, digest, sim.anomalies)
    if chart is None:
        console.print("  No chart: no day of these weeks has data.")
        return None
    where = (
        "beside the database"
        if kept
        else "in the demo's temporary folder, deleted when the demo ends; --db PATH keeps it"
    )
    console.print(f"  Chart: {chart} ({where})", highlight=False, soft_wrap=True)
    return chart if kept else None


def _alerts(screen: Screen, service: Service, sim: Simulator) -> None:
    """The alert engine: its replay of the last weeks, the live check, the messages they send."""
    console = screen.console
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
        first = group[0].evaluation
        who = _who(first.bot_id, known)
        title = f"Alert: {who}, {day(first.day)}"
        screen.show(f"alert-{_slug(who)}-{first.day}", title, _alert_message(group, known, now=now))
    resolved = [
        c for r in results for c in r.resolved if (c.evaluation.bot_id, _since(c)) in planted
    ]
    if resolved:
        _resolved(screen, resolved[0], known)
    for result in results:
        console.print(f"  {result.line()}", highlight=False)
    caught(console, sim.anomalies, sent, known)
    _open_alerts(console, service, known, now=now)


def _who(bot_id: str | None, known: Mapping[str, Bot]) -> str:
    bot = known.get(bot_id or "")
    return bot.name if bot else (bot_id or "Workspace")


def _since(change: Change) -> date | None:
    """The first day of the alert episode a change belongs to."""
    record = change.step.record
    return record.since if record is not None else None


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
    return alert_message(bot, views, tz=UTC_ZONE, now=when, links=None)


def _resolved(screen: Screen, change: Change, known: Mapping[str, Bot]) -> None:
    """A planted anomaly's alert once it resolved: the original message updated, a reply."""
    record = change.step.record
    assert record is not None  # a resolve step carries the resolved record
    when = record.resolved_at or datetime.combine(
        change.evaluation.day + timedelta(days=1), datetime.min.time(), tzinfo=UTC
    )
    view = view_of(change.alert_id, record, change.evaluation, known, now=when)
    who = _who(change.evaluation.bot_id, known)
    screen.console.print(
        f"  When {who}'s {al.words(change.evaluation.metric)} alert resolved "
        f"({day(change.evaluation.day)}), its message was updated and a reply sent in its thread:",
        highlight=False,
    )
    updated = resolved_message(view.bot, [view], tz=UTC_ZONE, now=when, links=None)
    key = f"resolved-{_slug(who)}-{record.since}"
    screen.show(key, f"Alert resolved: {who} \u2014 the original message, updated", updated)
    reply = resolved_reply(view, tz=UTC_ZONE, now=when)
    screen.show(f"{key}-reply", "Alert resolved \u2014 thread reply", reply, in_thread=True)


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
