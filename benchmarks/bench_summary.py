"""Summary aggregation cost: our full path against a bare loop over the same raw JSON.

Run: ``uv run python benchmarks/bench_summary.py [--bots N] [--days N] [--repeat N]``.
Generates seeded analytics (as ``getBotAnalytics`` returns them) in memory, then times:
  (a) AnalyticsResponse.model_validate_json(body) + bucket_records + summarize, per bot;
  (b) a plain loop summing the raw numbers of the already-parsed dicts, per bot;
  (b') json.loads(body) + the same loop, the cheapest way to get numbers from the bytes.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from machine import cpu_model

from slackbot.core.metrics import bucket_records, summarize
from slackbot.core.models import AnalyticsResponse, Bot
from slackbot.core.periods import parse_period

LAST_DAY = date(2026, 5, 19)
EVENT_TYPES = ("message_created", "conversation_started", "workflow_completed", "button_click")


def _dist(rng: random.Random, mean: float) -> dict[str, float]:
    spread = mean * rng.uniform(0.1, 0.5)
    return {
        "mean": round(mean, 4),
        "sd": round(spread, 4),
        "min": round(mean * rng.uniform(0.1, 0.9), 4),
        "max": round(mean * rng.uniform(1.1, 4.0), 4),
    }


def make_record(rng: random.Random, day: date) -> dict[str, Any]:
    """One raw analytics record shaped like the API's, with an occasional missing llm block."""
    sessions = rng.randint(0, 2000)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    record: dict[str, Any] = {
        "startDateTimeUtc": start.isoformat().replace("+00:00", ".000Z"),
        "endDateTimeUtc": (start + timedelta(days=1)).isoformat().replace("+00:00", ".000Z"),
        "returningUsers": rng.randint(0, sessions),
        "newUsers": rng.randint(0, sessions),
        "sessions": sessions,
        "messages": sessions * 6,
        "userMessages": sessions * 3,
        "botMessages": sessions * 3 + rng.randint(0, 50),
        "events": sessions * 9,
        "eventTypes": {name: rng.randint(0, sessions * 3) for name in EVENT_TYPES},
        "customEvents": {"handoff": rng.randint(0, 20)},
        "conversationsCreated": sessions,  # unknown field: must be ignored
    }
    if rng.random() < 0.9:
        calls = rng.randint(0, sessions * 2)
        cost = _dist(rng, rng.uniform(0.0005, 0.02))
        record["llm"] = {
            "calls": calls,
            "errors": rng.randint(0, calls // 20),
            "inputTokens": calls * rng.randint(300, 2000),
            "outputTokens": calls * rng.randint(50, 400),
            "latency": _dist(rng, rng.uniform(400, 3000)),
            "tokensPerSecond": _dist(rng, rng.uniform(20, 120)),
            "cost": {**cost, "sum": round(cost["mean"] * calls, 6)},
        }
    return record


def make_workspace(
    bots: int, days: int, seed: int
) -> list[tuple[Bot, bytes, list[dict[str, Any]]]]:
    """Per bot: its Bot, the response body bytes, and the parsed records."""
    rng = random.Random(seed)
    out = []
    for index in range(bots):
        bot = Bot(id=f"bot_{index:04d}_{'x' * 24}", name=f"Bot {index}")
        records = [make_record(rng, LAST_DAY - timedelta(days=n)) for n in range(days)]
        out.append((bot, json.dumps({"records": records}).encode(), records))
    return out


def full_path(workspace: list[tuple[Bot, bytes, list[dict[str, Any]]]], half: int) -> float:
    """(a): validate the bytes, bucket into days, summarise a period and the one before it."""
    period = parse_period(f"{half}d", now=datetime(2026, 5, 20, 8, tzinfo=UTC))
    first = period.previous().first
    check = 0.0
    for bot, body, _ in workspace:
        response = AnalyticsResponse.model_validate_json(body)
        days = bucket_records(response.records, first, period.last)
        summary = summarize(bot, period, days)
        check += summary.current.cost_sum + summary.previous.cost_sum
    return check


def stages(workspace: list[tuple[Bot, bytes, list[dict[str, Any]]]], half: int) -> list[float]:
    """(a) split into its three steps: seconds spent in each over one run."""
    period = parse_period(f"{half}d", now=datetime(2026, 5, 20, 8, tzinfo=UTC))
    first = period.previous().first
    spent = [0.0, 0.0, 0.0]
    for bot, body, _ in workspace:
        t0 = time.perf_counter()
        response = AnalyticsResponse.model_validate_json(body)
        t1 = time.perf_counter()
        days = bucket_records(response.records, first, period.last)
        t2 = time.perf_counter()
        summarize(bot, period, days)
        t3 = time.perf_counter()
        spent = [spent[0] + t1 - t0, spent[1] + t2 - t1, spent[2] + t3 - t2]
    return spent


def _sum_records(records: list[dict[str, Any]]) -> float:
    totals = [0, 0, 0, 0, 0.0]
    for record in records:
        totals[0] += record["sessions"]
        totals[1] += record["userMessages"]
        llm = record.get("llm")
        if llm:
            totals[2] += llm["calls"]
            totals[3] += llm["errors"]
            totals[4] += llm["cost"]["sum"]
    return totals[4]


def plain_loop(workspace: list[tuple[Bot, bytes, list[dict[str, Any]]]], _half: int) -> float:
    """(b): sum raw numbers of the already-parsed dicts."""
    return sum(_sum_records(records) for _, _, records in workspace)


def loads_loop(workspace: list[tuple[Bot, bytes, list[dict[str, Any]]]], _half: int) -> float:
    """(b'): json.loads the bytes, then the same sums."""
    return sum(_sum_records(json.loads(body)["records"]) for _, body, _ in workspace)


def best_of(fn: Callable[..., float], repeat: int, *args: Any) -> tuple[float, float]:
    """Best wall time over ``repeat`` runs, and the run's checksum."""
    times, result = [], 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    """Generate, time (a), (b) and (b'), and print a small report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    half = min(args.days // 2, 365)

    start = time.perf_counter()
    workspace = make_workspace(args.bots, args.days, args.seed)
    generated = time.perf_counter() - start
    size = sum(len(body) for _, body, _ in workspace)
    # The fixture (~180k parsed dicts, millions of objects) would otherwise be rescanned by
    # every full GC pass during (a), a cost the service never pays: it holds one response.
    gc.collect()
    gc.freeze()

    print(f"date:    {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}")
    print(f"python:  {sys.version.split()[0]} ({platform.python_implementation()})")
    print(f"cpu:     {cpu_model()}")
    print(
        f"data:    {args.bots} bots x {args.days} days = {args.bots * args.days:,} records, "
        f"{size / 1e6:.1f} MB JSON (generated in {generated:.1f}s, seed {args.seed})"
    )
    print(f"period:  {half}d plus the {half} days before it; best of {args.repeat}\n")

    a, check_a = best_of(full_path, args.repeat, workspace, half)
    b, check_b = best_of(plain_loop, args.repeat, workspace, half)
    b2, _ = best_of(loads_loop, args.repeat, workspace, half)
    per_bot = 1e3 / args.bots
    rows = [
        ("(a)  validate + bucket + summarize", a),
        ("(b)  plain loop over parsed dicts", b),
        ("(b') json.loads + plain loop", b2),
    ]
    for label, seconds in rows:
        print(f"{label:<38} {seconds:7.3f} s  {seconds * per_bot:7.3f} ms/bot")
    runs = [stages(workspace, half) for _ in range(args.repeat)]
    parts = [min(run[i] for run in runs) for i in range(3)]
    names = ("model_validate_json", "bucket_records", "summarize")
    print(
        "     of which "
        + ", ".join(f"{n} {p * per_bot:.2f}" for n, p in zip(names, parts, strict=True))
    )
    print(f"\nratio (a)/(b):  {a / b:5.1f}x")
    print(f"ratio (a)/(b'): {a / b2:5.1f}x")
    # (a) sums only the 2*half days of the two periods; (b) sums all days: compare loosely.
    print(f"checksum (cost, a vs all days b): {check_a:,.2f} / {check_b:,.2f}")


if __name__ == "__main__":
    main()
