"""Slack ack latency and end-to-end reply time of `botstats serve`, against a bare Bolt app.

Run: ``uv run python benchmarks/bench_slack.py`` (about a minute).

Three processes besides this one: the fakes (Botpress simulator with 100 ms latency and
a fake Slack with the response_url sink), ``botstats serve`` itself, and a bare Bolt app
whose /botstats listener only acks, served the default way (Bolt's Starlette adapter,
``process_before_response=False``) under the same uvicorn. The load generator here is a
raw keep-alive HTTP/1.1 client on asyncio, so it adds next to nothing to what it measures.

1. Ack latency: 500 signed ``/botstats support 7d`` requests at concurrency 1 and 16 to
   each server; p50/p99 of the HTTP round trip; for botstats every reply must then arrive
   at the response_url sink (the work is still done, after the ack).
2. End to end (request -> reply at response_url, concurrency 1): a period that includes
   today (one live Botpress call) and a closed period already stored (no Botpress call).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
from machine import machine

from slackbot.botpress.client import BotpressClient
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.store import Store
from slackbot.sync import fetch_days, sync_bots
from slackbot.testing.fake_slack import FakeSlack, free_port, signed_command_request

SECRET = "bench-signing-secret-0123456789"
BOT_TOKEN = "xoxb-bench-0000"
REQUESTS = 500
E2E_REQUESTS = 50
LATENCY = 0.1
ROOT = Path(__file__).resolve().parents[1]


# --- the fakes, in their own process ---------------------------------------------------
def run_fakes(conn: Connection) -> None:
    """Simulator + FakeSlack; answers "responses" with [(id, at, status)] until "stop"."""
    with Simulator(latency=LATENCY) as sim, FakeSlack() as slack:
        conn.send({"sim": sim.url, "slack": slack.url, "api": slack.api_url})
        while True:
            message = conn.recv()
            if message == "stop":
                return
            conn.send([(r.id, r.at, r.status) for r in slack.responses])


# --- the bare Bolt app, in its own process ---------------------------------------------
def run_bare(port: int, api_url: str) -> None:
    """A Bolt app whose listener only acks, served the default way (Starlette adapter)."""
    import uvicorn
    from slack_bolt import Ack, App
    from slack_bolt.adapter.starlette import SlackRequestHandler
    from slack_sdk.web import WebClient
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    app = App(client=WebClient(token=BOT_TOKEN, base_url=api_url), signing_secret=SECRET)

    @app.command("/botstats")
    def ack_only(ack: Ack) -> None:
        ack()

    handler = SlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    web = Starlette(
        routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)]
    )
    uvicorn.run(web, host="127.0.0.1", port=port, workers=1, access_log=False, log_level="warning")


# --- load generation -------------------------------------------------------------------
def raw_request(port: int, text: str, response_url: str) -> bytes:
    """One signed slash command as raw HTTP/1.1 bytes."""
    body, headers = signed_command_request(SECRET, text, response_url=response_url)
    head = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def send(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[float, int]:
    """Send one request on a keep-alive connection; (seconds, status)."""
    started = time.perf_counter()
    writer.write(raw)
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return time.perf_counter() - started, status


async def load(port: int, requests: Sequence[bytes], concurrency: int) -> list[float]:
    """Send every request, ``concurrency`` at a time; the latencies of the 200s."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for raw in requests:
        queue.put_nowait(raw)
    latencies: list[float] = []
    failures: list[int] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                seconds, status = await send(reader, writer, queue.get_nowait())
                (latencies if status == 200 else failures).append(
                    seconds if status == 200 else status
                )
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    if failures:
        raise SystemExit(f"{len(failures)} requests failed: statuses {sorted(set(failures))}")
    return latencies


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def wait_http(url: str, timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{url} did not come up")


def wait_replies(fakes: Connection, ids: set[str], timeout: float = 120.0) -> dict[str, float]:
    """Arrival times of the replies for ``ids``; exits if any is missing after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        fakes.send("responses")
        seen = {rid: at for rid, at, status in fakes.recv() if rid in ids and status == 200}
        if len(seen) == len(ids):
            return seen
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(seen)} of {len(ids)} replies reached response_url")
        time.sleep(0.05)


# --- the run ---------------------------------------------------------------------------
def presync(db: Path, sim_url: str) -> None:
    """Store 40 closed days of every bot, as a running instance would have."""
    store = Store(db)
    client = BotpressClient(token="sim-token", workspace_id="sim-workspace", base_url=sim_url)
    service = Service(store=store, client=client)
    report = sync_bots(client, store, service.bots(), today=datetime.now(UTC).date(), days=40)
    assert report.ok, report.lines()
    store.close()
    client.close()


def botpress_round_trip(sim_url: str) -> float:
    """Median time of one getBotAnalytics call for today, straight from a client."""
    with BotpressClient(
        token="sim-token", workspace_id="sim-workspace", base_url=sim_url
    ) as client:
        bot = client.list_bots()[0].id
        today = datetime.now(UTC).date()
        times = []
        for _ in range(10):
            started = time.perf_counter()
            fetch_days(client, bot, today, today)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def serve_env(urls: dict[str, str], db: Path, **extra: str) -> dict[str, str]:
    """This environment without Slack or botstats settings, plus the fakes' (and ``extra``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BOTSTATS_"))}
    return env | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": urls["api"],
        "BOTPRESS_TOKEN": "sim-token",
        "BOTPRESS_WORKSPACE_ID": "sim-workspace",
        "BOTPRESS_API_URL": urls["sim"],
        "BOTSTATS_DB": str(db),
        **extra,
    }


#: `botstats serve` on loopback; the caller adds ``--port``.
SERVE = (sys.executable, "-m", "slackbot", "serve", "--host", "127.0.0.1")


def start_ours(port: int, urls: dict[str, str], db: Path) -> subprocess.Popen[bytes]:
    """`botstats serve` pointed at the fakes."""
    log = (db.parent / "serve.log").open("w")  # read back if the run fails
    command = [*SERVE, "--port", str(port)]
    return subprocess.Popen(command, env=serve_env(urls, db), cwd=db.parent, stderr=log)


def start_bare(port: int, urls: dict[str, str]) -> subprocess.Popen[bytes]:
    """The bare Bolt app in its own process."""
    command = [sys.executable, __file__, "--bare", str(port), urls["api"]]
    return subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)


def ack_run(
    name: str, port: int, urls: dict[str, str], concurrency: int, fakes: Connection | None
) -> dict[str, Any]:
    """One ack-latency run of REQUESTS requests; for botstats, also wait for every reply."""
    tag = f"{name.split(maxsplit=1)[0]}-c{concurrency}"
    ids = [f"{tag}-{i}" for i in range(REQUESTS)]
    requests = [raw_request(port, "support 7d", f"{urls['slack']}/respond/{rid}") for rid in ids]
    warm = [
        raw_request(port, "support 7d", f"{urls['slack']}/respond/warm-{tag}-{i}")
        for i in range(20)
    ]
    asyncio.run(load(port, warm, concurrency))
    latencies = asyncio.run(load(port, requests, concurrency))
    replies = len(wait_replies(fakes, set(ids))) if fakes is not None else None
    return {
        "name": name,
        "concurrency": concurrency,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "max": max(latencies) * 1000,
        "replies": replies,
    }


def e2e_run(port: int, urls: dict[str, str], fakes: Connection, text: str, tag: str) -> list[float]:
    """Request -> reply-at-response_url times (ms) of E2E_REQUESTS sequential commands."""
    out: list[float] = []

    async def one(i: int) -> None:
        rid = f"e2e-{tag}-{i}"
        raw = raw_request(port, text, f"{urls['slack']}/respond/{rid}")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sent = time.monotonic()
        await send(reader, writer, raw)
        writer.close()
        arrived = wait_replies(fakes, {rid}, timeout=10)[rid]
        out.append((arrived - sent) * 1000)

    for i in range(E2E_REQUESTS + 3):
        asyncio.run(one(i))
    return out[3:]  # the first ones warm caches


def main() -> int:
    """Run everything and print the report (markdown)."""
    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    fakes_process = context.Process(target=run_fakes, args=(there,), daemon=True)
    fakes_process.start()
    urls: dict[str, str] = here.recv()
    results: list[dict[str, Any]] = []
    with TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        presync(db, urls["sim"])
        round_trip = botpress_round_trip(urls["sim"]) * 1000
        ours_port, bare_port = free_port(), free_port()
        ours, bare = start_ours(ours_port, urls, db), start_bare(bare_port, urls)
        try:
            wait_http(f"http://127.0.0.1:{ours_port}/healthz")
            wait_http(f"http://127.0.0.1:{bare_port}/healthz")
            for concurrency in (1, 16):
                results.append(ack_run("botstats serve", ours_port, urls, concurrency, here))
                results.append(ack_run("bare Bolt app", bare_port, urls, concurrency, None))
            today = e2e_run(ours_port, urls, here, "support today", "today")
            closed = e2e_run(ours_port, urls, here, "support 7d", "closed")
        except BaseException:
            print((Path(tmp) / "serve.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            for process in (ours, bare):
                process.terminate()
                process.wait(timeout=20)
            here.send("stop")
            fakes_process.join(timeout=10)
    report(results, today, closed, round_trip)
    return 0


def verdict(ok: bool) -> str:
    """``met`` or ``MISSED``."""
    return "met" if ok else "MISSED"


def report(
    results: list[dict[str, Any]], today: list[float], closed: list[float], round_trip: float
) -> None:
    """Print the results as markdown, with the targets checked."""
    print(f"Machine: {machine()}")
    print(f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    print(f"Ack latency, {REQUESTS} signed `/botstats support 7d` requests per row (ms):\n")
    print("| server | concurrency | p50 | p99 | max | replies at response_url |")
    print("|---|---|---|---|---|---|")
    for r in results:
        replies = f"{r['replies']}/{REQUESTS}" if r["replies"] is not None else "n/a (ack only)"
        cells = [r["name"], r["concurrency"], f"{r['p50']:.1f}", f"{r['p99']:.1f}"]
        print("| " + " | ".join(map(str, [*cells, f"{r['max']:.1f}", replies])) + " |")
    by = {(r["name"], r["concurrency"]): r for r in results}
    print()
    for c in (1, 16):
        ours, bare = by[("botstats serve", c)], by[("bare Bolt app", c)]
        p50, p99 = bare["p50"] / ours["p50"], bare["p99"] / ours["p99"]
        print(f"- concurrency {c}: the bare app is {p50:.1f}x slower at p50, {p99:.1f}x at p99")
    ours16, bare16 = by[("botstats serve", 16)], by[("bare Bolt app", 16)]
    ratio = bare16["p99"] / ours16["p99"]
    print(f"- target p99 <= 30 ms at 16: {verdict(ours16['p99'] <= 30)} ({ours16['p99']:.1f} ms)")
    print(f"- target >= 5x better than the bare app at 16: {verdict(ratio >= 5)} ({ratio:.1f}x)")
    print(
        f"\nEnd to end (request -> reply at response_url), Botpress latency "
        f"{LATENCY * 1000:.0f} ms, {E2E_REQUESTS} sequential requests (ms):\n"
    )
    print("| case | p50 | p99 | target |")
    print("|---|---|---|---|")
    bound = round_trip + 50
    today_p99, closed_p99 = percentile(today, 99), percentile(closed, 99)
    print(
        f"| period includes today (`support today`, one Botpress call) "
        f"| {statistics.median(today):.1f} | {today_p99:.1f} "
        f"| <= round trip {round_trip:.1f} + 50 = {bound:.1f}: {verdict(today_p99 <= bound)} |"
    )
    print(
        f"| closed days, stored (`support 7d`, no Botpress call) "
        f"| {statistics.median(closed):.1f} | {closed_p99:.1f} "
        f"| < 50: {verdict(closed_p99 < 50)} |"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--bare":
        run_bare(int(sys.argv[2]), sys.argv[3])
        raise SystemExit(0)
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    raise SystemExit(main())
