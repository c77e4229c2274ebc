"""The real Slack app under uvicorn on loopback, with the Botpress simulator and a fake Slack.

Shared by tests/test_slack_*.py: ``Harness.command`` sends a slash command signed exactly
as Slack signs it and returns the reply that reached the response_url sink.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk.web import WebClient

from slackbot.botpress.client import BotpressClient
from slackbot.config import Settings, load_settings
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.slack.app import build_app
from slackbot.slack.telemetry import Telemetry
from slackbot.slack.web import create_web_app
from slackbot.store import Store
from slackbot.testing.fake_slack import (
    FakeSlack,
    ResponseCall,
    ServerThread,
    signed_command_request,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-0000-1111-test"
USER = "U0TESTUSER"
CHANNEL = "C0TESTCHAN"
#: Every variable botstats reads, straight from the settings model (DESIGN §3).
ENV = tuple(name.upper() for name in Settings.model_fields)
_ids = itertools.count(1)
#: `botstats serve` as a subprocess on loopback; the caller adds ``--port``.
SERVE = (sys.executable, "-m", "slackbot", "serve", "--host", "127.0.0.1")


def serve_env(db: Path, slack_api_url: str, botpress_url: str, **extra: str) -> dict[str, str]:
    """This process's environment without botstats' variables, plus the fakes' settings."""
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    return env | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_api_url,
        "BOTPRESS_TOKEN": "sim-token",
        "BOTPRESS_WORKSPACE_ID": "sim-workspace",
        "BOTPRESS_API_URL": botpress_url,
        "BOTSTATS_DB": str(db),
        **extra,
    }


@dataclass
class Harness:
    """One running app with its fakes; ``command()`` is the usual way in."""

    server: ServerThread
    sim: Simulator
    slack: FakeSlack
    store: Store
    service: Service
    telemetry: Telemetry
    settings: Settings
    db_path: Path
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))

    @property
    def url(self) -> str:
        """Base URL of the app."""
        return self.server.url

    def post(
        self, text: str, *, user_id: str = USER, channel_id: str = CHANNEL, **kw: Any
    ) -> tuple[httpx.Response, str]:
        """POST one signed slash command; the HTTP response and the response_url id."""
        response_id = f"r{next(_ids)}"
        body, headers = signed_command_request(
            kw.pop("secret", SECRET),
            text,
            user_id=user_id,
            channel_id=channel_id,
            response_url=self.slack.url_for_response(response_id),
            **kw,
        )
        return self.http.post(
            f"{self.url}/slack/events", content=body, headers=headers
        ), response_id

    def command(self, text: str, **kw: Any) -> ResponseCall:
        """Send ``/botstats text`` and wait for its one reply at the response_url sink."""
        response, response_id = self.post(text, **kw)
        assert response.status_code == 200, response.text
        assert response.content == b""
        return wait_reply(self.slack, response_id)


def wait_reply(slack: FakeSlack, response_id: str, timeout: float = 10.0) -> ResponseCall:
    """The first POST to one response_url sink, waiting for it."""
    slack._wait(lambda: [r for r in slack._responses if r.id == response_id], 1, timeout, "replies")
    return slack.responses_for(response_id)[0]


def reply_json(reply: ResponseCall) -> str:
    """The whole reply body as JSON text (for "never echoed" checks)."""
    return json.dumps(reply.body)


def clear_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make settings come only from the test, not the machine's environment."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def make_settings(sim: Simulator, slack: FakeSlack, db: Path, **overrides: Any) -> Settings:
    """Settings pointing at the fakes (no .env file read)."""
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SECRET,
        "slack_api_url": slack.api_url,
        "botpress_token": "sim-token",
        "botpress_workspace_id": "sim-workspace",
        "botpress_api_url": sim.url,
        "botstats_db": db,
    }
    values.update(overrides)
    return load_settings(env_file=None, **values)


@contextmanager
def running(tmp_dir: Path, **options: Any) -> Iterator[Any]:
    """A ``make(**options)`` that builds harnesses in ``tmp_dir``; all stopped on exit.

    Options: ``latency``, ``slow_seconds``, ``bot_count`` (simulator), ``max_pending``,
    anything else is a Settings field (``botstats_admins="U0ADMIN01"``).
    """
    built: list[tuple[Harness, ThreadPoolExecutor, BotpressClient]] = []

    def make(
        *,
        latency: float = 0.0,
        slow_seconds: float = 3.0,
        max_pending: int = 64,
        bot_count: int = 5,
        **overrides: Any,
    ) -> Harness:
        sim = Simulator(
            latency=latency, slow_seconds=slow_seconds, bot_count=bot_count, history_days=30
        ).start()
        slack = FakeSlack().start()
        db = tmp_dir / f"botstats-{len(built)}.db"
        settings = make_settings(sim, slack, db, **overrides)
        store = Store(db)
        client = BotpressClient(
            token="sim-token",
            workspace_id="sim-workspace",
            base_url=sim.url,
            timeout=0.5,
            max_attempts=1,
            sleep=lambda seconds: None,
        )
        service = Service(store=store, client=client, aliases=settings.bot_aliases)
        telemetry = Telemetry(botpress=client)
        pool = ThreadPoolExecutor(4, thread_name_prefix="test-work")
        app = build_app(
            settings,
            service,
            client=WebClient(token=BOT_TOKEN, base_url=slack.api_url),
            executor=pool,
            telemetry=telemetry,
            sleep=lambda seconds: None,
            max_pending=max_pending,
        )
        web = create_web_app(app, store=store, telemetry=telemetry, botpress=client)
        server = ServerThread(web).start()
        harness = Harness(server, sim, slack, store, service, telemetry, settings, db)
        built.append((harness, pool, client))
        return harness

    try:
        yield make
    finally:
        for harness, pool, client in built:
            harness.server.stop()
            pool.shutdown(wait=True)
            harness.http.close()
            harness.slack.stop()
            harness.sim.stop()
            client.close()
            harness.store.close()


@pytest.fixture
def harness_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Builds harnesses with options (see ``running``); everything is stopped afterwards."""
    clear_env(monkeypatch)
    with running(tmp_path) as make:
        yield make


@pytest.fixture
def harness(harness_factory: Any) -> Harness:
    """A fresh app with default settings (no admins: anyone may change settings)."""
    built: Harness = harness_factory()
    return built


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """One app for a whole module of tests that only read, or write distinct channels."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        clear_env(monkeypatch)
        with running(tmp_path_factory.mktemp("shared")) as make:
            yield make()
