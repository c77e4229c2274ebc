"""Sync of 200 simulated bots with 100 ms API latency: wall time and API calls, parallel vs not.

Run: ``uv run python benchmarks/bench_sync.py [--bots N] [--latency S] [--days N]
[--workers N] [--baseline-workers N] [--in-process]``.
Starts the built-in Botpress simulator on loopback in a child process (every request waits
``--latency`` seconds before it is answered; its own CPU work, generating and encoding the
records, stays out of the measured process as Botpress's would; ``--in-process`` keeps it
in), then, in one run:
  1. a first ``sync_bots`` on a fresh SQLite file with ``--workers`` (default 8): wall time
     and API calls (counted by the simulator and checked against the sync report);
  2. a second sync right after it: only the short re-fetch of the last 2 closed days;
  3. the same first sync, on another fresh file, with ``--baseline-workers`` (default 1),
and prints the two first runs side by side with their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from machine import machine

from slackbot.botpress.client import BotpressClient
from slackbot.core.models import Bot
from slackbot.simulator.server import Simulator
from slackbot.store import Store
from slackbot.sync import SyncReport, sync_bots

TODAY = date(2026, 5, 20)
ROOT = Path(__file__).resolve().parents[1]
# The simulator in a child process: prints its URL and bots, then answers each "count" line
# with the analytics calls since the last count, until stdin says anything else.
CHILD = """
import json, sys
from datetime import date
from slackbot.simulator.server import Simulator

sim = Simulator(latency=float(sys.argv[1]), bot_count=int(sys.argv[2]),
                today=date.fromisoformat(sys.argv[3])).start()
print(sim.url, flush=True)
print(json.dumps([[b.id, b.name] for b in sim.bots]), flush=True)
for line in sys.stdin:
    if line.strip() != "count":
        break
    print(sim.analytics_calls, flush=True)
    sim.clear_requests()
sim.stop()
"""


@dataclass
class Workspace:
    """A running simulator: its URL, its bots, and a counter of analytics calls (resets)."""

    url: str
    bots: list[Bot]
    count: Callable[[], int]


@contextmanager
def in_process(latency: float, bot_count: int) -> Iterator[Workspace]:
    """The simulator as threads of this process."""
    with Simulator(latency=latency, bot_count=bot_count, today=TODAY) as sim:

        def count() -> int:
            calls = sim.analytics_calls
            sim.clear_requests()
            return calls

        yield Workspace(sim.url, [Bot(b.id, b.name) for b in sim.bots], count)


@contextmanager
def child_process(latency: float, bot_count: int) -> Iterator[Workspace]:
    """The simulator in a child process, like a remote Botpress."""
    args = [sys.executable, "-c", CHILD, str(latency), str(bot_count), TODAY.isoformat()]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    stdin, stdout = proc.stdin, proc.stdout
    assert stdin is not None
    assert stdout is not None
    try:
        url = stdout.readline().strip()
        bots = [Bot(bot_id, name) for bot_id, name in json.loads(stdout.readline())]

        def count() -> int:
            stdin.write("count\n")
            stdin.flush()
            return int(stdout.readline())

        yield Workspace(url, bots, count)
    finally:
        stdin.write("stop\n")
        stdin.close()
        proc.wait(timeout=10)


def run(ws: Workspace, db: Path, *, days: int, workers: int) -> tuple[SyncReport, float]:
    """One sync over HTTP, checked against the simulator's count; and this process's CPU s."""
    ws.count()
    cpu = time.process_time()
    with (
        BotpressClient(token="sim-token", workspace_id="sim-workspace", base_url=ws.url) as client,
        Store(db) as store,
    ):
        report = sync_bots(client, store, ws.bots, today=TODAY, days=days, workers=workers)
    cpu = time.process_time() - cpu
    if not report.ok:
        raise SystemExit("\n".join(report.lines()))
    seen = ws.count()
    if seen != report.calls:
        raise SystemExit(f"simulator saw {seen} calls, sync counted {report.calls}")
    return report, cpu


def describe(report: SyncReport) -> str:
    """Calls per bot and the ranges fetched, in a few words."""
    spans = {tuple(r.ranges) for r in report.bots}
    only = next(iter(spans)) if len(spans) == 1 else ()
    shape = f"{only[0][0]}..{only[0][1]}" if len(only) == 1 else f"{len(spans)} range sets"
    per_bot = report.calls / len(report.bots)
    return f"{per_bot:g} call/bot, each {shape}, {report.days_fetched:,} bot-days"


def main() -> None:
    """Run the benchmark and print a results table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--baseline-workers", type=int, default=1)
    parser.add_argument("--in-process", action="store_true", help="run the simulator in-process")
    args = parser.parse_args()

    simulator = in_process if args.in_process else child_process
    with simulator(args.latency, args.bots) as ws, tempfile.TemporaryDirectory() as tmp:
        first, first_cpu = run(ws, Path(tmp) / "a.db", days=args.days, workers=args.workers)
        second, second_cpu = run(ws, Path(tmp) / "a.db", days=args.days, workers=args.workers)
        base, base_cpu = run(ws, Path(tmp) / "b.db", days=args.days, workers=args.baseline_workers)

    where = "in this process" if args.in_process else "in a child process"
    print(f"Sync benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"Machine: {machine()}")
    print(
        f"{args.bots} simulated bots ({where}), {args.latency * 1000:g} ms per API call, "
        f"{args.days}-day window ending {first.last}"
    )
    print()
    print("| run | workers | wall time | botstats CPU | API calls | fetched |")
    print("|---|---:|---:|---:|---:|---|")
    rows = (
        ("first sync", args.workers, first, first_cpu),
        ("second sync, right after", args.workers, second, second_cpu),
        ("first sync (baseline)", args.baseline_workers, base, base_cpu),
    )
    for label, workers, report, cpu in rows:
        print(
            f"| {label} | {workers} | {report.seconds:.2f} s | {cpu:.2f} s | {report.calls} | "
            f"{describe(report)} |"
        )
    print()
    ideal = min(args.workers, args.bots) / max(1, args.baseline_workers)
    print(
        f"First sync: workers={args.workers} {first.seconds:.2f} s vs "
        f"workers={args.baseline_workers} {base.seconds:.2f} s: "
        f"{base.seconds / first.seconds:.1f}x faster (ideal {ideal:g}x); "
        f"{'meets' if first.seconds < 4 else 'misses'} the 4 s target."
    )


if __name__ == "__main__":
    main()
