"""Shaping synthetic draws into ``getBotAnalytics`` records, and splitting a day in two.

No randomness here: ``synthetic`` draws the numbers, this module lays them out exactly as
the API's spec requires (every required field, ``messages`` == ``userMessages``,
``events`` == the sum of ``eventTypes``, ``cost.sum`` == ``cost.mean`` x ``calls``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

JsonDict = dict[str, Any]
_USER_COUNTS = ("returningUsers", "newUsers", "sessions", "userMessages", "botMessages")


def iso(moment: datetime) -> str:
    """``2026-05-04T00:00:00.000Z``, the API's timestamp form."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Dist:
    """Per-call mean, sd, min and max of one LLM measure."""

    mean: float = 0.0
    sd: float = 0.0
    min: float = 0.0
    max: float = 0.0

    def to_api(self, digits: int) -> JsonDict:
        """The spec's ``{mean, sd, min, max}`` object (rounding keeps min <= mean <= max)."""
        return {k: round(getattr(self, k), digits) for k in ("mean", "sd", "min", "max")}


@dataclass(frozen=True)
class LlmParts:
    """The drawn LLM numbers of one bucket; ``cost_sum`` is the bucket total in USD."""

    calls: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency: Dist = field(default_factory=Dist)
    tokens_per_second: Dist = field(default_factory=Dist)
    cost: Dist = field(default_factory=Dist)
    cost_sum: float = 0.0

    def to_api(self) -> JsonDict:
        """The spec's ``llm`` block (all zero when there were no calls)."""
        cost = self.cost.to_api(10)
        if self.calls:
            cost["mean"] = self.cost_sum / self.calls  # unrounded: sum == mean x calls
        return {
            "calls": self.calls,
            "errors": self.errors,
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "latency": self.latency.to_api(2),
            "tokensPerSecond": self.tokens_per_second.to_api(3),
            "cost": {"sum": self.cost_sum, **cost},
        }


@dataclass(frozen=True)
class RecordParts:
    """Everything drawn for one bucket, before it is laid out as JSON."""

    sessions: int
    new_users: int
    returning_users: int
    user_messages: int
    bot_messages: int
    event_types: dict[str, int]
    custom_events: dict[str, int]
    llm: LlmParts


def build_record(parts: RecordParts, start: datetime, end: datetime) -> JsonDict:
    """One ``getBotAnalytics`` record for the bucket ``[start, end]``."""
    event_types = {k: v for k, v in parts.event_types.items() if v}
    return {
        "startDateTimeUtc": iso(start),
        "endDateTimeUtc": iso(end),
        "returningUsers": parts.returning_users,
        "newUsers": parts.new_users,
        "sessions": parts.sessions,
        "messages": parts.user_messages,
        "userMessages": parts.user_messages,
        "botMessages": parts.bot_messages,
        "events": sum(event_types.values()),
        "eventTypes": event_types,
        "customEvents": {k: v for k, v in parts.custom_events.items() if v},
        "llm": parts.llm.to_api(),
    }


def split_record(record: JsonDict, *, hour: int, share: float) -> tuple[JsonDict, JsonDict]:
    """Two records of one day, split at ``hour``, that merge back to ``record`` by sums."""
    start = datetime.fromisoformat(record["startDateTimeUtc"])
    cut = start + timedelta(hours=hour)
    first: JsonDict = {"startDateTimeUtc": record["startDateTimeUtc"], "endDateTimeUtc": iso(cut)}
    second: JsonDict = {"startDateTimeUtc": iso(cut), "endDateTimeUtc": record["endDateTimeUtc"]}
    for key in _USER_COUNTS:
        first[key], second[key] = _split_int(record[key], share)
    for half in (first, second):
        half["messages"] = half["userMessages"]
    for key in ("eventTypes", "customEvents"):
        first[key], second[key] = _split_map(record[key], share)
    for half in (first, second):
        half["events"] = sum(half["eventTypes"].values())
    first["llm"], second["llm"] = _split_llm(record["llm"], share)
    order = list(record)
    return {k: first[k] for k in order}, {k: second[k] for k in order}


def _split_int(value: int, share: float) -> tuple[int, int]:
    part = round(value * share)
    return part, value - part


def _split_map(values: dict[str, int], share: float) -> tuple[dict[str, int], dict[str, int]]:
    pairs = {k: _split_int(v, share) for k, v in values.items()}
    return {k: a for k, (a, _) in pairs.items() if a}, {k: b for k, (_, b) in pairs.items() if b}


def _split_llm(llm: JsonDict, share: float) -> tuple[JsonDict, JsonDict]:
    calls = llm["calls"]
    calls_a, calls_b = _split_int(calls, share)
    if min(calls_a, calls_b) < 2:
        # Too few calls to give each half a consistent distribution: keep them together.
        return llm, LlmParts().to_api()
    errors_a = max(llm["errors"] - calls_b, min(round(llm["errors"] * share), calls_a))
    halves = []
    for n, errors, first in ((calls_a, errors_a, True), (calls_b, llm["errors"] - errors_a, False)):
        half = {**llm, "calls": n, "errors": errors}
        half["inputTokens"] = round(llm["inputTokens"] * n / calls)
        half["outputTokens"] = round(llm["outputTokens"] * n / calls)
        half["latency"] = _half_dist(llm["latency"], keep_min=first)
        half["tokensPerSecond"] = _half_dist(llm["tokensPerSecond"], keep_min=first)
        halves.append(half)
    a, b = halves
    b["inputTokens"] = llm["inputTokens"] - a["inputTokens"]
    b["outputTokens"] = llm["outputTokens"] - a["outputTokens"]
    cost_a = round(llm["cost"]["sum"] * calls_a / calls, 6)
    a["cost"] = {**llm["cost"], "sum": cost_a, "mean": cost_a / calls_a}
    cost_b = round(llm["cost"]["sum"] - cost_a, 6)
    b["cost"] = {**llm["cost"], "sum": cost_b, "mean": cost_b / calls_b}
    return a, b


def _half_dist(dist: JsonDict, *, keep_min: bool) -> JsonDict:
    # Same mean and sd in both halves (so merging is exact); one half holds the day's
    # minimum, the other its maximum, so min of mins and max of maxes are exact too.
    mean = dist["mean"]
    if keep_min:
        return {**dist, "max": max(mean, round((mean + dist["max"]) / 2, 3))}
    return {**dist, "min": min(mean, round((mean + dist["min"]) / 2, 3))}
