"""Block Kit for summaries: one bot's numbers, and many bots side by side.

Pure: ``now`` and the timezone are passed in. Changes compare with the previous period
of equal length; arrows show direction and the tone emoji whether that is good news
(for cost, errors and latency, up is bad).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from slackbot.core.blocks.kit import (
    MAX_BLOCKS,
    MAX_CHARS,
    SECTION_MAX,
    Message,
    build,
    context,
    divider,
    fields_section,
    header,
    message_chars,
    more_note,
    section,
)
from slackbot.core.formatting import (
    NO_DATA,
    change_text,
    count,
    day_range,
    duration_ms,
    money,
    number,
    percent,
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


_Row = tuple[str, str, float | None, float | None, str]  # label, shown, current, previous, key


def _fields(rows: Sequence[_Row], summary: Summary) -> list[str]:
    """Rows as fields ``*Label*\nvalue  ▲ +18% :red_circle:``; no change without a base."""
    known = summary.previous.days > 0
    out = []
    for label, value, cur, prev, key in rows:
        # The change goes right after the number, before any note line under it.
        number_text, newline, note = value.partition("\n")
        moved = trend(cur, prev if known else None, key).slack()
        out.append(f"*{label}*\n{number_text}   {moved}{newline}{note}")
    return out


def _prev(summary: Summary) -> Metrics | None:
    """The previous period's metrics, or None when it has no data (so changes show —)."""
    return summary.previous if summary.previous.days else None


def key_fields(summary: Summary) -> list[str]:
    """Traffic numbers as section fields, each with its change."""
    cur, prev = summary.current, summary.previous
    users = (
        f"{count(cur.users)}\n_new {count(cur.new_users)} · returning {count(cur.returning_users)}_"
    )
    rows: list[_Row] = [
        ("Users", users, cur.users, prev.users, "users"),
        ("Sessions", count(cur.sessions), cur.sessions, prev.sessions, "sessions"),
        ("User messages", count(cur.user_messages), cur.user_messages, prev.user_messages,
         "userMessages"),
        ("Bot messages", count(cur.bot_messages), cur.bot_messages, prev.bot_messages,
         "botMessages"),
        ("Messages / session", number(cur.messages_per_session), cur.messages_per_session,
         prev.messages_per_session, "messagesPerSession"),
        ("Events", count(cur.events), cur.events, prev.events, "events"),
    ]  # fmt: skip
    return _fields(rows, summary)


def llm_fields(summary: Summary) -> list[str]:
    """LLM calls, errors, tokens, cost and latency as section fields with changes."""
    cur, prev = summary.current, summary.previous
    tokens = f"{count(cur.input_tokens)} in · {count(cur.output_tokens)} out"
    latency = f"mean {duration_ms(cur.latency_mean)} · max {duration_ms(cur.latency_max)}"
    errors = f"{percent(cur.error_rate)} _({count(cur.llm_errors)} errors)_"
    rows: list[_Row] = [
        ("Calls", count(cur.llm_calls), cur.llm_calls, prev.llm_calls, "llmCalls"),
        ("Error rate", errors, cur.error_rate, prev.error_rate, "errorRate"),
        ("Tokens", tokens, cur.input_tokens + cur.output_tokens,
         prev.input_tokens + prev.output_tokens, "inputTokens"),
        ("Tokens / call", count(cur.tokens_per_call), cur.tokens_per_call, prev.tokens_per_call,
         "tokensPerCall"),
        ("Cost", money(cur.cost_sum), cur.cost_sum, prev.cost_sum, "costUsd"),
        ("Cost / session", money(cur.cost_per_session), cur.cost_per_session,
         prev.cost_per_session, "costPerSession"),
        ("Cost / call", money(cur.cost_per_call), cur.cost_per_call, prev.cost_per_call,
         "costPerCall"),
        ("Latency", latency, cur.latency_mean, prev.latency_mean, "latencyMeanMs"),
        ("Tokens / s", number(cur.tokens_per_second), cur.tokens_per_second,
         prev.tokens_per_second, "tokensPerSecond"),
    ]  # fmt: skip
    return _fields(rows, summary)


def _events_field(title: str, items: Sequence[tuple[str, float]]) -> str:
    lines = [f"• {code(name, 40)} {count(value)}" for name, value in items]
    return f"*{title}*\n" + ("\n".join(lines) if lines else "_none_")


def context_line(summary: Summary, *, tz: ZoneInfo, now: datetime) -> list[str]:
    """Period dates, comparison, timezone, partial-data note and data freshness."""
    period, before = summary.period, summary.previous_period
    today = now.date()
    parts = [
        f":calendar: {day_range(period.first, period.last, today=today)} "
        f"({period.days} UTC {'day' if period.days == 1 else 'days'}) vs "
        f"{day_range(before.first, before.last, today=today)}",
        f"times in {escape_mrkdwn(tz.key, 60)}",
    ]
    if period.partial:
        parts.append(":hourglass_flowing_sand: includes today's partial data")
    if summary.as_of is not None:
        parts.append(f"data as of {slack_date(summary.as_of, tz)}")
        if now - summary.as_of > STALE_AFTER:
            parts.append(":warning: data may be stale")
    return parts


def slack_date(moment: datetime, tz: ZoneInfo) -> str:
    """``<!date^TS^{date_short_pretty} {time}|fallback>``: shown in each reader's timezone."""
    fallback = escape_entities(timestamp(moment, tz)).replace("|", "/")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def summary_message(summary: Summary, *, tz: ZoneInfo, now: datetime) -> Message:
    """One bot over a period: key numbers, LLM, top events and a context line."""
    title = f"{bot_title(summary.bot)} · {period_title(summary.period, today=now)}"
    foot = context(*context_line(summary, tz=tz, now=now))
    if summary.current.days == 0:
        return _no_data(summary, title, foot)
    cur = summary.current
    blocks: list[Block] = [header(title), fields_section(key_fields(summary)), context(_USERS_NOTE)]
    blocks.append(divider())
    if cur.llm_calls or summary.previous.llm_calls:
        blocks.append(fields_section(llm_fields(summary), text="*LLM*"))
    else:
        blocks.append(section("*LLM*\n_No LLM calls in this period._"))
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
    return build(_fallback(summary, now), blocks)


def _fallback(summary: Summary, now: datetime) -> str:
    cur, prev = summary.current, _prev(summary)
    versus = summary.previous_period.label
    name = escape_mrkdwn(bot_title(summary.bot), 120)
    sessions = change_text(cur.sessions, prev.sessions if prev else None, versus)
    cost = change_text(cur.cost_sum, prev.cost_sum if prev else None)
    text = (
        f"{name}, {period_title(summary.period, today=now)}: {count(cur.sessions)} sessions "
        f"({sessions}), {count(cur.user_messages)} user messages, "
        f"{count(cur.llm_calls)} LLM calls costing {money(cur.cost_sum)} ({cost})."
    )
    return text + (" Includes today's partial data." if summary.period.partial else "")


def _no_data(summary: Summary, title: str, foot: Block) -> Message:
    name = escape_mrkdwn(bot_title(summary.bot), 120)
    lines = [
        f":zzz: *No data for {name} in this period.* Botpress has no analytics for these days."
    ]
    if summary.previous.days:
        lines.append(
            f"The period before had {count(summary.previous.sessions)} sessions; "
            "try a longer period such as `30d`."
        )
    else:
        lines.append("Try a longer period such as `30d`, or check that the bot is deployed.")
    blocks = [header(title), section("\n".join(lines)), foot]
    return build(f"No data for {name} in this period.", blocks)


def overview_line(summary: Summary) -> str:
    """One bot in one line: cost, sessions, LLM calls and error rate, with changes."""
    name = f"*{escape_mrkdwn(bot_title(summary.bot), _NAME_LIMIT)}*"
    cur, prev = summary.current, _prev(summary)
    if cur.days == 0:
        return f"{name}  _no data_"
    cost = trend(cur.cost_sum, prev.cost_sum if prev else None, "costUsd").slack()
    sessions = trend(cur.sessions, prev.sessions if prev else None, "sessions").slack()
    errors = percent(cur.error_rate)
    return (
        f"{name}  {money(cur.cost_sum)} {cost}  ·  {count(cur.sessions)} sessions {sessions}"
        f"  ·  {count(cur.llm_calls)} calls, {errors if errors != NO_DATA else 'no'} errors"
    )


def overview_message(
    summaries: Sequence[Summary], *, tz: ZoneInfo, now: datetime, title: str = "All bots"
) -> Message:
    """Bots side by side, highest cost first, cut with "and N more" at Slack's limits."""
    if not summaries:
        return build("No bots are tracked yet.", [section("No bots are tracked yet.")])
    ordered = sorted(
        summaries, key=lambda s: (-s.current.cost_sum, -s.current.sessions, s.bot.label.casefold())
    )
    first = ordered[0]
    total = Metrics.total(s.current for s in ordered)
    before = Metrics.total(s.previous for s in ordered)
    known = any(s.previous.days for s in ordered)
    head = f"{title} · {period_title(first.period, today=now)}"
    totals = (
        f"*{len(ordered)} bots*: {money(total.cost_sum)} "
        f"{trend(total.cost_sum, before.cost_sum if known else None, 'costUsd').slack()}  ·  "
        f"{count(total.sessions)} sessions  ·  {count(total.llm_calls)} LLM calls"
    )
    foot = context(*context_line(first, tz=tz, now=now))
    top: list[Block] = [header(head), section(totals), divider()]
    lines = [overview_line(s) for s in ordered]
    packed, shown = _pack(
        lines, reserved=_size(top) + _size([foot]) + 300, blocks_left=MAX_BLOCKS - 5
    )
    blocks = top + packed
    if shown < len(lines):
        blocks.append(more_note(len(lines) - shown, "bots", "`/botstats BOT` shows any one"))
    blocks.append(foot)
    text = f"{escape_mrkdwn(head, 200)}: {len(ordered)} bots, {money(total.cost_sum)} in LLM cost."
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
