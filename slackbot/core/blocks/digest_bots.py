"""A digest's bots in Block Kit: each bot's key numbers, and the compact ranking of many.

Pure. The numbers and their change badges are the summary message's own fields
(``blocks.summary``), picked and relabelled, so a digest and ``/botstats BOT`` never
disagree on how a change reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from slack_sdk.models.blocks import Block

from slackbot.core.blocks.kit import Dashboard, context, fields_section, section
from slackbot.core.blocks.summary import (
    TOP_EVENTS,
    bot_line,
    bot_title,
    gap_lines,
    key_fields,
    llm_fields,
)
from slackbot.core.digest import BotDigest, bot_moves
from slackbot.core.formatting import count, money, plural
from slackbot.core.metrics import Summary
from slackbot.core.models import Bot
from slackbot.core.text import code, escape_mrkdwn

_NAME_LIMIT = 60  # visible characters of a bot name in one-line views
#: The summary's field label -> the digest's, in the order a digest shows them.
_FIELD_LABELS: Mapping[str, str] = {
    "Sessions": "Sessions",
    "Users": "Users",
    "User messages": "User messages",
    "Calls": "LLM calls",
    "Error rate": "Error rate",
    "Cost": "Cost",
    "Cost / session": "Cost / session",
    "Latency": "Latency",
}
_UNAVAILABLE = "its numbers could not be fetched"


def ranked(bots: Sequence[BotDigest]) -> list[BotDigest]:
    """Highest cost first, then most sessions, then by name; unavailable bots last."""

    def key(part: BotDigest) -> tuple[int, float, int, str]:
        name = part.bot.label.casefold()
        if part.summary is None:
            return (1, 0.0, 0, name)
        cur = part.summary.compared[0]
        return (0, -cur.cost_sum, -cur.sessions, name)

    return sorted(bots, key=key)


def linked_name(bot: Bot, links: Dashboard | None, *, title: bool = False) -> str:
    """The bot's name in bold, linked to Botpress when the dashboard is known (escaped)."""
    name = escape_mrkdwn(bot_title(bot) if title else bot.name, _NAME_LIMIT)
    return f"*<{links.bot_url(bot.id)}|{name}>*" if links else f"*{name}*"


def digest_fields(summary: Summary) -> list[str]:
    """The digest's key numbers, each with its change, as the summary message shows them."""
    shown: dict[str, str] = {}
    for field in [*key_fields(summary), *llm_fields(summary)]:
        label, _, rest = field.partition("\n")
        name = _FIELD_LABELS.get(label.strip("*"))
        if name is not None:
            shown[name] = f"*{name}*\n{rest}"
    return [shown[name] for name in _FIELD_LABELS.values() if name in shown]


def events_line(summary: Summary) -> str:
    """``Top custom events: `checkout` 42 · `signup` 7``, or nothing when there are none."""
    top = summary.compared[0].top_custom_events(TOP_EVENTS)
    if not top:
        return ""
    return "Top custom events: " + " · ".join(f"{code(name, 40)} {count(n)}" for name, n in top)


def bot_blocks(part: BotDigest, *, today: date, links: Dashboard | None) -> list[Block]:
    """One bot's part of a digest: its numbers and changes, or why it is unavailable."""
    line = bot_line(part.bot, links)
    summary = part.summary
    if summary is None:
        problem = escape_mrkdwn(part.problem or _UNAVAILABLE, 300)
        return [section(f"{line}\n:warning: Unavailable: {problem}")]
    blocks: list[Block]
    if summary.compared[0].days == 0:
        blocks = [section(f"{line}\n:zzz: No data for these days.")]
    else:
        blocks = [fields_section(digest_fields(summary), text=line)]
    notes = [events_line(summary), *summary.notes, *gap_lines(summary, today=today)]
    if any(notes):
        blocks.append(context(*notes))
    return blocks


def ranking_line(rank: int, part: BotDigest, links: Dashboard | None) -> str:
    """``3. *Sales* · 1.2k sessions · $12.35 · sessions -40%``: one bot of many, in a line."""
    name = f"{rank}. {linked_name(part.bot, links, title=True)}"
    summary = part.summary
    if summary is None:
        return f"{name}  _unavailable_"
    cur = summary.compared[0]
    if cur.days == 0:
        return f"{name}  _no data_"
    moves = bot_moves(summary)
    biggest = moves[0].text if moves else "no big change"
    return f"{name}  ·  {plural(cur.sessions, 'session')}  ·  {money(cur.cost_sum)}  ·  {biggest}"


def groups(sizes: Sequence[tuple[int, int]], *, max_blocks: int, max_chars: int) -> list[range]:
    """Consecutive items, each ``(blocks, chars)``, in as few groups as the budgets allow.

    An item bigger than the budget alone gets a group of its own (``fit_message`` cuts it).
    """
    out: list[range] = []
    start = used_blocks = used_chars = 0
    for i, (blocks, chars) in enumerate(sizes):
        if i > start and (used_blocks + blocks > max_blocks or used_chars + chars > max_chars):
            out.append(range(start, i))
            start, used_blocks, used_chars = i, 0, 0
        used_blocks += blocks
        used_chars += chars
    if start < len(sizes):
        out.append(range(start, len(sizes)))
    return out
