"""Testing helpers shipped with the package: a fake Slack Web API and signed slash commands.

``FakeSlack`` is a threaded ``http.server`` on 127.0.0.1 that answers the Web API methods
botstats calls (anything else gets ``{"ok": true}``), records every call, and serves
``response_url`` sinks so a test can wait for the reply to a slash command. Point a
``WebClient(base_url=fake.api_url)`` at it. ``signed_command_request`` builds a slash
command body and headers exactly as Slack sends and signs them.

Channels and scopes (rules in ``testing.slack_channels``): ``add_channel(id, name=,
member=, private=, archived=, users=)`` (``users``: who users.conversations lists in
it), ``remove_channel(id)`` (then ``channel_not_found``), ``scopes`` (a live set, the
manifest's by default); channels never declared accept everything. What the calls did:
``posted(channel)`` (each chat.postMessage Slack took there: ts and body, as chat.update
left it), ``uploads`` (file id -> bytes), ``files``, ``is_member(channel)``;
chat.getPermalink answers
``https://botstats-test.slack.com/archives/{channel}/p{ts without its dot}``.

Faults, for the next ``times`` calls of a method: ``rate_limit`` (429 + Retry-After),
``fail`` (``ok: false``), ``hang`` (answer late: the call still takes effect, for client
timeouts), ``drop`` (take effect, then hang up unanswered). ``go_down(status)`` answers
every Web API call with that status and an HTML page until ``come_back()``. Every state
change happens under one ``threading.Condition``: drive it from the test thread freely.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from slackbot.clock import system_clock
from slackbot.testing.http import NO_ANSWER, FakeServer, JsonDict
from slackbot.testing.server import ServerThread, free_port
from slackbot.testing.slack_channels import Channel, SlackMessage, UploadedFile, Workspace

__all__ = [
    "Channel",
    "FakeSlack",
    "ResponseCall",
    "ServerThread",
    "SlackCall",
    "SlackMessage",
    "UploadedFile",
    "free_port",
    "signed_command_request",
    "signed_headers",
]


@dataclass(frozen=True)
class SlackCall:
    """One Web API call: the method (``chat.postMessage``), its JSON or form body, headers."""

    method: str
    body: JsonDict
    headers: dict[str, str]


@dataclass(frozen=True)
class ResponseCall:
    """One POST to a ``response_url`` sink: id, JSON body, status answered, arrival time.

    ``at`` is ``time.monotonic()`` on arrival: comparable across processes of one machine.
    """

    id: str
    body: JsonDict
    status: int
    at: float = 0.0


@dataclass
class _Fault:
    remaining: int
    status: int
    body: JsonDict
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Delay:
    remaining: int
    seconds: float  # 0: hang up without answering


#: What a load balancer in front of a down Slack answers: not the Web API's JSON.
DOWN_PAGE = "<html><head><title>Slack is down</title></head><body>Service Unavailable</body></html>"


class FakeSlack:
    """A fake Slack Web API and response_url sink on loopback; ``with FakeSlack() as s: ...``."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        #: Status every response_url sink answers (set 500 to test delivery failures).
        self.respond_status = 200
        self._cond = threading.Condition()
        self._calls: list[SlackCall] = []
        self._responses: list[ResponseCall] = []
        self._faults: dict[str, _Fault] = {}
        self._delays: dict[str, _Delay] = {}
        self._down: int | None = None
        self._stopping = False
        self._workspace = Workspace()
        self._response_faults: list[int] = []
        self._ts = 0
        self._server: FakeServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------
    def start(self) -> FakeSlack:
        """Bind and serve in a background thread; returns self."""
        if self._server is None:
            with self._cond:
                self._stopping = False
            self._server = FakeServer((self.host, self.port), self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"fake-slack:{self._server.server_address[1]}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent); cuts every ``hang`` short."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
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
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; call start() or use `with`")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, for ``WebClient(base_url=...)`` or ``SLACK_API_URL``."""
        return f"{self.url}/api/"

    def url_for_response(self, response_id: str) -> str:
        """A ``response_url`` whose POSTs are recorded under ``response_id``."""
        return f"{self.url}/respond/{response_id}"

    # --- faults -----------------------------------------------------------------------
    def rate_limit(
        self, method: str = "chat.postMessage", *, retry_after: int = 1, times: int = 1
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 ``ratelimited``, Retry-After."""
        with self._cond:
            self._faults[method] = _Fault(
                times, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
            )

    def fail(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": error}``."""
        with self._cond:
            self._faults[method] = _Fault(times, 200, {"ok": False, "error": error})

    def hang(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` after ``seconds``; they take effect."""
        with self._cond:
            self._delays[method] = _Delay(times, max(seconds, 0.001))

    def drop(self, method: str, *, times: int = 1) -> None:
        """Let the next ``times`` calls of ``method`` take effect, then hang up unanswered."""
        with self._cond:
            self._delays[method] = _Delay(times, 0.0)

    def go_down(self, status: int = 503) -> None:
        """Answer every Web API call with ``status`` and an HTML page until ``come_back()``."""
        with self._cond:
            self._down = status

    def come_back(self) -> None:
        """Answer Web API calls normally again after ``go_down``."""
        with self._cond:
            self._down = None

    def fail_responses(self, status: int, *, times: int = 1) -> None:
        """Answer the next ``times`` response_url POSTs with ``status``, then as usual."""
        with self._cond:
            self._response_faults.extend([status] * times)

    # --- the workspace ----------------------------------------------------------------
    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        member: bool = True,
        private: bool = False,
        archived: bool = False,
        users: Iterable[str] = (),
    ) -> None:
        """Declare a channel, so calls naming it are judged as Slack would; ``users`` are
        the people in it, as users.conversations lists them."""
        channel = Channel(
            channel_id, name or channel_id.lower(), member, private, archived, set(users)
        )
        with self._cond:
            self._workspace.add_channel(channel)

    def remove_channel(self, channel_id: str) -> None:
        """Delete a channel: every call naming it answers ``channel_not_found``."""
        with self._cond:
            self._workspace.remove_channel(channel_id)

    @property
    def scopes(self) -> set[str]:
        """The bot token's scopes (the live set: add or discard to change them)."""
        return self._workspace.scopes

    @scopes.setter
    def scopes(self, value: set[str]) -> None:
        with self._cond:
            self._workspace.scopes = set(value)

    def is_member(self, channel_id: str) -> bool:
        """Whether the bot is in a declared channel (True for one never declared)."""
        with self._cond:
            channel = self._workspace.channels.get(channel_id)
            return channel is None or channel.member

    def posted(self, channel: str) -> list[SlackMessage]:
        """The messages chat.postMessage posted in ``channel``, oldest first, as last edited."""
        with self._cond:
            return [m for m in self._workspace.messages if m.channel == channel]

    @property
    def uploads(self) -> dict[str, bytes]:
        """The bytes POSTed to each file's upload URL, by file id."""
        with self._cond:
            return {f.id: f.data for f in self._workspace.files.values() if f.data}

    @property
    def files(self) -> list[UploadedFile]:
        """Every file whose upload started, with its bytes and where it was shared."""
        with self._cond:
            return list(self._workspace.files.values())

    # --- what was received ------------------------------------------------------------
    @property
    def calls(self) -> list[SlackCall]:
        """Every Web API call so far, oldest first."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[SlackCall]:
        """The calls of one Web API method."""
        return [c for c in self.calls if c.method == method]

    @property
    def responses(self) -> list[ResponseCall]:
        """Every POST to a response_url sink so far, oldest first."""
        with self._cond:
            return list(self._responses)

    def responses_for(self, response_id: str) -> list[ResponseCall]:
        """The POSTs to one response_url sink."""
        return [r for r in self.responses if r.id == response_id]

    def wait_for_responses(self, count: int = 1, *, timeout: float = 5.0) -> list[ResponseCall]:
        """Block until at least ``count`` responses arrived; TimeoutError after ``timeout``."""
        return self._wait(lambda: self._responses, count, timeout, "response_url POSTs")

    def wait_for_response(self, response_id: str, *, timeout: float = 5.0) -> ResponseCall:
        """The first POST to one response_url sink, waiting up to ``timeout`` for it."""
        found: list[ResponseCall] = self._wait(
            lambda: [r for r in self._responses if r.id == response_id],
            1,
            timeout,
            f"POSTs to response_url {response_id!r}",
        )
        return found[0]

    def wait_for_calls(
        self, method: str, count: int = 1, *, timeout: float = 5.0
    ) -> list[SlackCall]:
        """Block until ``method`` was called ``count`` times; TimeoutError after ``timeout``."""
        return self._wait(
            lambda: [c for c in self._calls if c.method == method],
            count,
            timeout,
            f"{method} calls",
        )

    def _wait(
        self, items: Callable[[], list[Any]], count: int, timeout: float, what: str
    ) -> list[Any]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(items()) >= count, timeout=timeout):
                raise TimeoutError(
                    f"FakeSlack saw {len(items())} {what} in {timeout} s, not {count}"
                )
            return list(items())

    # --- request handling (called from the server's threads) --------------------------
    def handle_api(
        self, method: str, body: JsonDict, headers: dict[str, str]
    ) -> tuple[int, JsonDict | str, dict[str, str]]:
        """Record one Web API call and answer it (status, JSON body or page, extra headers)."""
        with self._cond:
            self._calls.append(SlackCall(method, body, headers))
            self._cond.notify_all()
            answer = self._judge(method, body)
            delay = self._delays.get(method)
            if delay is None or delay.remaining <= 0:
                return answer
            delay.remaining -= 1
            if delay.seconds == 0:
                return NO_ANSWER, {}, {}
            # Waiting on the condition releases the lock, and stop() cuts it short.
            self._cond.wait_for(lambda: self._stopping, timeout=delay.seconds)
        return answer

    def _judge(self, method: str, body: JsonDict) -> tuple[int, JsonDict | str, dict[str, str]]:
        if self._down is not None:
            return self._down, DOWN_PAGE, {}
        fault = self._faults.get(method)
        if fault is not None and fault.remaining > 0:
            fault.remaining -= 1
            return fault.status, fault.body, fault.headers
        self._ts += 1
        ts = f"{1_700_000_000 + self._ts}.{self._ts:06d}"
        return 200, self._workspace.answer(method, body, ts, upload_base=f"{self.url}/upload"), {}

    def handle_upload(self, file_id: str, data: bytes) -> int:
        """Record the bytes POSTed to a file's upload URL; 404 for a URL never handed out."""
        with self._cond:
            known = self._workspace.receive(file_id, data)
            self._cond.notify_all()
        return 200 if known else 404

    def handle_response(self, response_id: str, body: JsonDict) -> int:
        """Record one POST to a response_url sink; the status to answer."""
        with self._cond:
            status = self._response_faults.pop(0) if self._response_faults else self.respond_status
            self._responses.append(ResponseCall(response_id, body, status, time.monotonic()))
            self._cond.notify_all()
        return status


def signed_command_request(
    secret: str,
    text: str,
    *,
    user_id: str = "U0TESTUSER",
    channel_id: str = "C0TESTCHAN",
    response_url: str,
    timestamp: int | None = None,
    command: str = "/botstats",
    team_id: str = "T0TEST",
    enterprise_id: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A slash command's form body and headers, signed as Slack signs them (``v0=`` HMAC).

    Fields come in Slack's order; ``enterprise_id`` is only sent when given, as Slack only
    sends it from Enterprise Grid workspaces.
    """
    fields = [
        ("team_id", team_id),
        ("team_domain", "botstats-test"),
        *([("enterprise_id", enterprise_id)] if enterprise_id else []),
        ("channel_id", channel_id),
        ("channel_name", "botstats-test"),
        ("user_id", user_id),
        ("user_name", "tester"),
        ("command", command),
        ("text", text),
        ("api_app_id", "A0BOTSTATS"),
        ("is_enterprise_install", "false"),
        ("response_url", response_url),
        ("trigger_id", f"{int(system_clock().timestamp())}.1234.abcdef0123456789"),
    ]
    body = urlencode(fields).encode()
    return body, signed_headers(secret, body, timestamp=timestamp)


def signed_headers(
    secret: str,
    body: bytes,
    *,
    content_type: str = "application/x-www-form-urlencoded",
    timestamp: int | None = None,
) -> dict[str, str]:
    """The headers Slack sends with ``body``: content type, timestamp and ``v0=`` signature."""
    stamp = str(int(system_clock().timestamp()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body) or ""
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
