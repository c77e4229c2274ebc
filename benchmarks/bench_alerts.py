"""Alert detectors on seeded synthetic series: event recall, false alerts, CPU, runaway time.

Run: ``uv run python benchmarks/bench_alerts.py [--bots N] [--clean-bots N] [--days D]
[--seed S] [--jobs N] [--set name=value ...] [--skip-cpu]``.

1. **Recall and false alerts.** For each volume (20, 200, 2,000 LLM calls a day) and
   anomaly kind (``alert_series.KINDS``), ``--bots`` seeded bots of ``--days`` days, each
   with one anomaly of 1-3 days starting on a random day after day 60. Each bot is
   replayed over days 43..D through the production path, exactly as
   ``alerts.backtest.replay_bot`` does it (one ``AlertBook``, ``check_day`` day by day on
   the history up to that day, ``now`` = the next day 01:00 UTC, ``notified``), but from
   in-memory history. An event is caught when a notify or renotify for the anomaly's
   metric (traffic: sessions or user messages, down) is about one of the anomaly's days
   (the evaluated day is in the span; the message goes out ~1 h after that day closes;
   the day after the span does not count). False alerts: the same replay on
   ``--clean-bots`` clean series per volume, every notify and renotify of every metric,
   per bot-week. Side by side, a naive detector: per metric and direction, mean +- 3 sd
   (sample sd) of the last 14 calendar days that have a value, firing once per excursion
   (again only once the value is back inside the band).
2. **CPU of a check**: 1,000 bots x 180 days; ``process_time`` of the live check's work per
   bot (``check_day`` for the day before the newest and the newest, on the 49-day window,
   with one workspace-wide ``AlertBook`` warmed by 28 days of replay), and a full replay of
   all 180 days for 100 bots.
3. **Runaway loop to intraday alert**: the simulator's default workspace and the
   generator at 20/200/2,000 calls a day; from hour H the cost rate is x10; the hourly
   check runs ``evaluate_intraday`` on the partial day and steps an ``AlertBook``.

``--set k=6`` (repeatable) overrides a ``Thresholds`` field after ``for_sensitivity``: to
try a tuning without editing the code.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from alert_series import DISPERSION, KINDS, Series, day_of, generate, inject
from machine import machine

from slackbot.core.alerting import HISTORY_DAYS, AlertBook, Change, check_day, notified
from slackbot.core.anomalies import Sensitivity, Thresholds
from slackbot.core.detectors import evaluate_intraday
from slackbot.core.models import AnalyticsRecord, Metrics

VOLUMES = (20, 200, 2000)
FIRST_REPLAYED = 43  # days 1..42 are the 6 weeks of history before the replay
#: Targets (from the issue).
RECALL_TARGET = 0.95
RECALL_KINDS = ("cost x3", "error rate x3", "error rate x5", "traffic -60%", "traffic to zero")
RECALL_VOLUMES = (200, 2000)
FALSE_TARGET = 0.05
CPU_TARGET = 2.0
#: A second, stricter naive detector, for a comparison at about equal false alerts.
WIDE_Z = 5.0

#: The (metric, direction) pairs both detectors judge (missing data: botstats only).
PAIRS = (
    ("cost", "up"),
    ("cost_per_call", "up"),
    ("error_rate", "up"),
    ("latency", "up"),
    ("sessions", "down"),
    ("sessions", "up"),
    ("user_messages", "down"),
    ("user_messages", "up"),
)
NAIVE_READ: dict[str, Callable[[Metrics], float | None]] = {
    "cost": lambda m: m.cost_sum,
    "cost_per_call": lambda m: m.cost_per_call,
    "error_rate": lambda m: m.llm_errors / m.llm_calls if m.llm_calls else None,
    "latency": lambda m: m.latency_mean,
    "sessions": lambda m: float(m.sessions),
    "user_messages": lambda m: float(m.user_messages),
}


@dataclass(frozen=True)
class Setup:
    """Everything a cell of the grid needs (picklable: cells run in worker processes)."""

    seed: int
    days: int
    missing_rate: float
    dispersion: float
    sensitivity: Sensitivity
    overrides: tuple[tuple[str, float], ...] = ()

    def thresholds(self) -> Thresholds:
        base = Thresholds.for_sensitivity(self.sensitivity)
        types = {f.name: f.type for f in fields(Thresholds)}
        values = {k: int(v) if types[k] in (int, "int") else v for k, v in self.overrides}
        return replace(base, **values)


@dataclass
class Cell:
    """One (sensitivity, volume, kind) cell: events caught, or alerts on clean series."""

    sensitivity: str
    volume: int
    kind: str  # an anomaly kind, or "clean"
    events: int = 0
    caught: int = 0
    naive_caught: int = 0
    wide_caught: int = 0  # the naive detector at WIDE_Z sd
    any_caught: int = 0  # any botstats message about a day of the span, whatever the metric
    bot_weeks: float = 0.0
    alerts: Counter[str] = field(default_factory=Counter)  # "metric direction" -> count
    naive_alerts: Counter[str] = field(default_factory=Counter)
    wide_alerts: Counter[str] = field(default_factory=Counter)


def series_for(setup: Setup, volume: int, index: int) -> Series:
    return generate(
        f"{setup.seed}:{volume}:{index}",
        calls_per_day=volume,
        days=setup.days,
        missing_rate=setup.missing_rate,
        dispersion=setup.dispersion,
    )


def replay(series: dict[date, Metrics], thresholds: Thresholds, last: int) -> list[Change]:
    """``alerts.backtest.replay_bot`` over days 43..last, from memory: the messages sent."""
    book = AlertBook()
    sent: list[Change] = []
    for n in range(FIRST_REPLAYED, last + 1):
        day = day_of(n)
        upto = {d: m for d, m in series.items() if d <= day}
        now = datetime.combine(day + timedelta(days=1), dtime(1), tzinfo=UTC)
        sent += notified(check_day(book, "bot", upto, day, thresholds=thresholds, now=now))
    return sent


def naive(series: dict[date, Metrics], last: int, z: float = 3.0) -> list[tuple[str, str, date]]:
    """mean +- z sd of the last 14 days with a value; one alert per excursion."""
    out: list[tuple[str, str, date]] = []
    values = {
        metric: {d: v for d, m in series.items() if (v := read(m)) is not None}
        for metric, read in NAIVE_READ.items()
    }
    firing: set[tuple[str, str]] = set()
    for n in range(FIRST_REPLAYED, last + 1):
        day = day_of(n)
        for metric, direction in PAIRS:
            column = values[metric]
            value = column.get(day)
            if value is None:
                continue  # no value: the state carries over
            window = [
                v for i in range(1, 15) if (v := column.get(day - timedelta(days=i))) is not None
            ]
            if len(window) < 3:
                continue
            mean = statistics.fmean(window)
            sd = statistics.stdev(window)
            outside = value > mean + z * sd if direction == "up" else value < mean - z * sd
            key = (metric, direction)
            if outside and key not in firing:
                firing.add(key)
                out.append((metric, direction, day))
            elif not outside:
                firing.discard(key)
    return out


def _matches(kind: str, metric: str, direction: str) -> bool:
    want, want_direction = KINDS[kind]
    if direction != want_direction:
        return False
    return metric in ("sessions", "user_messages") if want == "traffic" else metric == want


def run_cell(setup: Setup, volume: int, kind: str, bots: int) -> Cell:
    """Replay ``bots`` bots of one cell with both detectors."""
    thresholds = setup.thresholds()
    cell = Cell(setup.sensitivity, volume, kind)
    for index in range(bots):
        series = series_for(setup, volume, index)
        if kind == "clean":
            sent = replay(series, thresholds, setup.days)
            cell.alerts.update(f"{c.evaluation.metric} {c.evaluation.direction}" for c in sent)
            cell.naive_alerts.update(f"{m} {d}" for m, d, _ in naive(series, setup.days))
            cell.wide_alerts.update(f"{m} {d}" for m, d, _ in naive(series, setup.days, WIDE_Z))
            cell.bot_weeks += (setup.days - FIRST_REPLAYED + 1) / 7
            continue
        rng = random.Random(f"event:{setup.seed}:{volume}:{kind}:{index}")
        duration = rng.randint(1, 3)
        present = [n for n in range(61, setup.days - 1) if day_of(n) in series]
        start = day_of(rng.choice(present))
        span = {start + timedelta(days=i) for i in range(duration)}
        series = inject(series, kind, start, duration, seed=f"{setup.seed}:{index}")
        sent = replay(series, thresholds, setup.days)
        cell.events += 1
        cell.caught += any(
            c.evaluation.day in span and _matches(kind, c.evaluation.metric, c.evaluation.direction)
            for c in sent
        )
        cell.any_caught += any(c.evaluation.day in span for c in sent)
        flagged = naive(series, setup.days)
        cell.naive_caught += any(d in span and _matches(kind, m, dr) for m, dr, d in flagged)
        flagged = naive(series, setup.days, WIDE_Z)
        cell.wide_caught += any(d in span and _matches(kind, m, dr) for m, dr, d in flagged)
    return cell


def run_grid(setup_of: dict[str, Setup], bots: int, clean_bots: int, jobs: int) -> list[Cell]:
    tasks = [
        (setup, volume, kind, clean_bots if kind == "clean" else bots)
        for setup in setup_of.values()
        for volume in VOLUMES
        for kind in (*KINDS, "clean")
    ]
    # Longest first: the clean cells replay the most bots.
    tasks.sort(key=lambda t: -t[3])
    if jobs <= 1:
        return [run_cell(*t) for t in tasks]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(run_cell, *zip(*tasks, strict=True)))


# --- report -----------------------------------------------------------------------------


def pf(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report_recall(cells: list[Cell], bots: int, dispersion: float) -> list[tuple[str, bool]]:
    """The normal-sensitivity tables; the targets' verdicts."""
    verdicts: list[tuple[str, bool]] = []
    by = {(c.sensitivity, c.volume, c.kind): c for c in cells}
    for volume in VOLUMES:
        print(f"\n### {volume} LLM calls a day (sensitivity normal, {bots} events per kind)\n")
        ceil = ceiling(volume, dispersion)
        print(
            f"| anomaly | recall botstats | recall naive (3 sd) | naive ({WIDE_Z:g} sd) "
            "| botstats, any alert on the span | oracle ceiling, 1 day |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        worse: list[str] = []
        for kind in KINDS:
            c = by[("normal", volume, kind)]
            rb, rn = c.caught / c.events, c.naive_caught / c.events
            ra, rw = c.any_caught / c.events, c.wide_caught / c.events
            oracle = f"{ceil[kind]:.2f}" if kind in ceil else ""
            print(f"| {kind} | {rb:.2f} | {rn:.2f} | {rw:.2f} | {ra:.2f} | {oracle} |")
            if rb < rn:
                worse.append(f"{kind} {rb:.2f} < {rn:.2f}")
            if kind in RECALL_KINDS and volume in RECALL_VOLUMES:
                verdicts.append(
                    (
                        f"recall {kind} at {volume}/day >= {RECALL_TARGET}: {rb:.2f}",
                        rb >= RECALL_TARGET,
                    )
                )
        clean = by[("normal", volume, "clean")]
        fb = sum(clean.alerts.values()) / clean.bot_weeks
        fn = sum(clean.naive_alerts.values()) / clean.bot_weeks
        fw = sum(clean.wide_alerts.values()) / clean.bot_weeks
        print(
            f"\nFalse alerts per bot-week on clean series ({clean.bot_weeks:.0f} bot-weeks): "
            f"botstats **{fb:.3f}**, naive (3 sd) **{fn:.3f}**, naive ({WIDE_Z:g} sd) {fw:.3f}"
        )
        print(f"  botstats by metric: {_breakdown(clean.alerts, clean.bot_weeks)}")
        print(f"  naive (3 sd) by metric: {_breakdown(clean.naive_alerts, clean.bot_weeks)}")
        verdicts.append(
            (f"false alerts at {volume}/day <= {FALSE_TARGET}: {fb:.3f}", fb <= FALSE_TARGET)
        )
        detail = f"{fb:.3f} vs {fn:.3f}" + (
            f"; recall below naive: {', '.join(worse)}"
            if worse
            else "; recall >= naive on every kind"
        )
        verdicts.append(
            (
                f"fewer false alerts than naive at >= recall, {volume}/day: {detail}",
                fb < fn and not worse,
            )
        )
    return verdicts


def ceiling(
    volume: int, dispersion: float, bots: int = 300, days: int = 70, false_per_week: float = 0.05
) -> dict[str, float]:
    """Single-day recall of an oracle that knows each day's true mean (or error rate).

    It thresholds one statistic per kind (cost / true mean, user messages / true mean,
    the binomial p-value of the errors at the true rate) at the quantile of clean days that
    gives ``false_per_week`` false alerts per bot-week for that one metric: an upper bound
    for any detector that must learn the mean from a few weeks of history.
    """
    from alert_series import WEEKDAYS, binomial, draw_day, make_profile
    from scipy.special import bdtrc

    clean: dict[str, list[float]] = {"cost": [], "messages": [], "errors": []}
    hit: dict[str, list[float]] = {
        k: [] for k in ("cost x3", "traffic -60%", "error rate x3", "error rate x5")
    }
    for b in range(bots):
        rng = random.Random(f"oracle:{volume}:{b}")
        p = make_profile(rng, volume, dispersion)
        week = (sum(WEEKDAYS) + 2 * p.weekend) / 7
        for n in range(1, days + 1):
            d = day_of(n)
            seasonal = (WEEKDAYS[d.weekday()] if d.weekday() < 5 else p.weekend) / week
            calls_mean = volume * seasonal
            m = draw_day(rng, p, d)
            if m.llm_calls == 0:
                continue
            cost = m.cost_sum / (calls_mean * p.cost_per_call)
            messages = m.user_messages / (calls_mean / p.calls_per_message)
            clean["cost"].append(cost)
            clean["messages"].append(messages)
            hit["cost x3"].append(3 * cost)
            hit["traffic -60%"].append(0.4 * messages)

            def pv(e: int, n: int = m.llm_calls, rate: float = p.error_rate) -> float:
                return float(bdtrc(e - 1, n, rate)) if e > 0 else 1.0

            clean["errors"].append(pv(m.llm_errors))
            hit["error rate x3"].append(pv(binomial(rng, m.llm_calls, 3 * p.error_rate)))
            hit["error rate x5"].append(pv(binomial(rng, m.llm_calls, 5 * p.error_rate)))
    q = false_per_week / 7
    high_cost = sorted(clean["cost"])[-max(1, int(q * len(clean["cost"])))]
    low_messages = sorted(clean["messages"])[int(q * len(clean["messages"]))]
    low_p = sorted(clean["errors"])[int(q * len(clean["errors"]))]
    return {
        "cost x3": statistics.fmean(v > high_cost for v in hit["cost x3"]),
        "traffic -60%": statistics.fmean(v < low_messages for v in hit["traffic -60%"]),
        "error rate x3": statistics.fmean(v < low_p for v in hit["error rate x3"]),
        "error rate x5": statistics.fmean(v < low_p for v in hit["error rate x5"]),
    }


def _breakdown(counts: Counter[str], weeks: float) -> str:
    if not counts:
        return "none"
    return ", ".join(f"{k} {v / weeks:.3f}" for k, v in counts.most_common())


def report_sensitivities(cells: list[Cell], sensitivities: Iterable[str]) -> None:
    by = {(c.sensitivity, c.volume, c.kind): c for c in cells}
    print("\n### Every sensitivity: false alerts per bot-week and recall per kind (botstats)\n")
    heads = " | ".join(KINDS)
    print(f"| sensitivity | calls/day | false/bot-week | {heads} |")
    print("|---|---:|---:|" + "---:|" * len(KINDS))
    for s in sensitivities:
        for volume in VOLUMES:
            clean = by[(s, volume, "clean")]
            fb = sum(clean.alerts.values()) / clean.bot_weeks
            recalls = " | ".join(
                f"{by[(s, volume, k)].caught / by[(s, volume, k)].events:.2f}" for k in KINDS
            )
            print(f"| {s} | {volume} | {fb:.3f} | {recalls} |")


# --- CPU --------------------------------------------------------------------------------


def cpu(
    setup: Setup, bots: int, days: int, backtest_bots: int, warm_days: int
) -> tuple[bool, float]:
    thresholds = setup.thresholds()
    kinds = list(KINDS)
    histories: list[dict[date, Metrics]] = []
    for i in range(bots):
        s = generate(
            f"cpu:{setup.seed}:{i}",
            calls_per_day=VOLUMES[i % 3],
            days=days,
            missing_rate=setup.missing_rate,
            dispersion=setup.dispersion,
        )
        rng = random.Random(f"cpu-event:{i}")
        start = day_of(rng.randint(days - 60, days - 5))
        histories.append(inject(s, kinds[i % len(kinds)], start, rng.randint(1, 3)))
    newest = day_of(days)
    windows = [
        {d: m for d, m in h.items() if newest - timedelta(days=HISTORY_DAYS) <= d <= newest}
        for h in histories
    ]
    # A workspace book as the store holds it after weeks of checks: each bot's records
    # from replaying the warm_days before the checked pair, merged into one book.
    t_warm = time.process_time()
    book = AlertBook()
    for i, h in enumerate(histories):
        own = AlertBook()
        for n in range(days - 1 - warm_days, days - 1):
            day = day_of(n)
            upto = {d: m for d, m in h.items() if d <= day}
            now = datetime.combine(day + timedelta(days=1), dtime(1), tzinfo=UTC)
            check_day(own, f"bot{i}", upto, day, thresholds=thresholds, now=now)
        book.merge(own)
    warm = time.process_time() - t_warm
    gc.collect()
    gc.freeze()  # the 180k fixture objects would otherwise be rescanned by every full GC

    def check(b: AlertBook, intraday: bool = False) -> float:
        """``AlertEngine._bot``'s work for every bot (store reads and Slack left out)."""
        now = datetime.combine(newest + timedelta(days=1), dtime(1), tzinfo=UTC)
        today = newest + timedelta(days=1)
        t0 = time.process_time()
        for i, history in enumerate(windows):
            bot_id = f"bot{i}"
            for checked in (newest - timedelta(days=1), newest):
                upto = {d: m for d, m in history.items() if d <= checked}
                check_day(b, bot_id, upto, checked, thresholds=thresholds, now=now)
            if intraday and newest in history:
                # Today so far: an hour in, 1/24 of the newest day (the engine's third step).
                so_far = _share(history[newest], 1)
                excluded = b.excluded(bot_id, today).get("cost", frozenset())
                evaluation = evaluate_intraday(
                    bot_id, history, today, so_far, thresholds=thresholds, excluded=excluded
                )
                b.apply([evaluation], now=now)
        return time.process_time() - t0

    live = check(book)
    with_intraday = check(book, intraday=True)
    empty = check(AlertBook())
    t0 = time.process_time()
    for i in range(backtest_bots):
        own = AlertBook()
        h = histories[i]
        for n in range(1, days + 1):
            day = day_of(n)
            upto = {d: m for d, m in h.items() if d <= day}
            now = datetime.combine(day + timedelta(days=1), dtime(1), tzinfo=UTC)
            check_day(own, f"bot{i}", upto, day, thresholds=thresholds, now=now)
    full = time.process_time() - t0
    print(f"\n### CPU time (process_time), {bots} bots x {days} days\n")
    print("| work | CPU | per bot |")
    print("|---|---:|---:|")
    print(
        f"| live check: day before + newest day, {bots} bots, workspace book of "
        f"{len(book.records)} records | {live:.2f} s | {live / bots * 1e3:.2f} ms |"
    )
    print(
        f"| same plus today's intraday cost (all of AlertEngine._bot) | {with_intraday:.2f} s | "
        f"{with_intraday / bots * 1e3:.2f} ms |"
    )
    print(f"| day before + newest day, empty book | {empty:.2f} s | {empty / bots * 1e3:.2f} ms |")
    print(
        f"| full replay of all {days} days, {backtest_bots} bots | {full:.2f} s | "
        f"{full / backtest_bots * 1e3:.1f} ms ({full / backtest_bots / days * 1e3:.2f} ms/day) |"
    )
    print(f"\n(book warm-up, {warm_days} days x {bots} bots, not part of the check: {warm:.1f} s)")
    return live < CPU_TARGET, live


# --- runaway ----------------------------------------------------------------------------


def _share(whole: Metrics, hour: int) -> Metrics:
    """The first ``hour`` hours of a day whose activity is spread evenly (the simulator's)."""
    f = min(hour, 24) / 24
    return replace(
        whole,
        llm_calls=round(whole.llm_calls * f),
        cost_sum=whole.cost_sum * f,
        call_cost_sum=whole.call_cost_sum * f,
    )


def _runaway_so_far(at: Callable[[int], Metrics], start: int, hour: int, factor: float) -> Metrics:
    """Today's metrics at ``hour``: the normal day up to ``start``, then cost and calls x factor."""
    before = at(min(hour, start))
    if hour <= start:
        return before
    now = at(hour)
    extra = factor - 1.0
    return replace(
        now,
        llm_calls=now.llm_calls + round(extra * (now.llm_calls - before.llm_calls)),
        cost_sum=now.cost_sum + extra * (now.cost_sum - before.cost_sum),
        call_cost_sum=now.call_cost_sum + extra * (now.call_cost_sum - before.call_cost_sum),
    )


def hours_to_alert(
    closed: dict[date, Metrics],
    today: date,
    at: Callable[[int], Metrics],
    start: int,
    thresholds: Thresholds,
    factor: float = 10.0,
) -> tuple[int | None, float, float | None]:
    """Hours from ``start`` to the first hourly check (at h:00, data up to h:00) that notifies."""
    book = AlertBook()
    for hour in range(start + 1, 25):
        so_far = _runaway_so_far(at, start, hour, factor)
        evaluation = evaluate_intraday("bot", closed, today, so_far, thresholds=thresholds)
        now = datetime.combine(today, dtime(), tzinfo=UTC) + timedelta(hours=hour)
        if notified(book.apply([evaluation], now=now)):
            return hour - start, so_far.cost_sum, evaluation.band.high
    return None, _runaway_so_far(at, start, 24, factor).cost_sum, evaluation.band.high


def runaway(setup: Setup, starts: tuple[int, ...]) -> None:
    from slackbot.simulator.workspace import Workspace, generate_record

    thresholds = setup.thresholds()
    today = date(2026, 12, 1)
    rows: list[tuple[str, float, float | None, list[str]]] = []
    ws = Workspace.build(today=today)  # the simulator's defaults: seed 7, 5 bots

    def metrics_of(record: dict[str, Any] | None) -> Metrics:
        if record is None:
            return Metrics(days=1)
        return Metrics.from_record(AnalyticsRecord.model_validate(record))

    for bot in ws.bots:
        closed: dict[date, Metrics] = {}
        for n in range(1, HISTORY_DAYS + 1):
            d = today - timedelta(days=n)
            # Clean history: the workspace's planted anomalies left out.
            rec = generate_record(ws.seed, bot, d, datetime.combine(today, dtime(), tzinfo=UTC))
            if rec is not None:
                closed[d] = metrics_of(rec)

        def at(hour: int, bot: Any = bot) -> Metrics:
            now = datetime.combine(today, dtime(), tzinfo=UTC) + timedelta(hours=hour)
            if hour >= 24:
                now -= timedelta(milliseconds=1)
            return metrics_of(generate_record(ws.seed, bot, today, now))

        day_cost = at(24).cost_sum
        cells = []
        high = None
        for start in starts:
            hours, _, high = hours_to_alert(closed, today, at, start, thresholds)
            cells.append("never" if hours is None else f"{hours} h")
        label = f"simulator {bot.name} ({bot.volume}, {at(24).llm_calls} calls)"
        rows.append((label, day_cost, high, cells))

    for volume in VOLUMES:
        for index in range(3):
            s = generate(
                f"runaway:{setup.seed}:{volume}:{index}",
                calls_per_day=volume,
                days=HISTORY_DAYS + 1,
                missing_rate=0.0,
                dispersion=setup.dispersion,
            )
            today_g = day_of(HISTORY_DAYS + 1)
            closed = {d: m for d, m in s.items() if d < today_g}
            whole = s[today_g]

            def at_g(hour: int, whole: Metrics = whole) -> Metrics:
                return _share(whole, hour)

            cells = []
            for start in starts:
                hours, _, high = hours_to_alert(closed, today_g, at_g, start, thresholds)
                cells.append("never" if hours is None else f"{hours} h")
            rows.append(
                (
                    f"generator {volume} calls/day #{index + 1} ({today_g:%a})",
                    whole.cost_sum,
                    high,
                    cells,
                )
            )

    print("\n### Runaway loop (cost rate x10 from hour H) to the intraday alert\n")
    heads = " | ".join(f"H={h:02d}" for h in starts)
    print(f"| bot | normal day's cost | whole-day band high | {heads} |")
    print("|---|---:|---:|" + "---:|" * len(starts))
    for label, cost, high, cells in rows:
        high_text = "n/a" if high is None else f"${high:.2f}"
        print(f"| {label} | ${cost:.2f} | {high_text} | {' | '.join(cells)} |")
    print(
        "\nHours from the start of the runaway to the first hourly check that notifies "
        "(the check at h:00 sees the data up to h:00; a loop starting mid-hour adds up to 1 h). "
        f"Cost floor ${thresholds.cost_floor:.2f}: a bot whose runaway day stays under it "
        "never alerts."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=40, help="events per (volume, kind)")
    parser.add_argument("--clean-bots", type=int, default=100, help="clean bots per volume")
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--missing-rate", type=float, default=0.03)
    parser.add_argument("--dispersion", type=float, default=DISPERSION)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--only-normal", action="store_true", help="skip low and high")
    parser.add_argument("--skip-cpu", action="store_true")
    parser.add_argument("--cpu-bots", type=int, default=1000)
    parser.add_argument("--cpu-days", type=int, default=180)
    parser.add_argument("--backtest-bots", type=int, default=100)
    parser.add_argument("--warm-days", type=int, default=28)
    args = parser.parse_args()
    overrides = tuple((k, float(v)) for k, v in (s.split("=", 1) for s in args.set))
    sensitivities: tuple[Sensitivity, ...] = (
        ("normal",) if args.only_normal else ("normal", "low", "high")
    )
    setups = {
        s: Setup(args.seed, args.days, args.missing_rate, args.dispersion, s, overrides)
        for s in sensitivities
    }

    print(f"date:    {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(
        f"data:    seed {args.seed}, {args.days} days per bot, replay of days "
        f"{FIRST_REPLAYED}..{args.days}, {args.bots} events per (volume, kind), "
        f"{args.clean_bots} clean bots per volume, missing rate {args.missing_rate}, "
        f"gamma dispersion {args.dispersion}"
        + (f", overrides {dict(overrides)}" if overrides else "")
    )
    wall = time.perf_counter()
    cells = run_grid(setups, args.bots, args.clean_bots, args.jobs)
    print(
        f"grid:    {len(cells)} cells in {time.perf_counter() - wall:.0f} s wall "
        f"({args.jobs} processes)"
    )
    verdicts = report_recall(cells, args.bots, args.dispersion)
    print(
        "\nOracle ceiling: the single-day recall of a detector that knows each day's true mean "
        "(errors: true rate), thresholded for 0.05 false alerts per bot-week on that one metric."
    )
    report_sensitivities(cells, sensitivities)
    if not args.skip_cpu:
        ok, live = cpu(
            setups["normal"], args.cpu_bots, args.cpu_days, args.backtest_bots, args.warm_days
        )
        verdicts.append(
            (f"CPU of a check over {args.cpu_bots} bots < {CPU_TARGET} s: {live:.2f} s", ok)
        )
    runaway(setups["normal"], (0, 6, 9, 12, 18))
    print("\n### Targets\n")
    for text, ok in verdicts:
        print(f"- {pf(ok)}: {text}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
