"""BOTSTATS_HTTP_TIMEOUT_S: a slow Botpress holds a /botstats reply for one timeout, not more."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from slack_harness import BOT_TOKEN, SECRET, clear_env, make_settings
from slack_sdk.web import WebClient

from slackbot.core.formatting import day
from slackbot.errors import BotpressUnavailableError
from slackbot.runtime import build_client, build_service
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.slack.app import build_app
from slackbot.slack.telemetry import Telemetry
from slackbot.slack.web import create_web_app
from slackbot.sync import sync_bots
from slackbot.testing.fake_slack import (
    FakeSlack,
    ResponseCall,
    ServerThread,
    signed_command_request,
)

TIMEOUT = 0.5
#: How long the simulator takes to answer once slow: far past the timeout.
SLOW = 5.0


@dataclass
class App:
    """The Slack app under uvicorn, its fakes, and the service the scheduler would use."""

    sim: Simulator
    slack: FakeSlack
    service: Service
    url: str

    def command(self, text: str) -> tuple[ResponseCall, float]:
        """Send a signed ``/botstats text``; its reply and seconds from sending to arrival."""
        sink = f"r{time.monotonic_ns()}"
        body, headers = signed_command_request(
            SECRET, text, response_url=self.slack.url_for_response(sink)
        )
        sent = time.monotonic()
        response = httpx.post(f"{self.url}/slack/events", content=body, headers=headers)
        assert response.status_code == 200
        reply = self.slack.wait_for_response(sink, timeout=10)
        return reply, reply.at - sent


@contextmanager
def running_app(tmp_path: Path, *, stored: bool) -> Iterator[App]:
    """The app wired as `serve` wires it, with a 0.5 s timeout; ``stored``: 30 days synced up
    to the day before yesterday (yesterday's sync has not run yet)."""
    with Simulator(bot_count=2, history_days=30, slow_seconds=SLOW) as sim, FakeSlack() as slack:
        settings = make_settings(
            sim, slack, tmp_path / "botstats.db", botstats_http_timeout_s=TIMEOUT
        )
        service = build_service(settings)
        if stored:
            yesterday = datetime.now(UTC).date() - timedelta(days=1)
            sync_bots(service.client, service.store, service.bots(), today=yesterday, days=30)
        replies = service.for_replies()
        if stored:
            replies.bots()  # what serve's warm-up does
        pool = ThreadPoolExecutor(2, thread_name_prefix="test-work")
        telemetry = Telemetry(botpress=service.client)
        web_client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
        bolt = build_app(settings, replies, client=web_client, executor=pool, telemetry=telemetry)
        web = create_web_app(
            bolt, store=service.store, telemetry=telemetry, botpress=service.client
        )
        try:
            with ServerThread(web) as server:
                sim.fault = "slow"
                yield App(sim, slack, service, server.url)
        finally:
            sim.fault = None
            pool.shutdown(wait=True)
            service.client.close()
            service.store.close()


def test_the_timeout_setting_reaches_the_botpress_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BOTSTATS_HTTP_TIMEOUT_S is the client's per-request timeout, said in the error."""
    clear_env(monkeypatch)
    with Simulator(bot_count=1, slow_seconds=SLOW) as sim, FakeSlack() as slack:
        settings = make_settings(sim, slack, tmp_path / "t.db", botstats_http_timeout_s=TIMEOUT)
        sim.fault = "slow"
        with build_client(settings) as client:
            assert client.timeout == TIMEOUT
            started = time.monotonic()
            with pytest.raises(BotpressUnavailableError) as raised:
                client.single_attempt().list_bots()
            took = time.monotonic() - started
        sim.fault = None
    assert raised.value.timeout == TIMEOUT
    assert raised.value.user_message == (
        "Botpress did not answer within 0.5 s; try again in a minute."
    )
    assert took < SLOW
    assert len(sim.requests) == 1


@pytest.mark.slow
def test_a_slow_botpress_gets_a_reply_from_stored_data_after_one_attempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With days stored, /botstats answers from them after one timed-out call, and says so."""
    clear_env(monkeypatch)
    with running_app(tmp_path, stored=True) as app:
        bot = app.sim.bots[0]
        calls = app.sim.analytics_calls
        reply, took = app.command(f"{bot.id} 7d")
        assert app.sim.analytics_calls - calls == 1  # yesterday, asked once, no retry
        assert app.service.client.health == "down"  # replies share the client's health
    text = json.dumps(reply.body)
    stored_last = datetime.now(UTC).date() - timedelta(days=2)
    assert (
        "Botpress is slow to answer right now (no reply in 0.5 s); "
        f"showing stored data up to {day(stored_last)}"
    ) in text
    assert bot.name in text
    assert took < SLOW  # it gave up on Botpress rather than waiting for its answer


@pytest.mark.slow
def test_a_slow_botpress_with_nothing_stored_says_to_try_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With nothing stored, the reply says Botpress did not answer in time, after one call."""
    clear_env(monkeypatch)
    with running_app(tmp_path, stored=False) as app:
        reply, took = app.command("7d")
        assert len(app.sim.requests) == 1
    assert "Botpress did not answer within 0.5 s; try again in a minute." in json.dumps(reply.body)
    assert took < SLOW
