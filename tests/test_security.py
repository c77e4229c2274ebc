"""Security over real HTTP: signatures, buttons, BOTSTATS_ADMINS, body size and secrets.

The app is the real one (Bolt under uvicorn on loopback, a real SQLite file, the Botpress
simulator, a fake Slack). A refused request must change nothing: every table of the
database is read before and after, and the fake Slack and the simulator must see no call.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_harness import clear_env, wait_reply
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web import WebClient

from slackbot.botpress.client import BotpressClient
from slackbot.cli import main
from slackbot.config import Settings, load_settings
from slackbot.core.alert_states import AlertRecord
from slackbot.core.blocks.alert_parts import ACK_ACTION
from slackbot.errors import ConfigError
from slackbot.logs import configure_logging
from slackbot.replies import Replies
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.slack.app import build_app
from slackbot.slack.telemetry import Telemetry
from slackbot.slack.web import MAX_BODY, connect_socket_mode, create_web_app
from slackbot.store import Store
from slackbot.store.alerts import AlertMessage, StoredAlert
from slackbot.testing.alerts import firing_record
from slackbot.testing.events import message_event, signed_event_request
from slackbot.testing.fake_slack import (
    FakeSlack,
    ServerThread,
    signed_command_request,
    signed_headers,
)
from slackbot.testing.interactions import signed_action_request

#: Test secrets, shaped like the real ones (the log filter knows those shapes; the raw
#: records checked here must not need it).
BOT_TOKEN = "xoxb-7301-4415-S3cretB0tT0kenForTests"
SIGNING_SECRET = "5f1e0c2b9a8d7e6f5a4b3c2d1e0f9a8b"
APP_TOKEN = "xapp-1-A0SECRET-1234-0123456789abcdef"
BOTPRESS_TOKEN = "bp_pat_S3cretB0tpressT0ken0123456789"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, BOTPRESS_TOKEN)
WORKSPACE = "ws-security"
ADMIN = "U0ADMIN001"
MEMBER = "U0MEMBER01"
CHANNEL = "C0SECURITY"
DM = "D0SECURITY"
BOT_USER = "U0BOTSTATS"  # FakeSlack's auth.test user_id
_ids = itertools.count(1)

GONE = "This alert no longer exists"
REFUSED_DIGESTS = f"Only botstats admins can change digests: <@{ADMIN}>. Ask one of them."
REFUSED_ALERTS = f"Only botstats admins can change alert routing: <@{ADMIN}>. Ask one of them."
REFUSED_SNOOZE = (
    f"Only botstats admins can snooze alerts: <@{ADMIN}>. Acknowledge is open to everyone."
)


# --- the app, served on loopback --------------------------------------------------------


@dataclass
class Rig:
    """One running app with its fakes, its database file and its settings."""

    server: ServerThread
    sim: Simulator
    slack: FakeSlack
    store: Store
    service: Service
    telemetry: Telemetry
    settings: Settings
    db: Path
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))

    @property
    def events_url(self) -> str:
        """Where Slack sends everything."""
        return f"{self.server.url}/slack/events"

    def send(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        """POST a body with its headers to /slack/events."""
        return self.http.post(self.events_url, content=body, headers=headers)

    def sink(self) -> tuple[str, str]:
        """A fresh response_url sink: its id and URL."""
        sink = f"s{next(_ids)}"
        return sink, self.slack.url_for_response(sink)

    def command(self, text: str, *, user: str = ADMIN, channel: str = CHANNEL) -> str:
        """Send a signed ``/botstats text`` and return the text of its reply."""
        sink, url = self.sink()
        body, headers = signed_command_request(
            SIGNING_SECRET, text, user_id=user, channel_id=channel, response_url=url
        )
        response = self.send(body, headers)
        assert response.status_code == 200, response.text
        return str(wait_reply(self.slack, sink).body["text"])

    def converse(self, event: dict[str, Any], channel: str) -> str:
        """Send a signed DM or mention event and return the text botstats posted back."""
        posted = len(self.slack.calls_to("chat.postMessage"))
        body, headers = signed_event_request(SIGNING_SECRET, event)
        assert self.send(body, headers).status_code == 200
        self.slack.wait_for_calls("chat.postMessage", posted + 1, timeout=10)
        return self.slack.posted(channel)[-1].text

    def press(self, action_id: str, value: str | None, *, user: str = ADMIN) -> str:
        """Press a button on the alert message (signed) and return the presser's reply."""
        sink, url = self.sink()
        body, headers = signed_action_request(
            SIGNING_SECRET,
            action_id,
            value,
            response_url=url,
            user_id=user,
            channel_id=CHANNEL,
            ephemeral=False,
            message_ts=ALERT_TS,
        )
        assert self.send(body, headers).status_code == 200
        return str(wait_reply(self.slack, sink).body["text"])


@contextmanager
def rig(tmp: Path, **overrides: Any) -> Iterator[Rig]:
    """The app on loopback with the test secrets; everything stopped on exit."""
    sim = Simulator(token=BOTPRESS_TOKEN, workspace_id=WORKSPACE, bot_count=2, history_days=20)
    sim.start()
    slack = FakeSlack().start()
    db = tmp / "botstats.db"
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "botpress_token": BOTPRESS_TOKEN,
        "botpress_workspace_id": WORKSPACE,
        "botpress_api_url": sim.url,
        "botstats_db": db,
        "botstats_admins": ADMIN,
        **overrides,
    }
    settings = load_settings(env_file=None, **values)
    store = Store(db)
    client = BotpressClient(
        token=BOTPRESS_TOKEN,
        workspace_id=WORKSPACE,
        base_url=sim.url,
        timeout=0.5,
        max_attempts=1,
        sleep=lambda seconds: None,
    )
    service = Service(store=store, client=client, aliases=settings.bot_aliases)
    telemetry = Telemetry(botpress=client)
    pool = ThreadPoolExecutor(4, thread_name_prefix="security-work")
    app = build_app(
        settings,
        service,
        client=WebClient(token=BOT_TOKEN, base_url=slack.api_url),
        executor=pool,
        telemetry=telemetry,
        sleep=lambda seconds: None,
    )
    web = create_web_app(app, store=store, telemetry=telemetry, botpress=client)
    server = ServerThread(web).start()
    built = Rig(server, sim, slack, store, service, telemetry, settings, db)
    try:
        yield built
    finally:
        server.stop()
        pool.shutdown(wait=True)
        built.http.close()
        slack.stop()
        sim.stop()
        client.close()
        store.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """One app for the module (BOTSTATS_ADMINS set); each test uses its own channels."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        clear_env(monkeypatch)
        with rig(tmp_path_factory.mktemp("security")) as built:
            yield built


# --- what "nothing changed" means ---------------------------------------------------------


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read through a connection of its own (read-only)."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }


@dataclass(frozen=True)
class Seen:
    """What the outside world had seen at one moment: tables, Slack calls and replies."""

    tables: dict[str, list[tuple[Any, ...]]]
    slack_calls: int
    replies: int
    botpress_calls: int

    @classmethod
    def now(cls, app: Rig) -> Seen:
        """The current state."""
        return cls(
            snapshot(app.db), len(app.slack.calls), len(app.slack.responses), len(app.sim.requests)
        )


def assert_nothing_changed(app: Rig, before: Seen) -> None:
    """No table changed and nobody was called, now and once any queued work would be done."""
    assert Seen.now(app) == before
    # A valid command is a barrier: work a refused request had queued would be done by now.
    assert app.command("help").startswith("botstats")
    after = Seen.now(app)
    assert after.tables == before.tables
    assert after.slack_calls == before.slack_calls
    assert after.replies == before.replies + 1  # the barrier's own reply, nothing else
    assert after.botpress_calls == before.botpress_calls


# --- signatures -----------------------------------------------------------------------------

ALERT_TS = "1700000100.000200"


def store_alert(app: Rig, metric: str, *, channel: str = CHANNEL) -> str:
    """A firing alert of the first bot, announced in ``channel``; returns its id."""
    bot = app.service.bots()[0]
    since = date.today() - timedelta(days=1)
    record = firing_record(
        bot.id, since=since, notified_at=datetime.now(UTC) - timedelta(hours=1), metric=metric
    )
    alert_id = f"{bot.id}:{metric}:up"
    stored = StoredAlert(alert_id, bot.id, metric, "up", "firing", since, record.to_json())
    app.store.alerts.save_record(stored)
    app.store.alerts.save_message(AlertMessage(alert_id, channel, ALERT_TS, None, f"k:{metric}"))
    return alert_id


def record_of(app: Rig, alert_id: str) -> AlertRecord:
    """The stored record of an alert."""
    stored = app.store.alerts.record(alert_id)
    assert stored is not None
    return AlertRecord.from_json(stored.record)


Signed = tuple[bytes, dict[str, str]]


def slash(app: Rig, stamp: int) -> Signed:
    """An admin's `/botstats subscribe`, which would add a digest."""
    return signed_command_request(
        SIGNING_SECRET,
        "subscribe all daily <#C0FORGED01|x>",
        user_id=ADMIN,
        response_url=app.slack.url_for_response("forged"),
        timestamp=stamp,
    )


def button(app: Rig, stamp: int) -> Signed:
    """An admin's Snooze 7 days on a firing alert, which would snooze it."""
    return signed_action_request(
        SIGNING_SECRET,
        "botstats_alert_snooze_7d",
        app.store.alerts.records(status="firing")[0].alert_id,
        response_url=app.slack.url_for_response("forged"),
        user_id=ADMIN,
        channel_id=CHANNEL,
        ephemeral=False,
        message_ts=ALERT_TS,
        timestamp=stamp,
    )


def dm(app: Rig, stamp: int) -> Signed:
    """An admin's DM `alerts on`, which would route alerts and post the answer."""
    event = message_event("alerts on <#C0FORGED01|x>", user=ADMIN, channel=DM)
    return signed_event_request(SIGNING_SECRET, event, timestamp=stamp)


def home(app: Rig, stamp: int) -> Signed:
    """The Home tab opened, which would publish a view."""
    event = {"type": "app_home_opened", "user": ADMIN, "tab": "home", "event_ts": "1.0"}
    return signed_event_request(SIGNING_SECRET, event, timestamp=stamp)


def uninstall(app: Rig, stamp: int) -> Signed:
    """app_uninstalled, which would stop all posting."""
    event = {"type": "app_uninstalled", "event_ts": "1.0"}
    return signed_event_request(SIGNING_SECRET, event, timestamp=stamp)


REQUESTS: dict[str, Callable[[Rig, int], Signed]] = {
    "slash command": slash,
    "button": button,
    "DM": dm,
    "app_home_opened": home,
    "app_uninstalled": uninstall,
}

Forgery = Callable[[Rig, Callable[[Rig, int], Signed]], Signed]
SIGNATURE = "X-Slack-Signature"
TIMESTAMP = "X-Slack-Request-Timestamp"


def now() -> int:
    """The Unix time, as Slack stamps a request."""
    return int(time.time())


def forged(app: Rig, make: Callable[[Rig, int], Signed]) -> Signed:
    """Signed with another secret."""
    body, headers = make(app, now())
    other = SignatureVerifier("not-the-signing-secret").generate_signature(
        timestamp=headers[TIMESTAMP], body=body
    )
    return body, {**headers, SIGNATURE: other or ""}


def no_signature(app: Rig, make: Callable[[Rig, int], Signed]) -> Signed:
    """The signature header left out."""
    body, headers = make(app, now())
    return body, {k: v for k, v in headers.items() if k != SIGNATURE}


def no_timestamp(app: Rig, make: Callable[[Rig, int], Signed]) -> Signed:
    """The timestamp header left out."""
    body, headers = make(app, now())
    return body, {k: v for k, v in headers.items() if k != TIMESTAMP}


def no_slack_headers(app: Rig, make: Callable[[Rig, int], Signed]) -> Signed:
    """Neither header: a plain POST."""
    body, headers = make(app, now())
    return body, {"Content-Type": headers["Content-Type"]}


def empty_signature(app: Rig, make: Callable[[Rig, int], Signed]) -> Signed:
    """A signature of the right scheme with no hash."""
    body, headers = make(app, now())
    return body, {**headers, SIGNATURE: "v0="}


def stale(app: Rig, make: Callable[[Rig, int], Signed]) -> Signed:
    """Correctly signed, 301 s old: a replay."""
    return make(app, now() - 301)


def future(app: Rig, make: Callable[[Rig, int], Signed]) -> Signed:
    """Correctly signed, stamped 301 s ahead."""
    return make(app, now() + 301)


def other_body(app: Rig, make: Callable[[Rig, int], Signed]) -> Signed:
    """The headers of one request (signature included) on the body of another."""
    body, headers = make(app, now())
    _, theirs = help_request(app, int(headers[TIMESTAMP]))
    return body, {**headers, SIGNATURE: theirs[SIGNATURE]}


def garbled_timestamp(app: Rig, make: Callable[[Rig, int], Signed]) -> Signed:
    """A timestamp that is not a number, signed as it is."""
    body, headers = make(app, now())
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp="1e9", body=body)
    return body, {**headers, TIMESTAMP: "1e9", SIGNATURE: signature or ""}


def help_request(app: Rig, stamp: int) -> Signed:
    """A harmless signed `/botstats help`."""
    return signed_command_request(
        SIGNING_SECRET, "help", response_url=app.slack.url_for_response("other"), timestamp=stamp
    )


FORGERIES: list[Forgery] = [
    forged,
    no_signature,
    no_timestamp,
    no_slack_headers,
    empty_signature,
    stale,
    future,
    other_body,
    garbled_timestamp,
]


@pytest.fixture(scope="module")
def armed(app: Rig) -> Rig:
    """The app with a firing alert on a posted message, for the button to act on."""
    store_alert(app, "cost")
    return app


@pytest.mark.parametrize("forgery", FORGERIES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("kind", REQUESTS)
def test_unsigned_or_replayed_requests_are_refused_and_change_nothing(
    armed: Rig, kind: str, forgery: Forgery
) -> None:
    """Forged, unsigned, replayed, future or mismatched requests get 401 and change nothing."""
    before = Seen.now(armed)
    body, headers = forgery(armed, REQUESTS[kind])
    response = armed.send(body, headers)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid request"}
    assert_nothing_changed(armed, before)


@pytest.mark.parametrize("kind", REQUESTS)
def test_each_request_signed_correctly_does_act(tmp_path: Path, kind: str) -> None:
    """The same requests, signed now (or 4m50s ago), are taken: the table above tests the guard."""
    with rig(tmp_path) as fresh:
        store_alert(fresh, "cost")
        before = Seen.now(fresh)
        body, headers = REQUESTS[kind](fresh, now() - 290)
        assert fresh.send(body, headers).status_code == 200
        deadline = time.monotonic() + 5
        while Seen.now(fresh) == before:
            assert time.monotonic() < deadline, f"the signed {kind} changed nothing"
            time.sleep(0.01)


# --- buttons --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "bot_unknown:cost:up",
        "",
        None,
        ",,,",
        "x" * 2001,
        "<!channel>",
        '{"alert": "cost"}',
        "bot_unknown:cost:up,also:not:there",
    ],
    ids=["unknown id", "empty", "missing", "commas", "too long", "mention", "json", "two unknown"],
)
def test_a_press_naming_no_stored_alert_gets_a_sentence_and_changes_nothing(
    app: Rig, value: str | None
) -> None:
    """A valid signature on an unknown, deleted or tampered alert value acts on nothing."""
    store_alert(app, "latency")
    before = Seen.now(app)
    for action in (ACK_ACTION, "botstats_alert_snooze_1d", "botstats_alert_snooze_7d"):
        reply = app.press(action, value)
        assert reply.startswith(GONE)
        assert "<!channel>" not in reply
    assert Seen.now(app).tables == before.tables
    assert app.slack.calls_to("chat.update") == []


def test_a_press_on_a_deleted_alert_changes_nothing(app: Rig) -> None:
    """An alert deleted after its message was posted is not brought back by a press."""
    alert_id = store_alert(app, "sessions")
    app.store.alerts.delete_record(alert_id)
    before = Seen.now(app)
    assert app.press("botstats_alert_snooze_7d", alert_id).startswith(GONE)
    assert Seen.now(app).tables == before.tables
    assert app.store.alerts.record(alert_id) is None


def test_an_unknown_action_id_is_acknowledged_and_changes_nothing(app: Rig) -> None:
    """A tampered action id (snooze for 99 days) reaches no handler that changes anything."""
    alert_id = store_alert(app, "error_rate")
    before = Seen.now(app)
    _, url = app.sink()
    body, headers = signed_action_request(
        SIGNING_SECRET, "botstats_alert_snooze_99d", alert_id, response_url=url, user_id=ADMIN
    )
    response = app.send(body, headers)
    assert response.status_code == 200
    assert response.content == b""
    assert_nothing_changed(app, before)
    assert record_of(app, alert_id).snoozed_until is None


def test_a_tampered_summary_button_gets_a_sentence(app: Rig) -> None:
    """A period button carrying a value botstats never wrote is answered, and nothing runs."""
    before = Seen.now(app)
    sink, url = app.sink()
    body, headers = signed_action_request(
        SIGNING_SECRET, "botstats_period_30d", '<!here> "; DROP TABLE', response_url=url
    )
    assert app.send(body, headers).status_code == 200
    reply = wait_reply(app.slack, sink).body
    assert reply["text"].startswith("This button no longer works.")
    assert "<!here>" not in json.dumps(reply)
    assert Seen.now(app).tables == before.tables


# --- BOTSTATS_ADMINS ------------------------------------------------------------------------

#: Every /botstats command that writes (``needs_admin``), in an order where each one an
#: admin sends changes something, and what a refused member is told.
CHANGING = [
    ("subscribe all daily {channel}", REFUSED_DIGESTS, "get a daily digest of all bots"),
    ("alerts on {channel}", REFUSED_ALERTS, "Anomaly alerts of all bots are now *on*"),
    ("alerts off {channel}", REFUSED_ALERTS, "Anomaly alerts of all bots are now *off*"),
    ("unsubscribe all {channel}", REFUSED_DIGESTS, "will no longer get the digest of all bots"),
]
#: Reading commands stay open to every member.
READING = ["subscriptions", "alerts status {channel}", "digest"]


def ask_via(app: Rig, path: str, text: str, user: str) -> str:
    """``text`` sent as ``user`` by slash command, DM or @mention; the answer's text."""
    if path == "slash command":
        return app.command(text, user=user)
    if path == "DM":
        return app.converse(message_event(text, user=user, channel=DM), DM)
    event = message_event(f"<@{BOT_USER}> {text}", user=user, channel=CHANNEL)
    event["type"] = "app_mention"
    del event["channel_type"]
    return app.converse(event, CHANNEL)


@pytest.mark.parametrize("path", ["slash command", "DM", "mention"])
def test_every_changing_command_is_for_admins_only(app: Rig, path: str) -> None:
    """A member is refused each changing command with a sentence and no change; an admin is not."""
    target = {"slash command": "C0ADMSLASH", "DM": "C0ADMINDM1", "mention": "C0ADMMENTN"}[path]
    channel = f"<#{target}|ops>"
    for template, refusal, done in CHANGING:
        text = template.format(channel=channel)
        before = Seen.now(app)
        assert ask_via(app, path, text, MEMBER) == refusal
        assert Seen.now(app).tables == before.tables, f"{text!r} from a member changed the store"
        assert done in ask_via(app, path, text, ADMIN)
        assert Seen.now(app).tables != before.tables, f"{text!r} from an admin changed nothing"
    for text in READING:
        answer = ask_via(app, path, text.format(channel=channel), MEMBER)
        assert "Only botstats admins" not in answer, text
        assert "Usage" not in answer, text


@pytest.mark.parametrize("action", ["botstats_alert_snooze_1d", "botstats_alert_snooze_7d"])
def test_snoozing_is_for_admins_and_acknowledging_for_everyone(app: Rig, action: str) -> None:
    """A member's snooze is refused with a sentence and no change; an admin's works; ack is open."""
    alert_id = store_alert(app, "cost_per_call" if action.endswith("1d") else "user_messages")
    before = Seen.now(app)
    assert app.press(action, alert_id, user=MEMBER) == REFUSED_SNOOZE
    assert Seen.now(app).tables == before.tables
    assert record_of(app, alert_id).snoozed_until is None
    assert app.press(action, alert_id, user=ADMIN).startswith("Snoozed for")
    assert record_of(app, alert_id).snoozed_until is not None
    open_to_all = store_alert(app, "intraday_cost")
    assert app.press(ACK_ACTION, open_to_all, user=MEMBER) == f"<@{MEMBER}> acknowledged this alert"
    assert record_of(app, open_to_all).acknowledged_by == MEMBER


# --- body size --------------------------------------------------------------------------------


def oversized_command(app: Rig, size: int) -> Signed:
    """A correctly signed `/botstats subscribe` padded to ``size`` bytes."""
    body, _ = signed_command_request(
        SIGNING_SECRET, "subscribe all <#C0TOOBIG01|x>", user_id=ADMIN, response_url="http://x"
    )
    body += b"&padding=" + b"a" * (size - len(body) - 9)
    assert len(body) == size
    return body, signed_headers(SIGNING_SECRET, body)


def test_a_body_over_the_limit_with_its_length_declared_is_refused(app: Rig) -> None:
    """A signed body one byte over 1 MiB, Content-Length declared, gets 413 and changes nothing."""
    before = Seen.now(app)
    body, headers = oversized_command(app, MAX_BODY + 1)
    response = app.send(body, headers)
    assert response.status_code == 413
    assert response.text == "payload too large"
    assert_nothing_changed(app, before)


def test_a_chunked_body_over_the_limit_is_refused(app: Rig) -> None:
    """The same body sent chunked, with no Content-Length, gets 413 and changes nothing."""
    before = Seen.now(app)
    body, headers = oversized_command(app, 2 * MAX_BODY)

    def chunks() -> Iterator[bytes]:
        for at in range(0, len(body), 64 * 1024):
            yield body[at : at + 64 * 1024]

    response = app.http.post(app.events_url, content=chunks(), headers=headers)
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert_nothing_changed(app, before)


def test_an_endless_chunked_body_is_not_read_to_its_end(app: Rig) -> None:
    """A 64 MiB chunked stream is cut off well before its end, and the app keeps serving."""
    before = Seen.now(app)
    sent: list[int] = []

    def endless() -> Iterator[bytes]:
        for _ in range(64):
            sent.append(1)
            yield b"a" * MAX_BODY

    try:
        response = app.http.post(
            app.events_url,
            content=endless(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 413
    except (httpx.RemoteProtocolError, httpx.WriteError):
        pass  # past the drain limit the server may hang up instead of reading on
    assert len(sent) < 32, f"the server read {len(sent)} MiB of an oversized body"
    assert app.http.get(f"{app.server.url}/healthz").status_code == 200
    assert_nothing_changed(app, before)


def test_a_body_at_the_limit_is_read(app: Rig) -> None:
    """A signed body of exactly 1 MiB is not refused for its size."""
    body, headers = oversized_command(app, MAX_BODY)
    assert app.send(body, headers).status_code == 200


# --- secrets ----------------------------------------------------------------------------------


def echoing_botpress(status: int) -> BotpressClient:
    """A Botpress that answers ``status`` with the request's credentials echoed back."""

    def handle(request: httpx.Request) -> httpx.Response:
        said = f"rejected {request.headers['authorization']}"
        if status >= 500:  # a proxy's page, naming it in its title
            page = f"<html><title>{said}</title><body>{said}</body></html>"
            return httpx.Response(status, text=page, headers={"Content-Type": "text/html"})
        return httpx.Response(status, json={"id": "err_1", "type": "Invalid", "message": said})

    return BotpressClient(
        token=BOTPRESS_TOKEN,
        workspace_id=WORKSPACE,
        base_url="https://botpress.test",
        transport=httpx.MockTransport(handle),
        sleep=lambda seconds: None,
        max_attempts=1,
    )


def assert_no_secret(text: str, where: str) -> None:
    """None of the test secrets appears in ``text``."""
    for secret in SECRETS:
        assert secret not in text, f"{secret[:8]}… appears in {where}"


def test_no_secret_reaches_logs_users_metrics_health_or_reprs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A session with Botpress, Slack and configuration failures leaks no token anywhere."""
    clear_env(monkeypatch)
    caplog.set_level(logging.DEBUG)
    stream = io.StringIO()
    handler = configure_logging("text", "DEBUG", stream, secrets=SECRETS)
    shown: list[str] = []
    try:
        with rig(tmp_path) as live:
            # Commands that work, then Botpress refusing, down and sending garbage.
            shown += [live.command(t) for t in ("bots", "support 7d", "subscribe all daily")]
            for fault in ("unauthorized", "down", "garbage"):
                live.sim.fault = fault
                shown.append(live.command("support today"))
            live.sim.fault = None
            # A Botpress that echoes the credentials back in its error page.
            for status in (400, 502):
                with echoing_botpress(status) as echo:
                    reply = Replies(Service(store=live.store, client=echo), live.settings).answer(
                        "support 7d", user_id=ADMIN, channel_id=CHANNEL, now=datetime.now(UTC)
                    )
                shown.append(json.dumps(reply.message.payload()))
            # Slack refusing a post, a response_url failing, Slack down under the Home tab.
            live.slack.fail("chat.postMessage", "invalid_auth")
            body, headers = signed_event_request(SIGNING_SECRET, message_event("help", channel=DM))
            live.send(body, headers)
            live.slack.wait_for_calls("chat.postMessage", 1)
            live.slack.fail_responses(500, times=2)
            replies_before = len(live.slack.responses)
            _, url = live.sink()
            body, headers = signed_command_request(SIGNING_SECRET, "help", response_url=url)
            live.send(body, headers)
            live.slack.wait_for_responses(replies_before + 2)
            live.slack.go_down(503)
            event = {"type": "app_home_opened", "user": ADMIN, "tab": "home", "event_ts": "1.0"}
            before = len(live.slack.calls)
            live.send(*signed_event_request(SIGNING_SECRET, event))
            live.slack.wait_for_calls("views.publish")
            live.slack.come_back()
            assert len(live.slack.calls) > before
            # A forged request: Bolt logs what it refused.
            live.send(*forged(live, slash))
            # What people and scrapers read.
            shown += [json.dumps(r.body) for r in live.slack.responses]
            shown += [json.dumps(c.body) for c in live.slack.calls]
            shown.append(live.http.get(f"{live.server.url}/metrics").text)
            shown.append(live.http.get(f"{live.server.url}/healthz").text)
            shown += [repr(live.settings), str(live.settings), live.settings.model_dump_json()]
            shown += [repr(live.service.client), repr(live.store), repr(live.sim)]
            live.store.close()
            shown.append(live.db.read_bytes().decode("latin-1"))
        # Configuration errors: tokens of the wrong shape, a token Slack refuses at start.
        with pytest.raises(ConfigError) as wrong_shape:
            load_settings(
                env_file=None,
                slack_bot_token="xoxp" + BOT_TOKEN[4:],
                slack_app_token="xapq" + APP_TOKEN[4:],
            )
        shown += [str(wrong_shape.value), wrong_shape.value.user_message]
        for misshapen in (BOT_TOKEN[5:], APP_TOKEN[5:]):  # the values given, bar their prefix
            assert misshapen not in str(wrong_shape.value)
        with FakeSlack() as refusing:
            refusing.fail("apps.connections.open", "invalid_auth")
            settings = load_settings(
                env_file=None,
                slack_bot_token=BOT_TOKEN,
                slack_app_token=APP_TOKEN,
                slack_api_url=refusing.api_url,
            )
            shown.append(repr(settings))
            with Store(tmp_path / "socket.db") as store, echoing_botpress(502) as echo:
                service = Service(store=store, client=echo)
                bolt = build_app(settings, service, client=WebClient(BOT_TOKEN, refusing.api_url))
                with pytest.raises(ConfigError) as refused:
                    connect_socket_mode(bolt, settings)
            shown += [str(refused.value), refused.value.user_message]
        assert "SLACK_APP_TOKEN" in str(refused.value)
    finally:
        logging.getLogger().removeHandler(handler)
    root = logging.getLogger()
    installed = list(root.handlers)
    # The command line, with every secret in its environment and a setting it cannot read.
    for name, value in zip(
        ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "BOTPRESS_TOKEN"),
        SECRETS,
        strict=True,
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BOTSTATS_TIMEZONE", "Mars/Olympus_Mons")
    monkeypatch.chdir(tmp_path)
    try:
        assert main(["report", "support"]) == 2
    finally:
        for extra in [h for h in root.handlers if h not in installed]:
            root.removeHandler(extra)  # the one main() installed for the command line
    cli = capsys.readouterr()
    assert "BOTSTATS_TIMEZONE" in cli.err
    shown += [cli.out, cli.err]

    assert_no_secret("\n".join(shown), "what users, scrapers or the database see")
    assert_no_secret(stream.getvalue(), "botstats' log output")
    # caplog's text was formatted as each record came, before botstats' handler redacted it.
    raw = caplog.text
    assert_no_secret(raw, "a log record")
    assert "Botpress refused botstats' credentials" in raw  # the session did fail as planned
    assert "invalid_auth" in raw
