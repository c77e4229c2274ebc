"""A digest of 200 simulated bots at 100 ms API latency: cold store vs after a sync, and charts.

Run: ``uv run python benchmarks/bench_digest.py [--bots N] [--latency S] [--workers N]
[--repeat N] [--renders N] [--sync-days N] [--in-process] [--cache-replies] [--profile N]``.
Starts the Botpress simulator (``Simulator(bot_count=--bots, latency=--latency)``, a fixed
clock: Tuesday 2026-12-01 12:00 UTC) on loopback in a child process, so its own CPU work
stays out of the measured process as Botpress's would (``--in-process`` keeps it in). With
the real ``BotpressClient`` over HTTP, a ``Service`` on the same fixed clock and
``DigestBuilder(service, workers=--workers)``, it measures in one run:
  1. cold store: on a fresh SQLite file and a fresh Service, ``build("all", "weekly",
     last_settled_week(now))`` plus ``digest_messages``: wall time, this process's CPU,
     the simulator's CPU, analytics and listBots calls (counted by the simulator), and per
     phase: listBots, the parallel per-bot part (wall and CPU summed over threads in the
     analytics calls, saving, reading days, summaries), anything else the calling thread
     does, and the rest; ``--repeat`` times, each on a fresh file;
  2. after a sync: ``sync_bots(days=--sync-days)`` on another fresh file (timed apart), then
     the same digest with the same Service, as ``botstats serve``'s tick runs them;
  3. the digest's Slack messages: blocks and characters of each, against Slack's limits;
  4. the chart of that digest (its own ``DailySeries``): median and p95 over ``--renders``
     renders, ``InlineRenderer`` vs ``ChartWorker``, the worker's first render (its
     start-up) and the first inline render (fonts, caches) reported apart;
and ends with the issue's targets, PASS or FAIL. Diagnostics: ``--profile N`` cProfiles
one more cold digest in every thread (top N functions); ``--cache-replies`` has the
simulator reuse the records it generated, to take most of its CPU off the shared cores.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from machine import machine

from slackbot.botpress.client import BotpressClient
from slackbot.charts.worker import ChartWorker, InlineRenderer
from slackbot.clock import fixed_clock
from slackbot.core.blocks.digest import DigestMessages, digest_messages
from slackbot.core.blocks.kit import MAX_BLOCKS, MAX_CHARS, Dashboard, message_chars
from slackbot.core.digest import Digest
from slackbot.core.schedule import last_settled_week
from slackbot.core.series import DailySeries
from slackbot.digests.build import DEFAULT_WORKERS, DigestBuilder
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.store import Store
from slackbot.sync import SyncReport, sync_bots

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday: the last settled week is 23-29 Nov
TZ = ZoneInfo("UTC")
LINKS = Dashboard("https://app.botpress.cloud", "sim-workspace")
ROOT = Path(__file__).resolve().parents[1]
F = TypeVar("F", bound=Callable[..., Any])

# The simulator in a child process: prints its URL, then answers each "count" line with the
# requests since the last count (as JSON), until stdin says anything else.
# With "cache" it memoises the generated records of each (bot, range) asked before: a
# diagnostic (--cache-replies) that takes most of the simulator's own CPU out of the way.
CHILD = """
import json, sys, threading, time
from datetime import datetime
from slackbot.simulator.server import Simulator

now = datetime.fromisoformat(sys.argv[3])
sim = Simulator(latency=float(sys.argv[1]), bot_count=int(sys.argv[2]), clock=lambda: now).start()
if sys.argv[4] == "cache":
    generate, cache, lock = sim.workspace.records, {}, threading.Lock()
    def records(bot_id, start, end, at):
        key = (bot_id, start, end)
        with lock:
            hit = cache.get(key)
        if hit is None:
            hit = generate(bot_id, start, end, at)
            with lock:
                cache[key] = hit
        return hit
    object.__setattr__(sim.workspace, "records", records)  # a frozen dataclass
print(sim.url, flush=True)
cpu = time.process_time()
for line in sys.stdin:
    if line.strip() != "count":
        break
    requests, analytics = sim.requests, sim.analytics_calls
    sim.clear_requests()
    bots = sum(1 for r in requests if r.path.rstrip("/") == "/v1/admin/bots")
    spent, cpu = time.process_time() - cpu, time.process_time()
    print(json.dumps({"analytics": analytics, "list_bots": bots, "all": len(requests),
                      "sim_cpu": spent}), flush=True)
sim.stop()
"""


@dataclass(frozen=True)
class Calls:
    """Requests the simulator received over one measured step."""

    analytics: int
    list_bots: int
    all: int
    sim_cpu: float | None = None  # the simulator's CPU seconds (child process only)


@dataclass
class Simulated:
    """A running simulator: its URL and a counter of requests since the last count."""

    url: str
    count: Callable[[], Calls]


@contextmanager
def in_process(latency: float, bot_count: int, cache: bool = False) -> Iterator[Simulated]:
    """The simulator as threads of this process."""
    with Simulator(latency=latency, bot_count=bot_count, clock=lambda: NOW) as sim:

        def count() -> Calls:
            requests = sim.requests
            analytics = sim.analytics_calls
            sim.clear_requests()
            bots = sum(1 for r in requests if r.path.rstrip("/") == "/v1/admin/bots")
            return Calls(analytics, bots, len(requests))

        yield Simulated(sim.url, count)


@contextmanager
def child_process(latency: float, bot_count: int, cache: bool = False) -> Iterator[Simulated]:
    """The simulator in a child process, like a remote Botpress."""
    mode = "cache" if cache else "generate"
    args = [sys.executable, "-c", CHILD, str(latency), str(bot_count), NOW.isoformat(), mode]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    stdin, stdout = proc.stdin, proc.stdout
    assert stdin is not None
    assert stdout is not None
    try:
        url = stdout.readline().strip()

        def count() -> Calls:
            stdin.write("count\n")
            stdin.flush()
            return Calls(**json.loads(stdout.readline()))

        yield Simulated(url, count)
    finally:
        stdin.write("stop\n")
        stdin.close()
        proc.wait(timeout=10)


# --- phase timing: thin wrappers on this run's own objects (no change to slackbot) ----------
THREADS, CALLER = "threads", "calling thread"  # where a wrapped call ran


@dataclass
class Phase:
    """One wrapped call, summed over its calls and threads: wall and CPU (``thread_time``,
    which leaves out time spent waiting for the GIL, the network or a lock), both exclusive
    of the wrapped calls made inside it."""

    calls: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    first: float = float("inf")  # perf_counter of the first start and the last end
    last: float = 0.0


@dataclass
class Phases:
    """The wrapped calls of one digest, by name."""

    by_name: dict[str, Phase] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)

    def get(self, name: str, where: str = THREADS) -> Phase:
        return self.by_name.get(f"{where}:{name}", Phase())

    def wrap(self, name: str, fn: F) -> F:
        """``fn``, timed under ``name`` and where it ran: the pool's threads or the calling
        thread (the main one)."""

        @wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            where = CALLER if threading.current_thread() is threading.main_thread() else THREADS
            stack = self.local.__dict__.setdefault("stack", [])
            stack.append([0.0, 0.0])  # wall and CPU of the wrapped calls inside this one
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                ended, spent = time.perf_counter(), time.thread_time() - cpu
                inner_wall, inner_cpu = stack.pop()
                if stack:
                    stack[-1][0] += ended - started
                    stack[-1][1] += spent
                with self.lock:
                    phase = self.by_name.setdefault(f"{where}:{name}", Phase())
                    phase.calls += 1
                    phase.wall += ended - started - inner_wall
                    phase.cpu += spent - inner_cpu
                    phase.first, phase.last = min(phase.first, started), max(phase.last, ended)

        return timed  # type: ignore[return-value]


LIST_BOTS = "listBots"
#: The DigestBuilder method run in the pool's threads, one call per bot.
POOL_METHODS = ("_bot",)
PER_BOT = "per bot, the rest (bucketing, coverage queries, stale check)"
#: The wrapped calls, wherever they run, in the order the table shows them.
INSIDE = (
    "getBotAnalytics (HTTP, validation)",
    "store: save days",
    "store: read days (history query, row_metrics)",
    "service.summary_from (summarize, freshness and first-day queries)",
)


@contextmanager
def instrument(service: Service, builder: DigestBuilder) -> Iterator[Phases]:
    """Time the calls a digest makes, as instance attributes set for the block's duration
    only (the classes are untouched)."""
    phases = Phases()
    client, days = service.client, service.store.days
    wrapped = [
        (client, "list_bots", LIST_BOTS),
        *((builder, name, PER_BOT) for name in POOL_METHODS),
        (client, "get_analytics", INSIDE[0]),
        (days, "save", INSIDE[1]),
        (days, "history", INSIDE[2]),  # what ``load`` runs, one bot at a time
        (service, "summary_from", INSIDE[3]),
    ]
    for owner, attr, name in wrapped:
        setattr(owner, attr, phases.wrap(name, getattr(owner, attr)))
    try:
        yield phases
    finally:
        for owner, attr, _ in wrapped:
            delattr(owner, attr)


# --- one digest ------------------------------------------------------------------------------
@dataclass
class Run:
    """One measured digest: build + messages."""

    build: float
    messages_s: float
    cpu: float
    calls: Calls
    phases: Phases
    digest: Digest
    messages: DigestMessages
    started: float

    @property
    def wall(self) -> float:
        return self.build + self.messages_s


def make_service(sim: Simulated, db: Path) -> Service:
    """A Service over a fresh client and the store at ``db``, on the fixed clock."""
    clock = fixed_clock(NOW)
    store = Store(db, clock=clock)
    client = BotpressClient(token="sim-token", workspace_id="sim-workspace", base_url=sim.url)
    return Service(store=store, client=client, clock=clock, tz=TZ)


def close(service: Service) -> None:
    service.client.close()
    service.store.close()


def digest_once(sim: Simulated, service: Service, workers: int) -> Run:
    """The weekly digest of "all" for the last settled week, and its messages, timed."""
    builder = DigestBuilder(service, workers=workers)
    sim.count()
    with instrument(service, builder) as phases:
        cpu = time.process_time()
        started = time.perf_counter()
        digest = builder.build("all", "weekly", last_settled_week(NOW), now=NOW)
        built = time.perf_counter()
        messages = digest_messages(digest, tz=TZ, now=NOW, links=LINKS)
        done = time.perf_counter()
        cpu = time.process_time() - cpu
    calls = sim.count()
    unavailable = [p.bot.id for p in digest.bots if p.summary is None]
    if unavailable:
        raise SystemExit(f"{len(unavailable)} bot(s) unavailable, e.g. {unavailable[0]}")
    return Run(built - started, done - built, cpu, calls, phases, digest, messages, started)


def sync(sim: Simulated, service: Service, days: int) -> tuple[SyncReport, Calls]:
    """The hourly sync as the tick runs it: the service's bots, ``days`` closed days."""
    sim.count()
    report = sync_bots(
        service.client,
        service.store,
        service.bots(),
        today=NOW.date(),
        days=days,
        clock=service.clock,
    )
    if not report.ok:
        raise SystemExit("\n".join(report.lines()))
    return report, sim.count()


@contextmanager
def profiled(top: int) -> Iterator[list[str]]:
    """cProfile in this thread and in every thread started meanwhile; the merged top, as text
    appended to the list yielded, when the block ends."""
    text: list[str] = []
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start(*_: Any) -> None:
        # A new thread's first event: give it its own profiler (which replaces this hook).
        profile = cProfile.Profile()
        with lock:
            profiles.append(profile)
        profile.enable()

    main = cProfile.Profile()
    threading.setprofile(start)
    main.enable()
    try:
        yield text
    finally:
        main.disable()
        threading.setprofile(None)
    out = io.StringIO()
    stats = pstats.Stats(main, stream=out)
    for profile in profiles:
        stats.add(profile)
    print(
        f"cProfile of one more cold digest, {len(profiles)} threads besides the main one, "
        f"merged; top {top} by own time (tottime), then by cumulative time:",
        file=out,
    )
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    text.append(out.getvalue())


# --- charts ----------------------------------------------------------------------------------
def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def render_ms(render: Callable[[DailySeries], bytes | None], series: DailySeries) -> float:
    started = time.perf_counter()
    if render(series) is None:
        raise SystemExit("the digest's chart failed to render; see the log above")
    return (time.perf_counter() - started) * 1000


def chart_times(series: DailySeries, renders: int) -> dict[str, Any]:
    """First render and then ``renders`` renders each, in this process and in the worker."""
    inline = InlineRenderer()
    first_inline = render_ms(inline.render, series)  # the first chart: fonts, caches
    inline_ms = [render_ms(inline.render, series) for _ in range(renders)]
    with ChartWorker() as worker:
        first_worker = render_ms(worker.render, series)  # fork server, imports, first chart
        worker_ms = [render_ms(worker.render, series) for _ in range(renders)]
    png = inline.render(series) or b""
    return {
        "first_inline": first_inline,
        "inline": inline_ms,
        "first_worker": first_worker,
        "worker": worker_ms,
        "png_bytes": len(png),
    }


# --- the report ------------------------------------------------------------------------------
def spread(values: list[float], unit: str = "s") -> str:
    """``median`` or ``median (min-max)`` when there are several."""
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.2f} {unit}"
    return f"{med:.2f} {unit} ({min(values):.2f}-{max(values):.2f})"


def phase_rows(run: Run, bots: int, workers: int) -> list[str]:
    """Where a digest's wall time went, phase by phase: in the pool's threads (one call per
    bot), then in the calling thread."""
    p = run.phases
    listed = p.get(LIST_BOTS, CALLER)
    in_pool = [p.get(name) for name in (PER_BOT, *INSIDE)]
    ran = [phase for phase in in_pool if phase.calls]
    pool = max(x.last for x in ran) - min(x.first for x in ran) if ran else 0.0
    total_wall, total_cpu = sum(x.wall for x in in_pool), sum(x.cpu for x in in_pool)
    rows = []
    if listed.calls:  # none when the Service's bot list is still fresh (BOTS_TTL)
        rows.append(
            f"| listBots, {run.calls.list_bots} page(s) one after another | {listed.wall:.2f} s "
            f"| | {listed.cpu:.2f} s |"
        )
    rows.append(
        f"| per-bot part, {min(workers, bots)} threads, {p.get(PER_BOT).calls} bots (first "
        f"start to last end) | {pool:.2f} s | {total_wall:.2f} s | {total_cpu:.2f} s |"
    )
    for name in INSIDE:
        phase = p.get(name)
        if phase.calls:
            cells = f"{phase.wall:.2f} s | {phase.cpu:.2f} s"
            rows.append(f"| &nbsp;&nbsp;{name}: {phase.calls} calls | | {cells} |")
    bot = p.get(PER_BOT)
    rows.append(f"| &nbsp;&nbsp;{PER_BOT} | | {bot.wall:.2f} s | {bot.cpu:.2f} s |")
    in_caller = 0.0
    for name in INSIDE:
        phase = p.get(name, CALLER)
        if phase.calls:
            in_caller += phase.wall
            rows.append(
                f"| in the calling thread: {name}: {phase.calls} calls | {phase.wall:.2f} s "
                f"| | {phase.cpu:.2f} s |"
            )
    rest = run.build - listed.wall - pool - in_caller
    rows.append(
        f"| the rest of build: storing the bot list, month spend, chart series, threads "
        f"| {rest:.2f} s "
        "| | |"
    )
    rows.append(f"| digest_messages | {run.messages_s:.2f} s | | |")
    return rows


def message_rows(messages: DigestMessages) -> list[str]:
    rows = []
    for index, message in enumerate(messages.messages):
        label = "top" if index == 0 else f"thread {index}"
        blocks, chars = len(message.blocks), message_chars(message.blocks)
        ok = "ok" if blocks <= MAX_BLOCKS and chars <= MAX_CHARS else "OVER"
        rows.append(f"| {label} | {blocks} | {chars:,} | {len(message.text)} | {ok} |")
    return rows


def load_average() -> str:
    """The 1-minute load average (other work on a shared machine), or "?"."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def main() -> None:
    """Run the benchmark and print the results as markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="DigestBuilder's")
    parser.add_argument("--repeat", type=int, default=3, help="cold digests, each on a fresh file")
    parser.add_argument("--renders", type=int, default=10)
    parser.add_argument("--sync-days", type=int, default=90)
    parser.add_argument("--in-process", action="store_true", help="run the simulator in-process")
    parser.add_argument(
        "--cache-replies",
        action="store_true",
        help="diagnostic: the simulator (child) reuses the records it generated; one "
        "unmeasured digest fills its cache first",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also cProfile a cold digest: top N"
    )
    args = parser.parse_args()

    if args.in_process and args.cache_replies:
        parser.error("--cache-replies needs the simulator in its child process")
    simulator = in_process if args.in_process else child_process
    load_before = load_average()
    with (
        simulator(args.latency, args.bots, args.cache_replies) as sim,
        tempfile.TemporaryDirectory() as tmp,
    ):
        if args.cache_replies:
            service = make_service(sim, Path(tmp) / "fill.db")
            try:
                digest_once(sim, service, args.workers)
            finally:
                close(service)
        colds = []
        for i in range(args.repeat):
            service = make_service(sim, Path(tmp) / f"cold{i}.db")
            try:
                colds.append(digest_once(sim, service, args.workers))
            finally:
                close(service)
        service = make_service(sim, Path(tmp) / "synced.db")
        try:
            started = time.perf_counter()
            report, sync_calls = sync(sim, service, args.sync_days)
            sync_wall = time.perf_counter() - started
            warms = [digest_once(sim, service, args.workers) for _ in range(args.repeat)]
        finally:
            close(service)
        charts = chart_times(colds[0].digest.chart, args.renders) if colds[0].digest.chart else None
        profile: list[str] = []
        if args.profile:
            service = make_service(sim, Path(tmp) / "profiled.db")
            try:
                with profiled(args.profile) as profile:
                    digest_once(sim, service, args.workers)
            finally:
                close(service)

    cold = sorted(colds, key=lambda r: r.wall)[len(colds) // 2]
    warm = sorted(warms, key=lambda r: r.wall)[len(warms) // 2]
    cold_walls = [r.wall for r in colds]
    warm_walls = [r.wall for r in warms]
    period = colds[0].digest.period
    where = "in a child process" if not args.in_process else "in this process"
    if args.cache_replies:
        where += ", replying from its cache of generated records"
    print(f"Digest benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"Machine: {machine()}; load average {load_before} before, {load_average()} after")
    print(
        f"{args.bots} simulated bots ({where}), {args.latency * 1000:g} ms per API call, "
        f"clock fixed at {NOW:%a %Y-%m-%d %H:%M} UTC; weekly digest of all bots for "
        f"{period.first}..{period.last}; DigestBuilder workers={args.workers}; "
        f"{args.repeat} digest(s) per row, median (min-max)"
    )
    print()
    print(
        "| store | wall (build + messages) | botstats CPU | simulator CPU | analytics calls | "
        "per bot | listBots calls | all requests |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, runs, walls in (
        ("cold (fresh file)", colds, cold_walls),
        (f"after a {args.sync_days}-day sync", warms, warm_walls),
    ):
        calls = [r.calls for r in runs]
        analytics = sorted({c.analytics for c in calls})
        listed = sorted({c.list_bots for c in calls})
        every = sorted({c.all for c in calls})
        per_bot = statistics.median(c.analytics for c in calls) / args.bots
        sim_cpu = [c.sim_cpu for c in calls if c.sim_cpu is not None]
        print(
            f"| {label} | {spread(walls)} | {spread([r.cpu for r in runs])} | "
            f"{spread(sim_cpu) if sim_cpu else 'n/a (in this process)'} | "
            f"{'/'.join(map(str, analytics))} | {per_bot:.2f} | "
            f"{'/'.join(map(str, listed))} | {'/'.join(map(str, every))} |"
        )
    print()
    print(
        f"The sync before the second row (not in it): {sync_wall:.2f} s, "
        f"{sync_calls.analytics} analytics + {sync_calls.list_bots} listBots calls, "
        f"{report.days_fetched:,} bot-days ({report.first}..{report.last}), simulator CPU "
        f"{sync_calls.sim_cpu or 0:.2f} s, sync_bots "
        f"workers=8. The second row reuses the sync's Service (its bot list cached), as "
        f"the tick does; the cold rows each start a fresh Service."
    )
    print()
    print(f"Where the cold digest's time goes (the median run, {cold.wall:.2f} s):")
    print()
    print("| phase | wall | summed over threads | CPU in them |")
    print("|---|---:|---:|---:|")
    for row in phase_rows(cold, args.bots, args.workers):
        print(row)
    print()
    print(f"After the sync (the median run, {warm.wall:.2f} s):")
    print()
    print("| phase | wall | summed over threads | CPU in them |")
    print("|---|---:|---:|---:|")
    for row in phase_rows(warm, args.bots, args.workers):
        print(row)
    print()
    msgs = cold.messages
    print(
        f"The digest's messages: {len(msgs.messages)} (top + {len(msgs.thread)} in its "
        f"thread). Slack's limits: {MAX_BLOCKS} blocks, ~{MAX_CHARS:,} characters of text."
    )
    print()
    print("| message | blocks | characters | fallback text | within limits |")
    print("|---|---:|---:|---:|---|")
    for row in message_rows(msgs):
        print(row)
    same = [m.blocks for m in warm.messages.messages] == [m.blocks for m in msgs.messages]
    print()
    print(f"Same messages cold and after the sync: {'yes' if same else 'NO'}.")
    if charts is not None:
        series = cold.digest.chart
        assert series is not None
        print()
        print(
            f"Chart of the digest ({len(series.days)} days of {series.title!r}, PNG "
            f"{charts['png_bytes'] / 1024:.0f} kB), {args.renders} renders each after the first:"
        )
        print()
        print("| renderer | first render | median | p95 |")
        print("|---|---:|---:|---:|")
        for label, first, times in (
            ("InlineRenderer (this process)", charts["first_inline"], charts["inline"]),
            ("ChartWorker (round trip)", charts["first_worker"], charts["worker"]),
        ):
            print(
                f"| {label} | {first:.0f} ms | {statistics.median(times):.0f} ms | "
                f"{percentile(times, 95):.0f} ms |"
            )
        print()
        print(
            "First render, apart: InlineRenderer's is the first chart drawn in this process "
            "(matplotlib is imported with slackbot.charts; fonts and caches load now); "
            "ChartWorker's includes its start-up (fork server, imports, the first chart)."
        )
    cold_ok = statistics.median(cold_walls) < 4 and all(
        r.calls.analytics == args.bots for r in colds
    )
    warm_ok = all(r.calls.analytics == 0 for r in warms)
    print()
    print("Targets:")
    print(
        f"- cold < 4 s with 1.0 analytics call per bot: median {statistics.median(cold_walls):.2f}"
        f" s (max {max(cold_walls):.2f}), "
        f"{statistics.median(r.calls.analytics for r in colds) / args.bots:.2f} call/bot "
        f"-> {'PASS' if cold_ok else 'FAIL'}"
    )
    print(
        f"- 0 analytics calls after a sync: {max(r.calls.analytics for r in warms)} "
        f"-> {'PASS' if warm_ok else 'FAIL'}"
    )
    for text in profile:
        print()
        print(text)


if __name__ == "__main__":
    main()
