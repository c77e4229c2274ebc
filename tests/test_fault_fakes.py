"""The fault modes of the Botpress simulator and FakeSlack, read byte by byte off the socket.

Each test sends a raw HTTP request over loopback and checks the raw answer: its status,
its headers, whether the body is whole, cut short by a closed connection, or missing.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from slackbot.core.models import AnalyticsResponse, BotInfo
from slackbot.simulator.server import FAULTS, Simulator
from slackbot.testing.fake_slack import FakeSlack

TODAY = date(2026, 5, 13)
AUTH = {"Authorization": "Bearer sim-token", "x-workspace-id": "sim-workspace"}
CHANNEL = "C0FAULTS01"
POST = {"channel": CHANNEL, "text": "hello"}


@dataclass
class Raw:
    """An answer as it came off the socket: status line, headers, the bytes of the body."""

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    timed_out: bool = False

    @property
    def whole(self) -> bool:
        """True when the body holds every byte Content-Length announced."""
        return len(self.body) == int(self.headers["content-length"])

    def json(self) -> dict[str, object]:
        """The body as JSON."""
        value = json.loads(self.body)
        assert isinstance(value, dict)
        return value


def raw(
    url: str,
    target: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    timeout: float = 5.0,
) -> Raw:
    """Send one request on a new connection and read until the server closes it."""
    where = urlsplit(url)
    lines = [f"{method} {target} HTTP/1.1", f"Host: {where.netloc}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in {**(headers or {}), "Content-Length": len(body)}.items()]
    data = b""
    with socket.create_connection((where.hostname, where.port or 80), timeout=timeout) as sock:
        sock.sendall("\r\n".join(lines).encode() + b"\r\n\r\n" + body)
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except TimeoutError:
            return Raw(None, timed_out=True)
    if not data:
        return Raw(None)
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    pairs = (line.split(":", 1) for line in header_lines)
    return Raw(int(status_line.split()[1]), {k.lower(): v.strip() for k, v in pairs}, rest)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A simulator of its own (faults are per instance), failing the test if it crashed."""
    with Simulator(bot_count=2, today=TODAY, history_days=30, slow_seconds=0.6) as simulator:
        yield simulator
    assert simulator.errors == []


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A fake Slack, failing the test if one of its handlers crashed."""
    with FakeSlack() as fake:
        yield fake
        assert fake.errors == []


def analytics(sim: Simulator, bot: int = 0) -> str:
    """The request target of one bot's analytics for the week before TODAY."""
    bot_id = sim.bots[bot].id
    return f"/v1/admin/bots/{bot_id}/analytics?startDate=2026-05-06&endDate=2026-05-13"


def post(slack: FakeSlack, method: str = "chat.postMessage", *, timeout: float = 5.0) -> Raw:
    """One raw JSON call of a Web API method."""
    headers = {"Content-Type": "application/json", "Authorization": "Bearer xoxb-1"}
    body = json.dumps(POST).encode()
    return raw(
        slack.url, f"/api/{method}", method="POST", headers=headers, body=body, timeout=timeout
    )


# --- the simulator ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "status", "content_type", "kind"),
    [
        ("unauthorized", 401, "application/json", "Unauthorized"),
        ("internal_error", 500, "application/json", "InternalError"),
        ("bad_gateway", 502, "text/html", "502 Bad Gateway"),
        ("down", 503, "text/html", "503 Service Temporarily Unavailable"),
        ("gateway_timeout", 504, "text/html", "504 Gateway Time-out"),
        ("garbage", 200, "text/html", "Welcome to nginx!"),
    ],
)
def test_simulator_error_answers_are_what_they_claim(
    sim: Simulator, fault: str, status: int, content_type: str, kind: str
) -> None:
    """Each error mode answers its status, content type and body, whole."""
    sim.fault = fault
    answer = raw(sim.url, analytics(sim), headers=AUTH)
    assert answer.status == status
    assert answer.headers["content-type"] == content_type
    assert answer.whole
    if content_type == "application/json":
        said = answer.json()
        assert said["type"] == kind
        assert said["code"] == status
        assert str(said["id"]).startswith("err_")
    else:
        assert kind in answer.body.decode()
        assert answer.body.lstrip().startswith((b"<html", b"<!DOCTYPE"))


@pytest.mark.parametrize(
    ("fault", "retry_after", "reset"),
    [("ratelimited", "7", "7"), ("retry_after", "7", None), ("ratelimit_reset", None, "7")],
)
def test_simulator_rate_limits_say_when_to_come_back(
    sim: Simulator, fault: str, retry_after: str | None, reset: str | None
) -> None:
    """The 429 modes carry Retry-After, RateLimit-Reset, or both, with the wait asked for."""
    sim.retry_after = 7
    sim.fault = fault
    answer = raw(sim.url, analytics(sim), headers=AUTH)
    assert answer.status == 429
    assert answer.json()["type"] == "RateLimited"
    assert answer.headers.get("retry-after") == retry_after
    assert answer.headers.get("ratelimit-reset") == reset
    if reset is not None:
        assert answer.headers["ratelimit-remaining"] == "0"
        assert answer.headers["ratelimit-limit"] == "100"


def test_simulator_slow_hangs_past_a_timeout_then_answers(sim: Simulator) -> None:
    """'slow' sends nothing within a short timeout, and the real answer after slow_seconds."""
    sim.inject("slow", times=2)
    assert raw(sim.url, analytics(sim), headers=AUTH, timeout=0.2).timed_out
    late = raw(sim.url, analytics(sim), headers=AUTH, timeout=5)
    assert late.status == 200
    assert late.whole
    assert AnalyticsResponse.model_validate_json(late.body).records


def test_simulator_hangup_closes_without_a_byte(sim: Simulator) -> None:
    """'hangup' closes the connection before any status line."""
    sim.fault = "hangup"
    answer = raw(sim.url, analytics(sim), headers=AUTH)
    assert answer == Raw(None)


def test_simulator_cut_body_closes_the_connection_mid_body(sim: Simulator) -> None:
    """'cut_body' announces the whole body, sends the first half of it, then closes."""
    whole = raw(sim.url, analytics(sim), headers=AUTH)
    sim.fault = "cut_body"
    cut = raw(sim.url, analytics(sim), headers=AUTH)
    assert cut.status == 200
    assert cut.headers["content-length"] == str(len(whole.body))
    assert cut.body == whole.body[: len(whole.body) // 2]
    assert not cut.whole


def test_simulator_truncated_is_a_whole_answer_of_broken_json(sim: Simulator) -> None:
    """'truncated' is a complete HTTP answer whose JSON body stops halfway."""
    whole = raw(sim.url, analytics(sim), headers=AUTH)
    sim.fault = "truncated"
    short = raw(sim.url, analytics(sim), headers=AUTH)
    assert short.status == 200
    assert short.whole
    assert short.headers["content-type"] == "application/json"
    assert short.body == whole.body[: len(whole.body) // 2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(short.body)


def test_simulator_wrong_types_keeps_the_shape_and_breaks_the_types(sim: Simulator) -> None:
    """'wrong_types' sends the real records with numbers as strings, names as numbers."""
    real = raw(sim.url, analytics(sim), headers=AUTH).json()
    sim.fault = "wrong_types"
    mistyped = raw(sim.url, analytics(sim), headers=AUTH)
    bots = raw(sim.url, "/v1/admin/bots", headers=AUTH).json()
    records = mistyped.json()["records"]
    assert isinstance(records, list)
    assert isinstance(real["records"], list)
    first, real_first = records[0], real["records"][0]
    assert first.keys() == real_first.keys()
    assert first["sessions"] == str(real_first["sessions"])
    assert first["llm"]["cost"]["sum"] == str(real_first["llm"]["cost"]["sum"])
    assert first["startDateTimeUtc"] == real_first["startDateTimeUtc"]
    assert isinstance(bots["bots"], list)
    assert [type(b["name"]) for b in bots["bots"]] == [int, int]
    with pytest.raises(ValidationError):
        AnalyticsResponse.model_validate_json(mistyped.body)
    with pytest.raises(ValidationError):
        BotInfo.model_validate(bots["bots"][0])


def test_simulator_fault_clears_itself_after_times(sim: Simulator) -> None:
    """inject(times=2) fails two requests, then answers normally; each request names its fault."""
    sim.inject("internal_error", times=2)
    assert sim.fault == "internal_error"
    statuses = [raw(sim.url, "/v1/admin/bots", headers=AUTH).status for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert sim.fault is None
    assert [r.fault for r in sim.requests] == ["internal_error", "internal_error", None]


def test_simulator_bot_fault_hits_only_that_bots_analytics(sim: Simulator) -> None:
    """inject(bot_id=...) fails that bot's analytics calls only, for its count."""
    sim.inject("bad_gateway", times=1, bot_id=sim.bots[0].id)
    assert raw(sim.url, "/v1/admin/bots", headers=AUTH).status == 200
    assert raw(sim.url, analytics(sim, 1), headers=AUTH).status == 200
    assert raw(sim.url, analytics(sim, 0), headers=AUTH).status == 502
    assert raw(sim.url, analytics(sim, 0), headers=AUTH).status == 200
    sim.bot_faults[sim.bots[1].id] = "down"  # the old API: until removed
    assert [raw(sim.url, analytics(sim, 1), headers=AUTH).status for _ in "ab"] == [503, 503]
    sim.clear_faults()
    assert raw(sim.url, analytics(sim, 1), headers=AUTH).status == 200


def test_simulator_refuses_unknown_faults_and_counts(sim: Simulator) -> None:
    """A fault name or a count that makes no sense is refused, naming what is valid."""
    with pytest.raises(ValueError, match="cut_body"):
        sim.inject("flaky")
    with pytest.raises(ValueError, match="at least 1"):
        sim.inject("down", times=0)
    assert len(FAULTS) == len(set(FAULTS)) == 14


def test_a_crash_inside_the_simulator_is_answered_500_and_recorded() -> None:
    """A handler that raises answers 500 and leaves its traceback in ``errors``."""

    class Broken(Simulator):
        def _list_bots(self, query: dict[str, str]) -> object:
            raise RuntimeError("a bug in the simulator")

    with Broken(bot_count=1, today=TODAY) as broken:
        assert raw(broken.url, "/v1/admin/bots", headers=AUTH).status == 500
    (trace,) = broken.errors
    assert "RuntimeError: a bug in the simulator" in trace


# --- FakeSlack ----------------------------------------------------------------------------
@pytest.mark.parametrize("header", ["Retry-After", "RateLimit-Reset"])
def test_slack_rate_limit_names_the_wait_in_the_header_asked(slack: FakeSlack, header: str) -> None:
    """rate_limit answers 429 ratelimited with the wait in that header only, posting nothing."""
    slack.rate_limit("chat.postMessage", retry_after=5, times=2, header=header)
    answers = [post(slack) for _ in range(3)]
    assert [a.status for a in answers] == [429, 429, 200]
    assert answers[0].json() == {"ok": False, "error": "ratelimited"}
    assert answers[0].headers[header.lower()] == "5"
    other = {"Retry-After": "ratelimit-reset", "RateLimit-Reset": "retry-after"}[header]
    assert other not in answers[0].headers
    assert len(slack.posted(CHANNEL)) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_slack_http_errors_are_html_pages_and_post_nothing(slack: FakeSlack, status: int) -> None:
    """http_error answers that status with a load balancer's HTML page, then recovers."""
    slack.http_error("chat.postMessage", status)
    failed = post(slack)
    assert failed.status == status
    assert failed.headers["content-type"].startswith("text/html")
    assert failed.whole
    assert f"<title>{status} " in failed.body.decode()
    assert slack.posted(CHANNEL) == []
    assert post(slack).json()["ok"] is True
    assert len(slack.posted(CHANNEL)) == 1


def test_slack_html_page_is_a_200_that_is_not_the_web_api(slack: FakeSlack) -> None:
    """html_page answers 200 with an HTML page and posts nothing."""
    slack.html_page("chat.postMessage")
    page = post(slack)
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.body.startswith(b"<html>")
    assert slack.posted(CHANNEL) == []


def test_slack_hang_answers_late_and_the_post_takes_effect(slack: FakeSlack) -> None:
    """hang sends nothing within a short timeout, yet the message is posted."""
    slack.hang("chat.postMessage", 0.5)
    assert post(slack, timeout=0.2).timed_out
    assert len(slack.posted(CHANNEL)) == 1
    slack.hang("chat.postMessage", 0.2)
    late = post(slack, timeout=5)
    assert late.status == 200
    assert late.json()["ok"] is True


def test_slack_drop_hangs_up_without_a_byte_after_posting(slack: FakeSlack) -> None:
    """drop closes the connection with no answer at all, after the post took effect."""
    slack.drop("chat.postMessage")
    assert post(slack) == Raw(None)
    assert len(slack.posted(CHANNEL)) == 1


def test_slack_cut_closes_the_connection_mid_body_after_posting(slack: FakeSlack) -> None:
    """cut announces the whole answer, sends half of it and closes; the post took effect."""
    slack.cut("chat.postMessage")
    cut = post(slack)
    assert cut.status == 200
    assert 0 < len(cut.body) == int(cut.headers["content-length"]) // 2
    assert not cut.whole
    assert cut.body.startswith(b'{"ok": true')
    assert len(slack.posted(CHANNEL)) == 1


def test_slack_truncate_is_a_whole_answer_of_broken_json(slack: FakeSlack) -> None:
    """truncate answers a complete 200 whose JSON stops halfway; the post took effect."""
    slack.truncate("chat.postMessage")
    short = post(slack)
    assert short.status == 200
    assert short.whole
    assert short.headers["content-type"] == "application/json"
    assert short.body.startswith(b'{"ok": true')
    with pytest.raises(json.JSONDecodeError):
        json.loads(short.body)
    assert len(slack.posted(CHANNEL)) == 1


def test_slack_wrong_types_keeps_the_keys_and_breaks_the_types(slack: FakeSlack) -> None:
    """wrong_types answers the real keys with the wrong types; the post took effect."""
    slack.wrong_types("chat.postMessage")
    said = post(slack).json()
    (message,) = slack.posted(CHANNEL)
    assert said["ok"] is True
    assert said["ts"] == float(message.ts)
    assert said["channel"] == [CHANNEL]
    assert isinstance(said["message"], list)
    assert post(slack).json()["ts"] == slack.posted(CHANNEL)[1].ts


def test_slack_go_down_for_a_count_then_back(slack: FakeSlack) -> None:
    """go_down(times=2) answers any method 502 with a page twice, then Slack is back."""
    slack.go_down(502, times=2)
    first, second = post(slack, "auth.test"), post(slack)
    assert (first.status, second.status) == (502, 502)
    assert first.headers["content-type"].startswith("text/html")
    assert b"Slack is down" in first.body
    assert post(slack).json()["ok"] is True
    assert len(slack.posted(CHANNEL)) == 1
    with pytest.raises(ValueError, match="at least 1"):
        slack.go_down(503, times=0)


def test_a_crash_inside_fake_slack_is_recorded() -> None:
    """A handler that raises leaves its traceback in ``errors`` and the connection closed."""

    class Broken(FakeSlack):
        def handle_response(self, response_id: str, body: dict[str, object]) -> int:
            raise RuntimeError("a bug in the fake")

    with Broken() as broken:
        assert raw(broken.url, "/respond/r1", method="POST", body=b"{}") == Raw(None)
    (trace,) = broken.errors
    assert "RuntimeError: a bug in the fake" in trace
