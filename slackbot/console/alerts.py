"""``botstats check`` and ``botstats backtest`` in the terminal, or as DESIGN §2's JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from slackbot.alerts.backtest import BotBacktest
from slackbot.alerts.check import alert_row, reported
from slackbot.alerts.delivery import Posted
from slackbot.alerts.engine import CheckResult
from slackbot.core.alerting import Change
from slackbot.core.blocks import alert_lines as al
from slackbot.core.formatting import EN_DASH, NO_DATA, day

_COLUMNS = ("bot", "alert", "day", "value vs expected", "normal range", "state")
_ARROWS = {"up": "\u2191", "down": "\u2193"}
#: What a person reads for each delivery outcome (``Posted.outcome``).
_OUTCOMES = {
    "sent": "Posted to {channel}",
    "taken": "Already posted to {channel}: nothing sent twice",
    "failed": "Not posted to {channel}: {error} Run `botstats check` again to retry it.",
    "stuck": "May or may not be in {channel} (left for a person to check): {error}",
}


def _table(
    title: str,
    items: Sequence[tuple[Change, Mapping[str, Any]]],
    names: Mapping[str, str],
    *,
    year: int,
) -> Table:
    """The alerts as a table: bot name, metric in words, values as people read them."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for column in _COLUMNS:
        table.add_column(column, no_wrap=column == "day", overflow="fold")
    for change, row in items:
        ev = change.evaluation
        bot = "workspace" if ev.bot_id is None else names.get(ev.bot_id, ev.bot_id)
        table.add_row(
            escape(bot),
            f"{al.words(ev.metric)} {_ARROWS.get(ev.direction, ev.direction)}",
            day(ev.day, year=ev.day.year != year),
            f"{al.show(ev.metric, ev.value)} vs {al.show(ev.metric, ev.band.expected)}",
            _normal(change),
            f"{row['severity']}, {row['state']}",
        )
    return table


def _normal(change: Change) -> str:
    """The band as ``$8.10 - $17.50`` (en dash), ``up to 5.0%``, ``from 120``, or a dash."""
    ev = change.evaluation
    low, high = ev.band.low, ev.band.high
    if ev.metric in {"budget", "missing_data"} or (low is None and high is None):
        return NO_DATA
    if low is not None and high is not None:
        return f"{al.show(ev.metric, low)} {EN_DASH} {al.show(ev.metric, high)}"
    if high is not None:
        return f"up to {al.show(ev.metric, high)}"
    return f"from {al.show(ev.metric, low)}"


def _posted_json(posted: Sequence[Posted]) -> list[dict[str, str | None]]:
    """Each delivery as JSON (an extra key of the check's document)."""
    return [
        {"key": p.key, "channel": p.channel, "outcome": p.outcome, "error": p.error} for p in posted
    ]


def show_check(
    console: Console,
    result: CheckResult,
    posted: Sequence[Posted],
    *,
    now: datetime,
    as_json: bool,
    dry_run: bool,
    names: Mapping[str, str] | None = None,
) -> None:
    """What the check found (and, unless a dry run, what it posted); ``names``: bot names."""
    changes = reported(result)
    rows = [alert_row(change, now=now) for change in changes]
    if as_json:
        doc = {"alerts": rows, "unavailable": result.unavailable, "posted": _posted_json(posted)}
        print(json.dumps(doc, indent=2))
        return
    if not rows:
        console.print("No alerts: every tracked bot is within its usual range.", highlight=False)
    else:
        items = list(zip(changes, rows, strict=True))
        console.print(_table(f"Alerts ({len(rows)})", items, names or {}, year=now.year))
    for bot_id, why in result.unavailable.items():
        who = (names or {}).get(bot_id, bot_id)
        console.print(f"[yellow]{escape(who)}[/]: not checked: {escape(why)}", highlight=False)
    if dry_run:
        console.print("[dim]Dry run: nothing was posted or saved.[/dim]")
        return
    _show_posted(console, result, posted)


def _show_posted(console: Console, result: CheckResult, posted: Sequence[Posted]) -> None:
    """One line per delivery; failures on stderr, and a warning when no channel got them."""
    errors = Console(stderr=True, soft_wrap=True)
    for item in posted:
        line = _OUTCOMES.get(item.outcome, item.outcome + " {channel}").format(
            channel=item.channel, error=item.error or ""
        )
        out = errors if item.outcome in ("failed", "stuck") else console
        out.print(f"{escape(line)} [dim]({escape(item.key)})[/dim]", highlight=False)
    told = [c for c in result.changes if c.action in ("notify", "renotify")]
    if told and not posted:
        errors.print(
            "[bold yellow]botstats:[/] No channel gets these alerts: set "
            "BOTSTATS_ALERT_CHANNEL, or run `/botstats alerts on` in a channel.",
            highlight=False,
        )


def backtest_rows(results: Sequence[BotBacktest]) -> list[dict[str, Any]]:
    """Every alert the replay would have sent, as DESIGN §2's rows."""
    return [alert_row(change, now=_when(change)) for r in results for change in r.alerts]


def _when(change: Change) -> datetime:
    """When the replay would have sent the alert."""
    record = change.step.record
    assert record is not None  # a sent alert has its record...
    assert record.notified_at is not None  # ...and the time it was sent
    return record.notified_at


def _summary(result: BotBacktest) -> dict[str, object]:
    """One bot's line of the replay, as JSON."""
    return {
        "bot_id": result.bot.id,
        "name": result.bot.name,
        "alerts": len(result.alerts),
        "perWeek": round(result.per_week, 3),
        "days": result.days,
        "daysWithData": result.days_with_data,
    }


def show_backtest(console: Console, results: Sequence[BotBacktest], *, as_json: bool) -> None:
    """Each bot's line (alerts a week) and the alerts the replay would have sent."""
    rows = backtest_rows(results)
    if as_json:
        doc = {"alerts": rows, "bots": [_summary(r) for r in results]}
        print(json.dumps(doc, indent=2))
        return
    for result in results:
        console.print(escape(result.line()), highlight=False)
    if rows:
        changes = [change for r in results for change in r.alerts]
        names = {r.bot.id: r.bot.name for r in results}
        title = f"Alerts it would have sent ({len(rows)})"
        year = max(c.evaluation.day for c in changes).year
        console.print(_table(title, list(zip(changes, rows, strict=True)), names, year=year))
