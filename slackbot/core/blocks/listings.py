"""Short messages: help, the tracked bots, subscriptions, alert routing, errors, confirmations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from slackbot.core.blocks.kit import (
    MAX_BLOCKS,
    MAX_CHARS,
    SECTION_MAX,
    Message,
    build,
    channel_link,
    context,
    header,
    more_note,
    section,
)
from slackbot.core.commands import HELP_ENTRIES, USAGE
from slackbot.core.formatting import plural, timestamp
from slackbot.core.models import Bot
from slackbot.core.periods import PERIOD_USAGE
from slackbot.core.text import code, defuse, escape_entities, escape_mrkdwn

# A permalink as Slack gives it: https and URL characters only, so `<url|view>` stays one link.
_LINK_RE = re.compile(r"https://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]{1,500}", re.ASCII)


def help_message() -> Message:
    """``/botstats help``: every form of the command and the PERIOD grammar."""
    lines = [f"`{USAGE[key]}`  {what}" for key, what in HELP_ENTRIES]
    return build(
        "botstats: " + "; ".join(USAGE[key] for key, _ in HELP_ENTRIES),
        [
            header("botstats: Botpress analytics in Slack"),
            section("\n".join(lines)),
            section(PERIOD_USAGE.replace(" | ", ", ")),
            context(
                "Replies are visible only to you; add `public` to share one in the channel.",
                "Users are new + returning counted per day, not distinct people.",
            ),
        ],
    )


def bots_message(bots: Sequence[Bot]) -> Message:
    """``/botstats bots``: the tracked bots with alias and id."""
    if not bots:
        return build(
            "No bots are tracked yet.",
            [section("No bots are tracked yet. An admin can set `BOTSTATS_BOTS` or deploy one.")],
        )
    lines = [_bot_line(bot) for bot in sorted(bots, key=lambda b: b.label.casefold())]
    blocks: list[Block] = [header(f"Tracked bots ({len(bots)})"), *line_sections(lines)]
    text = f"{len(bots)} tracked bots: " + ", ".join(escape_mrkdwn(b.label, 60) for b in bots)
    return build(text, blocks)


def _bot_line(bot: Bot) -> str:
    alias = f" · alias {code(bot.alias, 40)}" if bot.alias else ""
    return f"• *{escape_mrkdwn(bot.name, 80)}*{alias} · {code(bot.id, 60)}"


def line_sections(lines: Sequence[str]) -> list[Block]:
    """Lines packed into as few sections as the 3,000-character limit allows."""
    out: list[Block] = []
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > SECTION_MAX:
            out.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        out.append(section("\n".join(chunk)))
    return out


@dataclass(frozen=True)
class LastDelivery:
    """A digest's latest run as shown: its state, when, the days it covered, what to do."""

    status: str  # "sent" | "failed" | "skipped" | "posting" | "claimed"
    at: datetime  # when it was posted / failed / skipped
    period: str  # what it covered, already formatted (e.g. 23-29 Nov, with an en dash)
    link: str | None = None  # permalink of the posted message
    error: str | None = None  # Slack's code or our reason, e.g. "not_in_channel"
    advice: str | None = None  # what to do, one sentence (already plain text)


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription as listed: where, what, when it runs next and how it last went."""

    channel: str
    target: str  # bot title or "all bots" (plain text, will be escaped)
    cadence: str  # "daily" | "weekly"
    schedule: str  # e.g. "Mondays at 09:00 Europe/Paris" (plain text)
    next_run: datetime | None  # the effective next run (aware), None when unknown
    last: LastDelivery | None = None
    source: str | None = None  # "BOTSTATS_DIGEST_CHANNEL" for the default from settings


def subscriptions_message(
    items: Sequence[SubscriptionView], *, tz: ZoneInfo, now: datetime
) -> Message:
    """``/botstats subscriptions``: every digest by channel, its next run and last delivery."""
    if not items:
        hint = f"`{USAGE['subscribe']}` sets one up."
        return build("No digests are set up.", [section(f"No digests are set up. {hint}")])
    ordered = sorted(items, key=lambda v: (v.channel, v.target.casefold(), v.cadence))
    entries: list[str] = []
    for channel, group in groupby(ordered, key=lambda v: v.channel):
        lines = [_view_text(view, tz=tz, now=now) for view in group]
        # The heading travels with the channel's first digest, so it is never left alone.
        entries.extend([f"*{channel_link(channel)}*\n{lines[0]}", *lines[1:]])
    texts, shown = _pack(entries, max_blocks=MAX_BLOCKS - 3, max_chars=MAX_CHARS - 1_000)
    blocks: list[Block] = [header(f"Digests ({len(ordered)})"), *map(section, texts)]
    if shown < len(ordered):
        blocks.append(more_note(len(ordered) - shown, "digests"))
    blocks.append(context(_timing_note(tz)))
    return build(_subscriptions_fallback(ordered), blocks)


def _pack(entries: Sequence[str], *, max_blocks: int, max_chars: int) -> tuple[list[str], int]:
    """As many entries as fit the budgets, packed into section texts, and how many fit."""
    texts: list[str] = []
    chunk: list[str] = []
    shown = 0
    for entry in entries:
        if chunk and len("\n".join([*chunk, entry])) > SECTION_MAX:
            texts.append("\n".join(chunk))
            chunk = []
        used = sum(map(len, texts)) + len("\n".join([*chunk, entry]))
        if len(texts) >= max_blocks or used > max_chars:
            break
        chunk.append(entry)
        shown += 1
    if chunk:
        texts.append("\n".join(chunk))
    return texts, shown


def _view_text(view: SubscriptionView, *, tz: ZoneInfo, now: datetime) -> str:
    """Two lines: the bot and its schedule, then the next run and the last delivery."""
    source = f" · _from {code(view.source, 60)} in botstats' settings_" if view.source else ""
    first = f"• *{escape_mrkdwn(view.target, 80)}* · {_schedule_text(view)}{source}"
    second = f"{_next_text(view.next_run, tz=tz, now=now)} · {_last_text(view.last, tz)}"
    return f"{first}\n      {second}"


def _schedule_text(view: SubscriptionView) -> str:
    cadence, schedule = escape_mrkdwn(view.cadence, 20), escape_mrkdwn(view.schedule, 100)
    # Schedule.describe says "daily at 09:00 UTC": the cadence is already in it.
    if schedule.casefold().startswith(cadence.casefold()):
        return schedule
    return f"{cadence}, {schedule}" if schedule else cadence


def _next_text(next_run: datetime | None, *, tz: ZoneInfo, now: datetime) -> str:
    if next_run is None:
        return "next: unknown"
    if next_run <= now:
        return f"next: due now (since {timestamp(next_run, tz)})"
    return f"next: {timestamp(next_run, tz)}"


def _last_text(last: LastDelivery | None, tz: ZoneInfo) -> str:
    """The last delivery in words a person acts on: where to look, or what went wrong."""
    if last is None:
        return "no digest yet"
    label = f"last ({escape_mrkdwn(last.period, 60)})" if last.period.strip() else "last"
    when = timestamp(last.at, tz)
    advice = f" — {escape_mrkdwn(last.advice, 300)}" if last.advice else ""
    reason = code(last.error, 80) if last.error else None
    if last.status == "sent":
        return f"{label}: posted {when}{_view_link(last.link)}"
    if last.status == "failed":
        return f":warning: {label}: failed {when}: {reason or 'no reason recorded'}{advice}"
    if last.status == "skipped":
        why = reason or "botstats was down past the 24 h catch-up window"
        return f"{label}: skipped {when} ({why}){advice}"
    if last.status == "posting":
        return (
            f":warning: {label}: may or may not have posted (stuck while posting since "
            f"{when}): check the channel{advice}"
        )
    if last.status == "claimed":
        return f"{label}: being prepared since {when}{advice}"
    return f"{label}: {code(last.status, 20)} {when}{advice}"


def _view_link(link: str | None) -> str:
    """``, <url|view>`` for a plain https link; anything else is left out, never parsed."""
    if link is None or not _LINK_RE.fullmatch(link):
        return ""
    return f", <{escape_entities(link)}|view>"


def _timing_note(tz: ZoneInfo) -> str:
    return (
        f"Times in {escape_mrkdwn(tz.key, 60)}. A digest posts at its time, or an hour after "
        "its last UTC day closed if that is later; one missed while botstats was down is "
        "caught up within 24 h."
    )


def _subscriptions_fallback(views: Sequence[SubscriptionView]) -> str:
    channels = len({view.channel for view in views})
    text = f"{plural(len(views), 'digest')} set up in {plural(channels, 'channel')}"
    troubled = sum(1 for v in views if v.last is not None and v.last.status in _TROUBLE)
    if not troubled:
        return f"{text}."
    return f"{text}; {troubled} {'needs' if troubled == 1 else 'need'} a look."


_TROUBLE = frozenset({"failed", "posting"})


def error_message(text: str) -> Message:
    """A short friendly error; any raw ``<...>`` in ``text`` is defused first."""
    safe = defuse(text)
    return build(safe, [section(f":warning: {safe}")])


def ok_message(text: str) -> Message:
    """A confirmation; ``text`` is trusted mrkdwn (escape user text before passing it)."""
    return build(text, [section(f":white_check_mark: {text}")])
