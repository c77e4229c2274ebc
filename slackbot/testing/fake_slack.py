"""Testing helpers shipped with the package: a fake Slack Web API and signed slash commands.

``FakeSlack`` is a threaded ``http.server`` on 127.0.0.1 that answers the Web API methods
botstats calls (anything else gets ``{"ok": true}``), records every call, and serves
``response_url`` sinks so a test can wait for the reply to a slash command. Point a
``WebClient(base_url=fake.api_url)`` at it. ``signed_command_request`` builds a slash
command body and headers exactly as Slack sends and signs them (``testing.signing``).

Channels and scopes (rules in ``testing.slack_channels``): ``add_channel(id, name=,
member=, private=, archived=, users=)`` (``users``: who users.conversations lists in
it), ``remove_channel(id)`` (then ``channel_not_found``), ``scopes`` (a live set, the
manifest's by default); channels never declared accept everything. What the calls did:
``posted(channel)`` (each chat.postMessage Slack took there: ts and body, as chat.update
left it), ``uploads`` (file id -> bytes), ``files``, ``is_member(channel)``;
chat.getPermalink answers
``https://botstats-test.slack.com/archives/{channel}/p{ts without its dot}``.

Faults (``testing.slack_faults``), each for the next ``times`` calls of a method, after
which Slack answers normally again. Refused, taking no effect: ``rate_limit`` (429 with
``Retry-After``, or ``header="RateLimit-Reset"``), ``fail`` (``ok: false``), ``http_error``
(500/502/503/504 with an HTML page), ``html_page`` (200 with an HTML page: not the Web
API). Taking effect, then the answer is spoiled: ``hang`` (answer late, for client
timeouts), ``drop`` (hang up unanswered), ``cut`` (hang up halfway through the body),
``truncate`` (complete, but the JSON stops halfway), ``wrong_types`` (the right keys with
the wrong types). ``go_down(status, times=None)`` answers every Web API call with that
status and an HTML page until ``come_back()`` (or for ``times`` calls);
``fail_responses(status, times=)`` does it to response_url POSTs. Every state change
happens under one ``threading.Condition``: drive it from the test thread freely. A
handler that crashes is recorded in ``errors``, so a test can fail on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from slackbot.testing.http import Answer, FakeServer, JsonDict
from slackbot.testing.server import ServerThread, free_port
from slackbot.testing.signing import signed_command_request, signed_headers
from slackbot.testing.slack_channels import Channel, SlackMessage, UploadedFile, Workspace
from slackbot.testing.slack_faults import FaultControls, SlackFaults, spoiled

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


class FakeSlack(FaultControls):
    """A fake Slack Web API and response_url sink on loopback; ``with FakeSlack() as s: ...``."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        #: Status every response_url sink answers (set 500 to test delivery failures).
        self.respond_status = 200
        self._cond = threading.Condition()
        self._calls: list[SlackCall] = []
        self._responses: list[ResponseCall] = []
        self._faults = SlackFaults()
        #: Tracebacks of requests the fake failed to handle (a bug in the fake or a test).
        self.errors: list[str] = []
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

    # --- faults (the others are FaultControls') -------------------------------------
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
    def handle_api(self, method: str, body: JsonDict, headers: dict[str, str]) -> Answer:
        """Record one Web API call and answer it (or not, as an armed fault says)."""
        with self._cond:
            self._calls.append(SlackCall(method, body, headers))
            self._cond.notify_all()
            refused = self._faults.refusal(method)
            if refused is not None:
                return refused
            self._ts += 1
            ts = f"{1_700_000_000 + self._ts}.{self._ts:06d}"
            upload = f"{self.url}/upload"
            answer = Answer(200, self._workspace.answer(method, body, ts, upload_base=upload))
            spoiler = self._faults.spoiler(method)
            if spoiler is None:
                return answer
            if spoiler.kind == "hang":
                # Waiting on the condition releases the lock, and stop() cuts it short.
                self._cond.wait_for(lambda: self._stopping, timeout=spoiler.seconds)
        return spoiled(spoiler.kind, answer)

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
