"""Load on `botstats serve`: thousands of signed Slack requests, with a digest in flight.

Run: ``uv run python benchmarks/bench_load.py [--requests 2000] [--concurrency 32]``
(about 1.5-2 minutes on 2 cores; the digest run waits for a scheduler tick).

Three processes: the fakes (Botpress simulator, 100 ms per call, and a FakeSlack that
stamps each Web API call and response_url POST with ``time.monotonic()``), ``botstats
serve`` itself (the console command, HTTP mode, its SQLite synced with 90 closed days
before it starts, one firing alert stored with the message that announced it), and this
one, the load generator: a raw keep-alive HTTP/1.1 client on asyncio sending pre-signed
bodies (bench_slack.py's approach). The fakes run apart because the 2,000+ response_url
POSTs they answer are Python work (http.server) that would compete with the load
generator for its GIL and show up as ack latency that is not the server's.

Two measured runs of the same request mix at the same concurrency, after a warm-up:

1. **baseline**: nothing else running in serve;
2. **digest in flight**: a daily digest of all bots made due just before a scheduler tick
   (ticks come every 60 s from the "scheduler started" line of serve's JSON log), and the
   load started so that the tick fires about a quarter into it; the digest's chart is
   drawn in the chart worker process during the load. When it ran comes from its delivery
   log line, and the acks in flight meanwhile are reported apart.

Mix: slash commands (overview, ``bots``, ``support 7d``, ``sales 7d``, ``all 30d``,
``help``, a bad period, ``subscriptions``) and ~10% ``block_actions`` presses (the
summary's period buttons on an ephemeral summary, Acknowledge on the stored alert).
Each run reports ack latency, acks over Slack's 3 s, non-200s, replies per request id at
its response_url (none lost, none doubled), time to the last reply, and VmRSS of the
serve process (before, peak, after), its CPU time, and its own count of refused work
(/metrics); the digest must be posted exactly once, during the load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
from bench_slack import SERVE, percentile, serve_env, wait_http
from machine import machine

from slackbot.botpress.client import BotpressClient
from slackbot.core.blocks.alert_parts import ACK_ACTION
from slackbot.core.blocks.buttons import action_value, period_action_id
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.store import Store
from slackbot.store.alerts import AlertMessage, StoredAlert
from slackbot.sync import sync_bots
from slackbot.testing.alerts import firing_record
from slackbot.testing.fake_slack import FakeSlack, free_port, signed_command_request
from slackbot.testing.interactions import signed_action_request

SECRET = "bench-signing-secret-0123456789"
BOT_TOKEN = "xoxb-bench-0000"
LATENCY = 0.1
BOTS = 10
SYNC_DAYS = 90
WARM_UP = 200
ACK_LIMIT = 3.0
RSS_BOUND_MB = 50.0
TICK = 60.0
DIGEST_CHANNEL = "C0DIGEST01"
ALERT_CHANNEL = "C0ALERTS01"
ALERT_TS = "1700000100.000200"
TEXTS = (
    "",
    "bots",
    "support 7d",
    "sales 7d",
    "all 30d",
    "help",
    "support 13x",
    "subscriptions",
)
PERIOD_BUTTONS = ("7d", "30d", "90d")
JsonDict = dict[str, Any]


# --- the fakes, in their own process ---------------------------------------------------
class StampedSlack(FakeSlack):
    """FakeSlack that also notes when each Web API call arrived (``time.monotonic()``)."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[tuple[str, str, bool, float]] = []

    def handle_api(self, method: str, body: JsonDict, headers: dict[str, str]) -> Any:
        """Stamp the call (method, channel, in a thread or not), then answer it as usual."""
        channel = str(body.get("channel") or body.get("channel_id") or "")
        self.stamps.append((method, channel, bool(body.get("thread_ts")), time.monotonic()))
        return super().handle_api(method, body, headers)


def run_fakes(conn: Connection, bots: int) -> None:
    """Simulator + StampedSlack; answers ("count"|"responses", prefix) and "calls" until "stop"."""
    slack = StampedSlack()
    with Simulator(latency=LATENCY, bot_count=bots) as sim, slack:
        ids = [b.id for b in sim.bots]
        conn.send({"sim": sim.url, "slack": slack.url, "api": slack.api_url, "bots": ids})
        while True:
            message = conn.recv()
            if message == "stop":
                return
            if message == "calls":
                conn.send(list(slack.stamps))
                continue
            what, prefix = message
            mine = [(r.id, r.at, r.status) for r in slack.responses if r.id.startswith(prefix)]
            conn.send(len(mine) if what == "count" else mine)


# --- the database, before serve starts -------------------------------------------------
def presync(db: Path, sim_url: str) -> None:
    """Store SYNC_DAYS closed days of every bot, as a running instance would have."""
    with (
        Store(db) as store,
        BotpressClient(token="sim-token", workspace_id="sim-workspace", base_url=sim_url) as client,
    ):
        service = Service(store=store, client=client)
        today = datetime.now(UTC).date()
        report = sync_bots(client, store, service.bots(), today=today, days=SYNC_DAYS)
        assert report.ok, report.lines()


def store_alert(db: Path, bot_id: str) -> str:
    """One firing cost alert of ``bot_id`` and the message that announced it; its id."""
    since = date.today() - timedelta(days=1)
    record = firing_record(bot_id, since=since, notified_at=datetime.now(UTC) - timedelta(hours=1))
    alert_id = f"{bot_id}:cost:up"
    stored = StoredAlert(alert_id, bot_id, "cost", "up", "firing", since, record.to_json())
    with Store(db) as store:
        store.alerts.save_record(stored)
        store.alerts.save_message(AlertMessage(alert_id, ALERT_CHANNEL, ALERT_TS, None, "alert:k"))
    return alert_id


def make_digest_due(db: Path) -> None:
    """A daily digest of all bots in DIGEST_CHANNEL, due at the next tick."""
    with Store(db) as store:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        store.subscriptions.add(DIGEST_CHANNEL, "all", "daily", at="00:00", now=start)


# --- serve, as a subprocess --------------------------------------------------------------
def start_serve(port: int, urls: dict[str, Any], db: Path) -> subprocess.Popen[bytes]:
    """`botstats serve` pointed at the fakes, logging JSON lines to serve.log beside ``db``."""
    env = serve_env(urls, db, BOTSTATS_LOG_FORMAT="json")
    log = (db.parent / "serve.log").open("w")
    return subprocess.Popen([*SERVE, "--port", str(port)], env=env, cwd=db.parent, stderr=log)


def log_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON log lines serve wrote so far (anything else skipped)."""
    out = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(item, dict):
            out.append(item)
    return out


def log_time(item: dict[str, Any]) -> float:
    """A log line's time as ``time.monotonic()`` of this machine."""
    when = datetime.fromisoformat(str(item["time"]).replace("Z", "+00:00")).timestamp()
    return when - (time.time() - time.monotonic())


def wait_for_log(path: Path, needle: str, timeout: float = 120.0) -> dict[str, Any]:
    """The first log line whose message contains ``needle``, waiting up to ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for item in log_lines(path):
            if needle in str(item.get("message", "")):
                return item
        time.sleep(0.2)
    raise SystemExit(f"serve never logged {needle!r}")


def wait_quiet(path: Path, seconds: float = 2.0, timeout: float = 120.0) -> None:
    """Wait until serve's log has not grown for ``seconds`` (its first tick is over)."""
    deadline = time.monotonic() + timeout
    size, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now_size = path.stat().st_size
        if now_size != size:
            size, since = now_size, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return
        time.sleep(0.1)


# --- memory --------------------------------------------------------------------------------
def rss_kb(pid: int) -> int:
    """VmRSS of ``pid`` in kB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_kb(pid: int) -> int:
    """VmRSS of ``pid`` and all its descendants (the chart worker and its fork server)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss_kb(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return total


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) ``pid`` has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """Samples serve's VmRSS (and its process tree's) every 100 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[tuple[float, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.samples.append((time.monotonic(), rss_kb(self.pid), tree_kb(self.pid)))

    def start(self) -> RssSampler:
        """Start sampling; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join(timeout=5)

    def peak(self, start: float, end: float) -> tuple[int, int]:
        """The highest (serve, tree) VmRSS sampled between ``start`` and ``end``, in kB."""
        window = [(rss, tree) for at, rss, tree in self.samples if start <= at <= end]
        return max(r for r, _ in window or [(0, 0)]), max(t for _, t in window or [(0, 0)])


# --- the requests ----------------------------------------------------------------------
@dataclass(frozen=True)
class Planned:
    """One request to send: its id (the response_url sink), what it is, its raw bytes."""

    rid: str
    kind: str
    raw: bytes


@dataclass(frozen=True)
class Sent:
    """What one request got: when it left, how long the ack took, status, busy or not."""

    rid: str
    kind: str
    started: float
    seconds: float
    status: int
    busy: bool


def raw_http(port: int, body: bytes, headers: dict[str, str]) -> bytes:
    """A POST /slack/events as raw HTTP/1.1 bytes."""
    head = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def button(
    i: int, sink: str, bots: Sequence[str], alert_id: str
) -> tuple[str, bytes, dict[str, str]]:
    """The ``i``-th button press: period buttons on a summary, every fourth an Acknowledge."""
    if i % 4 == 3:
        body, headers = signed_action_request(
            SECRET,
            ACK_ACTION,
            alert_id,
            response_url=sink,
            channel_id=ALERT_CHANNEL,
            ephemeral=False,
            message_ts=ALERT_TS,
            block_id="botstats_alert_actions",
        )
        return "button: Acknowledge", body, headers
    period = PERIOD_BUTTONS[i % 4 % len(PERIOD_BUTTONS)]
    value = action_value(bots[i % len(bots)], period)
    body, headers = signed_action_request(
        SECRET, period_action_id(period), value, response_url=sink
    )
    return f"button: {period}", body, headers


def plan(tag: str, count: int, port: int, urls: dict[str, Any], alert_id: str) -> list[Planned]:
    """``count`` signed requests: one in ten a button press, the rest commands, shuffled."""
    out = []
    for i in range(count):
        rid = f"{tag}-{i}"
        sink = f"{urls['slack']}/respond/{rid}"
        if i % 10 == 9:
            kind, body, headers = button(i // 10, sink, urls["bots"], alert_id)
        else:
            text = TEXTS[i % len(TEXTS)]
            body, headers = signed_command_request(SECRET, text, response_url=sink)
            kind = f"/botstats {text}".rstrip()
        out.append(Planned(rid, kind, raw_http(port, body, headers)))
    random.Random(tag).shuffle(out)
    return out


# --- sending -----------------------------------------------------------------------------
async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    """Send one request on a keep-alive connection; its status and body."""
    writer.write(raw)
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length) if length else b""


async def fire(port: int, requests: Sequence[Planned], concurrency: int) -> list[Sent]:
    """Send every request, ``concurrency`` connections at a time; what each got."""
    queue: asyncio.Queue[Planned] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    sent: list[Sent] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not queue.empty():
            item = queue.get_nowait()
            started = time.monotonic()
            try:
                status, body = await exchange(reader, writer, item.raw)
            except (OSError, asyncio.IncompleteReadError, IndexError, ValueError):
                status, body = 0, b""  # connection lost: counted, and a fresh one opened
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            seconds = time.monotonic() - started
            sent.append(Sent(item.rid, item.kind, started, seconds, status, b"busy" in body))
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sent


def drain(fakes: Connection, prefix: str, expected: int, idle: float = 10.0) -> None:
    """Wait until ``expected`` replies arrived for ``prefix``, or none came for ``idle`` s."""
    count, since = -1, time.monotonic()
    while time.monotonic() - since < idle:
        fakes.send(("count", prefix))
        now_count = fakes.recv()
        if now_count >= expected:
            return
        if now_count != count:
            count, since = now_count, time.monotonic()
        time.sleep(0.2)


# --- one run -----------------------------------------------------------------------------
@dataclass
class Run:
    """One measured run: what was sent, what reached response_url, serve's memory."""

    name: str
    sent: list[Sent]
    replies: Counter[str]
    arrivals: list[float]
    cpu: float
    rss: tuple[int, int, int] = (0, 0, 0)  # before, peak, after (kB)
    tree: tuple[int, int, int] = (0, 0, 0)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def started(self) -> float:
        """When the first request left."""
        return min(s.started for s in self.sent)

    @property
    def acked(self) -> float:
        """When the last ack came back."""
        return max(s.started + s.seconds for s in self.sent)

    @property
    def last_reply(self) -> float:
        """When the last reply reached its response_url (now, if none did)."""
        return max(self.arrivals, default=time.monotonic())


def measure(
    name: str, requests: list[Planned], concurrency: int, fakes: Connection, pid: int
) -> Run:
    """Send ``requests``, wait for their replies, count them per id; RSS before and after."""
    before, cpu = (rss_kb(pid), tree_kb(pid)), cpu_s(pid)
    sent = asyncio.run(fire(port_of(requests[0]), requests, concurrency))
    prefix = requests[0].rid.rsplit("-", 1)[0] + "-"
    drain(fakes, prefix, sum(1 for s in sent if not s.busy))
    cpu = cpu_s(pid) - cpu
    time.sleep(1.0)  # a doubled reply would come now
    fakes.send(("responses", prefix))
    responses: list[tuple[str, float, int]] = fakes.recv()
    replies = Counter(rid for rid, _, _ in responses)
    run = Run(name, sent, replies, [at for _, at, _ in responses], cpu)
    run.rss = (before[0], 0, rss_kb(pid))
    run.tree = (before[1], 0, tree_kb(pid))
    return run


def port_of(item: Planned) -> int:
    """The port a planned request is addressed to (from its Host header)."""
    host = item.raw.split(b"\r\n", 2)[1].decode()
    return int(host.rsplit(":", 1)[1])


def refused(url: str) -> dict[str, float]:
    """serve's own count of work refused because the reply pool was full, by what."""
    out = {}
    for line in httpx.get(url, timeout=10).text.splitlines():
        if line.startswith("botstats_work_refused_total{"):
            labels, value = line.rsplit(" ", 1)
            out[labels.split('"')[1]] = float(value)
    return out


def next_tick(scheduler_started: float, lead: float) -> float:
    """The next tick time (monotonic) at least ``lead`` + 1 s from now."""
    k = 1
    while scheduler_started + k * TICK - lead < time.monotonic() + 1.0:
        k += 1
    return scheduler_started + k * TICK


def digest_window(
    path: Path, calls: list[tuple[str, str, bool, float]], since: float
) -> dict[str, Any]:
    """When the digest ran (serve's delivery log line) and what it posted to Slack."""
    lines = [i for i in log_lines(path) if str(i.get("run_key", "")).startswith("digest:")]
    tops = [c for c in calls if c[0] == "chat.postMessage" and c[1] == DIGEST_CHANNEL]
    uploads = [c[3] for c in calls if c[0] == "files.getUploadURLExternal" and c[3] > since]
    out: dict[str, Any] = {
        "deliveries": [(str(i.get("outcome")), int(i.get("duration_ms", 0))) for i in lines],
        "tops": sum(1 for c in tops if not c[2]),
        "thread": sum(1 for c in tops if c[2]),
        "upload": min(uploads) if uploads else None,
    }
    if lines:
        end = log_time(lines[0])
        out["window"] = (end - int(lines[0].get("duration_ms", 0)) / 1000, end)
    return out


# --- the whole benchmark ---------------------------------------------------------------
def setup(urls: dict[str, Any], db: Path) -> str:
    """Sync the database and store the alert the Acknowledge presses name; its id."""
    presync(db, urls["sim"])
    return store_alert(db, urls["bots"][0])


def warm(port: int, urls: dict[str, Any], alert_id: str, fakes: Connection, pid: int) -> None:
    """Send WARM_UP requests of the mix (not measured), so caches and threads exist."""
    requests = plan("warm", WARM_UP, port, urls, alert_id)
    measure("warm-up", requests, 8, fakes, pid)


def digest_run(
    args: argparse.Namespace,
    served: tuple[int, int, Path],
    urls: dict[str, Any],
    alert_id: str,
    fakes: Connection,
    lead: float,
) -> Run:
    """The load with a digest made due so that the tick fires ``lead`` s into it."""
    port, pid, db = served
    ticked = log_time(wait_for_log(db.parent / "serve.log", "scheduler started"))
    requests = plan("digest", args.requests, port, urls, alert_id)
    make_digest_due(db)
    tick = next_tick(ticked, lead)
    time.sleep(max(0.0, tick - lead - time.monotonic()))
    run = measure("digest in flight", requests, args.concurrency, fakes, pid)
    wait_for_log(db.parent / "serve.log", "delivery digest:", timeout=90)
    fakes.send("calls")
    run.extra = digest_window(db.parent / "serve.log", fakes.recv(), since=run.started)
    run.extra["tick"] = tick
    return run


def measured(
    args: argparse.Namespace,
    urls: dict[str, Any],
    fakes: Connection,
    served: tuple[int, int, Path],
    alert_id: str,
) -> list[Run]:
    """Warm serve up, then the baseline and the digest run, serve's memory sampled."""
    port, pid, db = served
    wait_for_log(db.parent / "serve.log", "tick: hourly sync")
    wait_quiet(db.parent / "serve.log")
    warm(port, urls, alert_id, fakes, pid)
    sampler = RssSampler(pid).start()
    requests = plan("base", args.requests, port, urls, alert_id)
    base = measure("baseline", requests, args.concurrency, fakes, pid)
    lead = max(0.3, (base.acked - base.started) / 4)
    loaded = digest_run(args, served, urls, alert_id, fakes, lead)
    time.sleep(2.0)
    sampler.stop()
    for run in (base, loaded):
        peak = sampler.peak(run.started, run.last_reply)
        run.rss = (run.rss[0], peak[0], run.rss[2])
        run.tree = (run.tree[0], peak[1], run.tree[2])
    loaded.extra["rss_end"] = (rss_kb(pid), tree_kb(pid))
    loaded.extra["refused"] = refused(f"http://127.0.0.1:{port}/metrics")
    return [base, loaded]


def bench(
    args: argparse.Namespace, urls: dict[str, Any], fakes: Connection, tmp: Path
) -> list[Run]:
    """Start serve on a synced database, measure, stop it (SIGTERM)."""
    db = tmp / "bench.db"
    alert_id = setup(urls, db)
    port = free_port()
    serve = start_serve(port, urls, db)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
        return measured(args, urls, fakes, (port, serve.pid, db), alert_id)
    except BaseException:
        print((tmp / "serve.log").read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        if args.keep_log:
            shutil.copy(tmp / "serve.log", args.keep_log)


def main(args: argparse.Namespace) -> int:
    """Run everything and print the report (markdown)."""
    began = time.monotonic()
    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    fakes = context.Process(target=run_fakes, args=(there, args.bots), daemon=True)
    fakes.start()
    urls: dict[str, Any] = here.recv()
    try:
        with TemporaryDirectory() as tmp:
            runs = bench(args, urls, here, Path(tmp))
    finally:
        here.send("stop")
        fakes.join(timeout=10)
    return report(args, runs, time.monotonic() - began)


# --- the report ------------------------------------------------------------------------
def stats(run: Run) -> dict[str, Any]:
    """The figures of one run."""
    ok = [s.seconds for s in run.sent if s.status == 200]
    answered = [s for s in run.sent if not s.busy]
    draining = sum(1 for at in run.arrivals if at > run.acked)
    return {
        "n": len(run.sent),
        "p50": percentile(ok, 50) * 1000,
        "p95": percentile(ok, 95) * 1000,
        "p99": percentile(ok, 99) * 1000,
        "max": max(ok) * 1000,
        "over": sum(1 for s in run.sent if s.seconds > ACK_LIMIT),
        "non200": sum(1 for s in run.sent if s.status != 200),
        "busy": len(run.sent) - len(answered),
        "lost": sum(1 for s in answered if run.replies[s.rid] == 0),
        "doubled": sum(1 for s in run.sent if run.replies[s.rid] > 1),
        "acks_s": run.acked - run.started,
        "last_s": run.last_reply - run.started,
        "ack_rate": len(run.sent) / (run.acked - run.started),
        "drain_rate": draining / max(1e-9, run.last_reply - run.acked),
        "cpu": run.cpu,
    }


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def row(cells: Sequence[object]) -> None:
    """One markdown table row."""
    print("| " + " | ".join(map(str, cells)) + " |")


REPLY_HEADER = (
    "run",
    "replied",
    "busy in the ack",
    "lost",
    "doubled",
    "acks done",
    "last reply",
    "replies/s after the acks",
    "serve CPU",
    "serve RSS before / peak / after",
)


def table(runs: list[Run], figures: list[dict[str, Any]]) -> None:
    """The side-by-side tables of the two runs: acks, then replies and memory."""
    row(["run", "p50 ms", "p95 ms", "p99 ms", "max ms", "acks > 3 s", "non-200", "acks/s"])
    row(["---", *["---:"] * 7])
    for run, f in zip(runs, figures, strict=True):
        times = [f"{f[k]:.1f}" for k in ("p50", "p95", "p99", "max")]
        row([run.name, *times, f["over"], f["non200"], f"{f['ack_rate']:.0f}"])
    print()
    row(REPLY_HEADER)
    row(["---", *["---:"] * 8, "---"])
    for run, f in zip(runs, figures, strict=True):
        replied = f["n"] - f["busy"] - f["lost"]
        rss = " / ".join(f"{kb / 1024:.1f}" for kb in run.rss) + " MB"
        counts = [f"{replied}/{f['n']}", f["busy"], f["lost"], f["doubled"]]
        times = [f"{f['acks_s']:.2f} s", f"{f['last_s']:.2f} s", f"{f['drain_rate']:.0f}"]
        row([run.name, *counts, *times, f"{f['cpu']:.1f} s", rss])


def by_kind(runs: list[Run]) -> None:
    """Per kind of request: ack p99 with the digest, and busy / lost in each run."""
    print()
    row(["request", "per run", "ack p99 ms (digest run)", "busy (base / digest)", "lost (same)"])
    row(["---", "---:", "---:", "---:", "---:"])
    for kind in sorted({s.kind for s in runs[1].sent}):
        mine = [[s for s in run.sent if s.kind == kind] for run in runs]
        p99 = percentile([s.seconds * 1000 for s in mine[1]], 99)
        busy = " / ".join(str(sum(s.busy for s in m)) for m in mine)
        lost = " / ".join(
            str(sum(1 for s in m if not s.busy and run.replies[s.rid] == 0))
            for m, run in zip(mine, runs, strict=True)
        )
        row([f"`{kind}`", len(mine[1]), f"{p99:.1f}", busy, lost])


def digest_lines(run: Run) -> bool:
    """Print when the digest ran against the load; True if posted exactly once, in flight."""
    extra, t0 = run.extra, run.started
    window = extra.get("window")
    once = extra["tops"] == 1 and [o for o, _ in extra["deliveries"]] == ["sent"]
    if window is None:
        print("\nDigest: no delivery line in serve's log.")
        return False
    upload = extra["upload"]
    chart = f", chart uploaded at +{upload - t0:.2f} s" if upload else ", no chart"
    print(
        f"\nDigest: tick at +{extra['tick'] - t0:.2f} s; built and posted from "
        f"+{window[0] - t0:.2f} s to +{window[1] - t0:.2f} s{chart}; the load's acks ran "
        f"to +{run.acked - t0:.2f} s, its replies to +{run.last_reply - t0:.2f} s; "
        f"{extra['tops']} top-level post(s), {extra['thread']} in its thread."
    )
    return once and window[0] < run.acked and window[1] > t0


def inside_digest(run: Run) -> None:
    """Ack latency of the requests in flight while the digest ran, against the rest."""
    window = run.extra.get("window")
    if window is None:
        return
    inside = [s for s in run.sent if s.started < window[1] and s.started + s.seconds > window[0]]
    ids = {s.rid for s in inside}
    outside = [s for s in run.sent if s.rid not in ids]
    for name, group in (("in flight while the digest ran", inside), ("the rest", outside)):
        ms = [s.seconds * 1000 for s in group] or [0.0]
        print(
            f"- acks {name}: {len(group)}, p50 {percentile(ms, 50):.1f} ms, "
            f"p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms"
        )


def checks(runs: list[Run], figures: list[dict[str, Any]], in_flight: bool) -> list[Any]:
    """The targets: (what, met)."""
    end = runs[1].extra["rss_end"][0]
    grew = (end - runs[0].rss[0]) / 1024
    lost = sum(f["lost"] + f["doubled"] for f in figures)
    busy = sum(f["busy"] for f in figures)
    return [
        (f"0 replies lost or doubled ({lost})", lost == 0),
        (f"every request answered at its response_url, none refused busy ({busy})", busy == 0),
        ("0 acks over 3 s", all(f["over"] == 0 for f in figures)),
        ("0 non-200 answers", all(f["non200"] == 0 for f in figures)),
        ("the digest posted exactly once, during the load", in_flight),
        (f"serve RSS end - before < {RSS_BOUND_MB:.0f} MB ({grew:+.1f} MB)", grew < RSS_BOUND_MB),
    ]


def report(args: argparse.Namespace, runs: list[Run], took: float) -> int:
    """Print the results as markdown with PASS/FAIL per target; 1 if any failed."""
    figures = [stats(r) for r in runs]
    print(f"Machine: {machine()}")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; took {took:.0f} s; load average {load}\n")
    print(
        f"{args.requests} signed requests per run at concurrency {args.concurrency}, "
        f"{args.bots} simulated bots (Botpress latency {LATENCY * 1000:.0f} ms):\n"
    )
    table(runs, figures)
    by_kind(runs)
    in_flight = digest_lines(runs[1])
    inside_digest(runs[1])
    ratios = [f"{k} {figures[1][k] / figures[0][k]:.2f}x" for k in ("p50", "p99", "max")]
    ratios.append(f"time to the last reply {figures[1]['last_s'] / figures[0]['last_s']:.2f}x")
    print("- with the digest / without: " + ", ".join(ratios))
    tree = (*runs[1].tree[:2], runs[1].extra["rss_end"][1])
    mb = " / ".join(f"{kb / 1024:.1f}" for kb in tree)
    print(f"- serve + chart worker processes, digest run, before / peak / end: {mb} MB")
    counts = ", ".join(f"{k} {v:.0f}" for k, v in runs[1].extra["refused"].items()) or "none"
    print(f"- serve's /metrics, work refused (pool full), both runs: {counts}\n")
    results = checks(runs, figures, in_flight)
    for name, ok in results:
        print(f"- {verdict(ok)}: {name}")
    return 0 if all(ok for _, ok in results) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per run")
    parser.add_argument("--concurrency", type=int, default=32, help="connections in flight")
    parser.add_argument("--bots", type=int, default=BOTS, help="simulated bots")
    parser.add_argument("--keep-log", type=Path, help="copy serve's JSON log here")
    raise SystemExit(main(parser.parse_args()))
