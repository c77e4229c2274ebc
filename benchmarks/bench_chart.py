"""Chart rendering cost, and what drawing does to a latency-sensitive thread (the ack path).

Run: ``uv run python benchmarks/bench_chart.py [--renders N] [--seconds S] [--rounds R]``
(about a minute).

(a) Render time per digest chart (ms, median and p95 over N renders, after a warm-up):
    ``render_png`` in this process, and the ``ChartWorker.render`` round trip (pickle the
    series, draw in the worker, send the PNG back). Also the worker's cold start (fork
    server + matplotlib import + a first chart) and its restart after a SIGKILL.
(b) Ack-path latency: this process's main thread wakes every 5 ms and runs a short
    pure-Python job shaped like an ack (build and serialise a small JSON reply); the
    latency is how long after its scheduled moment the job has finished. p50/p99 while
    charts render back to back (i) in a thread of this process, (ii) in the ChartWorker
    process, (iii) not at all; R rounds of S seconds each, interleaved, pooled.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import random
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from machine import machine

from slackbot.charts.drawing import render_png
from slackbot.charts.worker import ChartWorker
from slackbot.core.series import DailySeries

PERIOD = 0.005  # the tick loop's period: about Bolt's ack polling granularity
LAST_DAY = date(2026, 11, 29)


def digest_series(days: int, highlight_days: int, seed: int = 7) -> DailySeries:
    """A seeded digest chart: ``days`` days ending LAST_DAY, the last ones highlighted."""
    rng = random.Random(seed)
    span = tuple(LAST_DAY - timedelta(days=days - 1 - i) for i in range(days))
    gaps = {rng.randrange(days) for _ in range(2)}
    sessions = tuple(None if i in gaps else float(rng.randint(50, 900)) for i in range(days))
    cost = tuple(None if i in gaps else round(rng.uniform(0.5, 40), 2) for i in range(days))
    first = LAST_DAY - timedelta(days=highlight_days - 1)
    return DailySeries("support: weekly digest", span, sessions, cost, (first, LAST_DAY))


WEEKLY = digest_series(42, 7)  # six weeks, the digest's week shaded
DAILY = replace(digest_series(14, 1), title="support: daily digest")


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def timed(fn: Callable[[], object], count: int) -> list[float]:
    """Wall times (ms) of ``count`` calls of ``fn``."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
        if result is None:
            raise SystemExit("a chart failed to render; see the log above")
    return times


# --- (a) render time -------------------------------------------------------------------
def render_times(worker: ChartWorker, renders: int) -> list[tuple[str, list[float]]]:
    """Per chart size: in-process and worker round-trip render times (ms)."""
    rows = []
    for name, series in (("weekly, 42 days", WEEKLY), ("daily, 14 days", DAILY)):
        here = functools.partial(render_png, series)
        there = functools.partial(worker.render, series)
        here(), there()  # warm: fonts and caches, as in a running server
        rows.append((f"{name}: render_png in this process", timed(here, renders)))
        rows.append((f"{name}: ChartWorker.render round trip", timed(there, renders)))
    return rows


def start_times(worker: ChartWorker) -> tuple[float, float]:
    """Seconds for the worker's cold start, and for a first chart after its child is killed."""
    started = time.perf_counter()
    if not worker.start():
        raise SystemExit("the chart worker did not start")
    cold = time.perf_counter() - started
    pid = worker.worker_pid()
    assert pid is not None
    print(
        "Killing the chart worker's child on purpose: one 'died' warning follows.", file=sys.stderr
    )
    os.kill(pid, signal.SIGKILL)
    started = time.perf_counter()
    if worker.render(WEEKLY) is None:
        raise SystemExit("no chart after the worker was killed")
    return cold, time.perf_counter() - started


# --- (b) ack-path latency --------------------------------------------------------------
def ack_job() -> str:
    """A short pure-Python job shaped like an ack: build a small reply and serialise it."""
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"line {i}"}} for i in range(8)
    ]
    return json.dumps({"response_type": "ephemeral", "text": "Working on it…", "blocks": blocks})


def tick_latencies(seconds: float) -> list[float]:
    """Every PERIOD, run ack_job; how late (ms) after its scheduled moment it has finished."""
    latencies = []
    due = time.perf_counter() + PERIOD
    end = due + seconds
    while due < end:
        time.sleep(max(0.0, due - time.perf_counter()))
        ack_job()
        done = time.perf_counter()
        latencies.append((done - due) * 1000)
        # A tick that ran late is not made up for with a burst: the next one is a period on.
        due = max(due + PERIOD, done)
    return latencies


def background(draw: Callable[[], object] | None, seconds: float) -> tuple[list[float], int]:
    """Tick latencies for ``seconds`` while ``draw`` runs back to back in a thread; its count."""
    if draw is None:
        return tick_latencies(seconds), 0
    stop = threading.Event()
    outcomes: list[bool] = []

    def loop() -> None:
        while not stop.is_set():
            outcomes.append(draw() is not None)

    thread = threading.Thread(target=loop, name="charts")
    thread.start()
    try:
        latencies = tick_latencies(seconds)
    finally:
        stop.set()
        thread.join()
    if not all(outcomes):
        raise SystemExit("a chart failed to render; see the log above")
    return latencies, len(outcomes)


def ack_latencies(
    worker: ChartWorker, seconds: float, rounds: int
) -> dict[str, tuple[list[float], int]]:
    """Pooled tick latencies and charts drawn for each condition, over interleaved rounds."""
    conditions: dict[str, Callable[[], object] | None] = {
        "(iii) nothing rendering": None,
        "(i) charts in a thread of this process": lambda: render_png(WEEKLY),
        "(ii) charts in the ChartWorker process": lambda: worker.render(WEEKLY),
    }
    pooled: dict[str, tuple[list[float], int]] = {name: ([], 0) for name in conditions}
    for _ in range(rounds):
        for name, draw in conditions.items():
            latencies, drawn = background(draw, seconds)
            pooled[name] = (pooled[name][0] + latencies, pooled[name][1] + drawn)
    return pooled


# --- the report ------------------------------------------------------------------------
def report(
    renders: list[tuple[str, list[float]]],
    starts: tuple[float, float],
    acks: dict[str, tuple[list[float], int]],
    seconds: float,
) -> None:
    """Print the results as markdown tables."""
    print(f"Machine: {machine()}")
    print(f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    count = len(renders[0][1])
    print(f"(a) Render time per chart, {count} renders each, after a warm-up (ms):\n")
    print("| chart | median | p95 |")
    print("|---|---:|---:|")
    for name, times in renders:
        print(f"| {name} | {statistics.median(times):.1f} | {percentile(times, 95):.1f} |")
    cold, restart = starts
    print(f"\nWorker cold start (start(): fork server, imports, first chart): {cold:.2f} s")
    print(f"First chart after SIGKILL of the child (a fresh child forked): {restart:.2f} s\n")
    idle = acks["(iii) nothing rendering"][0]
    idle_p50, idle_p99 = percentile(idle, 50), percentile(idle, 99)
    print(f"(b) Ack-path latency: a {PERIOD * 1000:.0f} ms tick running a short job (ms late):\n")
    print(
        "| charts rendering | ticks | charts drawn | p50 | p99 | max | p50 vs idle | p99 vs idle |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, (latencies, drawn) in acks.items():
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        cells = [name, len(latencies), f"{drawn} ({drawn / seconds:.1f}/s)", f"{p50:.2f}"]
        cells += [
            f"{p99:.2f}",
            f"{max(latencies):.2f}",
            f"{p50 / idle_p50:.1f}x",
            f"{p99 / idle_p99:.1f}x",
        ]
        print("| " + " | ".join(map(str, cells)) + " |")
    print(f"\nGIL switch interval: {sys.getswitchinterval() * 1000:.0f} ms")


def main() -> int:
    """Run (a) and (b) and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=30, help="renders per row of (a)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per round of (b)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of (b)")
    args = parser.parse_args()
    logging.basicConfig(format="log: %(levelname)s %(name)s: %(message)s")
    with ChartWorker() as worker:
        starts = start_times(worker)
        renders = render_times(worker, args.renders)
        acks = ack_latencies(worker, args.seconds, args.rounds)
    report(renders, starts, acks, args.seconds * args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
