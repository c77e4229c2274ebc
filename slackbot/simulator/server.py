"""A Botpress Admin API stand-in on loopback: seeded synthetic bots served over real HTTP.

A testing helper shipped in the package (the demo, the tests and the benchmarks use it):
``listBots`` and ``getBotAnalytics`` with Botpress's auth, errors, pagination and
rate-limit headers, records from ``synthetic``, and switchable faults (``fault``) for
exercising the client's error handling. It reads the clock (``clock``), which core code
never does.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from slackbot.clock import system_clock
from slackbot.core.models import BotInfo
from slackbot.simulator.wire import (
    DOWN_HTML,
    GARBAGE_HTML,
    RATE_LIMIT,
    Reply,
    SimRequest,
    decode_token,
    encode_token,
    error_reply,
    json_reply,
    parse_when,
    rate_headers,
)
from slackbot.simulator.workspace import JsonDict, PlantedAnomaly, Workspace

logger = logging.getLogger(__name__)

FAULTS = ("unauthorized", "down", "slow", "garbage", "ratelimited")
MAX_RANGE = timedelta(days=3660)
_BOTS_PATH = re.compile(r"/v1/admin/bots/?")
_ANALYTICS_PATH = re.compile(r"/v1/admin/bots/([^/]+)/analytics/?")


class Simulator:
    """A simulated Botpress workspace on 127.0.0.1; ``with Simulator() as sim: sim.url``."""

    def __init__(
        self,
        *,
        seed: int = 7,
        bot_count: int = 5,
        token: str = "sim-token",  # noqa: S107 - the simulator's own fake token
        workspace_id: str = "sim-workspace",
        today: date | None = None,
        latency: float = 0.0,
        history_days: int = 120,
        page_size: int = 50,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
        slow_seconds: float = 20.0,
    ) -> None:
        if clock is None and today is not None:
            # A pinned day with no clock means a fixed noon: fully reproducible data.
            noon = datetime(today.year, today.month, today.day, 12, tzinfo=UTC)
            clock = lambda: noon  # noqa: E731
        self._clock = clock or system_clock
        self.today = today or self.now().date()
        self.workspace = Workspace.build(
            seed=seed, bot_count=bot_count, today=self.today, history_days=history_days
        )
        self._token, self.workspace_id = token, workspace_id
        self.latency, self.slow_seconds, self.page_size = latency, slow_seconds, page_size
        self.host, self.port = host, port
        self._fault: str | None = None
        #: Faults hit only by one bot's analytics calls (bot id -> one of ``FAULTS``).
        self.bot_faults: dict[str, str] = {}
        self._lock = threading.Lock()
        self._requests: list[SimRequest] = []
        self._window = (0, 0)  # (second, requests in it) for the rate-limit headers
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def __repr__(self) -> str:
        return f"Simulator(bots={len(self.workspace.bots)}, today={self.today}, fault={self.fault})"

    # --- data -------------------------------------------------------------------------
    def now(self) -> datetime:
        """The simulator's current time (UTC); it decides which day is partial."""
        return self._clock().astimezone(UTC)

    @property
    def token(self) -> str:
        """The Personal Access Token the simulator accepts (a fake one, safe to print)."""
        return self._token

    @property
    def bots(self) -> list[BotInfo]:
        """The workspace's bots as ``listBots`` describes them."""
        return [BotInfo.model_validate(b.to_api()) for b in self.workspace.bots]

    @property
    def anomalies(self) -> list[PlantedAnomaly]:
        """The anomalies planted in the data."""
        return list(self.workspace.anomalies)

    def record_for(self, bot_id: str, day: date) -> JsonDict | None:
        """The whole day's record (a split day merged), or None when the day has none."""
        return self.workspace.record(bot_id, day, self.now())

    # --- faults and recorded requests -------------------------------------------------
    @property
    def fault(self) -> str | None:
        """The fault every request hits: None or one of ``FAULTS``."""
        return self._fault

    @fault.setter
    def fault(self, value: str | None) -> None:
        if value is not None and value not in FAULTS:
            raise ValueError(f"unknown fault {value!r}; use None or one of {', '.join(FAULTS)}")
        self._fault = value

    @property
    def requests(self) -> list[SimRequest]:
        """A copy of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def analytics_calls(self) -> int:
        """How many ``getBotAnalytics`` requests arrived (faulted ones included)."""
        return sum(1 for r in self.requests if _ANALYTICS_PATH.fullmatch(r.path))

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    # --- lifecycle --------------------------------------------------------------------
    def start(self) -> Simulator:
        """Bind and serve in a background thread; returns self (no-op when running)."""
        with self._lock:
            if self._server is not None:
                return self
            self._stopping = threading.Event()
            self._server = _Server((self.host, self.port), self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"botpress-simulator:{self._server.server_address[1]}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Interrupt waiting requests, stop serving and close the socket (idempotent)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        server = self._server
        if server is None:
            raise RuntimeError("the simulator is not running; call start() or use `with`")
        return f"http://{self.host}:{server.server_address[1]}"

    # --- request handling -------------------------------------------------------------
    def handle(self, method: str, target: str, headers: Mapping[str, str]) -> Reply:
        """Answer one request (the HTTP handler's only call into the simulator)."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self._requests.append(SimRequest(method, parts.path, query, lowered))
        if self.latency > 0 and self._stopping.wait(self.latency):
            return Reply(503, DOWN_HTML, "text/html")
        reply = self._fault_reply(self._fault_for(parts.path)) or self._route(
            method, parts.path, query, lowered
        )
        return self._with_rate_headers(reply)

    def _fault_for(self, path: str) -> str | None:
        """The workspace-wide fault, else the one set for the bot this path asks about."""
        analytics = _ANALYTICS_PATH.fullmatch(path)
        if self.fault is None and analytics:
            return self.bot_faults.get(unquote(analytics[1]))
        return self.fault

    def _fault_reply(self, fault: str | None) -> Reply | None:
        if fault == "slow" and self._stopping.wait(self.slow_seconds):
            return Reply(503, DOWN_HTML, "text/html")  # stop() interrupted the wait
        if fault == "unauthorized":
            return error_reply(401, "Unauthorized", "Invalid or expired Personal Access Token")
        if fault == "down":
            return Reply(503, DOWN_HTML, "text/html")
        if fault == "garbage":
            return Reply(200, GARBAGE_HTML, "text/html")
        if fault == "ratelimited":
            message = f"Too many requests: over {RATE_LIMIT} per second for this workspace"
            limits = (("Retry-After", "1"), *rate_headers(0))
            return Reply(429, error_reply(429, "RateLimited", message).body, headers=limits)
        return None

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> Reply:
        analytics = _ANALYTICS_PATH.fullmatch(path)
        if method != "GET" or not (analytics or _BOTS_PATH.fullmatch(path)):
            return error_reply(404, "ResourceNotFound", f"No endpoint for {method} {path}")
        if headers.get("authorization") != f"Bearer {self._token}":
            return error_reply(401, "Unauthorized", "Missing or invalid Authorization bearer token")
        if headers.get("x-workspace-id") != self.workspace_id:
            return error_reply(401, "Unauthorized", "Missing or unknown x-workspace-id header")
        if analytics:
            return self._analytics(unquote(analytics[1]), query)
        return self._list_bots(query)

    def _list_bots(self, query: dict[str, str]) -> Reply:
        bots = [] if query.get("dev") == "true" else list(self.workspace.bots)
        offset = decode_token(query["nextToken"]) if query.get("nextToken") else 0
        if offset is None:
            return error_reply(400, "InvalidQuery", "nextToken is not one this API returned")
        end = offset + max(1, self.page_size)
        meta = {"nextToken": encode_token(end)} if end < len(bots) else {}
        return json_reply(200, {"bots": [b.to_api() for b in bots[offset:end]], "meta": meta})

    def _analytics(self, bot_id: str, query: dict[str, str]) -> Reply:
        if bot_id not in {b.id for b in self.workspace.bots}:
            return error_reply(404, "ResourceNotFound", f"Bot {bot_id} not found in this workspace")
        try:
            start = parse_when("startDate", query.get("startDate"))
            end = parse_when("endDate", query.get("endDate"))
        except ValueError as exc:
            return error_reply(400, "InvalidQuery", str(exc))
        if end < start or end - start > MAX_RANGE:
            return error_reply(
                400, "InvalidQuery", "endDate must be after startDate, within 10 years"
            )
        return json_reply(200, {"records": self.workspace.records(bot_id, start, end, self.now())})

    def _with_rate_headers(self, reply: Reply) -> Reply:
        if reply.status == 429 or reply.content_type != "application/json":
            return reply
        second = int(time.monotonic())
        with self._lock:
            used = self._window[1] + 1 if self._window[0] == second else 1
            self._window = (second, used)
        headers = (*reply.headers, *rate_headers(max(0, RATE_LIMIT - used)))
        return Reply(reply.status, reply.body, reply.content_type, headers)


class _Server(ThreadingHTTPServer):
    # Non-daemon handler threads, joined by server_close(): stop() leaves nothing behind.
    daemon_threads = False
    block_on_close = True
    request_queue_size = 128  # the default 5 drops bursts of parallel connects (1 s SYN retry)

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        super().__init__(address, _Handler)
        self.simulator = simulator


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 5.0  # an idle client cannot keep a handler thread (and stop()) waiting

    def do_GET(self) -> None:
        """Serve one request."""
        try:
            reply = self.server.simulator.handle(self.command, self.path, dict(self.headers))
        except Exception:
            logger.exception("simulator: failed to answer %s %s", self.command, self.path)
            reply = error_reply(500, "InternalError", "The simulator failed; see its log")
        try:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("simulator: client went away before the reply to %s", self.path)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Send http.server's access log to logging at debug level, not stderr."""
        logger.debug("simulator: " + format, *args)
