"""Block Kit for a digest (DESIGN §6, §8): one top-level message, details in its thread.

Pure: ``now`` and the timezone are passed in. With a few bots everything is in the top
message; with many, the top holds a compact ranking and the bots' numbers go in at most
10 thread messages, each within Slack's 50 blocks and ~12,000 characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ImageBlock

from slackbot.core.blocks.digest_bots import (
    bot_blocks,
    groups,
    ranked,
    ranking_line,
)
from slackbot.core.blocks.digest_lines import (
    alerts_section,
    dates_title,
    footer,
    headline_text,
    spend_text,
)
from slackbot.core.blocks.kit import (
    MAX_BLOCKS,
    MAX_CHARS,
    SECTION_MAX,
    Dashboard,
    Message,
    build,
    context,
    divider,
    fit_message,
    header,
    message_chars,
    more_note,
    section,
)
from slackbot.core.digest import BotDigest, Digest, Move, headline
from slackbot.core.formatting import EN_DASH, plural
from slackbot.core.text import code, escape_mrkdwn

FEW_BOTS = 5  # more than this and the top message holds a ranking, the thread the details
RANKING_ROWS = 10
MAX_THREAD = 10  # DESIGN §6: at most 10 messages in a digest's thread
CHART_TITLE = "Sessions and LLM cost by day"
_RESERVED_BLOCKS = 3  # a thread message's heading, and room for a "more" note
_RESERVED_CHARS = 800
_MORE_HINT = "`/botstats BOT` shows any one"


@dataclass(frozen=True)
class DigestMessages:
    """A digest as Slack messages: the top-level post and the replies in its thread."""

    top: Message
    thread: tuple[Message, ...] = ()

    @property
    def messages(self) -> tuple[Message, ...]:
        """Every message in posting order: the top first, then its thread."""
        return (self.top, *self.thread)


def digest_title(digest: Digest, *, short: bool = False) -> str:
    """``Weekly digest · Mon 23 - Sun 29 Nov 2026``; ``short``: ``Weekly digest 23-29 Nov``."""
    kind = digest.cadence.capitalize()
    period = digest.period
    if short:
        return f"{kind} digest {dates_title(period.first, period.last, short=True)}"
    single = digest.bots[0].bot.name if digest.target != "all" and len(digest.bots) == 1 else ""
    parts = [f"{kind} digest", single, dates_title(period.first, period.last)]
    return " · ".join(p for p in parts if p)


def digest_messages(
    digest: Digest,
    *,
    tz: ZoneInfo,
    now: datetime,
    links: Dashboard | None,
    chart_file_id: str | None = None,
) -> DigestMessages:
    """The digest's top message and thread: headline, alerts, spend, chart, every bot."""
    if not digest.bots:
        return DigestMessages(_no_bots(digest, tz=tz, now=now))
    moves = headline(digest)
    lead = [header(digest_title(digest)), section(headline_text(digest, moves, links))]
    lead += _extras(digest, now=now, links=links, chart_file_id=chart_file_id)
    foot = footer(digest, tz=tz, now=now)
    text = _fallback(digest, moves)
    parts = ranked(digest.bots)
    today = now.date()
    if len(parts) <= FEW_BOTS:
        details: list[Block] = []
        for part in parts:
            details += [divider(), *bot_blocks(part, today=today, links=links)]
        blocks = [*lead, *details, foot]
        if len(blocks) <= MAX_BLOCKS and _chars(blocks) <= MAX_CHARS:
            return DigestMessages(build(text, blocks))
    top = build(text, [*lead, divider(), *_ranking(parts, links), foot])
    return DigestMessages(top, _thread(digest, today=today, links=links))


def preview_message(messages: DigestMessages) -> Message:
    """The digest as ``/botstats digest`` shows it to one person: the top and a thread note."""
    replies = len(messages.thread)
    note = "_Preview, visible only to you._"
    if replies:
        note += (
            f" Posted in a channel, {plural(replies, 'reply', 'replies')} in its thread would "
            "hold every bot's numbers."
        )
    # The note goes first: if the top message is already at Slack's limits, its tail is cut.
    blocks = [context(note).to_dict(), *messages.top.blocks]
    return fit_message(Message(f"Preview: {messages.top.text}", blocks))


def _extras(
    digest: Digest, *, now: datetime, links: Dashboard | None, chart_file_id: str | None
) -> list[Block]:
    """Open alerts, the month's spend and the chart, each when there is one."""
    blocks: list[Block] = []
    if digest.alerts:
        blocks.append(alerts_section(digest, links))
    if digest.spend is not None:
        blocks.append(section(spend_text(digest.spend, today=now.date())))
    if chart_file_id:
        blocks.append(
            ImageBlock(
                slack_file={"id": chart_file_id}, alt_text=chart_alt(digest), title=CHART_TITLE
            )
        )
    return blocks


def chart_alt(digest: Digest) -> str:
    """What the chart shows, for screen readers: ``Daily sessions and LLM cost, last 4 weeks``."""
    chart = digest.chart
    if chart is None or not chart.days:
        return "Daily sessions and LLM cost, last 4 weeks"
    span = len(chart.days)
    window = f"last {span // 7} weeks" if span % 7 == 0 else f"last {span} days"
    dates = dates_title(chart.days[0], chart.days[-1])
    shaded = ", the digest's days shaded" if chart.highlight else ""
    return f"Daily sessions and LLM cost, {window} ({dates}){shaded}"


def _ranking(parts: Sequence[BotDigest], links: Dashboard | None) -> list[Block]:
    """The compact ranking of the top message and where the rest is."""
    shown = parts[:RANKING_ROWS]
    lines = [ranking_line(i, part, links) for i, part in enumerate(shown, 1)]
    rest = len(parts) - len(shown)
    note = (
        f"…and {rest:,} more in the thread, with every bot's numbers."
        if rest
        else "Every bot's numbers are in the thread."
    )
    heading = section("*Bots, highest cost first*")
    return [
        heading,
        *(block for blocks, _ in _line_sections(lines) for block in blocks),
        context(note),
    ]


def _line_sections(lines: Sequence[str]) -> list[tuple[list[Block], int]]:
    """Lines in sections of whole lines (a cut line could break a link), with their counts."""
    # A line is not a block: only the characters bound a section.
    rows = groups([(0, len(line) + 1) for line in lines], max_blocks=1, max_chars=SECTION_MAX)
    return [([section("\n".join(lines[i] for i in row))], len(row)) for row in rows]


def _thread(digest: Digest, *, today: date, links: Dashboard | None) -> tuple[Message, ...]:
    """Every bot's numbers in at most 10 replies; one line per bot when details would not fit."""
    parts = ranked(digest.bots)
    items = [([divider(), *bot_blocks(p, today=today, links=links)], 1) for p in parts]
    packed = _pack([blocks for blocks, _ in items])
    if len(packed) > MAX_THREAD:
        items = _line_sections([ranking_line(i, p, links) for i, p in enumerate(parts, 1)])
        packed = _pack([blocks for blocks, _ in items])
    return _replies(digest, items, packed)


def _pack(items: Sequence[Sequence[Block]]) -> list[range]:
    sizes = [(len(blocks), _chars(blocks)) for blocks in items]
    return groups(
        sizes,
        max_blocks=MAX_BLOCKS - _RESERVED_BLOCKS,
        max_chars=MAX_CHARS - _RESERVED_CHARS,
    )


def _replies(
    digest: Digest, items: Sequence[tuple[list[Block], int]], packed: Sequence[range]
) -> tuple[Message, ...]:
    """One message per group, headed with which bots it holds; the rest counted at the end."""
    total = sum(bots for _, bots in items)
    title = digest_title(digest, short=True)
    out: list[Message] = []
    first = 1
    for group in packed[:MAX_THREAD]:
        last = first + sum(items[i][1] for i in group) - 1
        span = f"bots {first}{EN_DASH}{last} of {total}"
        blocks: list[Block] = [context(f"*{title}* · {span}, highest cost first")]
        blocks += [block for i in group for block in items[i][0]]
        first = last + 1
        out.append(build(f"{title}: {span}", blocks))
    if first <= total:  # more bots than 10 replies hold: say so rather than drop them quietly
        note = more_note(total - first + 1, "bots", _MORE_HINT).to_dict()
        out[-1] = Message(out[-1].text, [*out[-1].blocks[: MAX_BLOCKS - 1], note])
    return tuple(out)


def _no_bots(digest: Digest, *, tz: ZoneInfo, now: datetime) -> Message:
    """A friendly digest for a workspace with nothing tracked: what to check."""
    what = (
        f"The bot this digest follows ({code(digest.target)}) is not tracked."
        if digest.target != "all"
        else "No bots are tracked yet, so this digest has nothing to report."
    )
    advice = (
        "botstats follows every production bot of the Botpress workspace, or only the bots "
        "named in `BOTSTATS_BOTS` (`alias=botId,...`) when it is set. Check that "
        "`BOTSTATS_BOTS` names bots of this workspace, or that the workspace has bots "
        "deployed to production; `/botstats bots` lists what is tracked."
    )
    blocks = [
        header(digest_title(digest)),
        section(f":wave: *{what}*\n{advice}"),
        footer(digest, tz=tz, now=now),
    ]
    return build(f"{digest_title(digest, short=True)}: no bots are tracked yet.", blocks)


def _fallback(digest: Digest, moves: Sequence[Move]) -> str:
    """The notification: what, when, and the biggest moves in plain words."""
    said = "; ".join(f"{escape_mrkdwn(m.bot.name, 60)}: {m.text}" for m in moves)
    parts = [said or "no big moves"]
    if digest.alerts:
        parts.append(plural(len(digest.alerts), "open alert"))
    spend = digest.spend
    if spend is not None and spend.budget is not None and spend.projected > spend.budget:
        parts.append("projected LLM spend over budget")
    return f"{digest_title(digest, short=True)}: {'; '.join(parts)}"


def _chars(blocks: Sequence[Block]) -> int:
    return message_chars(block.to_dict() for block in blocks)
