"""HTTP plumbing of the simulator: a threaded server that sends each ``Reply`` as its
``wire`` says (whole, cut halfway through the body, or not at all)."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from slackbot.simulator.wire import Reply, error_reply

logger = logging.getLogger("slackbot.simulator.server")


class Backend(Protocol):
    """What the server asks of the simulator."""

    errors: list[str]

    def handle(self, method: str, target: str, headers: Mapping[str, str]) -> Reply:
        """The reply to one request."""
        ...


class SimServer(ThreadingHTTPServer):
    """A threaded HTTP server whose every request ``backend`` answers."""

    # Non-daemon handler threads, joined by server_close(): stop() leaves nothing behind.
    daemon_threads = False
    block_on_close = True
    request_queue_size = 128  # the default 5 drops bursts of parallel connects (1 s SYN retry)

    def __init__(self, address: tuple[str, int], simulator: Backend) -> None:
        super().__init__(address, _Handler)
        self.simulator = simulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Record what broke a handler (a client hanging up is no error of ours)."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        logger.exception("simulator: a request handler failed")
        self.simulator.errors.append(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    server: SimServer
    timeout = 5.0  # an idle client cannot keep a handler thread (and stop()) waiting

    def do_GET(self) -> None:
        """Serve one request, as much of it as the reply's ``wire`` says."""
        try:
            reply = self.server.simulator.handle(self.command, self.path, dict(self.headers))
        except Exception:
            logger.exception("simulator: failed to answer %s %s", self.command, self.path)
            self.server.simulator.errors.append(traceback.format_exc())
            reply = error_reply(500, "InternalError", "The simulator failed; see its log")
        self.close_connection = True
        if reply.wire == "none":
            return  # hang up without a status line
        body = reply.body[: len(reply.body) // 2] if reply.wire == "cut" else reply.body
        try:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Type", reply.content_type)
            # The whole body's length even when cut: the client must see a short read.
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("simulator: client went away before the reply to %s", self.path)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Send http.server's access log to logging at debug level, not stderr."""
        logger.debug("simulator: " + format, *args)
