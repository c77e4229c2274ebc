"""Seeded synthetic Botpress analytics: bots, daily records and planted anomalies.

Pure (no clock, no I/O): ``now`` is passed in, and every random draw comes from a
``random.Random`` seeded by (seed, bot, day, stream), so a day's record is the same on
every call, and a planted anomaly changes only the metric it targets. The simulator
serves these records over HTTP; tests and benchmarks can use them directly.

Planted anomalies (``PlantedAnomaly.metric`` / ``kind``): ``cost``/``spike`` (cost per
call x6, always on the day before ``today``), ``error_rate``/``jump`` (15% errors),
``latency``/``jump`` (x3), ``sessions``/``drop`` (-80%), ``data``/``missing`` (no record).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slackbot.simulator.bots import NAMES, BotProfile, make_bot, rng_for
from slackbot.simulator.records import Dist, LlmParts, RecordParts, build_record, iso, split_record

JsonDict = dict[str, Any]

__all__ = [
    "NAMES",
    "BotProfile",
    "PlantedAnomaly",
    "Workspace",
    "day_records",
    "generate_record",
    "iso",
    "make_bot",
    "plant_anomalies",
]

COST, ERROR_RATE, LATENCY, SESSIONS, DATA = "cost", "error_rate", "latency", "sessions", "data"
DAY = timedelta(days=1)

_WEEKDAYS = (1.0, 1.08, 1.06, 1.02, 0.9)  # Monday..Friday


@dataclass(frozen=True)
class PlantedAnomaly:
    """An anomaly injected into one bot's day, for measuring detectors."""

    bot_id: str
    day: date
    metric: str  # cost | error_rate | latency | sessions | data
    kind: str  # spike | jump | drop | missing
    description: str

    @property
    def direction(self) -> str:
        """``up`` for spikes and jumps, ``down`` for drops and missing data."""
        return "up" if self.kind in ("spike", "jump") else "down"


def plant_anomalies(
    seed: int, bots: Sequence[BotProfile], today: date
) -> tuple[PlantedAnomaly, ...]:
    """Five anomalies in the three weeks before ``today`` on bots with enough history."""
    old = [b for b in bots if b.volume != "low" and b.first_day <= today - timedelta(days=42)]
    eligible = old or [b for b in bots if b.volume != "low"] or list(bots)
    specs = (
        (COST, "spike", "LLM cost per call x6 (a pricier model deployed by mistake)"),
        (ERROR_RATE, "jump", "LLM errors at 15% of calls (provider incident)"),
        (LATENCY, "jump", "LLM latency x3 (provider slowdown)"),
        (SESSIONS, "drop", "sessions -80% (web chat widget broken)"),
        (DATA, "missing", "no analytics record (data pipeline gap)"),
    )
    planted: list[PlantedAnomaly] = []
    for i, (metric, kind, text) in enumerate(specs):
        if not eligible:
            break
        bot = eligible[i % len(eligible)]
        taken = {a.day for a in planted if a.bot_id == bot.id}
        day = _anomaly_day(seed, i, bot, today, taken)
        if day is not None:
            planted.append(PlantedAnomaly(bot.id, day, metric, kind, text))
    return tuple(planted)


def _anomaly_day(seed: int, i: int, bot: BotProfile, today: date, taken: set[date]) -> date | None:
    # The cost spike lands on yesterday so the demo's alert check has something to say.
    offsets = [1] if i == 0 else list(range(2, 22))
    days = [today - timedelta(days=k) for k in offsets]
    free = [d for d in days if d > bot.first_day and all(abs((d - t).days) > 1 for t in taken)]
    return rng_for(seed, "anomaly", i).choice(free) if free else None


@dataclass(frozen=True)
class Workspace:
    """A seeded set of synthetic bots with planted anomalies, anchored at ``today``."""

    seed: int
    today: date
    bots: tuple[BotProfile, ...]
    anomalies: tuple[PlantedAnomaly, ...]

    @classmethod
    def build(
        cls, *, seed: int = 7, bot_count: int = 5, today: date, history_days: int = 120
    ) -> Workspace:
        """``bot_count`` bots with up to ``history_days`` of history before ``today``."""
        if bot_count < 0 or history_days < 1:
            raise ValueError(
                f"bot_count must be >= 0 and history_days >= 1 (got {bot_count}, "
                f"{history_days}); pass sensible sizes to the simulator"
            )
        bots = tuple(make_bot(seed, i, today, history_days) for i in range(bot_count))
        return cls(seed, today, bots, plant_anomalies(seed, bots, today))

    def bot(self, bot_id: str) -> BotProfile:
        """The bot with this id; KeyError when there is none."""
        for bot in self.bots:
            if bot.id == bot_id:
                return bot
        raise KeyError(f"no synthetic bot {bot_id!r}; known: {[b.id for b in self.bots]}")

    def record(self, bot_id: str, day: date, now: datetime) -> JsonDict | None:
        """The whole day's record of a bot (split days merged), or None."""
        return generate_record(self.seed, self.bot(bot_id), day, now, self.anomalies)

    def records(self, bot_id: str, start: datetime, end: datetime, now: datetime) -> list[JsonDict]:
        """What ``getBotAnalytics`` serves: every bucket starting in ``[start, end]``."""
        bot = self.bot(bot_id)
        day = max(start.astimezone(UTC).date(), bot.first_day)
        last = min(end.astimezone(UTC).date(), now.astimezone(UTC).date())
        out: list[JsonDict] = []
        while day <= last:
            for rec in day_records(self.seed, bot, day, now, self.anomalies):
                if start <= datetime.fromisoformat(rec["startDateTimeUtc"]) <= end:
                    out.append(rec)
            day += DAY
        return out


def elapsed_fraction(day: date, now: datetime) -> float | None:
    """How much of ``day`` has passed at ``now``: 1 for closed days, None for future ones."""
    start = datetime.combine(day, time(), UTC)
    seconds = (now.astimezone(UTC) - start).total_seconds()
    if seconds < 0:
        return None
    return min(seconds / 86400.0, 1.0)


def generate_record(
    seed: int,
    bot: BotProfile,
    day: date,
    now: datetime,
    anomalies: Sequence[PlantedAnomaly] = (),
) -> JsonDict | None:
    """The whole day's record (before any split), or None when that day has none."""
    fraction = elapsed_fraction(day, now)
    if fraction is None or day < bot.first_day:
        return None
    effects = {a.metric for a in anomalies if a.bot_id == bot.id and a.day == day}
    if DATA in effects or rng_for(seed, bot.id, day, "gap").random() < bot.missing_rate:
        return None
    parts = _parts(seed, bot, day, fraction, effects)
    if parts.sessions == 0:
        return None  # no activity: Botpress sends no bucket
    end = now if fraction < 1 else datetime.combine(day + DAY, time(), UTC)
    return build_record(parts, datetime.combine(day, time(), UTC), end)


def day_records(
    seed: int,
    bot: BotProfile,
    day: date,
    now: datetime,
    anomalies: Sequence[PlantedAnomaly] = (),
) -> list[JsonDict]:
    """The records the API serves for ``day``: none, one, or two (a split closed day)."""
    record = generate_record(seed, bot, day, now, anomalies)
    if record is None:
        return []
    rng = rng_for(seed, bot.id, day, "split")
    if elapsed_fraction(day, now) == 1.0 and rng.random() < bot.split_rate:
        return list(split_record(record, hour=rng.randint(6, 18), share=rng.uniform(0.3, 0.7)))
    return [record]


def _parts(
    seed: int, bot: BotProfile, day: date, fraction: float, effects: set[str]
) -> RecordParts:
    rng = rng_for(seed, bot.id, day, "traffic")
    age = (day - bot.first_day).days
    seasonal = _WEEKDAYS[day.weekday()] if day.weekday() < 5 else bot.weekend
    ramp = min(1.0, 0.5 + age / 14)  # a new bot grows into its traffic over two weeks
    mean = bot.sessions * seasonal * ramp * (1 + bot.growth) ** age * fraction
    if SESSIONS in effects:
        mean *= 0.2
    sessions = poisson(rng, mean * rng.gammavariate(bot.dispersion, 1 / bot.dispersion))
    user_messages = poisson(rng, sessions * bot.messages_per_session)
    calls = poisson(rng, user_messages * bot.calls_per_message)
    bot_messages = poisson(rng, user_messages * bot.replies_per_message)
    detail = rng_for(seed, bot.id, day, "detail")
    users = min(sessions, round(sessions * detail.uniform(0.7, 0.9)))
    new_users = binomial(detail, users, bot.new_share)
    return RecordParts(
        sessions=sessions,
        new_users=new_users,
        returning_users=users - new_users,
        user_messages=user_messages,
        bot_messages=bot_messages,
        event_types={
            "conversation_started": sessions,
            "message_created": user_messages + bot_messages,
            "workflow_completed": binomial(detail, sessions, 0.45),
            "handoff_requested": binomial(detail, sessions, 0.04),
        },
        custom_events={
            name: binomial(detail, sessions, rate)
            for name, rate in zip(bot.custom_events, (0.12, 0.05), strict=False)
        },
        llm=_llm(rng_for(seed, bot.id, day, "llm"), bot, calls, effects),
    )


def _llm(rng: random.Random, bot: BotProfile, calls: int, effects: set[str]) -> LlmParts:
    if calls == 0:
        return LlmParts()
    slow = 3.0 if LATENCY in effects else 1.0
    input_tokens = round(calls * bot.input_per_call * rng.lognormvariate(0, 0.05))
    output_tokens = round(calls * bot.output_per_call * rng.lognormvariate(0, 0.05))
    price = (input_tokens * bot.price_in + output_tokens * bot.price_out) / 1e6
    cost_sum = round(price * (6.0 if COST in effects else 1.0), 6)
    return LlmParts(
        calls=calls,
        errors=binomial(rng, calls, 0.15 if ERROR_RATE in effects else bot.error_rate),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        latency=spread(rng, bot.latency_ms * slow * rng.lognormvariate(0, 0.06), calls, 0.45),
        # A slow provider also generates fewer tokens per second.
        tokens_per_second=spread(
            rng, bot.tokens_per_second / slow * rng.lognormvariate(0, 0.05), calls, 0.2
        ),
        cost=spread(rng, cost_sum / calls, calls, 0.6),
        cost_sum=cost_sum,
    )


def spread(rng: random.Random, mean: float, n: int, sd_ratio: float) -> Dist:
    """A consistent per-call distribution of ``n`` values around ``mean``."""
    if n < 2:
        return Dist(mean, 0.0, mean, mean)
    low = mean * rng.uniform(0.15, 0.4)
    sd = mean * sd_ratio * rng.uniform(0.85, 1.15)
    # n values that are all >= low and average to mean cannot exceed this maximum.
    high = min(mean + sd * rng.uniform(2.5, 4.5), n * mean - (n - 1) * low)
    return Dist(mean, min(sd, (high - low) / 2), low, high)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (normal approximation above 30)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def binomial(rng: random.Random, n: int, p: float) -> int:
    """A binomial draw (exact for small n, Poisson or normal approximations above)."""
    if n <= 60:
        return sum(rng.random() < p for _ in range(n))
    if n * p < 30:
        return min(n, poisson(rng, n * p))
    return min(n, max(0, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))
