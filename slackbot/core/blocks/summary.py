"""Block Kit for summaries: one bot's numbers, and many bots side by side.

Pure: ``now`` and the timezone are passed in. Changes compare with the previous period
of equal length; arrows show direction and the tone emoji whether that is good news
(for cost, errors and latency, up is bad).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from slackbot.core.blocks.buttons import summary_actions
from slackbot.core.blocks.kit import (
    Dashboard,
    Message,
    build,
    context,
    divider,
    fields_section,
    header,
    section,
)
from slackbot.core.comparisons import SPECS, Change
from slackbot.core.formatting import (
    change_text,
    count,
    day,
    day_range,
    duration_ms,
    money,
    number,
    percent,
    plural,
    points_trend,
    sparkline,
    timestamp,
    trend,
)
from slackbot.core.metrics import Summary
from slackbot.core.models import Bot, Metrics
from slackbot.core.periods import Period
from slackbot.core.text import code, escape_entities, escape_mrkdwn

#: Data older than this is flagged as stale in the context line.
STALE_AFTER = timedelta(hours=26)
TOP_EVENTS = 5
_NAME_LIMIT = 60  # visible characters of a bot name in the side-by-side view
_USERS_NOTE = "Users = new + returning, counted per day: one person on 3 days counts 3 times."


def bot_title(bot: Bot) -> str:
    """The Botpress name, with the alias people type when there is one (not escaped)."""
    return f"{bot.name} ({bot.alias})" if bot.alias and bot.alias != bot.name else bot.name


def period_title(period: Period, *, today: datetime | None = None) -> str:
    """``last 7 days``, ``today``, ``this week`` or the dates, for headers."""
    label = period.label
    if label.endswith("d") and label[:-1].isdigit():
        return "yesterday" if label == "1d" else f"last {label[:-1]} days"
    if label in {"today", "yesterday", "this-week", "last-week", "this-month", "last-month"}:
        return label.replace("-", " ")
    return day_range(period.first, period.last, today=today.date() if today else None)


_Row = tuple[str, str, str]  # label, the value as shown, the comparisons.SPECS key


def _fields(rows: Sequence[_Row], summary: Summary) -> list[str]:
    """Rows as fields ``*Label*\nvalue  ▲ +18% :red_circle:``; both values on a small base."""
    changes = summary.comparison()
    out = []
    for label, value, key in rows:
        # The change goes right after the number, before any note line under it.
        number_text, newline, note = value.partition("\n")
        moved = badge(changes[key])
        out.append(f"*{label}*\n{number_text}   {moved}".rstrip() + f"{newline}{note}")
    return out


def badge(change: Change) -> str:
    """How a change reads: ``▲ +18% :red_circle:``, ``▲ +1.0 pp``, or ``_vs 12_`` (small base)."""
    if change.previous is None:
        return ""
    if change.small_base:
        return f"_vs {show(change.key, change.previous, per_day=change.per_day)}_"
    if change.kind == "rate":
        return points_trend(change.points, change.key).slack()
    return trend(change.current, change.previous, change.key).slack()


def key_fields(summary: Summary) -> list[str]:
    """Traffic numbers of the compared days as section fields, each with its change."""
    cur = summary.compared[0]
    users = (
        f"{count(cur.users)}\n_new {count(cur.new_users)} · returning {count(cur.returning_users)}_"
    )
    rows: list[_Row] = [
        ("Users", users, "users"),
        ("Sessions", count(cur.sessions), "sessions"),
        ("User messages", count(cur.user_messages), "userMessages"),
        ("Bot messages", count(cur.bot_messages), "botMessages"),
        ("Messages / session", number(cur.messages_per_session), "messagesPerSession"),
        ("Events", count(cur.events), "events"),
    ]
    return _fields(rows, summary)


def llm_fields(summary: Summary) -> list[str]:
    """LLM calls, errors, tokens, cost and latency of the compared days, with changes."""
    cur = summary.compared[0]
    tokens = f"{count(cur.input_tokens)} in · {count(cur.output_tokens)} out"
    latency = f"mean {duration_ms(cur.latency_mean)} · max {duration_ms(cur.latency_max)}"
    errors = f"{percent(cur.error_rate)} _({plural(cur.llm_errors, 'error')})_"
    rows: list[_Row] = [
        ("Calls", count(cur.llm_calls), "llmCalls"),
        ("Error rate", errors, "errorRate"),
        ("Tokens", tokens, "tokens"),
        ("Tokens / call", count(cur.tokens_per_call), "tokensPerCall"),
        ("Cost", money(cur.cost_sum), "costUsd"),
        ("Cost / session", money(cur.cost_per_session), "costPerSession"),
        ("Cost / call", money(cur.cost_per_call), "costPerCall"),
        ("Latency", latency, "latencyMeanMs"),
        ("Tokens / s", number(cur.tokens_per_second), "tokensPerSecond"),
    ]
    return _fields(rows, summary)


def show(key: str, value: float | None, *, per_day: bool = False) -> str:
    """A metric's value as people read it (dollars, percent, ms, counts), per day if asked."""
    kind = SPECS[key].kind
    if kind == "rate":
        return percent(value)
    if key.startswith("cost"):
        text = money(value)
    elif key.startswith("latency"):
        text = duration_ms(value)
    elif kind == "mean":
        text = number(value)
    else:
        text = count(value) if not per_day else number(value)
    return f"{text}/day" if per_day and kind in {"count", "cost"} else text


def _events_field(title: str, items: Sequence[tuple[str, float]]) -> str:
    lines = [f"• {code(name, 40)} {count(value)}" for name, value in items]
    return f"*{title}*\n" + ("\n".join(lines) if lines else "_none_")


def context_line(summary: Summary, *, tz: ZoneInfo, now: datetime) -> list[str]:
    """The dates on each side, timezone, and data freshness."""
    parts = [covered_text(summary, today=now.date()), f"times in {escape_mrkdwn(tz.key, 60)}"]
    if summary.as_of is not None:
        parts.append(f"data as of {slack_date(summary.as_of, tz)}")
        if now - summary.as_of > STALE_AFTER:
            parts.append(":warning: data may be stale")
    return parts


def covered_text(summary: Summary, *, today: date) -> str:
    """``:calendar: Mon 23 Nov - Sun 29 Nov (7 UTC days) vs Mon 16 Nov - Sun 22 Nov``."""
    closed, base = summary.closed_period, summary.baseline_period
    if closed is None or base is None:  # today alone: its reference day is context only
        ref = summary.previous_period
        return (
            f":calendar: {day_range(summary.period.first, summary.period.last, today=today)} "
            f"so far (UTC), for context {day_range(ref.first, ref.last, today=today)}"
        )
    days = plural(closed.days, "UTC day")
    return (
        f":calendar: {day_range(closed.first, closed.last, today=today)} ({days}) vs "
        f"{day_range(base.first, base.last, today=today)}"
    )


def gap_lines(summary: Summary, *, today: date) -> list[str]:
    """Plain words for what is missing: days without data, short history, per-day changes."""
    lines = []
    if summary.missing_days:
        lines.append(f":warning: No data for {_dates(summary.missing_days, today)}.")
    if summary.previous_missing_days:
        lines.append(
            f"The reference days have no data for {_dates(summary.previous_missing_days, today)}."
        )
    start = summary.first_data_day
    if start is not None and start > summary.period.first:
        lines.append(f"Data for this bot starts {day(start, year=start.year != today.year)}.")
    elif start is not None and start > summary.previous_period.first:
        lines.append(f"The reference period has data only from {day(start)}.")
    cur, prev = summary.compared
    if summary.per_day:
        lines.append(
            f"Changes are per day with data ({plural(cur.days, 'day')} vs {prev.days}), "
            "since the two sides have different days with data."
        )
    return lines


def _dates(days: Sequence[date], today: date) -> str:
    shown = ", ".join(day(d, year=d.year != today.year) for d in days[:10])
    return shown + (f" and {len(days) - 10} more" if len(days) > 10 else "")


def so_far_line(summary: Summary, *, tz: ZoneInfo, now: datetime) -> str | None:
    """Today's partial numbers on their own line, never coloured as a change."""
    part = summary.so_far
    if part is None:
        return None
    head = f":hourglass_flowing_sand: *Today so far* (until {timestamp(now, tz)})"
    if part.days == 0:
        return f"{head}: no data yet."
    numbers = (
        f"{plural(part.sessions, 'session')} · {plural(part.user_messages, 'user message')} · "
        f"{plural(part.llm_calls, 'LLM call')} · {money(part.cost_sum)}"
    )
    if summary.closed_period is None and summary.previous.days:
        ref, before = summary.previous_period, summary.previous
        return (
            f"{head}: {numbers}. For context, the whole of {day(ref.first)} had "
            f"{plural(before.sessions, 'session')} and {money(before.cost_sum)}."
        )
    return f"{head}: {numbers}."


def slack_date(moment: datetime, tz: ZoneInfo) -> str:
    """``<!date^TS^{date_short_pretty} {time}|fallback>``: shown in each reader's timezone."""
    fallback = escape_entities(timestamp(moment, tz)).replace("|", "/")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def summary_message(
    summary: Summary,
    *,
    tz: ZoneInfo,
    now: datetime,
    links: Dashboard | None = None,
    public: bool = False,
) -> Message:
    """One bot over a period: key numbers, LLM, top events, gaps, so far, and context.

    ``public``: the message goes to the channel, so it has no "Share in channel" button.
    """
    today = now.date()
    title = f"{bot_title(summary.bot)} · {period_title(summary.period, today=now)}"
    foot = context(*context_line(summary, tz=tz, now=now))
    if summary.current.days == 0:
        return _no_data(summary, title, foot, links)
    cur = summary.compared[0]
    blocks: list[Block] = [header(title), section(bot_line(summary.bot, links))]
    if cur.days:
        blocks += [fields_section(key_fields(summary)), context(_USERS_NOTE), divider()]
        if cur.llm_calls or summary.compared[1].llm_calls:
            blocks.append(fields_section(llm_fields(summary), text="*LLM*"))
        else:
            blocks.append(section("*LLM*\n_No LLM calls on these days._"))
    if line := so_far_line(summary, tz=tz, now=now):
        blocks.append(section(line))
    spark = sparklines(summary)
    gaps = gap_lines(summary, today=today)
    if spark or gaps or summary.notes:
        blocks.append(context(*[*summary.notes, *spark, *gaps][:10]))
    types, custom = cur.top_event_types(TOP_EVENTS), cur.top_custom_events(TOP_EVENTS)
    if types or custom:
        blocks.append(
            fields_section(
                [
                    _events_field("Top event types", types),
                    _events_field("Top custom events", custom),
                ]
            )
        )
    blocks.append(foot)
    # An id the buttons cannot carry loses the buttons, never the numbers.
    with suppress(ValueError):
        bot = summary.bot.alias or summary.bot.id
        blocks.append(summary_actions(bot, summary.period.label, share=not public))
    return build(_fallback(summary, now), blocks)


def bot_line(bot: Bot, links: Dashboard | None) -> str:
    """The bot's name, linked to its Botpress overview when the dashboard is known."""
    name = escape_mrkdwn(bot.name, 120)
    if links is None:
        return f"*{name}*"
    return f"*<{links.bot_url(bot.id)}|{name}>* · Open in Botpress"


def sparklines(summary: Summary) -> list[str]:
    """Daily sessions and cost over the period (by week past 31 days), as text bars."""
    if not summary.daily or summary.period.days < 2:
        return []
    by_day = dict(summary.daily)
    days = summary.period.dates()
    step = 1 if len(days) <= 31 else 7
    chunks = [days[i : i + step] for i in range(0, len(days), step)]

    def series(get: Callable[[Metrics], float]) -> list[float | None]:
        out: list[float | None] = []
        for chunk in chunks:
            known = [get(by_day[d]) for d in chunk if d in by_day]
            out.append(sum(known) if known else None)
        return out

    unit = "day" if step == 1 else "week"
    return [
        f"Sessions by {unit} {sparkline(series(lambda m: float(m.sessions)))}",
        f"Cost by {unit} {sparkline(series(lambda m: m.cost_sum))}",
    ]


def _fallback(summary: Summary, now: datetime) -> str:
    """The notification text: what, when, and the two headline numbers."""
    cur = summary.compared[0]
    changes = summary.comparison()
    name = escape_mrkdwn(bot_title(summary.bot), 120)
    closed, base = summary.closed_period, summary.baseline_period
    head = f"{name}, {period_title(summary.period, today=now)}"
    parts = []
    if closed is not None and base is not None:
        versus = day_range(base.first, base.last, today=now.date())
        parts.append(
            f"{plural(cur.sessions, 'session')}{_moved(changes['sessions'], versus)}, "
            f"{plural(cur.llm_calls, 'LLM call')} costing {money(cur.cost_sum)}"
            f"{_moved(changes['costUsd'], versus)}"
        )
    if summary.so_far is not None:
        part = summary.so_far
        parts.append(f"today so far {plural(part.sessions, 'session')}, {money(part.cost_sum)}")
    return f"{head}: {'; '.join(parts)}." if parts else f"{head}."


def _moved(change: Change, versus: str) -> str:
    """`` (+18% vs Mon 27 Apr - Sun 3 May)``, or nothing when there is no fair comparison."""
    if not change.comparable or change.relative is None:
        return ""
    return f" ({change_text(change.current, change.previous, versus)})"


def _no_data(summary: Summary, title: str, foot: Block, links: Dashboard | None) -> Message:
    name = escape_mrkdwn(bot_title(summary.bot), 120)
    lines = [
        f":zzz: *No data for {name} in this period.* Botpress has no analytics for these days."
    ]
    start = summary.first_data_day
    if start is not None and start > summary.period.last:
        lines.append(f"Its data starts {day(start)}: try a period after that.")
    elif summary.previous.days:
        lines.append(
            f"The reference period had {plural(summary.previous.sessions, 'session')}; "
            "try a longer period such as `30d`."
        )
    else:
        lines.append("Try a longer period such as `30d`, or check that the bot is deployed.")
    blocks = [header(title), section(bot_line(summary.bot, links)), section("\n".join(lines)), foot]
    return build(f"No data for {name} in this period.", blocks)
