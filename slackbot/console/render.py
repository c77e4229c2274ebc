"""Terminal output: Block Kit messages rendered with rich, so the CLI and the demo show
exactly what Slack would (one builder, two screens)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from slackbot.core.blocks.kit import Message
from slackbot.core.blocks.summary import summary_message
from slackbot.core.metrics import Summary

_EMOJI = {
    ":large_green_circle:": "🟢",
    ":red_circle:": "🔴",
    ":warning:": "⚠️",
    ":calendar:": "📅",
    ":hourglass_flowing_sand:": "⏳",
    ":zzz:": "💤",
    ":bell:": "🔔",
    ":white_check_mark:": "✅",
    ":robot_face:": "🤖",
    ":chart_with_upwards_trend:": "📈",
}
_LINK = re.compile(r"<(?:!date\^\d+\^[^|>]*|[^|>]+)\|([^>]*)>")
_BARE_LINK = re.compile(r"<(https?://[^|>]+)>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_USER = re.compile(r"<@([A-Z0-9]+)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")


def mrkdwn_to_rich(text: str) -> str:
    """Slack mrkdwn as rich markup: bold, italics, code, links, dates and a few emoji."""
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _USER.sub(lambda m: "@" + m.group(1), text)
    text = escape(html.unescape(text))
    for code, glyph in _EMOJI.items():
        text = text.replace(code, glyph)
    text = _CODE.sub(r"[cyan]\1[/cyan]", text)
    text = _BOLD.sub(r"[bold]\1[/bold]", text)
    return _ITALIC.sub(r"[italic]\1[/italic]", text)


def _text(obj: Mapping[str, Any] | None) -> str:
    if not obj:
        return ""
    raw = str(obj.get("text", ""))
    return mrkdwn_to_rich(raw) if obj.get("type") == "mrkdwn" else escape(html.unescape(raw))


def _fields(fields: Sequence[Mapping[str, Any]]) -> Table:
    grid = Table.grid(padding=(0, 4), expand=False)
    grid.add_column()
    grid.add_column()
    cells = [Text.from_markup(_text(f)) for f in fields]
    for i in range(0, len(cells), 2):
        grid.add_row(*cells[i : i + 2])
    return grid


def _block(block: Mapping[str, Any]) -> RenderableType | None:
    kind = block.get("type")
    if kind == "header":
        return Text.from_markup(f"[bold]{_text(block.get('text'))}[/bold]")
    if kind == "divider":
        return Rule(style="dim")
    if kind == "context":
        parts = [_text(e) for e in block.get("elements", []) if e.get("type") != "image"]
        return Text.from_markup(f"[dim]{'  '.join(parts)}[/dim]")
    if kind == "section":
        items: list[RenderableType] = []
        if block.get("text"):
            items.append(Text.from_markup(_text(block["text"])))
        if block.get("fields"):
            items.append(_fields(block["fields"]))
        return Group(*items)
    if kind == "actions":
        labels = [_text(e.get("text")) for e in block.get("elements", [])]
        return Text.from_markup("  ".join(f"[reverse] {label} [/reverse]" for label in labels))
    if kind == "image":
        return Text.from_markup(f"[dim]\\[chart: {escape(str(block.get('alt_text', '')))}][/dim]")
    return None


def render_message(console: Console, message: Message, *, title: str | None = None) -> None:
    """Print a Block Kit message as Slack would lay it out, in a panel."""
    parts = [r for r in (_block(b) for b in message.blocks) if r is not None]
    body: RenderableType = Group(*parts) if parts else Text(message.text)
    console.print(Panel(body, title=title, title_align="left", expand=False))


def render_summary(console: Console, summary: Summary, *, tz: ZoneInfo, now: datetime) -> None:
    """Print one bot's summary the way `/botstats BOT` shows it in Slack."""
    render_message(console, summary_message(summary, tz=tz, now=now))


def render_bots(console: Console, rows: Sequence[Mapping[str, Any]]) -> None:
    """``botstats bots``: a table, one row per bot (keys alias, id, name, daysStored)."""
    if not rows:
        console.print(
            "No bots are tracked yet: deploy a bot in Botpress or set BOTSTATS_BOTS.",
            highlight=False,
            markup=False,
        )
        return
    table = Table(title=f"Tracked bots ({len(rows)})", title_justify="left")
    table.add_column("Name", style="bold")
    table.add_column("Alias")
    table.add_column("Id", style="cyan", no_wrap=True)
    table.add_column("Days stored", justify="right")
    for row in rows:
        table.add_row(
            escape(str(row["name"])),
            escape(str(row["alias"] or "")),
            escape(str(row["id"])),
            str(row["daysStored"]),
        )
    console.print(table)
