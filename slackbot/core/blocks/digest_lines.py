"""The lines around a digest's bots: dates, headline, open alerts, the month's spend, footer.

Pure. Dates are the UTC days the digest covers; clock times (data as of) are shown in
the configured timezone, and in each reader's own through ``<!date>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ContextBlock, SectionBlock

from slackbot.core.blocks.digest_bots import linked_name
from slackbot.core.blocks.kit import Dashboard, context, section
from slackbot.core.blocks.summary import STALE_AFTER, slack_date
from slackbot.core.digest import MIN_MOVE, Digest, MonthSpend, Move, OpenAlert
from slackbot.core.formatting import EN_DASH, day, day_range, money, percent, plural
from slackbot.core.models import Bot
from slackbot.core.text import code, escape_mrkdwn

MAX_ALERT_LINES = 10
_SEVERITY_EMOJI = {"critical": ":rotating_light:", "warning": ":warning:"}
_SEVERITY_ORDER = {"critical": 0, "warning": 1}
_STATE_NOTE = {"acknowledged": " _(acknowledged)_", "snoozed": " _(snoozed)_"}
_ROUND_FROM_USD = 100.0  # a projection is an estimate: whole dollars from here on


def dates_title(first: date, last: date, *, short: bool = False) -> str:
    """``Mon 23 - Sun 29 Nov 2026``; ``short``: ``23-29 Nov`` (en dashes; shared parts once)."""
    same_year = first.year == last.year
    same_month = same_year and first.month == last.month

    def one(d: date, *, month: bool, year: bool) -> str:
        words = [] if short else [f"{d:%a}"]
        words.append(str(d.day))
        words += [f"{d:%b}"] if month else []
        words += [str(d.year)] if year and not short else []
        return " ".join(words)

    end = one(last, month=True, year=True)
    if first == last:
        return end
    start = one(first, month=not same_month, year=not same_year)
    joint = EN_DASH if short and same_month else f" {EN_DASH} "
    return f"{start}{joint}{end}"


def _reference(digest: Digest) -> str:
    """What the digest is compared with, in words and dates."""
    ref = digest.previous
    span = day_range(ref.first, ref.last)
    if digest.cadence == "daily":
        return f"the same day a week earlier ({span})"
    return f"the week before ({span})"


def headline_text(digest: Digest, moves: Sequence[Move], links: Dashboard | None) -> str:
    """The biggest moves as bullets, or plain words for a quiet period."""
    versus = _reference(digest)
    if moves:
        lines = [f"• {linked_name(m.bot, links)}: {m.text}" for m in moves]
        return f":mag: *Biggest moves* against {versus}\n" + "\n".join(lines)
    compared = [
        p.summary
        for p in digest.bots
        if p.summary is not None and all(side.days for side in p.summary.compared)
    ]
    if not compared:
        return (
            ":grey_question: *Nothing to compare yet*: no bot has data both on these days "
            f"and in {versus}."
        )
    quiet = "this week" if digest.cadence == "weekly" else f"on {day(digest.period.first)}"
    return (
        f":white_check_mark: *No big moves* {quiet}: no bot changed by {MIN_MOVE:.0%} or "
        f"more against {versus}, where the numbers are big enough to compare."
    )


def alerts_section(digest: Digest, links: Dashboard | None) -> SectionBlock:
    """Open alerts, critical first: severity emoji, bot, what is wrong, since when."""
    bots = {part.bot.id: part.bot for part in digest.bots}
    ordered = sorted(
        digest.alerts, key=lambda a: (_SEVERITY_ORDER.get(a.severity, 2), a.day, a.bot_id)
    )
    lines = [_alert_line(a, bots.get(a.bot_id), links) for a in ordered[:MAX_ALERT_LINES]]
    rest = len(ordered) - MAX_ALERT_LINES
    if rest > 0:
        lines.append(f"_…and {rest:,} more: `/botstats alerts status` lists them all._")
    return section(f"*Open alerts ({len(ordered):,})*\n" + "\n".join(lines))


def _alert_line(alert: OpenAlert, bot: Bot | None, links: Dashboard | None) -> str:
    emoji = _SEVERITY_EMOJI.get(alert.severity, ":warning:")
    if bot is not None:
        who = linked_name(bot, links)
    else:  # budget alerts name no bot; an id no longer tracked is shown as it is
        who = "*All bots*" if not alert.bot_id else code(alert.bot_id)
    state = _STATE_NOTE.get(alert.state, "")
    return f"{emoji} {who}: {escape_mrkdwn(alert.text, 300)} · since {day(alert.day)}{state}"


def _estimate(value: float) -> str:
    """Dollars for a projection or budget: ``$2,100`` (cents only under $100)."""
    return money(value) if abs(value) < _ROUND_FROM_USD else f"${value:,.0f}"


def spend_text(spend: MonthSpend, *, today: date) -> str:
    """``LLM spend in November so far: $1,234.56; projected month-end $2,100 (budget ...)``."""
    month = f"{spend.month:%B}" + (f" {spend.month.year}" if spend.month.year != today.year else "")
    if spend.through is None:
        line = f"LLM spend in {month}: no day of it has closed yet"
    else:
        line = f"LLM spend in {month} so far: {money(spend.spent)}"
    line += f"; projected month-end {_estimate(spend.projected)}"
    budget = spend.budget
    if budget is not None and budget > 0:
        line += f" (budget {_estimate(budget)}: {percent(spend.projected / budget)})"
    elif budget is not None:
        line += f" (budget {_estimate(budget)})"
    over = budget is not None and spend.projected > budget
    counted = "" if spend.through is None else f"Counted through {day(spend.through)} (UTC); "
    how = "the projection adds each remaining day's usual cost (same weekday, last 4 weeks)."
    return f"{':warning:' if over else ':moneybag:'} {line}\n_{counted}{how}_"


def footer(digest: Digest, *, tz: ZoneInfo, now: datetime) -> ContextBlock:
    """The days on each side, the timezone, and how fresh the oldest bot's data is."""
    period, ref = digest.period, digest.previous
    today = now.date()
    parts = [
        f":calendar: {day_range(period.first, period.last, today=today)} "
        f"({plural(period.days, 'UTC day')}) vs {day_range(ref.first, ref.last, today=today)}",
        f"times in {escape_mrkdwn(tz.key, 60)}",
    ]
    fetched = [p.summary.as_of for p in digest.bots if p.summary and p.summary.as_of]
    if fetched:
        oldest = min(fetched)
        parts.append(f"data as of {slack_date(oldest, tz)}")
        if now - oldest > STALE_AFTER:
            parts.append(":warning: data may be stale")
    return context(*parts)
