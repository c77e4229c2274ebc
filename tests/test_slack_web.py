"""The HTTP front and Slack plumbing: health, metrics, deliveries, retries, actions, events."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urlencode

import httpx
import pytest
from slack_harness import (
    BOT_TOKEN,
    SECRET,
    Harness,
    clear_env,
    harness,
    harness_factory,
    make_settings,
)
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookResponse

from slackbot.botpress.client import BotpressClient
from slackbot.config import load_settings
from slackbot.core.blocks.listings import help_message
from slackbot.errors import ConfigError
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.slack.app import RetryAfterHandler, build_app, build_web_client, retry_after
from slackbot.slack.context import Runner
from slackbot.slack.listeners.commands import BUSY, deliver
from slackbot.slack.telemetry import Telemetry
from slackbot.slack.web import create_web_app, required_settings, select_mode
from slackbot.store import Store
from slackbot.testing.fake_slack import FakeSlack, ServerThread, free_port, signed_headers

__all__ = ["harness", "harness_factory"]  # fixtures used by name


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def counter(telemetry: Telemetry, name: str, **labels: str) -> float:
    """The current value of one labelled sample, 0 when absent."""
    value = telemetry.registry.get_sample_value(name, labels)
    return value or 0.0


def post_signed(harness: Harness, body: bytes, content_type: str) -> Any:
    """POST ``body`` to /slack/events signed with the app's secret."""
    headers = signed_headers(SECRET, body, content_type=content_type)
    return harness.http.post(f"{harness.url}/slack/events", content=body, headers=headers)


def test_healthz_ok_when_the_database_answers(harness: Harness) -> None:
    """/healthz is 200 with a JSON body while the store answers."""
    response = harness.http.get(f"{harness.url}/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["db"] == "ok"
    assert body["mode"] == "http"


def test_healthz_names_the_state_of_botpress(harness: Harness) -> None:
    """/healthz says unknown before any call, ok after one, unauthorized on 401, all with 200."""
    url = f"{harness.url}/healthz"
    assert harness.http.get(url).json()["botpress"] == "unknown"
    harness.command("support today")
    assert harness.http.get(url).json()["botpress"] == "ok"
    harness.sim.fault = "unauthorized"
    assert "BOTPRESS_TOKEN" in harness.command("support today").body["text"]
    response = harness.http.get(url)
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "db": "ok",
        "botpress": "unauthorized",
        "scheduler": "off",
        "mode": "http",
        "version": response.json()["version"],
    }
    harness.sim.fault = "down"
    harness.command("support today")
    assert harness.http.get(url).json()["botpress"] == "down"
    assert harness.http.get(url).status_code == 200
    harness.sim.fault = None
    harness.command("support today")
    assert harness.http.get(url).json()["status"] == "ok"


def test_healthz_503_when_the_database_is_gone(harness: Harness) -> None:
    """/healthz is 503 with status error once the store no longer answers."""
    harness.store.close()
    response = harness.http.get(f"{harness.url}/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["db"] == "unavailable"


def test_store_failure_is_a_friendly_reply(harness: Harness) -> None:
    """A database that fails under a command gets the store's sentence, not silence."""
    harness.store.close()
    reply = harness.command("subscriptions")
    assert "database" in reply.body["text"]
    assert reply.body["response_type"] == "ephemeral"
    assert "Traceback" not in json.dumps(reply.body)


def test_metrics_is_prometheus_text(harness: Harness) -> None:
    """/metrics serves the Prometheus text format, with Botpress counters read live."""
    harness.command("support today")
    response = harness.http.get(f"{harness.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE botstats_commands_total counter" in response.text
    requests = counter(harness.telemetry, "botstats_botpress_requests_total")
    assert requests == harness.service.client.request_count > 0
    assert f"botstats_botpress_requests_total {requests}" in response.text


def test_respond_failure_is_logged_retried_and_counted(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A response_url answering 500 is retried once, then logged and counted; never silent."""
    caplog.set_level(logging.WARNING, logger="slackbot")
    harness.slack.respond_status = 500
    response, response_id = harness.post("help")
    assert response.status_code == 200
    tel = harness.telemetry
    wait_until(
        lambda: (
            counter(tel, "botstats_slack_deliveries_total", kind="respond", outcome="failed") == 1
        )
    )
    assert len(harness.slack.responses_for(response_id)) == 2
    assert "could not be delivered" in caplog.text
    assert "HTTP 500" in caplog.text
    assert counter(tel, "botstats_slack_deliveries_total", kind="respond", outcome="ok") == 0


def test_refused_blocks_are_resent_as_text(harness: Harness) -> None:
    """When Slack refuses a reply with a 4xx, the text fallback alone is sent instead."""
    harness.slack.fail_responses(400)
    response, response_id = harness.post("help")
    assert response.status_code == 200
    harness.slack.wait_for_responses(2)
    first, second = harness.slack.responses_for(response_id)
    assert first.body["blocks"]
    assert "blocks" not in second.body
    assert second.body["text"] == first.body["text"]


def test_a_full_pool_answers_busy_in_the_ack(harness_factory: Any) -> None:
    """With no free work slot the ack itself says so; nothing is queued."""
    full: Harness = harness_factory(max_pending=0)
    response, _ = full.post("help")
    assert response.status_code == 200
    assert response.text == BUSY
    assert (
        counter(full.telemetry, "botstats_commands_total", subcommand="unknown", outcome="busy")
        == 1
    )
    assert full.slack.responses == []


def test_runner_bounds_the_work_in_flight(caplog: pytest.LogCaptureFixture) -> None:
    """The runner refuses work past its bound (logged and counted) and frees the slot after."""
    gate = threading.Event()
    with ThreadPoolExecutor(2) as pool:
        refused: list[str] = []
        runner = Runner(pool, max_pending=1, on_full=refused.append)
        assert runner.submit(gate.wait)
        with caplog.at_level(logging.WARNING, logger="slackbot.slack.context"):
            assert not runner.submit(gate.wait, what="home tab")
        assert refused == ["home tab"]
        assert "work pool full (1 tasks queued or running): home tab refused" in caplog.text
        gate.set()
        wait_until(runner.reserve)


WebSlack = tuple[FakeSlack, WebClient, list[float]]


@pytest.fixture
def web_slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebSlack]:
    """A fake Slack, our WebClient pointed at it, and the sleeps the client asked for."""
    clear_env(monkeypatch)
    with FakeSlack() as slack:
        settings = load_settings(
            env_file=None, slack_bot_token=BOT_TOKEN, slack_api_url=slack.api_url
        )
        sleeps: list[float] = []
        yield slack, build_web_client(settings, sleep=sleeps.append), sleeps


def test_rate_limited_calls_are_retried_after_retry_after(
    web_slack: WebSlack,
) -> None:
    """A 429 with Retry-After: 1 is retried once after sleeping 1 s (injected sleep)."""
    slack, client, sleeps = web_slack
    slack.rate_limit("chat.postMessage", retry_after=1)
    result = client.chat_postMessage(channel="C0DIGEST1", text="digest")
    assert result["ok"] is True
    assert sleeps == [1.0]
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert slack.calls[0].headers["authorization"] == f"Bearer {BOT_TOKEN}"


def test_too_long_retry_after_is_not_waited_for(
    web_slack: WebSlack,
) -> None:
    """A Retry-After beyond the cap fails with `ratelimited` instead of blocking."""
    slack, client, sleeps = web_slack
    slack.rate_limit("chat.postMessage", retry_after=600)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0DIGEST1", text="digest")
    assert caught.value.response["error"] == "ratelimited"
    assert sleeps == []


def test_retry_after_header_forms() -> None:
    """Retry-After is read in any case, as str or list; 1 s when absent or unreadable."""
    assert retry_after({"Retry-After": ["7"]}) == 7.0
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({}) == 1.0
    assert retry_after({"Retry-After": "soon"}) == 1.0
    assert RetryAfterHandler(sleep=lambda s: None).max_retry_count == 2


def test_the_app_client_uses_slack_api_url_and_retries(harness: Harness) -> None:
    """Bolt was built against SLACK_API_URL (auth.test reached the fake) with our retries."""
    assert harness.slack.calls_to("auth.test")
    built = build_web_client(harness.settings)
    assert built.base_url == harness.slack.api_url
    assert any(isinstance(h, RetryAfterHandler) for h in built.retry_handlers)


def test_link_button_actions_are_acknowledged(harness: Harness) -> None:
    """A click on a link button (Open in Botpress) gets a fast empty 200."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T0TEST"},
        "user": {"id": "U0TESTUSER"},
        "api_app_id": "A0BOTSTATS",
        "trigger_id": "1.2.3",
        "response_url": harness.slack.url_for_response("action"),
        "actions": [
            {"action_id": "open_in_botpress", "block_id": "b1", "type": "button", "action_ts": "1"}
        ],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    response = post_signed(harness, body, "application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.content == b""
    payload["actions"][0]["action_id"] = "something_else"  # type: ignore[index]
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert post_signed(harness, body, "application/x-www-form-urlencoded").status_code == 200


def event_body(event: dict[str, Any]) -> bytes:
    """An Events API callback around ``event``."""
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0TEST",
            "api_app_id": "A0BOTSTATS",
            "event": event,
            "event_id": "Ev0TEST",
            "event_time": int(time.time()),
        }
    ).encode()


def test_app_home_shows_the_help(harness: Harness) -> None:
    """Opening the Home tab publishes the help there, after the ack."""
    body = event_body(
        {"type": "app_home_opened", "user": "U0TESTUSER", "tab": "home", "event_ts": "1.0"}
    )
    response = post_signed(harness, body, "application/json")
    assert response.status_code == 200
    (call,) = harness.slack.wait_for_calls("views.publish")
    assert call.body["user_id"] == "U0TESTUSER"
    view = call.body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    assert "/botstats" in json.dumps(view["blocks"])


def test_app_home_failure_is_logged(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    """A refused views.publish is logged and counted."""
    caplog.set_level(logging.ERROR, logger="slackbot")
    harness.slack.fail("views.publish", "not_enabled")
    body = event_body(
        {"type": "app_home_opened", "user": "U0TESTUSER", "tab": "home", "event_ts": "1.0"}
    )
    assert post_signed(harness, body, "application/json").status_code == 200
    tel = harness.telemetry
    wait_until(
        lambda: counter(tel, "botstats_slack_deliveries_total", kind="home", outcome="failed") == 1
    )
    assert "not_enabled" in caplog.text


def test_url_verification_challenge(harness: Harness) -> None:
    """Slack's request URL check gets its challenge back."""
    body = json.dumps({"type": "url_verification", "challenge": "c4a11e9e", "token": "x"}).encode()
    response = post_signed(harness, body, "application/json")
    assert response.status_code == 200
    assert "c4a11e9e" in response.text


def test_socket_mode_is_selected_by_the_app_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """SLACK_APP_TOKEN selects Socket Mode, which needs no signing secret."""
    clear_env(monkeypatch)
    socket = load_settings(env_file=None, slack_app_token="xapp-1-A0-123-abc")
    http = load_settings(env_file=None)
    assert select_mode(socket) == "socket"
    assert select_mode(http) == "http"
    assert "SLACK_SIGNING_SECRET" in required_settings("http")
    assert "SLACK_SIGNING_SECRET" not in required_settings("socket")
    assert "SLACK_APP_TOKEN" in required_settings("socket")


def test_socket_mode_web_app_serves_only_health_and_metrics(tmp_path: Path) -> None:
    """In Socket Mode the HTTP server answers /healthz and /metrics but no Slack route."""
    with Store(tmp_path / "s.db") as store:
        web = create_web_app(None, store=store, telemetry=Telemetry(), mode="socket")
        with ServerThread(web) as server, httpx.Client(base_url=server.url) as client:
            assert client.get("/healthz").json()["mode"] == "socket"
            assert client.get("/metrics").status_code == 200
            assert client.post("/slack/events", content=b"x").status_code == 404


def test_unrelated_paths_are_404(harness: Harness) -> None:
    """Only the three routes exist."""
    assert harness.http.get(f"{harness.url}/").status_code == 404
    assert harness.http.get(f"{harness.url}/slack/events").status_code == 405


def test_a_response_url_that_never_answers_is_retried_logged_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """respond() raising (connection refused) is retried once, then logged and counted."""
    caplog.set_level(logging.WARNING, logger="slackbot")
    telemetry = Telemetry()
    attempts: list[dict[str, Any]] = []
    sleeps: list[float] = []

    def refused(**kwargs: Any) -> Any:
        attempts.append(kwargs)
        raise URLError(ConnectionRefusedError(111, "Connection refused"))

    delivered = deliver(
        refused, help_message(), public=True, telemetry=telemetry, sleep=sleeps.append
    )
    assert delivered is False
    assert len(attempts) == 2
    assert attempts[0]["response_type"] == "in_channel"
    assert sleeps == [0.5]
    assert "Connection refused" in caplog.text
    assert (
        counter(telemetry, "botstats_slack_deliveries_total", kind="respond", outcome="failed") == 1
    )


def test_an_expired_response_url_is_not_retried(caplog: pytest.LogCaptureFixture) -> None:
    """A 404 from response_url (expired) is logged once, not retried."""
    caplog.set_level(logging.ERROR, logger="slackbot")
    telemetry = Telemetry()
    answers: list[int] = []

    def expired(**kwargs: Any) -> WebhookResponse:
        answers.append(404)
        return WebhookResponse(url="x", status_code=404, body="expired_url", headers={})

    assert not deliver(expired, help_message(), public=False, telemetry=telemetry)
    assert answers == [404]
    assert "expired_url" in caplog.text


def test_make_settings_points_everything_at_the_fakes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness settings name the fakes, so no test can reach real Slack or Botpress."""
    clear_env(monkeypatch)
    with Simulator() as sim, FakeSlack() as slack:
        settings = make_settings(sim, slack, tmp_path / "x.db")
        assert settings.slack_api_url.startswith("http://127.0.0.1:")
        assert settings.botpress_api_url == sim.url


def test_a_refused_bot_token_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bolt's auth.test at start-up failing names SLACK_BOT_TOKEN, with Slack's reason."""
    clear_env(monkeypatch)
    with Simulator() as sim, FakeSlack() as slack, Store(tmp_path / "a.db") as store:
        settings = make_settings(sim, slack, tmp_path / "a.db")
        slack.fail("auth.test", "invalid_auth")
        service = Service(store=store, client=BotpressClient(token="t", workspace_id="w"))
        with pytest.raises(ConfigError) as caught:
            build_app(settings, service)
        assert caught.value.problems[0].variable == "SLACK_BOT_TOKEN"
        assert "invalid_auth" in str(caught.value)
        assert BOT_TOKEN not in str(caught.value)


def test_an_unreachable_slack_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SLACK_API_URL nobody answers on is named at start-up."""
    clear_env(monkeypatch)
    dead = f"http://127.0.0.1:{free_port()}/api/"
    settings = load_settings(
        env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url=dead
    )
    with Store(tmp_path / "u.db") as store:
        service = Service(store=store, client=BotpressClient(token="t", workspace_id="w"))
        client = WebClient(token=BOT_TOKEN, base_url=dead, retry_handlers=[])
        with pytest.raises(ConfigError) as caught:
            build_app(settings, service, client=client)
    assert caught.value.problems[0].variable == "SLACK_API_URL"


def test_missing_slack_settings_are_named_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a bot token and signing secret, both are named in one error."""
    clear_env(monkeypatch)
    with Store(tmp_path / "m.db") as store:
        service = Service(store=store, client=BotpressClient(token="t", workspace_id="w"))
        with pytest.raises(ConfigError) as caught:
            build_app(load_settings(env_file=None), service)
    assert [p.variable for p in caught.value.problems] == [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
    ]
