"""A digest as plain data: each bot's settled week (or day) against the one before.

Pure. The ``digests`` use case fills a ``Digest`` (summaries from the store, the month's
spend, open alerts, the chart's series); ``blocks.digest`` turns it into Slack messages.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Literal, TypeAlias

from slackbot.core.comparisons import Change
from slackbot.core.formatting import MINUS, number, trend
from slackbot.core.metrics import Summary
from slackbot.core.models import Bot, Metrics
from slackbot.core.periods import Period
from slackbot.core.series import DailySeries

Cadence: TypeAlias = Literal["daily", "weekly"]

TIMES = "\u00d7"  # the multiplication sign of "cost per call x3"
_DAY = timedelta(days=1)
#: The projection's history: same-weekday medians over 4 weeks, as the alert baselines.
_BASELINE_WINDOW = timedelta(days=28)
_FALLBACK_DAYS = 7
#: Smaller changes are not news: a headline needs at least this much (or these points).
MIN_MOVE = 0.2
MIN_MOVE_POINTS = 1.0
#: Rates move in points, the rest in ratios: 10 points weigh like a factor of e.
_POINTS_PER_LOG = 10.0
_RATIO_CLAMP = 100.0  # a mean that fell to zero would weigh infinitely
MOVES_PER_BOT = 2
#: What a headline may name: the words people read and the story each belongs to, so a
#: bot's two moves never tell one story twice (sessions and users fall together, cost and
#: cost per call rise together). On a tie the first listed is named.
_MOVE_METRICS: Mapping[str, tuple[str, str]] = {
    "sessions": ("sessions", "traffic"),
    "users": ("users", "traffic"),
    "userMessages": ("user messages", "traffic"),
    "llmCalls": ("LLM calls", "traffic"),
    "costPerCall": ("cost per call", "cost"),
    "costUsd": ("LLM cost", "cost"),
    "costPerSession": ("cost per session", "cost"),
    "errorRate": ("error rate", "errors"),
    "latencyMeanMs": ("latency", "latency"),
}
_ORDER = {key: i for i, key in enumerate(_MOVE_METRICS)}


@dataclass(frozen=True)
class OpenAlert:
    """An alert still open when the digest is built (filled in by the alert engine)."""

    bot_id: str
    metric: str
    direction: str
    severity: str  # "warning" | "critical"
    state: str  # "firing" | "acknowledged" | "snoozed"
    day: date
    text: str  # one line for people, e.g. "cost $41.20 vs $12.00 expected"


@dataclass(frozen=True)
class BotDigest:
    """One bot's part of a digest; ``summary`` None when its numbers could not be had."""

    bot: Bot
    summary: Summary | None
    problem: str | None = None  # why the bot is unavailable, in a short sentence


@dataclass(frozen=True)
class MonthSpend:
    """The LLM spend of the tracked bots in one calendar month (UTC) and where it is heading."""

    month: date  # the month's first day
    through: date | None  # last closed day counted (None on the 1st: nothing closed yet)
    spent: float  # US dollars over [month, through]
    projected: float  # spent + the expected cost of each remaining day of the month
    budget: float | None  # BOTSTATS_MONTHLY_BUDGET_USD, None when unset


@dataclass(frozen=True)
class Digest:
    """Everything one digest message says."""

    cadence: Cadence
    period: Period  # the settled UTC day or week the digest covers
    previous: Period  # its reference (DESIGN §5)
    bots: tuple[BotDigest, ...]
    spend: MonthSpend | None = None
    alerts: tuple[OpenAlert, ...] = ()
    chart: DailySeries | None = None
    target: str = "all"  # the subscription's target: a bot id or "all"


@dataclass(frozen=True)
class Move:
    """One of the biggest changes of the period, for the headline."""

    bot: Bot
    metric: str
    text: str  # e.g. "cost per call x3" or "sessions -40%" (TIMES and MINUS signs)
    weight: float  # size of change times volume: what ranks moves


def month_spend(
    history: Mapping[str, Mapping[date, Metrics]], *, today: date, budget: float | None
) -> MonthSpend:
    """The month of ``today`` (UTC): spend over its closed days and a same-weekday projection."""
    first = today.replace(day=1)
    length = calendar.monthrange(today.year, today.month)[1]
    remaining = [today + timedelta(days=i) for i in range(length - today.day + 1)]
    spent = sum(
        m.cost_sum for days in history.values() for d, m in days.items() if first <= d < today
    )
    expected = sum(
        expected_cost(days, d, today=today) for days in history.values() for d in remaining
    )
    return MonthSpend(
        month=first,
        through=None if today == first else today - _DAY,
        spent=spent,
        projected=spent + expected,
        budget=budget,
    )


def expected_cost(days: Mapping[date, Metrics], day: date, *, today: date) -> float:
    """One bot's expected cost on ``day``, judged on the closed days before ``today``.

    The median of the same weekday over the last 4 weeks; without one, the mean of the 7
    latest days with data in those weeks; without any, nothing. Days without data are
    skipped, never read as zero.
    """
    window = [d for d in days if today - _BASELINE_WINDOW <= d < today]
    same_weekday = [days[d].cost_sum for d in window if d.weekday() == day.weekday()]
    if same_weekday:
        return float(median(same_weekday))
    latest = sorted(window)[-_FALLBACK_DAYS:]
    return sum(days[d].cost_sum for d in latest) / len(latest) if latest else 0.0


def headline(digest: Digest, n: int = 3) -> list[Move]:
    """The ``n`` biggest moves across the digest's bots, by size of change and volume."""
    moves = [
        move
        for part in digest.bots
        if part.summary is not None
        for move in bot_moves(part.summary)[:MOVES_PER_BOT]
    ]
    return sorted(moves, key=_rank)[: max(n, 0)]


def bot_moves(summary: Summary) -> list[Move]:
    """One bot's notable, comparable moves, biggest first, one per story (traffic, cost...)."""
    # One volume for all of a bot's moves: bigger bots weigh more, and within a bot the
    # size of the change alone decides (messages outnumber sessions, which is not news).
    volume = max(float(m.sessions + m.llm_calls) for m in summary.compared)
    changes = summary.comparison()
    found = [
        move
        for key in _MOVE_METRICS
        if (move := _move(summary.bot, changes[key], volume)) is not None
    ]
    moves: list[Move] = []
    told: set[str] = set()
    for move in sorted(found, key=_rank):
        story = _MOVE_METRICS[move.metric][1]
        if story not in told:
            told.add(story)
            moves.append(move)
    return moves


def _rank(move: Move) -> tuple[float, str, int]:
    # Rounded: cost x3 and cost per call x3 differ in the last bits, not in the news.
    return (-round(move.weight, 6), move.bot.label.casefold(), _ORDER[move.metric])


def _move(bot: Bot, change: Change, volume: float) -> Move | None:
    """``change`` as a headline candidate, or None when it is small or not comparable."""
    moved = _moved(change)
    if moved is None:
        return None
    size, text = moved
    words = _MOVE_METRICS[change.key][0]
    return Move(bot, change.key, f"{words} {text}", size * math.log1p(volume))


def _moved(change: Change) -> tuple[float, str] | None:
    """How far ``change`` went (log of the ratio, or points scaled alike) and in words."""
    if not change.comparable or change.current is None or change.previous is None:
        return None
    if change.kind == "rate":
        if change.points is None or abs(change.points) < MIN_MOVE_POINTS:
            return None
        return abs(change.points) / _POINTS_PER_LOG, points_words(change.points)
    if change.relative is None or abs(change.relative) < MIN_MOVE or change.previous <= 0:
        return None
    ratio = min(max(change.current / change.previous, 1 / _RATIO_CLAMP), _RATIO_CLAMP)
    per_day = " per day" if change.per_day else ""
    return abs(math.log(ratio)), ratio_words(change.current, change.previous) + per_day


def ratio_words(current: float, previous: float) -> str:
    """``x3`` (with TIMES) from twice as much on, else a signed percent: ``-40%`` (MINUS)."""
    ratio = current / previous if previous else math.inf
    if ratio >= 2 and math.isfinite(ratio):
        return f"{TIMES}{number(ratio, 0 if ratio >= 10 else 1)}"
    return trend(current, previous).text


def points_words(points: float) -> str:
    """A rate's change in plain words: ``+6 pts``, ``-1.5 pts`` (with MINUS)."""
    return f"{'+' if points > 0 else MINUS}{number(abs(points))} pts"
