"""Bucketing API records into UTC days, exact aggregation, and the period summary."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from functools import reduce
from operator import add
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slackbot.core.comparisons import SPECS, relative_change
from slackbot.core.metrics import Summary, bucket_records, record_day, summarize
from slackbot.core.models import AnalyticsRecord, AnalyticsResponse, Bot, Metrics
from slackbot.core.periods import Period, parse_period

D = date.fromisoformat
BOT = Bot("bot_0001aaaaaaaaaaaaaaaaaaaaaaaa", "Support Assistant", "support")
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
REQUIRED_KEYS = {
    "sessions",
    "newUsers",
    "returningUsers",
    "userMessages",
    "botMessages",
    "events",
    "llmCalls",
    "llmErrors",
    "errorRate",
    "inputTokens",
    "outputTokens",
    "costUsd",
    "latencyMeanMs",
    "daysWithData",
    "costPerCallUsd",
}


def dist(mean: float, low: float | None = None, high: float | None = None) -> dict[str, float]:
    """A per-call distribution block."""
    return {
        "mean": mean,
        "sd": 0.0,
        "min": mean if low is None else low,
        "max": mean if high is None else high,
    }


def llm_block(
    calls: int,
    *,
    latency: float = 100.0,
    errors: int = 0,
    cost: float = 0.0,
    lat_min: float | None = None,
    lat_max: float | None = None,
) -> dict[str, Any]:
    """An ``llm`` block with ``calls`` calls of the given mean latency and total cost."""
    per_call = cost / calls if calls else 0.0
    return {
        "calls": calls,
        "errors": errors,
        "inputTokens": calls * 100,
        "outputTokens": calls * 20,
        "latency": dist(latency, lat_min, lat_max),
        "tokensPerSecond": dist(50.0),
        "cost": {**dist(per_call), "sum": cost},
    }


def raw(
    start: str,
    *,
    sessions: int = 10,
    llm: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A raw record as the API returns it; ``start`` is a date or a full timestamp."""
    stamp = start if "T" in start else f"{start}T00:00:00.000Z"
    record: dict[str, Any] = {
        "startDateTimeUtc": stamp,
        "endDateTimeUtc": stamp,
        "returningUsers": sessions // 2,
        "newUsers": sessions - sessions // 2,
        "sessions": sessions,
        "messages": 999_999,  # deprecated and ignored
        "userMessages": sessions * 3,
        "botMessages": sessions * 4,
        "events": sessions * 5,
        "eventTypes": {"message_created": sessions * 7},
        "customEvents": {},
        **extra,
    }
    if llm is not None:
        record["llm"] = llm
    return record


def rec(start: str, **kwargs: Any) -> AnalyticsRecord:
    """A validated record (see ``raw``)."""
    return AnalyticsRecord.model_validate(raw(start, **kwargs))


def day(start: str, **kwargs: Any) -> Metrics:
    """One day of metrics from a raw record."""
    return Metrics.from_record(rec(start, **kwargs))


def period(first: str, last: str, label: str = "p") -> Period:
    """A closed period between two ISO dates."""
    return Period(D(first), D(last), label)


# --- bucket_records ---------------------------------------------------------------------


def test_two_records_of_one_day_merge_by_sums_and_count_one_day() -> None:
    """Two buckets starting on the same UTC day are summed into one day of data."""
    records = [
        rec("2026-05-04T00:00:00Z", sessions=10, llm=llm_block(10, cost=1.0)),
        rec("2026-05-04T12:00:00Z", sessions=5, llm=llm_block(30, cost=2.5, errors=3)),
    ]
    days = bucket_records(records, D("2026-05-01"), D("2026-05-10"))
    assert list(days) == [D("2026-05-04")]
    merged = days[D("2026-05-04")]
    assert merged.days == 1
    assert merged.sessions == 15
    assert merged.llm_calls == 40
    assert merged.llm_errors == 3
    assert merged.cost_sum == pytest.approx(3.5)
    assert merged.event_types == {"message_created": 105}


def test_buckets_outside_first_last_are_dropped_and_edges_kept() -> None:
    """Buckets before `first` or starting after `last` are dropped; both edges are kept."""
    records = [
        rec("2026-04-30", sessions=1),
        rec("2026-05-01", sessions=2),
        rec("2026-05-07", sessions=3),
        rec("2026-05-08", sessions=4),  # the bucket an inclusive endDate may add
    ]
    days = bucket_records(records, D("2026-05-01"), D("2026-05-07"))
    assert {d: m.sessions for d, m in days.items()} == {D("2026-05-01"): 2, D("2026-05-07"): 3}


@pytest.mark.parametrize(
    ("stamp", "utc_day"),
    [
        ("2026-05-04T00:00:00.000Z", "2026-05-04"),
        ("2026-05-04T23:59:59.999Z", "2026-05-04"),
        ("2026-05-05T01:00:00+02:00", "2026-05-04"),  # 23:00 UTC the day before
        ("2026-05-05T00:00:00+02:00", "2026-05-04"),
        ("2026-05-04T22:00:00-05:00", "2026-05-05"),  # 03:00 UTC the day after
        ("2026-05-04T00:00:00", "2026-05-04"),  # no offset: taken as UTC
    ],
)
def test_records_are_keyed_by_the_utc_date_of_their_start(stamp: str, utc_day: str) -> None:
    """The key is the UTC date of startDateTimeUtc, whatever offset the timestamp has."""
    record = rec(stamp)
    assert record_day(record) == D(utc_day)
    assert list(bucket_records([record], D("2026-05-01"), D("2026-05-10"))) == [D(utc_day)]


def test_missing_days_stay_missing() -> None:
    """A day without a record is absent, not zero."""
    days = bucket_records([rec("2026-05-02")], D("2026-05-01"), D("2026-05-03"))
    assert set(days) == {D("2026-05-02")}


def test_unknown_fields_are_ignored_and_user_messages_used() -> None:
    """Extra record fields are ignored and the deprecated `messages` is never counted."""
    record = rec("2026-05-04", sessions=2, conversationsCreated=7, newField={"x": 1})
    metrics = Metrics.from_record(record)
    assert metrics.user_messages == 6
    assert metrics.to_json()["userMessages"] == 6
    assert 999_999 not in metrics.to_json().values()


def test_json_body_path_matches_the_client() -> None:
    """Records validated from JSON bytes (as the client does) bucket the same way."""
    body = json.dumps(
        {"records": [raw("2026-05-04", llm=llm_block(4, latency=250, cost=0.2))]}
    ).encode()
    records = AnalyticsResponse.model_validate_json(body).records
    metrics = bucket_records(records, D("2026-05-04"), D("2026-05-04"))[D("2026-05-04")]
    assert metrics.latency_mean == pytest.approx(250.0)
    assert metrics.cost_per_call == pytest.approx(0.05)


# --- exact aggregation ------------------------------------------------------------------


def test_latency_mean_is_call_weighted_not_a_mean_of_means() -> None:
    """10 calls at 100 ms and 30 calls at 200 ms average 175 ms, not 150."""
    total = day("2026-05-01", llm=llm_block(10, latency=100)) + day(
        "2026-05-02", llm=llm_block(30, latency=200)
    )
    assert total.latency_mean == pytest.approx(175.0)
    assert total.to_json()["latencyMeanMs"] == pytest.approx(175.0)
    # The pooled sd sees the spread between the two days' means.
    assert total.latency_sd == pytest.approx(math.sqrt(1875.0))


def test_tokens_per_second_and_cost_per_call_are_call_weighted() -> None:
    """Per-call means weigh each day by its calls; cost per call is the cost sum over calls."""
    first = day("2026-05-01", llm=llm_block(10, cost=1.0))
    second = day("2026-05-02", llm=llm_block(30, cost=9.0))
    total = first + second
    assert total.cost_sum == pytest.approx(10.0)
    assert total.cost_per_call == pytest.approx(0.25)
    assert total.tokens_per_second == pytest.approx(50.0)
    assert total.tokens_per_call == pytest.approx(120.0)


def test_min_of_mins_and_max_of_maxes() -> None:
    """Extremes combine as the min of the minimums and the max of the maximums."""
    total = Metrics.total(
        [
            day("2026-05-01", llm=llm_block(5, latency=100, lat_min=40, lat_max=900)),
            day("2026-05-02", llm=llm_block(5, latency=100, lat_min=20, lat_max=300)),
            day("2026-05-03", llm=llm_block(5, latency=100, lat_min=60, lat_max=1200)),
        ]
    )
    assert (total.latency_min, total.latency_max) == (20.0, 1200.0)
    assert total.to_json()["latencyMaxMs"] == 1200.0


def test_missing_llm_block_counts_as_no_calls() -> None:
    """A record without `llm` contributes traffic but no calls, cost or latency."""
    metrics = day("2026-05-01", sessions=8)
    assert metrics.sessions == 8
    assert (metrics.llm_calls, metrics.llm_errors, metrics.cost_sum) == (0, 0, 0.0)
    assert metrics.latency_mean is None
    assert metrics.error_rate is None
    with_llm = metrics + day("2026-05-02", llm=llm_block(4, latency=300, lat_min=250))
    assert with_llm.latency_mean == pytest.approx(300.0)
    assert with_llm.latency_min == 250.0


def test_zero_call_days_give_none_means_and_do_not_pull_extremes_to_zero() -> None:
    """An all-zero llm block means no calls: means are None and its zero min is ignored."""
    empty = day("2026-05-01", llm=llm_block(0, latency=0.0))
    assert empty.latency_mean is None
    assert empty.cost_per_call is None
    assert empty.tokens_per_second is None
    assert empty.latency_min is None
    total = empty + day("2026-05-02", llm=llm_block(2, latency=80, lat_min=70))
    assert total.latency_min == 70.0
    assert total.latency_mean == pytest.approx(80.0)


def test_cost_and_errors_with_zero_calls_are_kept() -> None:
    """A bucket reporting cost or errors with zero calls still counts them: money never vanishes."""
    odd = day("2026-05-01", llm={**llm_block(0, cost=0.25), "errors": 2})
    assert odd.cost_sum == 0.25
    assert odd.llm_errors == 2
    assert odd.cost_per_call is None


def test_error_rate() -> None:
    """Error rate is errors over calls, and None (not 0) when there were no calls."""
    assert Metrics().error_rate is None
    assert day("2026-05-01", llm=llm_block(0)).error_rate is None
    assert day("2026-05-01", llm=llm_block(50)).error_rate == 0.0
    assert day("2026-05-01", llm=llm_block(50, errors=5)).error_rate == pytest.approx(0.1)


def test_total_of_nothing_is_empty() -> None:
    """The total of no days has no data: zero counts, no days, None means."""
    total = Metrics.total([])
    assert total == Metrics()
    assert total.days == 0
    assert total.latency_mean is None


def test_total_accepts_a_generator() -> None:
    """Metrics.total consumes any iterable, including a one-shot generator."""
    days = [day("2026-05-01", sessions=3), day("2026-05-02", sessions=4)]
    assert Metrics.total(m for m in days).sessions == 7


SMALL = st.integers(min_value=0, max_value=10_000)
MONEY = st.floats(min_value=0, max_value=1_000, allow_nan=False, allow_infinity=False)
MS = st.floats(min_value=0, max_value=60_000, allow_nan=False, allow_infinity=False)


@st.composite
def raw_records(draw: st.DrawFn) -> dict[str, Any]:
    """A random raw record within May 2026, sometimes without llm or with zero calls."""
    start = date(2026, 5, 1) + timedelta(days=draw(st.integers(0, 30)))
    hour = draw(st.integers(0, 23))
    record = raw(f"{start.isoformat()}T{hour:02d}:00:00Z", sessions=draw(SMALL))
    record["eventTypes"] = draw(st.dictionaries(st.sampled_from("abc"), SMALL, max_size=3))
    record["customEvents"] = draw(st.dictionaries(st.sampled_from("xy"), SMALL, max_size=2))
    if draw(st.booleans()):
        calls = draw(st.integers(0, 500))
        low, mean, high = sorted([draw(MS), draw(MS), draw(MS)])
        block = llm_block(calls, latency=mean, cost=draw(MONEY), lat_min=low, lat_max=high)
        block["errors"] = draw(st.integers(0, calls))
        record["llm"] = block
    return record


@settings(max_examples=80)
@given(st.lists(raw_records(), max_size=40))
def test_totals_equal_sums_over_days_and_records(raws: list[dict[str, Any]]) -> None:
    """Period totals equal the plain sums of the raw numbers; means are call-weighted."""
    records = [AnalyticsRecord.model_validate(r) for r in raws]
    days = bucket_records(records, D("2026-05-01"), D("2026-05-31"))
    total = Metrics.total(days.values())
    assert total.days == len({record_day(r) for r in records})
    for field, key in [("sessions", "sessions"), ("user_messages", "userMessages")]:
        assert getattr(total, field) == sum(r[key] for r in raws)
    llms = [r["llm"] for r in raws if "llm" in r]
    calls = sum(b["calls"] for b in llms)
    assert total.llm_calls == calls
    assert total.llm_errors == sum(b["errors"] for b in llms)
    assert total.cost_sum == pytest.approx(sum(b["cost"]["sum"] for b in llms))
    for name in "abc":
        assert total.event_types.get(name, 0) == sum(r["eventTypes"].get(name, 0) for r in raws)
    busy = [b for b in llms if b["calls"]]
    if busy:
        weighted = sum(b["latency"]["mean"] * b["calls"] for b in busy) / calls
        assert total.latency_mean == pytest.approx(weighted)
        assert total.latency_min == min(b["latency"]["min"] for b in busy)
        assert total.latency_max == max(b["latency"]["max"] for b in busy)
    else:
        assert total.latency_mean is None


@settings(max_examples=80)
@given(st.lists(raw_records(), max_size=40))
def test_total_is_bit_identical_to_folding_addition(raws: list[dict[str, Any]]) -> None:
    """Metrics.total (one pass) equals left-folding `a + b` exactly, floats included."""
    items = [Metrics.from_record(AnalyticsRecord.model_validate(r)) for r in raws]
    assert Metrics.total(items) == reduce(add, items, Metrics())


# --- change and Summary -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (150, 100, 0.5),
        (50, 100, -0.5),
        (100, 100, 0.0),
        (0, 100, -1.0),
        (5, 0, None),
        (0, 0, None),
        (None, 100, None),
        (100, None, None),
        (0.03, 0.02, 0.5),
    ],
)
def test_change(current: float | None, previous: float | None, expected: float | None) -> None:
    """Relative change, None when there is no base to compare with."""
    result = relative_change(current, previous)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def history() -> dict[date, Metrics]:
    """Days around a 7d period ending 2026-05-19: before, previous, current and after."""
    days: dict[date, Metrics] = {}
    spec = {
        "2026-05-05": 1000,  # before the previous period: ignored
        "2026-05-06": 10,  # first day of the previous period
        "2026-05-12": 30,  # last day of the previous period
        "2026-05-13": 20,  # first day of the period
        "2026-05-16": 25,
        "2026-05-19": 15,  # last day of the period
        "2026-05-20": 5000,  # today, after the period: ignored
    }
    for when, sessions in spec.items():
        calls = sessions * 2
        days[D(when)] = day(when, sessions=sessions, llm=llm_block(calls, cost=calls * 0.01))
    return days


def sample_summary(as_of: datetime | None = NOW) -> Summary:
    """The summary of `7d` on 2026-05-20 over ``history()``."""
    return summarize(BOT, parse_period("7d", now=NOW), history(), as_of=as_of)


def test_summarize_picks_the_period_and_the_previous_period() -> None:
    """Only the days of the period and of the equal period before it are summed."""
    summary = sample_summary()
    assert (summary.period.first, summary.period.last) == (D("2026-05-13"), D("2026-05-19"))
    assert summary.previous_period.last == D("2026-05-12")
    assert summary.current.sessions == 60
    assert summary.current.days == 3
    assert summary.previous.sessions == 40
    assert summary.previous.days == 2
    assert summary.as_of == NOW


def test_changes_cover_every_compared_key() -> None:
    """changes() covers every compared metric; 3 vs 2 days with data compare per day."""
    summary = sample_summary()
    changes = summary.changes()
    assert set(changes) == set(SPECS)
    assert set(changes) >= REQUIRED_KEYS - {"daysWithData", "costPerCallUsd"}
    assert summary.per_day
    # 60 sessions over 3 days against 40 over 2: 20 a day on both sides.
    assert changes["sessions"] == pytest.approx(0.0)
    assert changes["costUsd"] == pytest.approx(0.0)
    assert changes["llmErrors"] is None  # 0 errors before: no base
    assert changes["errorRate"] == pytest.approx(0.0)  # in percentage points
    assert changes["latencyMeanMs"] == pytest.approx(0.0)


def test_changes_are_none_without_previous_data() -> None:
    """With an empty previous period every change is None rather than infinite."""
    days = {D("2026-05-15"): day("2026-05-15", llm=llm_block(3))}
    summary = summarize(BOT, parse_period("7d", now=NOW), days)
    assert set(summary.changes().values()) == {None}


def test_to_json_shape() -> None:
    """to_json has the DESIGN §2 report shape plus changes and the previous period."""
    doc = sample_summary().to_json()
    assert doc["bot"] == {"id": BOT.id, "name": "Support Assistant", "alias": "support"}
    assert doc["period"] == {
        "first": "2026-05-13",
        "last": "2026-05-19",
        "label": "7d",
        "days": 7,
        "partial": False,
    }
    assert doc["previousPeriod"]["first"] == "2026-05-06"
    assert doc["previousPeriod"]["last"] == "2026-05-12"
    assert doc["previousPeriod"]["label"] == "prev. 7d"
    assert set(doc["totals"]) >= REQUIRED_KEYS
    assert set(doc["previous"]) >= REQUIRED_KEYS
    assert doc["totals"]["sessions"] == 60
    assert doc["previous"]["sessions"] == 40
    assert doc["totals"]["daysWithData"] == 3
    assert doc["changes"]["sessions"] == pytest.approx(0.0)
    assert doc["perDay"] is True
    assert doc["partial"] is False
    assert doc["soFar"] is None
    assert doc["asOf"] == "2026-05-20T12:00:00+00:00"
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc


def test_to_json_without_any_data_is_valid_json_with_nulls() -> None:
    """No data at all gives zeros and nulls, and still serialises strictly."""
    summary = summarize(BOT, parse_period("today", now=NOW), {}, as_of=None)
    doc = json.loads(json.dumps(summary.to_json(), allow_nan=False))
    assert doc["period"]["partial"] is True
    assert doc["totals"]["sessions"] == 0
    assert doc["totals"]["daysWithData"] == 0
    assert doc["totals"]["errorRate"] is None
    assert doc["totals"]["latencyMeanMs"] is None
    assert doc["asOf"] is None


def test_to_json_replaces_non_finite_numbers_with_null() -> None:
    """An overflowed float never reaches JSON as Infinity or NaN."""
    huge = Metrics(days=1, llm_calls=1, latency_sum=float("inf"), cost_sum=float("nan"))
    summary = Summary(
        BOT,
        period("2026-05-01", "2026-05-01"),
        period("2026-04-30", "2026-04-30"),
        huge,
        huge,
        None,
    )
    doc = json.loads(json.dumps(summary.to_json(), allow_nan=False))
    assert doc["totals"]["latencyMeanMs"] is None
    assert doc["totals"]["costUsd"] is None
    assert doc["changes"]["latencyMeanMs"] is None
