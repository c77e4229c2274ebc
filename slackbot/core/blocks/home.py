"""Block Kit for the App Home tab: last week per bot, the user's channels, what is firing.

Pure: the data and ``now`` are passed in. A Home view holds up to 100 blocks (twice a
message's 50); every list is capped with "and N more" well before that, so the short
/botstats help at the bottom always shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from slackbot.core.blocks.alerts import AlertView, ordered, status_line
from slackbot.core.blocks.digest_bots import linked_name
from slackbot.core.blocks.kit import (
    Dashboard,
    Message,
    channel_link,
    context,
    divider,
    fields_section,
    fit_message,
    header,
    section,
)
from slackbot.core.blocks.listings import SubscriptionView, line_sections
from slackbot.core.blocks.summary import badge
from slackbot.core.commands import HELP_ENTRIES, USAGE
from slackbot.core.formatting import count, day_range, money, percent, plural, timestamp
from slackbot.core.metrics import Summary
from slackbot.core.text import code, escape_mrkdwn

#: Slack's limit for a Home view (a message has 50).
HOME_MAX_BLOCKS = 100
#: Slack documents no text limit for a view; this keeps the tab light and quick to render.
HOME_MAX_CHARS = 30_000
MAX_BOTS = 20
MAX_CHANNEL_LINES = 30
MAX_ALERTS = 20

NO_BOTS = "No bots tracked yet — run `botstats sync`."
NO_DIGESTS = (
    "None of your channels subscribe to a digest — `/botstats subscribe all weekly` in a channel."
)
NO_ALERT_ROUTES = "None of your channels gets anomaly alerts — `/botstats alerts on` in a channel."
NOTHING_FIRING = "Nothing is firing."
_METRICS = (  # label, comparisons key
    ("Sessions", "sessions"),
    ("User messages", "userMessages"),
    ("LLM calls", "llmCalls"),
    ("Error rate", "errorRate"),
    ("Cost", "costUsd"),
)


@dataclass(frozen=True)
class RouteView:
    """One channel's anomaly alerts choice as the Home tab lists it."""

    channel: str
    target: str  # "all bots" or a bot's title (plain text, escaped when shown)
    enabled: bool
    source: str | None = None  # "BOTSTATS_ALERT_CHANNEL" for the default from settings


@dataclass(frozen=True)
class HomeData:
    """Everything the Home tab shows, gathered from the store for one user."""

    summaries: Sequence[Summary]  # last week of each tracked bot
    subscriptions: Sequence[SubscriptionView]  # the digests of the user's channels
    routes: Sequence[RouteView]  # the alert routes of the user's channels
    alerts: Sequence[AlertView]  # every open alert (firing, acknowledged, snoozed)
    as_of: datetime | None = None  # when the newest stored day was fetched
    #: Why the user's channels could not be listed (then every channel is shown); None: they were.
    channels_unknown: str | None = None


def home_view(
    data: HomeData, *, tz: ZoneInfo, now: datetime, links: Dashboard | None = None
) -> dict[str, Any]:
    """The Home tab (``views.publish``'s view): header, last week, your channels, firing, help."""
    blocks: list[Block] = [header("botstats: Botpress analytics in Slack")]
    blocks.append(context(*freshness(data.as_of, tz=tz, now=now)))
    blocks += week_blocks(data.summaries, links)
    blocks += [divider(), *channel_blocks(data, tz=tz)]
    blocks += [divider(), *firing_blocks(data.alerts, tz=tz, now=now, links=links)]
    blocks += [divider(), *help_blocks()]
    return _view(blocks)


def home_error_view(sentence: str) -> dict[str, Any]:
    """The Home tab when its data could not be gathered: ``sentence`` (trusted) and the help."""
    return _view([section(f":warning: {sentence}"), divider(), *help_blocks()])


def _view(blocks: Sequence[Block]) -> dict[str, Any]:
    dicts = [block.to_dict() for block in blocks]  # serialising validates each block
    fitted = fit_message(
        Message("botstats", dicts), max_blocks=HOME_MAX_BLOCKS, max_chars=HOME_MAX_CHARS
    )
    return {"type": "home", "blocks": fitted.blocks}


def freshness(as_of: datetime | None, *, tz: ZoneInfo, now: datetime) -> list[str]:
    """``data as of Mon 4 May 14:05 CEST`` in BOTSTATS_TIMEZONE, and when the tab was built."""
    when = f"data as of {timestamp(as_of, tz)}" if as_of else "no data stored yet"
    return [
        when,
        f"refreshed {timestamp(now, tz)}, each time you open this tab",
        f"times in {escape_mrkdwn(tz.key, 60)}",
    ]


def week_blocks(summaries: Sequence[Summary], links: Dashboard | None) -> list[Block]:
    """ "Last week": each tracked bot's key numbers against the week before, costliest first."""
    if not summaries:
        return [header("Last week"), section(NO_BOTS)]
    first = summaries[0]
    period, before = first.period, first.previous_period
    blocks: list[Block] = [
        header(f"Last week · {day_range(period.first, period.last)}"),
        context(
            f"UTC days, compared with the week before ({day_range(before.first, before.last)})",
            "`/botstats BOT last-week` shows one bot in full",
        ),
    ]
    ranked = sorted(
        summaries,
        key=lambda s: (-s.current.cost_sum, -s.current.sessions, s.bot.label.casefold()),
    )
    blocks += [bot_block(s, links) for s in ranked[:MAX_BOTS]]
    if len(ranked) > MAX_BOTS:
        rest = len(ranked) - MAX_BOTS
        blocks.append(context(f"_…and {plural(rest, 'more bot')}: `/botstats all last-week`._"))
    return blocks


def bot_block(summary: Summary, links: Dashboard | None) -> Block:
    """One bot: its linked name, then sessions, messages, calls, errors and cost with changes."""
    name = linked_name(summary.bot, links, title=True)
    cur = summary.compared[0]
    if cur.days == 0:
        return section(f"{name}  _no data last week_")
    notes = []
    if summary.missing_days:
        notes.append(f"no data on {plural(len(summary.missing_days), 'day')}")
    if summary.per_day:
        notes.append("changes per day with data")
    text = f"{name}  _{'; '.join(notes)}_" if notes else name
    changes = summary.comparison()
    values = {
        "sessions": count(cur.sessions),
        "userMessages": count(cur.user_messages),
        "llmCalls": count(cur.llm_calls),
        "errorRate": percent(cur.error_rate),
        "costUsd": money(cur.cost_sum),
    }
    fields = [
        f"*{label}*\n{values[key]}   {badge(changes[key])}".rstrip() for label, key in _METRICS
    ]
    return fields_section(fields, text)


def channel_blocks(data: HomeData, *, tz: ZoneInfo) -> list[Block]:
    """ "Your channels": each channel's digests (target, cadence, next run) and alert routes."""
    blocks: list[Block] = [header("Your channels")]
    if data.channels_unknown:
        blocks.append(
            context(
                f":warning: Slack did not list your channels ({code(data.channels_unknown, 60)}), "
                "so this shows every channel's digests and alerts."
            )
        )
    entries = channel_entries(data.subscriptions, data.routes, tz=tz)
    blocks += _line_blocks(entries, MAX_CHANNEL_LINES, "channel", "`/botstats subscriptions`")
    empty = [NO_DIGESTS] if not data.subscriptions else []
    empty += [NO_ALERT_ROUTES] if not data.routes else []
    if empty:
        blocks.append(section("\n".join(empty)))
    return blocks


def channel_entries(
    subscriptions: Sequence[SubscriptionView], routes: Sequence[RouteView], *, tz: ZoneInfo
) -> list[str]:
    """One entry per channel: its name, then a line per digest and per alert route."""
    lines = [(s.channel, digest_line(s, tz=tz)) for s in subscriptions]
    lines += [(r.channel, route_line(r)) for r in routes]
    lines.sort(key=lambda item: item[0])
    return [
        "\n".join([f"*{channel_link(channel)}*", *(line for _, line in group)])
        for channel, group in groupby(lines, key=lambda item: item[0])
    ]


def digest_line(view: SubscriptionView, *, tz: ZoneInfo) -> str:
    """``• :newspaper: Weekly digest of *all bots* · mondays at 09:00 UTC · next Mon 7 Dec …``."""
    source = f" · _from {code(view.source, 60)}_" if view.source else ""
    cadence = escape_mrkdwn(view.cadence.capitalize(), 20)
    when = escape_mrkdwn(view.schedule, 100)
    nxt = f"next {timestamp(view.next_run, tz)}" if view.next_run else "next run unknown"
    target = escape_mrkdwn(view.target, 80)
    return f"• :newspaper: {cadence} digest of *{target}* · {when} · {nxt}{source}"


def route_line(route: RouteView) -> str:
    """``• :bell: Anomaly alerts *on* for all bots`` (or *off*)."""
    state = "on" if route.enabled else "off"
    source = f" · _from {code(route.source, 60)}_" if route.source else ""
    target = escape_mrkdwn(route.target, 80)
    return f"• :bell: Anomaly alerts *{state}* for {target}{source}"


def firing_blocks(
    alerts: Sequence[AlertView], *, tz: ZoneInfo, now: datetime, links: Dashboard | None
) -> list[Block]:
    """ "Firing now": open alerts, critical first, with bot, metric, since and who acknowledged."""
    views = ordered([a for a in alerts if a.open])
    if not views:
        return [header("Firing now"), section(f":white_check_mark: {NOTHING_FIRING}")]
    states = [
        f"{n} {state}"
        for state in ("firing", "acknowledged", "snoozed")
        if (n := sum(1 for v in views if v.state == state))
    ]
    rows = [status_line(v, tz=tz, now=now, links=links) for v in views]
    blocks: list[Block] = [header(f"Firing now ({len(views)})"), context(", ".join(states))]
    return blocks + _line_blocks(rows, MAX_ALERTS, "alert", "`/botstats alerts status`")


def help_blocks() -> list[Block]:
    """The short /botstats help that ends the tab."""
    lines = [
        f"`{USAGE[key]}`  {'the full help, with every PERIOD' if key == 'help' else what}"
        for key, what in HELP_ENTRIES
    ]
    return [
        header("Using /botstats"),
        section("\n".join(lines)),
        context("Replies are visible only to you; add `public` to share one in the channel."),
    ]


def _line_blocks(lines: Sequence[str], cap: int, noun: str, hint: str) -> list[Block]:
    """The first ``cap`` lines in sections of whole lines, then "and N more" with a hint."""
    out = line_sections(lines[:cap])
    if len(lines) > cap:
        rest = len(lines) - cap
        out.append(context(f"_…and {plural(rest, f'more {noun}')}: {hint} lists them all._"))
    return out
