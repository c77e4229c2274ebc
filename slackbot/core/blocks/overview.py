"""Block Kit for many bots side by side, with an all-bots total compared like for like.

Pure. The total's change counts only the bots with data on both sides of the comparison,
and says how many, so a bot that is new this period never inflates the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from slackbot.core.blocks.kit import (
    MAX_BLOCKS,
    MAX_CHARS,
    SECTION_MAX,
    Dashboard,
    Message,
    build,
    context,
    divider,
    header,
    message_chars,
    more_note,
    section,
)
from slackbot.core.blocks.summary import badge, bot_title, context_line, period_title
from slackbot.core.comparisons import compare_metric
from slackbot.core.formatting import NO_DATA, money, percent, plural
from slackbot.core.metrics import Summary
from slackbot.core.models import Metrics
from slackbot.core.text import escape_mrkdwn

_NAME_LIMIT = 60  # visible characters of a bot name in the side-by-side view


def overview_line(summary: Summary, links: Dashboard | None = None) -> str:
    """One bot in one line: cost, sessions, LLM calls and error rate, with changes."""
    title = escape_mrkdwn(bot_title(summary.bot), _NAME_LIMIT)
    name = f"*<{links.bot_url(summary.bot.id)}|{title}>*" if links else f"*{title}*"
    cur = summary.compared[0]
    if summary.current.days == 0:
        return f"{name}  _no data_"
    changes = summary.comparison()
    errors = percent(cur.error_rate)
    parts = [
        _with_badge(money(cur.cost_sum), badge(changes["costUsd"])),
        _with_badge(plural(cur.sessions, "session"), badge(changes["sessions"])),
        f"{plural(cur.llm_calls, 'call')}, {errors if errors != NO_DATA else 'no'} errors",
    ]
    return f"{name}  " + "  ·  ".join(parts)


def _with_badge(value: str, moved: str) -> str:
    """``$12.35 ▲ +23%``, or the value alone when there is nothing to compare."""
    return f"{value} {moved}" if moved else value


def like_for_like(summaries: Sequence[Summary]) -> tuple[Metrics, Metrics, int]:
    """Totals over the bots with data on both sides, and how many bots that is."""
    both = [s for s in summaries if s.compared[0].days and s.compared[1].days]
    current = Metrics.total(s.compared[0] for s in both)
    previous = Metrics.total(s.compared[1] for s in both)
    return current, previous, len(both)


def totals_line(summaries: Sequence[Summary]) -> str:
    """``*5 bots*: $1,234.56 · 12.3k sessions · ...`` and the like-for-like change."""
    total = Metrics.total(s.compared[0] for s in summaries)
    line = (
        f"*{plural(len(summaries), 'bot')}*: {money(total.cost_sum)}  ·  "
        f"{plural(total.sessions, 'session')}  ·  {plural(total.llm_calls, 'LLM call')}"
    )
    current, previous, compared = like_for_like(summaries)
    if not compared:
        return line + "\n_No bot has data on both sides to compare._"
    cost = compare_metric("costUsd", current, previous, per_day=False)
    sessions = compare_metric("sessions", current, previous, per_day=False)
    return (
        f"{line}\nLike for like ({compared} of {plural(len(summaries), 'bot')} with data on "
        f"both sides): cost {badge(cost) or NO_DATA}, sessions {badge(sessions) or NO_DATA}"
    )


def overview_message(
    summaries: Sequence[Summary],
    *,
    tz: ZoneInfo,
    now: datetime,
    title: str = "All bots",
    links: Dashboard | None = None,
) -> Message:
    """Bots side by side, highest cost first, cut with "and N more" at Slack's limits."""
    if not summaries:
        return build("No bots are tracked yet.", [section("No bots are tracked yet.")])
    ordered = sorted(
        summaries,
        key=lambda s: (-s.current.cost_sum, -s.current.sessions, s.bot.label.casefold()),
    )
    first = ordered[0]
    head = f"{title} · {period_title(first.period, today=now)}"
    foot = context(*context_line(first, tz=tz, now=now))
    top: list[Block] = [header(head), section(totals_line(ordered)), divider()]
    lines = [overview_line(s, links) for s in ordered]
    packed, shown = _pack(
        lines, reserved=_size(top) + _size([foot]) + 300, blocks_left=MAX_BLOCKS - 5
    )
    blocks = top + packed
    if shown < len(lines):
        blocks.append(more_note(len(lines) - shown, "bots", "`/botstats BOT` shows any one"))
    blocks.append(foot)
    total = Metrics.total(s.compared[0] for s in ordered)
    text = (
        f"{escape_mrkdwn(head, 200)}: {plural(len(ordered), 'bot')}, "
        f"{money(total.cost_sum)} in LLM cost."
    )
    return build(text, blocks)


def _size(blocks: Sequence[Block]) -> int:
    return message_chars(b.to_dict() for b in blocks)


def _pack(lines: Sequence[str], *, reserved: int, blocks_left: int) -> tuple[list[Block], int]:
    """As many whole lines as fit in sections under the block and character budgets."""
    budget = MAX_CHARS - reserved
    out: list[Block] = []
    chunk: list[str] = []
    used = shown = 0
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        if chunk and len("\n".join(chunk)) + len(line) + 1 > SECTION_MAX:
            if len(out) + 1 >= blocks_left:
                break
            out.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
        used += len(line) + 1
        shown += 1
    if chunk:
        out.append(section("\n".join(chunk)))
    return out, shown
