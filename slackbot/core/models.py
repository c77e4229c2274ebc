"""Typed data: the Botpress analytics response, tracked bots, and exactly mergeable metrics.

``Metrics`` is the one aggregate used everywhere: a day, a period or a whole history. It
keeps sums (and call-weighted sums for means) rather than means, so adding two of them
is exact and associative; the means are derived on read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import reduce
from operator import add, attrgetter
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

#: JavaScript's exact integer range: Botpress cannot count past it, and SQLite stores less.
MAX_COUNT = 2**53
NonNegInt = Annotated[int, Field(ge=0, le=MAX_COUNT)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_text(value: Any) -> Any:
    """Only ISO 8601 text is a Botpress date: pydantic would read a number (or numeric
    text such as ``"5"``) as a Unix timestamp and file the bucket under 1970."""
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(
            "should be a valid datetime in ISO 8601 text, like 2026-05-01T00:00:00.000Z"
        )
    return value


IsoDateTime = Annotated[datetime, Field(strict=False), BeforeValidator(_iso_text)]


class _Strict(BaseModel):
    # strict: "5" is not an integer; extra="ignore": records are open (the API adds fields).
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Distribution(_Strict):
    """Per-call statistics Botpress gives for latency and tokens per second."""

    # Durations, speeds and money: a negative one is a broken answer (DESIGN §5).
    mean: NonNegFloat
    sd: NonNegFloat
    min: NonNegFloat
    max: NonNegFloat


class CostDistribution(Distribution):
    """Per-call cost statistics plus the bucket total, in US dollars."""

    sum: NonNegFloat


class LlmStats(_Strict):
    """The ``llm`` block of an analytics record."""

    calls: NonNegInt
    errors: NonNegInt
    inputTokens: NonNegInt
    outputTokens: NonNegInt
    latency: Distribution
    tokensPerSecond: Distribution
    cost: CostDistribution


class AnalyticsRecord(_Strict):
    """One bucket of ``getBotAnalytics``; treated as one UTC day."""

    startDateTimeUtc: IsoDateTime
    endDateTimeUtc: IsoDateTime
    returningUsers: NonNegInt
    newUsers: NonNegInt
    sessions: NonNegInt
    messages: NonNegInt = 0  # deprecated by Botpress; read for completeness, never used
    userMessages: NonNegInt
    botMessages: NonNegInt
    events: NonNegInt
    eventTypes: dict[str, NonNegFloat] = Field(default_factory=dict)
    customEvents: dict[str, NonNegFloat] = Field(default_factory=dict)
    llm: LlmStats | None = None


class AnalyticsResponse(_Strict):
    """The body of ``getBotAnalytics``."""

    records: list[AnalyticsRecord]


class BotInfo(_Strict):
    """One bot as ``listBots`` describes it."""

    id: str
    name: str
    createdAt: str | None = None
    updatedAt: str | None = None
    deployedAt: str | None = None


@dataclass(frozen=True)
class Bot:
    """A tracked bot: its Botpress id, display name and optional short alias."""

    id: str
    name: str
    alias: str | None = None

    @property
    def label(self) -> str:
        """The name people see: the alias when set, else the Botpress name."""
        return self.alias or self.name


def _min(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def _max(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


def _add_maps(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
    out = dict(a)
    for key, value in b.items():
        out[key] = out.get(key, 0.0) + value
    return out


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Metrics:
    """Exactly mergeable analytics over one or more days (``a + b`` merges)."""

    days: int = 0  # days with data: one per record-day, not per raw record
    new_users: int = 0
    returning_users: int = 0
    sessions: int = 0
    user_messages: int = 0
    bot_messages: int = 0
    events: int = 0
    event_types: Mapping[str, float] = field(default_factory=dict)
    custom_events: Mapping[str, float] = field(default_factory=dict)
    llm_calls: int = 0
    llm_errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_sum: float = 0.0  # sum over calls of latency (mean x calls), ms
    latency_sumsq: float = 0.0  # sum over calls of latency^2, for the pooled sd
    latency_min: float | None = None
    latency_max: float | None = None
    tps_sum: float = 0.0  # tokens/s mean x calls
    tps_min: float | None = None
    tps_max: float | None = None
    cost_sum: float = 0.0  # US dollars
    # Cost and tokens of buckets that reported calls: the numerators of the per-call means,
    # so money reported by a zero-call bucket counts in the totals but not per call.
    call_cost_sum: float = 0.0
    call_tokens: int = 0
    cost_min: float | None = None  # per call
    cost_max: float | None = None

    @classmethod
    def from_record(cls, record: AnalyticsRecord) -> Metrics:
        """One API record as one day of metrics."""
        common: dict[str, Any] = {
            "days": 1,
            "new_users": record.newUsers,
            "returning_users": record.returningUsers,
            "sessions": record.sessions,
            "user_messages": record.userMessages,
            "bot_messages": record.botMessages,
            "events": record.events,
            "event_types": dict(record.eventTypes),
            "custom_events": dict(record.customEvents),
        }
        llm = record.llm
        if llm is None:
            return cls(**common)
        # Tokens, errors and cost are kept even with zero calls: money never disappears.
        common.update(
            llm_errors=llm.errors,
            input_tokens=llm.inputTokens,
            output_tokens=llm.outputTokens,
            cost_sum=llm.cost.sum,
        )
        n = llm.calls
        if n == 0:
            # No calls: an all-zero distribution is not a latency of 0 ms.
            return cls(**common)
        lat, tps = llm.latency, llm.tokensPerSecond
        return cls(
            **common,
            llm_calls=n,
            call_cost_sum=llm.cost.sum,
            call_tokens=llm.inputTokens + llm.outputTokens,
            latency_sum=lat.mean * n,
            latency_sumsq=(lat.sd**2 + lat.mean**2) * n,
            latency_min=lat.min,
            latency_max=lat.max,
            tps_sum=tps.mean * n,
            tps_min=tps.min,
            tps_max=tps.max,
            cost_min=llm.cost.min,
            cost_max=llm.cost.max,
        )

    def as_dict(self) -> dict[str, Any]:
        """Field name to value, shallow (maps are copied)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["event_types"] = dict(self.event_types)
        out["custom_events"] = dict(self.custom_events)
        return out

    def merge_same_day(self, other: Metrics) -> Metrics:
        """Merge two records of one day: sums everything but counts the day once."""
        merged = self + other
        return Metrics(**{**merged.as_dict(), "days": max(self.days, other.days)})

    def __add__(self, other: Metrics) -> Metrics:
        return Metrics(
            days=self.days + other.days,
            new_users=self.new_users + other.new_users,
            returning_users=self.returning_users + other.returning_users,
            sessions=self.sessions + other.sessions,
            user_messages=self.user_messages + other.user_messages,
            bot_messages=self.bot_messages + other.bot_messages,
            events=self.events + other.events,
            event_types=_add_maps(self.event_types, other.event_types),
            custom_events=_add_maps(self.custom_events, other.custom_events),
            llm_calls=self.llm_calls + other.llm_calls,
            llm_errors=self.llm_errors + other.llm_errors,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            latency_sum=self.latency_sum + other.latency_sum,
            latency_sumsq=self.latency_sumsq + other.latency_sumsq,
            latency_min=_min(self.latency_min, other.latency_min),
            latency_max=_max(self.latency_max, other.latency_max),
            tps_sum=self.tps_sum + other.tps_sum,
            tps_min=_min(self.tps_min, other.tps_min),
            tps_max=_max(self.tps_max, other.tps_max),
            cost_sum=self.cost_sum + other.cost_sum,
            call_cost_sum=self.call_cost_sum + other.call_cost_sum,
            call_tokens=self.call_tokens + other.call_tokens,
            cost_min=_min(self.cost_min, other.cost_min),
            cost_max=_max(self.cost_max, other.cost_max),
        )

    @staticmethod
    def total(items: Iterable[Metrics]) -> Metrics:
        """The exact sum of many metrics (empty: all zero, no days)."""
        # Column by column, the very additions folding ``a + b`` does, in the same order
        # (bit-identical floats; builtin sum() would not be on 3.12+), without building a
        # Metrics per step.
        rows = list(items)
        if not rows:
            return Metrics()
        columns = zip(*map(_get_sums, rows), strict=True)
        values: dict[str, Any] = {
            name: reduce(add, column, initial)
            for name, column, initial in zip(
                _SUM_FIELDS, columns, _get_sums(Metrics()), strict=True
            )
        }
        for name in _MIN_FIELDS:
            values[name] = min(_present(rows, name), default=None)
        for name in _MAX_FIELDS:
            values[name] = max(_present(rows, name), default=None)
        event_types: dict[str, float] = {}
        custom_events: dict[str, float] = {}
        for item in rows:
            for key, value in item.event_types.items():
                event_types[key] = event_types.get(key, 0.0) + value
            for key, value in item.custom_events.items():
                custom_events[key] = custom_events.get(key, 0.0) + value
        return Metrics(**values, event_types=event_types, custom_events=custom_events)

    # Derived values: None where the denominator is zero ("no data" is not zero).
    @property
    def error_rate(self) -> float | None:
        """LLM errors per call, 0..1 (capped: a bucket may report more errors than calls)."""
        rate = _ratio(self.llm_errors, self.llm_calls)
        return None if rate is None else min(rate, 1.0)

    @property
    def suspect(self) -> bool:
        """True when more errors than calls were reported: kept, but never a baseline."""
        return self.llm_errors > self.llm_calls

    @property
    def latency_mean(self) -> float | None:
        """Call-weighted mean LLM latency in ms."""
        return _ratio(self.latency_sum, self.llm_calls)

    @property
    def latency_sd(self) -> float | None:
        """Pooled standard deviation of LLM latency in ms."""
        mean = self.latency_mean
        if mean is None:
            return None
        return math.sqrt(max(self.latency_sumsq / self.llm_calls - mean * mean, 0.0))

    @property
    def tokens_per_second(self) -> float | None:
        """Call-weighted mean output tokens per second."""
        return _ratio(self.tps_sum, self.llm_calls)

    @property
    def tokens_per_call(self) -> float | None:
        """Input plus output tokens per LLM call (tokens of zero-call buckets excluded)."""
        return _ratio(self.call_tokens, self.llm_calls)

    @property
    def cost_per_call(self) -> float | None:
        """US dollars per LLM call (cost of zero-call buckets excluded)."""
        return _ratio(self.call_cost_sum, self.llm_calls)

    @property
    def cost_per_session(self) -> float | None:
        """US dollars per session."""
        return _ratio(self.cost_sum, self.sessions)

    @property
    def messages_per_session(self) -> float | None:
        """User messages per session."""
        return _ratio(self.user_messages, self.sessions)

    @property
    def users(self) -> int:
        """New plus returning users summed over days: not a distinct-user count."""
        return self.new_users + self.returning_users

    def top_event_types(self, n: int = 5) -> list[tuple[str, float]]:
        """The n most frequent event types, largest first, ties by name."""
        return sorted(self.event_types.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    def top_custom_events(self, n: int = 5) -> list[tuple[str, float]]:
        """The n most frequent custom events, largest first, ties by name."""
        return sorted(self.custom_events.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    def to_json(self) -> dict[str, Any]:
        """The ``totals`` / ``previous`` object of ``report --json`` (DESIGN §2)."""
        return {
            "sessions": self.sessions,
            "newUsers": self.new_users,
            "returningUsers": self.returning_users,
            "userMessages": self.user_messages,
            "botMessages": self.bot_messages,
            "messagesPerSession": self.messages_per_session,
            "events": self.events,
            "topEventTypes": dict(self.top_event_types()),
            "topCustomEvents": dict(self.top_custom_events()),
            "llmCalls": self.llm_calls,
            "llmErrors": self.llm_errors,
            "errorRate": self.error_rate,
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "tokensPerCall": self.tokens_per_call,
            "costUsd": round(self.cost_sum, 6),
            "costPerSession": self.cost_per_session,
            "costPerCall": self.cost_per_call,
            "costPerCallUsd": self.cost_per_call,
            "latencyMeanMs": self.latency_mean,
            "latencyMaxMs": self.latency_max,
            "tokensPerSecond": self.tokens_per_second,
            "daysWithData": self.days,
        }


# Field groups for Metrics.total, by how two values merge (see Metrics.__add__).
_MIN_FIELDS = ("latency_min", "tps_min", "cost_min")
_MAX_FIELDS = ("latency_max", "tps_max", "cost_max")
_SUM_FIELDS = tuple(
    f.name
    for f in fields(Metrics)
    if f.name not in {*_MIN_FIELDS, *_MAX_FIELDS, "event_types", "custom_events"}
)
_get_sums = attrgetter(*_SUM_FIELDS)


def _present(rows: Iterable[Metrics], name: str) -> Iterator[float]:
    return (value for row in rows if (value := getattr(row, name)) is not None)


DailyMetrics = dict[date, Metrics]
