"""The demo's planted anomalies, and where the real messages show each one, in words.

The simulator plants one anomaly of each kind; these lines tell a person whether the
digest's headline and the alert engine caught it, or why not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from rich.console import Console

from slackbot.core.alerting import Change
from slackbot.core.blocks import alert_lines as al
from slackbot.core.digest import BotDigest, Digest, Move, headline
from slackbot.core.formatting import day
from slackbot.core.models import Bot
from slackbot.simulator.workspace import PlantedAnomaly

#: The headline moves that tell each kind of planted anomaly (missing data is a gap, named).
HEADLINE_METRICS = {
    "cost": ("costPerCall", "costUsd", "costPerSession"),
    "error_rate": ("errorRate",),
    "latency": ("latencyMeanMs",),
    "sessions": ("sessions", "users", "userMessages", "llmCalls"),
}
#: The alert each kind of planted anomaly should raise (one missing day is a gap, not an alert).
ALERT_METRICS = {
    "cost": "cost_per_call",
    "error_rate": "error_rate",
    "latency": "latency",
    "sessions": "sessions",
}
Told = Mapping[tuple[str | None, str, date], Change]


def planted_in_digest(
    console: Console, digest: Digest, anomalies: Sequence[PlantedAnomaly]
) -> None:
    """Each planted anomaly of the digest's days, and where the digest shows it."""
    period = digest.period
    planted = [a for a in anomalies if period.first <= a.day <= period.last]
    said = f"{len(planted)} (listed in step 5)" if planted else "none"
    console.print(f"  Planted anomalies in these days: {said}", highlight=False)
    parts = {part.bot.id: part for part in digest.bots}
    moves = headline(digest)
    for anomaly in planted:
        part = parts.get(anomaly.bot_id)
        console.print(
            f"  {anomaly.day:%a %d %b}, {part.bot.name if part else anomaly.bot_id}: "
            f"{anomaly.description}: {_seen(anomaly, part, moves)}.",
            highlight=False,
        )


def _seen(anomaly: PlantedAnomaly, part: BotDigest | None, moves: Sequence[Move]) -> str:
    """Where the digest shows one planted anomaly, in words."""
    said = [
        m.text
        for m in moves
        if m.bot.id == anomaly.bot_id and m.metric in HEADLINE_METRICS.get(anomaly.metric, ())
    ]
    if said:
        return f"in the headline, as {said[0]}"
    if part is not None and part.summary is not None and anomaly.day in part.summary.missing_days:
        return "named in the bot's numbers as a day with no data"
    return "not in the headline: one day moved the week too little"


def caught(
    console: Console,
    anomalies: Sequence[PlantedAnomaly],
    sent: Sequence[Change],
    known: Mapping[str, Bot],
) -> None:
    """Each planted anomaly, and the alert that told it (or why none did)."""
    told: Told = {(c.evaluation.bot_id, c.evaluation.metric, c.evaluation.day): c for c in sent}
    for anomaly in anomalies:
        bot = known.get(anomaly.bot_id)
        console.print(
            f"  {day(anomaly.day)}, {bot.name if bot else anomaly.bot_id}: "
            f"{anomaly.description}: {_verdict(anomaly, told)}.",
            highlight=False,
        )


def _verdict(anomaly: PlantedAnomaly, told: Told) -> str:
    """Whether the engine alerted on one planted anomaly, in words."""
    metric = ALERT_METRICS.get(anomaly.metric)
    if metric is None:
        return "no alert: a single missing day is a gap, named in messages, not alerted"
    change = told.get((anomaly.bot_id, metric, anomaly.day))
    if change is None:
        return "no alert: the engine judged the day inside the bot's usual range"
    return f"alerted as {al.words(change.evaluation.metric)} ({change.evaluation.severity})"
