"""HTTP front: one Starlette app under uvicorn (one worker) and ``botstats serve``.

Routes: ``POST /slack/events`` (Slack's slash commands, actions and events, through Bolt),
``GET /healthz`` (200 when botstats can read and write its database file, else 503 with
the reason in ``db``: ``missing``, ``replaced``, ``read-only``, ``corrupt``, ``locked`` or
``unavailable``, and the sentence to act on in ``dbProblem``; the body also names the
state of Botpress: ``ok``, ``unauthorized``, ``down``, or ``unknown`` before the first call)
and ``GET /metrics`` (Prometheus text). In Socket Mode (SLACK_APP_TOKEN set) Slack's
requests arrive over a websocket instead, and the HTTP server still serves /healthz and
/metrics for Docker's HEALTHCHECK and for scraping.
"""

from __future__ import annotations

import errno
import logging
import math
import socket
import threading
import time
from collections.abc import Callable
from typing import Literal, Protocol, TypeAlias

import uvicorn
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_sdk.errors import SlackApiError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from slackbot import __version__
from slackbot.charts.worker import ChartWorker
from slackbot.config import Settings
from slackbot.errors import ConfigError, ServeError, SettingProblem
from slackbot.runtime import build_service, build_tick
from slackbot.scheduler import scheduler_state, start_scheduler
from slackbot.service import Service
from slackbot.slack.app import build_app, build_web_client
from slackbot.slack.context import DEFAULT_WORKERS, RECEIVED_AT
from slackbot.slack.poster import SlackPoster
from slackbot.slack.shutdown import CountingPool, Deadline, Parts, Server, exit_now, wind_down
from slackbot.slack.telemetry import Telemetry
from slackbot.store import Store

log = logging.getLogger(__name__)

Mode: TypeAlias = Literal["http", "socket"]
BOTPRESS_REQUIRED = ("BOTPRESS_TOKEN", "BOTPRESS_WORKSPACE_ID")
REQUIRED: dict[Mode, tuple[str, ...]] = {
    "http": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", *BOTPRESS_REQUIRED),
    "socket": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", *BOTPRESS_REQUIRED),
}
#: Slack's payloads are a few kB; anything far bigger is refused before it is verified.
MAX_BODY = 1 << 20
#: How much of an oversized body is read (and dropped) before the 413 goes out.
DRAIN_MAX = 8 * MAX_BODY
DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 3000
#: Botpress states that make /healthz say "degraded" (still 200).
BOTPRESS_BAD = frozenset({"unauthorized", "down"})


class BotpressHealth(Protocol):
    """What /healthz reads: the outcome of the last Botpress call (``BotpressClient``)."""

    @property
    def health(self) -> str:
        """``ok``, ``unauthorized``, ``down`` or ``unknown``."""


def select_mode(settings: Settings) -> Mode:
    """Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode."""
    return "socket" if settings.socket_mode else "http"


def required_settings(mode: Mode) -> tuple[str, ...]:
    """The variables ``botstats serve`` needs in ``mode``."""
    return REQUIRED[mode]


def create_web_app(
    bolt: App | None,
    *,
    store: Store,
    telemetry: Telemetry,
    mode: Mode = "http",
    botpress: BotpressHealth | None = None,
    scheduler: Callable[[], str] | None = None,
) -> Starlette:
    """The ASGI app; ``bolt`` None (Socket Mode) serves only /healthz and /metrics.

    ``botpress`` (the Botpress client) tells /healthz how the last Botpress call went;
    ``scheduler`` says whether the tick is running.
    """

    async def slack_events(request: Request) -> Response:
        received = time.perf_counter()
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            if int(declared) <= DRAIN_MAX:
                await read_body(request)  # dropped: only so the client reads the 413
            return too_large()
        body = await read_body(request)
        if body is None:
            return too_large()
        stamp = request.headers.get("x-slack-request-timestamp")
        if stamp is not None and not (stamp.isascii() and stamp.isdigit()):
            # slack_sdk's verifier would raise on it (a 500 and a traceback per request).
            return JSONResponse({"error": "invalid request"}, status_code=401)
        bolt_request = BoltRequest(
            body=body.decode("utf-8", errors="replace"),
            query=request.url.query,
            headers=dict(request.headers),
            context={RECEIVED_AT: received},
        )
        # Bolt's own Starlette adapter calls the sync App.dispatch on the event loop, which
        # would serialise every request; a worker thread keeps the loop free.
        assert bolt is not None
        response = await run_in_threadpool(bolt.dispatch, bolt_request)
        return to_starlette_response(response)

    async def healthz(request: Request) -> Response:
        db = await run_in_threadpool(store.health)
        state = botpress.health if botpress is not None else "unknown"
        body = {
            "status": "error" if not db.ok else "degraded" if state in BOTPRESS_BAD else "ok",
            "db": db.reason,
            "botpress": state,
            "scheduler": scheduler() if scheduler is not None else "off",
            "mode": mode,
            "version": __version__,
        }
        if db.problem:
            body["dbProblem"] = db.problem  # the sentence an operator acts on
        # 503 only for the database: a restart cannot mend a revoked token (DESIGN §1).
        return JSONResponse(body, status_code=200 if db.ok else 503)

    async def metrics(request: Request) -> Response:
        return Response(telemetry.render(), media_type=telemetry.content_type)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    if bolt is not None:
        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
    return Starlette(routes=routes)


async def read_body(request: Request) -> bytes | None:
    """The request's body, or None when it passes MAX_BODY (a chunked body declares no
    length). Past the limit nothing more is kept: the rest is read and dropped up to
    DRAIN_MAX, so the client can read the 413 (closing on unread data resets the
    connection), and past that it is left unread."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > DRAIN_MAX:
            break
        if size <= MAX_BODY:
            chunks.append(chunk)
    return b"".join(chunks) if size <= MAX_BODY else None


def too_large() -> Response:
    """413, closing the connection: the unread rest of the body must not be taken as the
    next request."""
    return PlainTextResponse("payload too large", status_code=413, headers={"Connection": "close"})


def serve(settings: Settings, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Run the Slack app until SIGTERM or Ctrl-C; returns the exit code (0 for a stop by
    signal; when BOTSTATS_SHUTDOWN_GRACE_S runs out with work running, it exits 0 at once)."""
    mode = select_mode(settings)
    settings.require(*required_settings(mode))
    # The port first: when it is taken, say so before anything else starts.
    listener = listen(host, port)
    try:
        return _serve(settings, mode, listener, host=host, port=port)
    finally:
        listener.close()


def _serve(settings: Settings, mode: Mode, listener: socket.socket, *, host: str, port: int) -> int:
    """``serve`` once the port is ``listener``'s: build the app, run it, wind it down."""
    service = build_service(settings)
    pool = CountingPool(DEFAULT_WORKERS, thread_name_prefix="botstats-work")
    parts = Parts(service, pool, ChartWorker(), started=service.clock())
    deadline = Deadline(settings.botstats_shutdown_grace_s)
    try:
        _run(settings, mode, parts, deadline, listener, host=host, port=port)
    finally:
        clean = wind_down(parts, deadline)
    log.info("botstats stopped in %.1f s", deadline.elapsed())
    if not clean:
        exit_now(0)  # threads stuck in a Slack or Botpress call cannot be joined
    return 0


def _run(
    settings: Settings,
    mode: Mode,
    parts: Parts,
    deadline: Deadline,
    listener: socket.socket,
    *,
    host: str,
    port: int,
) -> None:
    """Start the app's parts (kept in ``parts``) and serve until a signal."""
    service = parts.service
    telemetry = Telemetry(botpress=service.client)
    # Replies make one Botpress attempt: a slow Botpress must not hold a reply (DESIGN §3).
    replies = service.for_replies()
    bolt = build_app(settings, replies, executor=parts.pool, telemetry=telemetry)
    web = create_web_app(
        bolt if mode == "http" else None,
        store=service.store,
        telemetry=telemetry,
        mode=mode,
        botpress=service.client,
        scheduler=lambda: scheduler_state(parts.scheduler),
    )
    if mode == "socket":
        parts.socket_mode = connect_socket_mode(bolt, settings)
    # Ask Botpress once now, off the main thread: /healthz and the log know at once
    # whether the token works, and the first /botstats finds the bots listed.
    threading.Thread(
        target=warm_up, args=(service, replies), name="botstats-warmup", daemon=True
    ).start()
    poster = SlackPoster(build_web_client(settings), workspace=service.store.workspace)
    tick = build_tick(settings, service, poster, charts=parts.charts)
    parts.scheduler = start_scheduler(tick, tz=settings.timezone, now=service.clock())
    log.info(
        "botstats %s serving in %s mode on http://%s:%d (%s)",
        __version__,
        "Socket" if mode == "socket" else "HTTP",
        host,
        port,
        "GET /healthz, GET /metrics"
        if mode == "socket"
        else "POST /slack/events, GET /healthz, GET /metrics",
    )
    run_uvicorn(web, host=host, port=port, sock=listener, deadline=deadline)


def connect_socket_mode(bolt: App, settings: Settings) -> SocketModeHandler:
    """Open the Socket Mode connection (non-blocking); ConfigError if Slack refuses the token."""
    assert settings.slack_app_token is not None
    handler = SocketModeHandler(bolt, app_token=settings.slack_app_token.get_secret_value())
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except (SlackApiError, OSError) as exc:
        problem = f"Slack refused the Socket Mode connection ({type(exc).__name__}: {exc})"
        raise ConfigError([SettingProblem("SLACK_APP_TOKEN", problem)]) from None
    return handler


def warm_up(service: Service, *others: Service) -> None:
    """List the bots once at start (for ``others`` too, quietly); a failure is logged (it is
    said again with every answer)."""
    try:
        bots = service.bots()
        for other in others:
            other.bots()
    except Exception as exc:  # logged, never fatal: the server runs on
        log.warning("Botpress could not list the bots at start: %s", exc)
        return
    for warning in service.warnings():
        log.warning("%s", warning)
    log.info("tracking %d bot(s)", len(bots))


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound and listening on ``host:port``; ServeError in one sentence if not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            message = (
                f"Port {port} is already in use on {host}; stop the other process or pass --port."
            )
        else:
            message = (
                f"botstats cannot listen on {host}:{port} ({exc.strerror or exc}); "
                "pass another --host or --port."
            )
        raise ServeError(message, host=host, port=port) from None
    return sock


def run_uvicorn(
    app: Starlette,
    *,
    host: str,
    port: int,
    sock: socket.socket | None = None,
    deadline: Deadline | None = None,
) -> None:
    """Serve ``app`` with one uvicorn worker until SIGINT/SIGTERM, shutting down gracefully.

    ``sock``: a socket already listening (``listen``), so a taken port is found before.
    ``deadline``: the stop's grace, started by the first signal (default: 20 s); open
    connections get that long (rounded up to a second) and a second signal cuts it short.
    """
    deadline = deadline or Deadline(20.0)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        workers=1,
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=math.ceil(deadline.grace),
        log_level="warning",
    )
    Server(config, deadline).run(sockets=[sock] if sock is not None else None)
