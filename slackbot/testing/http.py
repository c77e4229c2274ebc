"""HTTP plumbing of ``testing.FakeSlack``: a threaded server that hands requests to a backend.

A Web API call is answered with an ``Answer``: a JSON body, an HTML page (a ``str``: what
a load balancer in front of Slack sends when it is down) or raw bytes sent as JSON (a
truncated body). Its ``wire`` says how much reaches the client: all of it, the headers
and half the body before the connection closes (``cut``), or nothing at all (``none``: a
connection lost after the request was sent).
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Protocol
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger(__name__)

JsonDict = dict[str, Any]
#: How much of an answer is sent: all, half its body then a hang-up, or only the hang-up.
Wire = Literal["whole", "cut", "none"]


@dataclass(frozen=True)
class Answer:
    """One Web API answer: status, body, extra headers, and how much of it is sent."""

    status: int
    body: JsonDict | str | bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    wire: Wire = "whole"

    def encoded(self) -> tuple[bytes, str]:
        """The body's bytes and its content type."""
        if isinstance(self.body, str):
            return self.body.encode(), "text/html; charset=utf-8"
        if isinstance(self.body, bytes):
            return self.body, "application/json"
        return json.dumps(self.body).encode(), "application/json"


class Backend(Protocol):
    """What the server asks of the fake: answer Web API calls and response_url POSTs."""

    errors: list[str]

    def handle_api(self, method: str, body: JsonDict, headers: dict[str, str]) -> Answer:
        """The answer to one Web API call."""
        ...

    def handle_upload(self, file_id: str, data: bytes) -> int:
        """The status for the bytes POSTed to one file's upload URL."""
        ...

    def handle_response(self, response_id: str, body: JsonDict) -> int:
        """The status for one response_url POST."""
        ...


class FakeServer(ThreadingHTTPServer):
    """A threaded HTTP server whose every request is answered by ``fake``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: Backend) -> None:
        super().__init__(address, _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Record what broke a handler in ``fake.errors`` (a client hanging up is not a bug)."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        logger.exception("fake slack: a request handler failed")
        self.fake.errors.append(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer
    protocol_version = "HTTP/1.1"
    timeout = 5.0

    def do_POST(self) -> None:
        """Answer a Web API call, a response_url POST or a file upload."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        path = split.path
        headers = {k.lower(): v for k, v in self.headers.items()}
        if path.startswith("/api/"):
            # A GET call (users.conversations) carries its arguments in the query string.
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            answer = self.server.fake.handle_api(
                path[5:], {**query, **parse_body(raw, headers)}, headers
            )
            self._answer(answer)
        elif path.startswith("/respond/"):
            status = self.server.fake.handle_response(path[9:], parse_body(raw, headers))
            self._send(status, b"ok" if status < 400 else b"error", "text/plain")
        elif path.startswith("/upload/"):
            status = self.server.fake.handle_upload(path[8:], raw)
            self._send(status, f"OK - {len(raw)}".encode(), "text/plain")
        else:
            self._send(404, b"not found", "text/plain")

    do_GET = do_POST

    def _answer(self, answer: Answer) -> None:
        if answer.wire == "none":
            self.close_connection = True  # hang up with no status line
            return
        body, content_type = answer.encoded()
        if answer.wire == "cut":
            # The whole body's Content-Length, half its bytes, then the hang-up.
            self.close_connection = True
            self._send(answer.status, body, content_type, answer.headers, cut=True)
        else:
            self._send(answer.status, body, content_type, answer.headers)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra: Mapping[str, str] | None = None,
        *,
        cut: bool = False,
    ) -> None:
        try:
            self.send_response(status)
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if cut else body)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("fake slack: client went away before the reply to %s", self.path)

    def log_message(self, format: str, *args: Any) -> None:
        """Send http.server's access log to logging at debug level, not stderr."""
        logger.debug("fake slack: " + format, *args)


def parse_body(raw: bytes, headers: dict[str, str]) -> JsonDict:
    """A JSON body as a dict; a form body as a dict of its (last) values."""
    text = raw.decode("utf-8", errors="replace")
    if "json" in headers.get("content-type", ""):
        try:
            value = json.loads(text) if text else {}
        except json.JSONDecodeError:
            return {"_raw": text}
        return value if isinstance(value, dict) else {"_json": value}
    return dict(parse_qsl(text, keep_blank_values=True))
