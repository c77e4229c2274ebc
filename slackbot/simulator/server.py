"""A Botpress Admin API stand-in on loopback: seeded synthetic bots served over real HTTP.

A testing helper shipped in the package (the demo, the tests and the benchmarks use it):
``listBots`` and ``getBotAnalytics`` with Botpress's auth, errors, pagination and
rate-limit headers, records from ``synthetic``, and switchable faults for exercising the
client's error handling. It reads the clock (``clock``), which core code never does.

Faults (every mode is listed in ``simulator.faults``: 401, 429 with ``Retry-After`` or
``RateLimit-Reset``, 500/502/503/504, a hang, a connection closed before or halfway
through the body, truncated JSON, an HTML page, JSON with the wrong types):

- ``sim.fault = "down"``: every request hits it until set back to None;
- ``sim.bot_faults[bot_id] = "down"``: that bot's analytics calls hit it until removed;
- ``sim.inject("down", times=2, bot_id=None)``: the next 2 requests (of every kind, or
  of one bot's analytics) hit it, then Botpress is back; ``sim.clear_faults()`` ends all.

Each recorded request (``sim.requests``) names the fault it hit. A handler that fails
answers 500 and is recorded in ``sim.errors``, so a test can fail on it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from urllib.parse import parse_qsl, unquote, urlsplit

from slackbot.clock import system_clock
from slackbot.core.models import BotInfo
from slackbot.simulator.faults import FAULTS, FaultBook, fault_reply, mangle
from slackbot.simulator.http import SimServer
from slackbot.simulator.wire import (
    DOWN_HTML,
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

__all__ = ["FAULTS", "Simulator"]

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
        self._faults = FaultBook()
        #: Seconds the 429 faults ask the client to wait.
        self.retry_after = 1
        #: Tracebacks of requests the simulator failed to answer (it answered them 500).
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._requests: list[SimRequest] = []
        self._window = (0, 0)  # (second, requests in it) for the rate-limit headers
        self._server: SimServer | None = None
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
        armed = self._faults.everywhere
        return armed.name if armed is not None else None

    @fault.setter
    def fault(self, value: str | None) -> None:
        self._faults.arm(value)

    @property
    def bot_faults(self) -> dict[str, str]:
        """Faults hit only by one bot's analytics calls (bot id -> one of ``FAULTS``)."""
        return self._faults.bots

    def inject(self, fault: str, *, times: int | None = None, bot_id: str | None = None) -> None:
        """Make the next ``times`` requests (None: all, until cleared) hit ``fault``: every
        request, or only ``bot_id``'s analytics calls; then the fault clears itself."""
        self._faults.arm(fault, times=times, bot_id=bot_id)

    def clear_faults(self) -> None:
        """Answer every request normally again."""
        self._faults.clear()

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
            self._server = SimServer((self.host, self.port), self)
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
        analytics = _ANALYTICS_PATH.fullmatch(parts.path)
        fault = self._faults.take(unquote(analytics[1]) if analytics else None)
        with self._lock:
            self._requests.append(SimRequest(method, parts.path, query, lowered, fault))
        if self.latency > 0 and self._stopping.wait(self.latency):
            return Reply(503, DOWN_HTML, "text/html")
        if fault == "slow" and self._stopping.wait(self.slow_seconds):
            return Reply(503, DOWN_HTML, "text/html")  # stop() interrupted the wait
        replaced = fault_reply(fault, retry_after=self.retry_after) if fault else None
        if replaced is not None:
            return self._with_rate_headers(replaced)
        reply = self._with_rate_headers(self._route(method, parts.path, query, lowered))
        return mangle(fault, reply)

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
        return replace(reply, headers=headers)
