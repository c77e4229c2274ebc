"""``botstats check`` and ``botstats backtest`` in the terminal, or as DESIGN §2's JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from slackbot.alerts.backtest import BotBacktest
from slackbot.alerts.check import alert_row, reported
from slackbot.alerts.delivery import Posted
from slackbot.alerts.engine import CheckResult
from slackbot.core.alerting import Change


def _table(title: str, rows: Sequence[dict[str, object]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in (
        "bot_id",
        "metric",
        "direction",
        "day",
        "value",
        "expected",
        "severity",
        "state",
    ):
        table.add_column(column)
    for row in rows:
        cells = [row[c] for c in ("bot_id", "metric", "direction", "day")]
        value, expected = row["value"], row["expected"]
        table.add_row(
            *(escape(str(c if c is not None else "workspace")) for c in cells),
            _number(value),
            _number(expected),
            str(row["severity"]),
            str(row["state"]),
        )
    return table


def _number(value: object) -> str:
    return f"{value:,.4g}" if isinstance(value, float | int) else "-"


def show_check(
    console: Console,
    result: CheckResult,
    posted: Sequence[Posted],
    *,
    now: datetime,
    as_json: bool,
    dry_run: bool,
) -> None:
    """What the check found (and, unless a dry run, what it posted)."""
    rows = [alert_row(change, now=now) for change in reported(result)]
    if as_json:
        print(json.dumps({"alerts": rows, "unavailable": result.unavailable}, indent=2))
        return
    if not rows:
        console.print("No alerts: every tracked bot is within its usual range.", highlight=False)
    else:
        console.print(_table(f"Alerts ({len(rows)})", rows))
    for bot_id, why in result.unavailable.items():
        console.print(f"[yellow]{escape(bot_id)}[/]: not checked: {escape(why)}", highlight=False)
    if dry_run:
        console.print("[dim]Dry run: nothing was posted or saved.[/dim]")
    for item in posted:
        console.print(f"{item.outcome}: {escape(item.key)}", highlight=False)


def backtest_rows(results: Sequence[BotBacktest]) -> list[dict[str, object]]:
    """Every alert the replay would have sent, as DESIGN §2's rows."""
    rows = []
    for result in results:
        for change in result.alerts:
            rows.append(alert_row(change, now=_when(change)))
    return rows


def _when(change: Change) -> datetime:
    record = change.step.record
    assert record is not None  # a sent alert has its record...
    assert record.notified_at is not None  # ...and the time it was sent
    return record.notified_at


def show_backtest(console: Console, results: Sequence[BotBacktest], *, as_json: bool) -> None:
    """Each bot's line (alerts a week) and the alerts the replay would have sent."""
    if as_json:
        summary = [
            {
                "bot_id": r.bot.id,
                "name": r.bot.name,
                "alerts": len(r.alerts),
                "perWeek": round(r.per_week, 3),
                "days": r.days,
                "daysWithData": r.days_with_data,
            }
            for r in results
        ]
        print(json.dumps({"alerts": backtest_rows(results), "bots": summary}, indent=2))
        return
    for result in results:
        console.print(escape(result.line()), highlight=False)
    rows = backtest_rows(results)
    if rows:
        console.print(_table(f"Alerts it would have sent ({len(rows)})", rows))
