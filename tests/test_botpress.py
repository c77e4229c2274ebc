"""BotpressClient over httpx.MockTransport: requests, pagination, retries, errors, bodies."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import random
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from slackbot import __version__
from slackbot.botpress.client import BotpressClient
from slackbot.botpress.http import LIMITS, RetryPolicy, make_http_client, retry_hint
from slackbot.errors import (
    BotpressAPIError,
    BotpressAuthError,
    BotpressBadRequestError,
    BotpressError,
    BotpressNotFoundError,
    BotpressResponseError,
    BotpressUnavailableError,
)
from slackbot.sync import fetch_days

TOKEN = "bp_pat_Sup3rS3cretT0kenValue_0123456789"
WS = "wkspace_01HXYZ"
BOT = "01J8ZQ4R1V6Y8C4N2T7K9M3B5XABCD"
FIRST, LAST = date(2026, 5, 4), date(2026, 5, 10)
SERVER_NOW = datetime(2026, 5, 11, 12, 0, 0, tzinfo=UTC)

Reply = httpx.Response | Exception
Handler = Callable[[httpx.Request], httpx.Response]
DROP: Any = object()  # marks a field to delete from a record


def record(day: date, **overrides: Any) -> dict[str, Any]:
    """A valid analytics record for one UTC day, with optional field overrides."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    base: dict[str, Any] = {
        "startDateTimeUtc": start.isoformat().replace("+00:00", ".000Z"),
        "endDateTimeUtc": (start + timedelta(days=1)).isoformat().replace("+00:00", ".000Z"),
        "returningUsers": 3,
        "newUsers": 2,
        "sessions": 7,
        "messages": 20,
        "userMessages": 12,
        "botMessages": 14,
        "events": 40,
        "eventTypes": {"message_created": 26},
        "customEvents": {},
        "llm": {
            "calls": 4,
            "errors": 1,
            "inputTokens": 800,
            "outputTokens": 200,
            "latency": {"mean": 900.0, "sd": 100.0, "min": 700.0, "max": 1100.0},
            "tokensPerSecond": {"mean": 40.0, "sd": 5.0, "min": 30.0, "max": 50.0},
            "cost": {"sum": 0.02, "mean": 0.005, "sd": 0.001, "min": 0.004, "max": 0.006},
        },
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not DROP}


def ok(records: Iterable[dict[str, Any]] = ()) -> httpx.Response:
    """A 200 analytics answer holding ``records``."""
    return httpx.Response(200, json={"records": list(records)})


class Script:
    """A MockTransport handler that replays replies in order and records every request."""

    def __init__(self, *replies: Reply | Handler) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)


class Harness:
    """A client wired to a Script, recording the waits it asks for instead of sleeping."""

    def __init__(self, *replies: Reply | Handler, **options: Any) -> None:
        self.script = Script(*replies)
        self.waits: list[float] = []
        self.client = BotpressClient(
            token=TOKEN,
            workspace_id=WS,
            base_url=options.pop("base_url", "https://bp.test"),
            transport=httpx.MockTransport(self.script),
            sleep=self.waits.append,
            rng=random.Random(42),
            **options,
        )

    @property
    def requests(self) -> list[httpx.Request]:
        """Every request the client sent."""
        return self.script.requests

    def analytics(self) -> list[Any]:
        """Call get_analytics for the standard bot and week."""
        return self.client.get_analytics(BOT, FIRST, LAST)


def fail(reply: Reply, **options: Any) -> tuple[BotpressError, Harness]:
    """Run one analytics call that must fail; return the error and the harness."""
    harness = Harness(reply, **options)
    with pytest.raises(BotpressError) as caught:
        harness.analytics()
    return caught.value, harness


# --- requests -------------------------------------------------------------------------


def test_analytics_request_has_headers_path_and_dates() -> None:
    """getBotAnalytics is a GET with auth, workspace, UA headers and the widened date range."""
    harness = Harness(ok([record(FIRST)]))
    records = harness.analytics()
    (request,) = harness.requests
    assert len(records) == 1
    assert request.method == "GET"
    assert request.url.path == f"/v1/admin/bots/{BOT}/analytics"
    assert dict(request.url.params) == {
        "startDate": "2026-05-04T00:00:00.000Z",
        "endDate": "2026-05-11T00:00:00.000Z",
    }
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["x-workspace-id"] == WS
    assert request.headers["x-multiple-integrations"] == "true"
    assert request.headers["user-agent"].startswith(f"botstats/{__version__} ")


def test_bot_id_is_url_quoted() -> None:
    """A bot id with reserved characters stays one path segment."""
    harness = Harness(ok())
    harness.client.get_analytics("a/b c?d", FIRST, FIRST)
    assert harness.requests[0].url.raw_path.startswith(b"/v1/admin/bots/a%2Fb%20c%3Fd/analytics?")


def test_base_url_is_configurable_with_a_path_prefix() -> None:
    """BOTPRESS_API_URL may point at a proxy with a path prefix and a trailing slash."""
    harness = Harness(ok(), base_url="http://proxy.local:8080/botpress/")
    harness.analytics()
    url = harness.requests[0].url
    assert (url.host, url.port) == ("proxy.local", 8080)
    assert url.path == f"/botpress/v1/admin/bots/{BOT}/analytics"


def test_factory_puts_limits_on_its_own_transport_and_sets_timeouts() -> None:
    """Without an injected transport the factory builds one carrying the pool limits."""
    client = make_http_client(base_url="https://bp.test", headers={}, timeout=12.0)
    try:
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert pool._max_connections == LIMITS.max_connections
        assert pool._max_keepalive_connections == LIMITS.max_keepalive_connections
        assert client.timeout == httpx.Timeout(12.0, connect=5.0)
        assert not client.follow_redirects
    finally:
        client.close()


def test_factory_uses_an_injected_transport_as_is() -> None:
    """An injected transport is used unchanged (tests, proxies)."""
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    client = make_http_client(
        base_url="https://bp.test", headers={}, timeout=3.0, transport=transport
    )
    assert client._transport is transport
    assert client.timeout.connect == 3.0
    client.close()


def test_context_manager_closes_the_pool() -> None:
    """Leaving the with-block closes the underlying httpx client."""
    harness = Harness(ok())
    with harness.client as client:
        assert client.get_analytics(BOT, FIRST, LAST) == []
        assert not client._http.is_closed
    assert client._http.is_closed


# --- listBots -------------------------------------------------------------------------


def bots_page(names: list[str], token: str | None) -> httpx.Response:
    """One listBots page; ``token`` None means the last page."""
    meta = {"nextToken": token} if token else {}
    bots = [
        {"id": f"bot-{n}-0000000000000000000000", "name": n, "tags": {}, "createdAt": "x"}
        for n in names
    ]
    return httpx.Response(200, json={"bots": bots, "meta": meta})


def test_list_bots_follows_next_token_over_three_pages() -> None:
    """listBots passes meta.nextToken back until it is absent and keeps every bot in order."""
    harness = Harness(
        bots_page(["alpha", "beta"], "t1"), bots_page(["gamma"], "t2"), bots_page(["delta"], None)
    )
    bots = harness.client.list_bots()
    assert [b.name for b in bots] == ["alpha", "beta", "gamma", "delta"]
    assert bots[0].id == "bot-alpha-0000000000000000000000"
    assert [r.url.params.get("nextToken") for r in harness.requests] == [None, "t1", "t2"]
    assert all(r.url.path == "/v1/admin/bots" for r in harness.requests)
    assert all(r.headers["x-workspace-id"] == WS for r in harness.requests)


def test_list_bots_without_meta_is_one_page() -> None:
    """A listBots answer without ``meta`` (or with an empty token) ends the listing."""
    harness = Harness(httpx.Response(200, json={"bots": [{"id": "b" * 28, "name": "solo"}]}))
    assert [b.name for b in harness.client.list_bots()] == ["solo"]
    assert len(harness.requests) == 1


def test_list_bots_refuses_a_next_token_loop() -> None:
    """A nextToken seen twice stops the listing with a BotpressResponseError."""
    harness = Harness(bots_page(["a"], "t1"), bots_page(["b"], "t2"), bots_page(["c"], "t1"))
    with pytest.raises(BotpressResponseError) as caught:
        harness.client.list_bots()
    assert len(harness.requests) == 3
    assert caught.value.field == "meta.nextToken"
    assert "'t1' repeated" in str(caught.value)
    assert WS in str(caught.value)


def test_list_bots_not_found_names_the_workspace() -> None:
    """A 404 on listBots (wrong API URL) names the request and the workspace, not a bot."""
    harness = Harness(httpx.Response(404, json={"message": "no route"}))
    with pytest.raises(BotpressNotFoundError) as caught:
        harness.client.list_bots()
    assert "GET /v1/admin/bots" in str(caught.value)
    assert WS in str(caught.value)
    assert caught.value.bot_id is None


def test_list_bots_unreadable_page_names_the_field() -> None:
    """A bot without a string id is reported with its field path."""
    harness = Harness(httpx.Response(200, json={"bots": [{"id": 5, "name": "x"}]}))
    with pytest.raises(BotpressResponseError) as caught:
        harness.client.list_bots()
    assert caught.value.field == "bots[0].id"
    assert "bot list" in str(caught.value)


# --- retries --------------------------------------------------------------------------


def http_date(moment: datetime) -> str:
    """``moment`` as an IMF-fixdate HTTP date."""
    return format_datetime(moment, usegmt=True)


HINTED = {
    "retry-after-seconds": (httpx.Response(429, headers={"Retry-After": "7"}), 7.0),
    "retry-after-date": (
        httpx.Response(
            429,
            headers={
                "Date": http_date(SERVER_NOW),
                "Retry-After": http_date(SERVER_NOW + timedelta(seconds=9)),
            },
        ),
        9.0,
    ),
    "ratelimit-reset": (httpx.Response(429, headers={"RateLimit-Reset": "3"}), 3.0),
    "x-ratelimit-reset": (httpx.Response(429, headers={"X-RateLimit-Reset": "2"}), 2.0),
    "x-ratelimit-reset-epoch": (
        httpx.Response(
            429,
            headers={
                "Date": http_date(SERVER_NOW),
                "X-RateLimit-Reset": str(int(SERVER_NOW.timestamp()) + 4),
            },
        ),
        4.0,
    ),
    "largest-hint-wins": (
        httpx.Response(429, headers={"RateLimit-Reset": "1", "Retry-After": "5"}),
        5.0,
    ),
    "503-retry-after": (httpx.Response(503, headers={"Retry-After": "6"}), 6.0),
}


@pytest.mark.parametrize(("reply", "wait"), HINTED.values(), ids=HINTED.keys())
def test_server_wait_hints_are_honoured(reply: httpx.Response, wait: float) -> None:
    """A 429/503 wait hint (seconds, HTTP date, epoch) is waited exactly, then the call succeeds."""
    harness = Harness(reply, reply, ok([record(FIRST)]))
    assert len(harness.analytics()) == 1
    assert harness.waits == [wait, wait]
    assert len(harness.requests) == 3


def test_retry_after_http_date_without_date_header_uses_the_clock() -> None:
    """Without a Date header an HTTP-date Retry-After is measured against the local clock."""
    later = datetime.now(UTC) + timedelta(seconds=30)
    harness = Harness(httpx.Response(429, headers={"Retry-After": http_date(later)}), ok())
    harness.analytics()
    assert len(harness.waits) == 1
    assert 25.0 <= harness.waits[0] <= 30.0


def test_rate_limit_reset_on_a_5xx_is_not_a_wait_hint() -> None:
    """RateLimit-Reset only concerns 429: a 500 carrying it still uses short jittered backoff."""
    harness = Harness(httpx.Response(500, headers={"RateLimit-Reset": "50"}), ok())
    harness.analytics()
    assert len(harness.waits) == 1
    assert 0.0 <= harness.waits[0] <= harness.client.policy.base


TRANSIENT: dict[str, Reply] = {
    "429-no-hint": httpx.Response(429, json={"id": "err_rl", "type": "RateLimited"}),
    "500": httpx.Response(500, json={"message": "boom"}),
    "502-html": httpx.Response(502, text="<html><title>502 Bad Gateway</title></html>"),
    "503": httpx.Response(503),
    "504": httpx.Response(504, json={"type": "Timeout", "description": "gateway"}),
    "connect-error": httpx.ConnectError("connection refused"),
    "connect-timeout": httpx.ConnectTimeout("connect timed out"),
    "read-timeout": httpx.ReadTimeout("read timed out"),
    "pool-timeout": httpx.PoolTimeout("pool exhausted"),
    "read-error": httpx.ReadError("connection reset"),
    "server-disconnected": httpx.RemoteProtocolError("server disconnected"),
}


@pytest.mark.parametrize("reply", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_transient_failures_are_retried_until_success(reply: Reply) -> None:
    """Two transient failures, then a 200: the data arrives after two jittered waits."""
    harness = Harness(reply, reply, ok([record(FIRST)]))
    assert len(harness.analytics()) == 1
    assert len(harness.requests) == 3
    assert len(harness.waits) == 2
    # full jitter: uniform in [0, base * 2**(n-1)]
    base = harness.client.policy.base
    assert 0 <= harness.waits[0] <= base
    assert 0 <= harness.waits[1] <= 2 * base
    assert harness.client.request_count == 3
    assert harness.client.error_count == 2


@pytest.mark.parametrize("reply", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_transient_failures_give_up_after_four_attempts(reply: Reply) -> None:
    """A failure that never clears ends after 4 attempts with the attempts and wait stated."""
    error, harness = fail(reply)
    assert isinstance(error, BotpressUnavailableError)
    assert len(harness.requests) == 4
    assert len(harness.waits) == 3
    assert error.attempts == 4
    assert error.waited == pytest.approx(sum(harness.waits))
    assert error.bot_id == BOT
    text = str(error)
    assert "busy or down" in text
    assert f"after 4 attempts over {sum(harness.waits):.1f} s" in text
    if isinstance(reply, httpx.Response):
        assert error.status == reply.status_code
        assert f"HTTP {reply.status_code}" in text
    else:
        assert error.status is None
        assert type(reply).__name__ in text


def test_unavailable_keeps_error_id_and_html_title() -> None:
    """The final 'busy' error quotes Botpress's error id, or the HTML page's title."""
    error, _ = fail(httpx.Response(429, json={"id": "err_rl_42", "type": "RateLimited"}))
    assert "err_rl_42" in str(error)
    assert "RateLimited" in str(error)
    error, _ = fail(httpx.Response(502, text="<html><title>502 Bad Gateway</title></html>"))
    assert "an HTML page titled '502 Bad Gateway'" in str(error)


def test_max_attempts_is_configurable() -> None:
    """max_attempts=2 means one retry."""
    error, harness = fail(httpx.Response(503), max_attempts=2)
    assert isinstance(error, BotpressUnavailableError)
    assert len(harness.requests) == 2
    assert error.attempts == 2


def test_total_wait_budget_stops_retries() -> None:
    """Retry-After 30 twice uses the 60 s budget; the third failure is final."""
    error, harness = fail(httpx.Response(429, headers={"Retry-After": "30"}))
    assert isinstance(error, BotpressUnavailableError)
    assert harness.waits == [30.0, 30.0]
    assert error.attempts == 3
    assert error.waited == 60.0
    assert "after 3 attempts over 60.0 s" in str(error)


def test_server_asking_for_more_than_the_budget_fails_at_once() -> None:
    """Retry-After beyond the remaining budget: no sleep, one request, a clear message."""
    error, harness = fail(httpx.Response(429, headers={"Retry-After": "120"}))
    assert isinstance(error, BotpressUnavailableError)
    assert harness.waits == []
    assert len(harness.requests) == 1
    assert "asked to wait 120 s, past the retry budget" in str(error)


def test_jittered_waits_never_exceed_a_small_budget() -> None:
    """With max_wait=0.3 the sum of jittered waits stays within 0.3 s."""
    error, harness = fail(httpx.Response(500), max_wait=0.3)
    assert isinstance(error, BotpressUnavailableError)
    assert sum(harness.waits) <= 0.3 + 1e-9


def test_retries_are_logged_at_warning_with_status_and_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each retry logs a WARNING naming the status and the wait."""
    caplog.set_level(logging.DEBUG)
    harness = Harness(httpx.Response(429, headers={"Retry-After": "7"}), ok())
    harness.analytics()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].name == "slackbot.botpress.client"
    assert "HTTP 429" in warnings[0].getMessage()
    assert "7.00 s" in warnings[0].getMessage()


def test_unsupported_url_is_not_retried_and_names_the_setting() -> None:
    """A base URL httpx cannot speak to fails at once and points at BOTPRESS_API_URL."""
    error, harness = fail(httpx.UnsupportedProtocol("Request URL is missing a scheme"))
    assert isinstance(error, BotpressUnavailableError)
    assert len(harness.requests) == 1
    assert harness.waits == []
    assert "BOTPRESS_API_URL" in str(error)


def test_retry_policy_backoff_is_full_jitter_with_a_cap() -> None:
    """Backoff is uniform in [0, min(cap, base*2^(n-1))] and varies with the rng."""
    policy = RetryPolicy(max_attempts=10, max_wait=1e9, base=1.0, cap=4.0)
    rng = random.Random(1)
    for attempt, bound in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        waits = [policy.delay(attempt, 0.0, None, rng) for _ in range(200)]
        assert all(0.0 <= w <= bound for w in waits)
        assert max(waits) > bound * 0.8
        assert len(set(waits)) > 150
    assert policy.delay(10, 0.0, None, rng) == -1.0


def test_retry_hint_ignores_garbage_headers() -> None:
    """Unparseable or negative hints are ignored rather than trusted."""
    for value in ["soon", "-5", "nan", "inf", ""]:
        response = httpx.Response(429, headers={"Retry-After": value})
        assert retry_hint(response, now=0.0) is None


# --- final errors ---------------------------------------------------------------------

FINAL = {
    400: BotpressBadRequestError,
    401: BotpressAuthError,
    403: BotpressAuthError,
    404: BotpressNotFoundError,
    409: BotpressAPIError,
}


@pytest.mark.parametrize(("status", "cls"), FINAL.items())
def test_client_errors_are_never_retried(status: int, cls: type[BotpressAPIError]) -> None:
    """400/401/403/404 (and other 4xx) raise after exactly one request and no wait."""
    error, harness = fail(httpx.Response(status, json={"message": "nope"}))
    assert type(error) is cls
    assert isinstance(error, BotpressAPIError)
    assert error.status == status
    assert len(harness.requests) == 1
    assert harness.waits == []
    assert harness.client.error_count == 1


@pytest.mark.parametrize("status", [401, 403])
def test_auth_error_names_the_settings_and_workspace(status: int) -> None:
    """401/403 say to check BOTPRESS_TOKEN and BOTPRESS_WORKSPACE_ID, and name the workspace."""
    error, _ = fail(httpx.Response(status, json={"type": "Unauthorized", "message": "bad"}))
    text = str(error)
    assert "BOTPRESS_TOKEN" in text
    assert "BOTPRESS_WORKSPACE_ID" in text
    assert WS in text
    assert TOKEN not in text
    assert "BOTPRESS_TOKEN" in error.user_message


def test_not_found_names_the_bot_and_workspace() -> None:
    """404 names the bot id and the workspace it was looked up in."""
    body = {"id": "err_nf_1", "code": 404, "type": "ResourceNotFound", "message": "Bot not found"}
    error, _ = fail(httpx.Response(404, json=body))
    assert isinstance(error, BotpressNotFoundError)
    assert BOT in str(error)
    assert WS in str(error)
    assert error.bot_id == BOT


BODIES = {
    "client-shape": (
        {"id": "err_1a2b", "code": 400, "type": "InvalidQuery", "message": "startDate is invalid"},
        "startDate is invalid",
        "err_1a2b",
        "InvalidQuery",
    ),
    "docs-shape": (
        {"type": "InvalidPayload", "description": "endDate must be a date", "status": 400},
        "endDate must be a date",
        None,
        "InvalidPayload",
    ),
}


@pytest.mark.parametrize(
    ("body", "said", "error_id", "error_type"), BODIES.values(), ids=BODIES.keys()
)
def test_bad_request_reads_both_error_body_shapes(
    body: dict[str, Any], said: str, error_id: str | None, error_type: str
) -> None:
    """400 carries Botpress's own message, error id and type from either body shape."""
    error, _ = fail(httpx.Response(400, json=body))
    assert isinstance(error, BotpressBadRequestError)
    assert said in str(error)
    assert error.error_id == error_id
    assert error.error_type == error_type
    if error_id:
        assert f"Botpress error id {error_id}" in str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!DOCTYPE html><html><head><title>Access denied</title></head></html>", "titled"),
        ("<html><body>nope</body></html>", "an HTML page instead of JSON"),
        ("", "an empty body"),
        ("plain words", "plain words"),
        ('["json", "but not an object"]', "but not an object"),
    ],
)
def test_non_json_error_bodies_are_described(text: str, expected: str) -> None:
    """HTML, empty, plain-text and odd JSON error bodies still give a readable message."""
    error, _ = fail(httpx.Response(403, text=text))
    assert isinstance(error, BotpressAuthError)
    assert expected in str(error)
    assert error.error_id is None


def test_token_never_leaks_into_errors_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    """No error text, repr or log line contains the token, even when Botpress echoes it."""
    caplog.set_level(logging.DEBUG)
    echo = {"message": f"token {TOKEN} is invalid", "id": "err_x"}
    replies: list[Reply] = [
        httpx.Response(401, json=echo),
        httpx.Response(400, json=echo),
        httpx.Response(503, json=echo),
        httpx.Response(429, text=f"<title>{TOKEN}</title>"),
        httpx.ConnectError(f"refused for {TOKEN}"),
        httpx.Response(200, json={"records": TOKEN}),
    ]
    texts: list[str] = []
    for reply in replies:
        error, harness = fail(reply)
        texts += [str(error), repr(error), error.user_message, repr(harness.client)]
    assert len(texts) == 4 * len(replies)
    assert any("[redacted]" in t for t in texts)
    assert caplog.text
    assert "HTTP 503" in caplog.text
    for text in [*texts, caplog.text]:
        assert TOKEN not in text
        assert "Bearer" not in text


# --- 2xx bodies -----------------------------------------------------------------------


def body_with(index: int, **overrides: Any) -> str:
    """A 4-record analytics body whose record ``index`` has ``overrides``."""
    records = [record(FIRST + timedelta(days=i)) for i in range(4)]
    records[index] = record(FIRST + timedelta(days=index), **overrides)
    return json.dumps({"records": records})


def nested_llm(**cost: Any) -> dict[str, Any]:
    """An llm block with cost fields replaced."""
    llm = dict(record(FIRST)["llm"])
    llm["cost"] = {**llm["cost"], **cost}
    return llm


LATENCY = record(FIRST)["llm"]["latency"]
COST = record(FIRST)["llm"]["cost"]
BAD_BODIES = {
    "invalid-json": ('{"records": [', "", "not valid JSON"),
    "html-page": ("<!DOCTYPE html><html><body>Maintenance</body></html>", "", "an HTML page"),
    "empty": ("", "", "the body is empty"),
    "not-an-object": ("[]", "", "the body: Input should be an object"),
    "missing-records": ('{"data": []}', "records", "records: Field required"),
    "records-not-a-list": ('{"records": {}}', "records", "Input should be a valid array"),
    "string-count": (body_with(1, sessions="5"), "records[1].sessions", "valid integer"),
    "float-count": (body_with(1, newUsers=1.5), "records[1].newUsers", "valid integer"),
    "negative-count": (
        body_with(3, sessions=-1),
        "records[3].sessions",
        "records[3].sessions: Input should be greater than or equal to 0 (got -1)",
    ),
    # json.dumps writes NaN / Infinity literals, which Python's json.loads would accept.
    "nan-cost": (
        body_with(3, llm=nested_llm(sum=math.nan)),
        "records[3].llm.cost.sum",
        "finite number",
    ),
    "infinite-latency": (
        body_with(0, llm={**record(FIRST)["llm"], "latency": {**LATENCY, "max": math.inf}}),
        "records[0].llm.latency.max",
        "finite number",
    ),
    "overflowing-float": (
        body_with(0, eventTypes={"x": 7}).replace('"x": 7', '"x": 1e999'),
        "records[0].eventTypes.x",
        "finite number",
    ),
    "negative-event-count": (
        body_with(0, customEvents={"signup": -1}),
        "records[0].customEvents.signup",
        "greater than or equal to 0",
    ),
    "nested-wrong-object": (body_with(2, llm={"calls": 3}), "records[2].llm.errors", "required"),
    "llm-not-an-object": (body_with(2, llm="fast"), "records[2].llm", "should be an object"),
    "cost-is-a-list": (
        body_with(0, llm={**record(FIRST)["llm"], "cost": [COST]}),
        "records[0].llm.cost",
        "should be an object",
    ),
    "bad-date": (
        body_with(0, startDateTimeUtc="last tuesday"),
        "records[0].startDateTimeUtc",
        "valid datetime",
    ),
    "missing-field": (body_with(0, userMessages=DROP), "records[0].userMessages", "required"),
}


@pytest.mark.parametrize(("body", "field", "phrase"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_unreadable_analytics_bodies_raise_response_error(
    body: str, field: str, phrase: str
) -> None:
    """Each kind of bad 2xx body becomes one BotpressResponseError naming field and bot."""
    error, harness = fail(httpx.Response(200, text=body))
    assert isinstance(error, BotpressResponseError)
    assert error.field == field
    assert error.bot_id == BOT
    text = str(error)
    assert text.startswith(f"Botpress sent an analytics response for bot {BOT} that botstats ")
    assert phrase in text
    assert field in text
    assert "Traceback" not in text
    assert isinstance(error.__cause__, ValidationError)
    assert len(harness.requests) == 1, "a bad body is not retried"
    assert harness.client.error_count == 1


def test_several_problems_are_counted_in_the_message() -> None:
    """When several fields are wrong the message reports the first and counts the rest."""
    error, _ = fail(httpx.Response(200, text=body_with(0, sessions=-1, events=-2, botMessages="x")))
    assert "records[0].sessions" in str(error)
    assert "and 2 more problem(s)" in str(error)


def test_missing_llm_unknown_fields_and_missing_days_are_tolerated() -> None:
    """No llm block, extra fields at both levels and gaps between days all parse."""
    quiet = record(
        FIRST, llm=DROP, messages=DROP, eventTypes=DROP, conversationsCreated=4, new={"x": 1}
    )
    busy = record(FIRST + timedelta(days=3))
    harness = Harness(httpx.Response(200, json={"records": [quiet, busy], "cursor": None}))
    days = fetch_days(harness.client, BOT, FIRST, LAST)
    assert sorted(days) == [FIRST, FIRST + timedelta(days=3)]
    assert days[FIRST].llm_calls == 0
    assert days[FIRST].sessions == 7
    assert days[FIRST + timedelta(days=3)].llm_calls == 4


def test_fetch_days_buckets_merges_and_drops_the_spill_over_day() -> None:
    """Two records of one day merge; a bucket starting after ``last`` is dropped."""
    records = [
        record(FIRST),
        record(FIRST, sessions=5),
        record(LAST),
        record(LAST + timedelta(days=1), sessions=1000),
    ]
    harness = Harness(ok(records))
    days = fetch_days(harness.client, BOT, FIRST, LAST)
    assert sorted(days) == [FIRST, LAST]
    assert days[FIRST].sessions == 12
    assert days[FIRST].days == 1
    assert days[FIRST].llm_calls == 8
    assert days[LAST].sessions == 7


def test_empty_records_mean_no_days() -> None:
    """An empty records list is valid and yields no days."""
    harness = Harness(ok())
    assert fetch_days(harness.client, BOT, FIRST, LAST) == {}


def test_counters_are_exact_across_threads() -> None:
    """request_count and error_count stay exact when eight threads share one client."""
    harness = Harness(
        lambda request: ok() if "05-04" in request.url.params["startDate"] else httpx.Response(400)
    )

    def work() -> None:
        for i in range(25):
            day = FIRST if i % 5 else FIRST + timedelta(days=1)
            with contextlib.suppress(BotpressBadRequestError):
                harness.client.get_analytics(BOT, day, day)

    start = threading.Barrier(8)

    def worker() -> None:
        start.wait(timeout=10)
        work()

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(worker) for _ in range(8)]:
            future.result()  # a worker's exception fails the test
    assert harness.client.request_count == 200
    assert harness.client.error_count == 40
