"""What one alert says, in words: the metric, its value against the band, the window, a reading.

Pure. Everything here reads an ``Evaluation`` (and the reading's context numbers) and
returns trusted mrkdwn with no user text in it; ``blocks.alerts`` puts the lines together.

The keys read from ``Evaluation.detail``: ``ci_low``/``ci_high`` (error rate's 95% Wilson
interval), ``errors``/``calls`` (error rate, latency), ``as_of`` (intraday: epoch seconds
of the data), ``budget``/``spent``/``threshold`` (budget; ``threshold`` set, e.g. 0.8,
when the alert is actual spend past that share of the budget rather than the
projection). ``missing_data`` carries the number of missing closed days as its value.
From the reading's context: ``calls_change`` and ``cost_per_call_change``, relative
changes against the usual level (0.5 = +50%, like ``Evaluation.change``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from slackbot.core.anomalies import Evaluation, Metric
from slackbot.core.formatting import (
    EN_DASH,
    NO_DATA,
    count,
    day,
    day_range,
    duration_ms,
    money,
    percent,
    plural,
    points_trend,
    trend,
)

TIMES = "\u00d7"  # the multiplication sign of "calls x4"
SEVERITY_EMOJI = {"critical": ":rotating_light:", "warning": ":warning:"}
SEVERITY_ORDER = {"critical": 0, "warning": 1}
METRIC_WORDS: Mapping[Metric, str] = {
    "cost": "LLM cost",
    "cost_per_call": "cost per call",
    "error_rate": "error rate",
    "latency": "latency",
    "sessions": "sessions",
    "user_messages": "user messages",
    "missing_data": "no data",
    "intraday_cost": "cost so far today",
    "budget": "monthly budget",
}
_FLAT = (0.8, 1.25)  # a ratio in this range is "flat", "the usual"
_ROUND_FROM_USD = 100.0  # a projection is an estimate: whole dollars from here on
_MODEL = "points to a model or prompt change"
_LOOP = "points to a loop or a traffic surge"
_BOTH = "more traffic, and dearer calls"


def capital(text: str) -> str:
    """``cost per call`` -> ``Cost per call`` (``LLM cost`` unchanged)."""
    return text[:1].upper() + text[1:]


def words(metric: Metric) -> str:
    """The metric in words, lower case: ``LLM cost``, ``error rate``."""
    return METRIC_WORDS.get(metric, metric.replace("_", " "))


def rate(value: float | None) -> str:
    """An error rate with one decimal: ``12.0%``, ``<0.1%``."""
    if value is None:
        return NO_DATA
    if 0 < value < 0.0005:
        return "<0.1%"
    return f"{value * 100:.1f}%"


def show(metric: Metric, value: float | None) -> str:
    """A value of ``metric`` as people read it: dollars, a rate, ms or a count."""
    if metric == "error_rate":
        return rate(value)
    if metric == "latency":
        return duration_ms(value)
    if metric in {"sessions", "user_messages", "missing_data"}:
        return count(value)
    if metric == "budget" and value is not None and abs(value) >= _ROUND_FROM_USD:
        return f"${value:,.0f}"
    if metric == "cost_per_call" and value is not None and 0 < abs(value) < 1:
        return f"${Decimal(f'{value:.2g}'):f}"  # two significant digits: $0.012, $0.0041
    return money(value)


def change(ev: Evaluation) -> str:
    """``+243%`` against the expected value, ``+9.9 pp`` for the error rate, or ``""``."""
    if ev.metric == "missing_data" or ev.value is None:
        return ""
    if ev.metric == "error_rate":
        if ev.band.expected is None:
            return ""
        return points_trend((ev.value - ev.band.expected) * 100).text
    if ev.metric == "budget" and "threshold" in ev.detail:
        return ""  # spend past a share of the budget: the share says it
    reference = budget(ev) if ev.metric == "budget" else ev.band.expected
    if reference is None:
        return ""
    return trend(ev.value, reference).text


def budget(ev: Evaluation) -> float | None:
    """The month's budget a budget alert is measured against."""
    return ev.detail.get("budget", ev.band.high if ev.band.high is not None else ev.band.expected)


def band_text(ev: Evaluation) -> str:
    """``(normal $8.10-$17.50)`` (en dash), ``(normal up to 5.0%)``, or ``""`` without a band."""
    low, high = ev.band.low, ev.band.high
    if ev.metric in {"budget", "missing_data"} or (low is None and high is None):
        return ""
    if low is not None and high is not None:
        return f"(normal {show(ev.metric, low)}{EN_DASH}{show(ev.metric, high)})"
    if high is not None:
        return f"(normal up to {show(ev.metric, high)})"
    return f"(normal from {show(ev.metric, low)})"


def value_text(ev: Evaluation, *, ci: bool = True) -> str:
    """``$41.20 vs $12.00 expected``; ``12.0% (95% CI 9.8-14.6%) vs 2.1% expected``."""
    metric, value = ev.metric, show(ev.metric, ev.value)
    expected = show(metric, ev.band.expected)
    if metric == "missing_data":
        return f"no record from Botpress for {missing_days(ev)}"
    if metric == "budget":
        limit = budget(ev)
        if "threshold" in ev.detail and ev.value is not None and limit:
            share = percent(ev.value / limit)
            return f"{money(ev.value)} spent, {share} of the {show(metric, limit)} budget"
        return f"{value} projected month-end vs the {show(metric, limit)} budget"
    if metric == "error_rate" and ci and {"ci_low", "ci_high"} <= ev.detail.keys():
        low, high = ev.detail["ci_low"] * 100, rate(ev.detail["ci_high"])
        value = f"{value} (95% CI {low:.1f}{EN_DASH}{high})"
    if metric == "intraday_cost":
        return f"{value} so far vs {expected} expected for the whole day"
    return f"{value} vs {expected} expected"


def _missing(ev: Evaluation) -> int:
    """Closed days in a row without a record (the value; 2, the firing rule, if unknown)."""
    return 2 if ev.value is None else max(0, round(ev.value))


def missing_days(ev: Evaluation) -> str:
    """``2 closed days``: how many closed days a missing-data alert has no record for."""
    missing = _missing(ev)
    return f"{missing} closed day" if missing == 1 else f"{missing} closed days"


def missing_span(ev: Evaluation) -> tuple[date, date]:
    """The first and last missing day of a missing-data alert (its day is the last)."""
    return ev.day - timedelta(days=max(1, _missing(ev)) - 1), ev.day


def _as_of(ev: Evaluation, now: datetime) -> datetime:
    stamp = ev.detail.get("as_of")
    return datetime.fromtimestamp(stamp, UTC) if stamp is not None else now.astimezone(UTC)


def window(ev: Evaluation, now: datetime) -> str:
    """The days the alert reads: ``Sat 28 Nov (UTC)``, ``today until 14:00 UTC``."""
    year = ev.day.year != now.year
    if ev.metric == "intraday_cost":
        as_of = _as_of(ev, now)
        when = "today" if ev.day == as_of.date() else day(ev.day, year=year)
        return f"{when} until {as_of:%H:%M} UTC"
    if ev.metric == "budget":
        return f"{ev.day:%B} so far, through {day(ev.day, year=year)} (UTC)"
    if ev.metric == "missing_data":
        first, last = missing_span(ev)
        return f"{day_range(first, last, today=now.date())} (UTC)"
    return f"{day(ev.day, year=year)} (UTC)"


def when(ev: Evaluation, now: datetime) -> str:
    """The window as the end of a sentence: ``on Sat 28 Nov``, ``in November``."""
    if ev.metric == "intraday_cost":
        return window(ev, now)
    if ev.metric == "budget":
        return f"in {ev.day:%B}"
    return "on " + window(ev, now).removesuffix(" (UTC)")


def basis(ev: Evaluation) -> str:
    """Where the expected value comes from: ``baseline: same weekday, last 6 weeks``."""
    band, days = ev.band, ev.band.history_days
    method = {
        # history_days counts the same-weekday points: one a week.
        "same-weekday": f"baseline: same weekday, {_weeks(days)}",
        "recent": f"baseline: the last {days} days",
        "binomial": f"baseline: the error rate pooled over {plural(days, 'earlier day')}",
        "budget": "projection: each remaining day's usual cost",
        "presence": f"data on each of the {days} days before",
    }.get(band.method, f"baseline: {days} days of history")
    return f"{method} · :hourglass: limited history" if band.limited else method


def _weeks(count: int) -> str:
    return "last week" if count <= 1 else f"last {count} weeks"


def reading(ev: Evaluation, context: Mapping[str, float]) -> str:
    """One line in plain words on what the numbers point to, or ``""``."""
    metric = ev.metric
    if metric in {"cost", "intraday_cost"}:
        split = _split(context.get("calls_change"), context.get("cost_per_call_change"))
        if metric == "intraday_cost" and ev.band.high is not None:
            past = f"already past the day's upper band of {money(ev.band.high)}"
            return f"{past}; {split}" if split else past
        return split
    if metric == "cost_per_call":
        return _split(context.get("calls_change"), ev.change)
    if metric == "error_rate":
        return _errors(ev)
    if metric == "latency" and "calls" in ev.detail:
        return f"mean over {round(ev.detail['calls']):,} LLM calls, each weighted by its call"
    if metric in {"sessions", "user_messages"}:
        return _traffic(ev)
    if metric == "missing_data":
        return f"Botpress returned no record for {missing_days(ev)} in a row"
    if metric == "budget":
        return _budget(ev)
    return ""


def times(ratio: float) -> str:
    """``x3``, ``x1.5`` (with a multiplication sign): a ratio as people say it."""
    text = f"{ratio:.0f}" if ratio >= 10 else f"{ratio:.1f}".removesuffix(".0")
    return f"{TIMES}{text}"


def _flat(ratio: float) -> bool:
    return _FLAT[0] <= ratio <= _FLAT[1]


def _split(calls_change: float | None, per_call_change: float | None) -> str:
    """Cost = calls x cost per call: which of the two moved."""
    if calls_change is None or per_call_change is None:
        return ""
    calls, per_call = 1 + calls_change, 1 + per_call_change
    up = _FLAT[1]
    if _flat(calls) and per_call > up:
        return f"calls flat while each call cost {times(per_call)}: {_MODEL}"
    if calls > up and _flat(per_call):
        return f"calls {times(calls)} at the usual cost per call: {_LOOP}"
    if calls > up and per_call > up:
        return f"calls {times(calls)} and each call cost {times(per_call)}: {_BOTH}"
    return f"calls {trend(calls, 1).text}, cost per call {trend(per_call, 1).text}"


def _errors(ev: Evaluation) -> str:
    errors, calls = ev.detail.get("errors"), ev.detail.get("calls")
    if errors is None or calls is None:
        return ""
    return f"{round(errors):,} of {round(calls):,} LLM calls failed"


def _traffic(ev: Evaluation) -> str:
    name, value, expected = words(ev.metric), ev.value, ev.band.expected
    if value == 0:
        return f"no {name} at all: is the bot reachable?"
    if value is None or not expected:
        return ""
    usual = f"a usual {ev.day:%A}" if ev.band.method == "same-weekday" else "the usual level"
    ratio = value / expected
    if ratio < 1:
        return f"{name} at {percent(ratio)} of {usual}"
    return f"{name} {times(ratio)} {usual}: a campaign, a crawler or a loop?"


def _budget(ev: Evaluation) -> str:
    limit, spent = show("budget", budget(ev)), ev.detail.get("spent")
    threshold = ev.detail.get("threshold")
    if threshold is not None:
        past = f"past {percent(threshold)} of the {limit} budget"
        return f"spent {money(spent if spent is not None else ev.value)} so far: {past}"
    line = f"projected month-end {show('budget', ev.value)} against the {limit} budget"
    return f"{line}; {money(spent)} spent so far" if spent is not None else line
