"""app_uninstalled and tokens_revoked over real HTTP: posting stops, and resumes on a reinstall."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from digest_harness import LONG_AGO, DigestStack, MovableClock, build_stack
from slack_harness import BOT_TOKEN, SECRET, Harness, clear_env, harness, harness_factory
from slack_sdk.web import WebClient

from slackbot.botpress.client import BotpressClient
from slackbot.config import load_settings
from slackbot.core.blocks.kit import Message
from slackbot.digests.build import DigestBuilder
from slackbot.digests.delivery import DigestDelivery
from slackbot.digests.due import DueDigests
from slackbot.errors import ConfigError, SlackDeliveryError
from slackbot.service import Service
from slackbot.slack.app import build_app
from slackbot.slack.poster import SlackPoster
from slackbot.store import Store
from slackbot.testing.events import message_event, signed_event_request
from slackbot.testing.fake_slack import FakeSlack
from slackbot.tick import Tick

__all__ = ["harness", "harness_factory"]  # fixtures used by name

CHANNEL = "C0DIGEST01"
DM = "D0TESTDM1"
UNINSTALLED: dict[str, Any] = {"type": "app_uninstalled"}
BOT_REVOKED: dict[str, Any] = {
    "type": "tokens_revoked",
    "tokens": {"oauth": ["U0TESTUSER"], "bot": ["U0BOTSTATS"]},
}


def send(harness: Harness, event: dict[str, Any], **kw: Any) -> None:
    """POST one signed event as Slack does; the ack must be an empty 200."""
    body, headers = signed_event_request(SECRET, event, **kw)
    response = harness.http.post(f"{harness.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.content == b""


def last_monday_9() -> datetime:
    """The latest Monday 09:00:30 UTC already past: a weekly digest is due then."""
    now = datetime.now(UTC)
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=9, minute=0, second=30, microsecond=0
    )
    return monday if monday <= now else monday - timedelta(days=7)


@pytest.fixture
def clock() -> MovableClock:
    """The tick's clock, at a weekly digest's due time."""
    return MovableClock(last_monday_9())


@pytest.fixture
def stack(harness: Harness, clock: MovableClock) -> Any:
    """The tick's digest stack over the app's own database, Botpress simulator and Slack."""
    built = build_stack(harness.sim, harness.slack, harness.db_path, clock)
    built.store.subscriptions.add(CHANNEL, "all", "weekly", now=LONG_AGO)
    yield built
    built.close()


def guarded_due(stack: DigestStack, slack: FakeSlack) -> DueDigests:
    """Due digests posted through a SlackPoster that reads the uninstall flag."""
    poster = SlackPoster(
        WebClient(token=BOT_TOKEN, base_url=slack.api_url), workspace=stack.store.workspace
    )
    zone = ZoneInfo("UTC")
    delivery = DigestDelivery(DigestBuilder(stack.service), stack.store, poster, tz=zone)
    return DueDigests(stack.store, delivery, tz=zone)


def test_uninstall_holds_the_tick_until_slack_is_heard_from_again(
    harness: Harness, stack: DigestStack, clock: MovableClock, caplog: pytest.LogCaptureFixture
) -> None:
    """After app_uninstalled the tick posts and claims nothing; a DM resumes it and is answered."""
    caplog.set_level(logging.WARNING)
    send(harness, UNINSTALLED)
    assert stack.store.workspace.uninstalled() is not None
    assert "app_uninstalled" in caplog.text
    tick = Tick(stack.service, stack.due, clock=clock, sync_days=14)
    assert tick().digests == []
    assert stack.store.runs.all() == []  # nothing claimed, so no attempt is used up
    assert harness.slack.calls_to("chat.postMessage") == []
    # Slack sends nothing to an uninstalled app: any request from it follows a reinstall.
    send(harness, message_event("help", channel=DM))
    harness.slack.wait_for_calls("chat.postMessage", 1)
    assert stack.store.workspace.uninstalled() is None
    clock.now += timedelta(minutes=1)
    assert [d.outcome for d in tick().digests] == ["sent"]
    assert harness.slack.posted(CHANNEL)
    assert harness.slack.posted(DM)[0].text.startswith("botstats")


def test_a_refused_post_stays_retryable_and_goes_out_after_the_reinstall(
    harness: Harness, stack: DigestStack, clock: MovableClock
) -> None:
    """A digest refused while uninstalled fails retryable, unsent; opening the Home tab resumes."""
    send(harness, BOT_REVOKED)
    due = guarded_due(stack, harness.slack)
    [refused] = due.run(clock.now)
    assert refused.outcome == "failed"
    run = stack.store.runs.get(refused.run.key)
    assert run is not None
    assert run.status == "failed"
    assert run.retryable
    assert "app_uninstalled" in (run.error or "")
    assert harness.slack.calls_to("chat.postMessage") == []
    assert harness.slack.calls_to("files.getUploadURLExternal") == []
    send(harness, {"type": "app_home_opened", "user": "U0TESTUSER", "tab": "home"})
    assert stack.store.workspace.uninstalled() is None
    clock.now += timedelta(minutes=2)
    assert [d.outcome for d in due.run(clock.now)] == ["sent"]
    assert harness.slack.posted(CHANNEL)


def test_the_poster_refuses_every_call_unsent_while_uninstalled(harness: Harness) -> None:
    """post, update and upload raise a retryable app_uninstalled error and reach no Slack API."""
    harness.store.workspace.mark_uninstalled("T0TEST", "app_uninstalled")
    poster = SlackPoster(
        WebClient(token=BOT_TOKEN, base_url=harness.slack.api_url),
        workspace=harness.store.workspace,
    )
    calls = [
        lambda: poster.post(CHANNEL, Message("hello")),
        lambda: poster.update(CHANNEL, "1700000000.000100", Message("hello")),
        lambda: poster.upload_png(
            b"png", filename="a.png", title="a", alt_text="a", channel=CHANNEL
        ),
    ]
    for call in calls:
        with pytest.raises(SlackDeliveryError) as refused:
            call()
        assert refused.value.error == "app_uninstalled"
        assert refused.value.retryable
        assert not refused.value.maybe_posted
        assert "reinstall" in refused.value.user_message
    assert [c.method for c in harness.slack.calls] == ["auth.test"]  # the app's, at start


def test_revoking_only_user_tokens_changes_nothing(harness: Harness) -> None:
    """tokens_revoked without the bot token leaves posting on; with it, posting stops."""
    send(harness, {"type": "tokens_revoked", "tokens": {"oauth": ["U0TESTUSER"]}})
    assert harness.store.workspace.uninstalled() is None
    send(harness, BOT_REVOKED)
    gone = harness.store.workspace.uninstalled()
    assert gone is not None
    assert (gone.event, gone.team_id) == ("tokens_revoked", "T0TEST")


def test_neither_install_events_nor_another_team_resume(harness: Harness) -> None:
    """Install events (Slack sends several at once) and other teams' requests resume nothing."""
    send(harness, UNINSTALLED)
    send(harness, UNINSTALLED)
    send(harness, {"type": "tokens_revoked", "tokens": {"oauth": ["U0TESTUSER"]}})
    send(harness, message_event("help", channel=DM), team_id="T0ELSEWHERE")
    assert harness.store.workspace.uninstalled() is not None
    harness.command("help")  # signed for T0TEST
    assert harness.store.workspace.uninstalled() is None


def build_on(db: Path, slack: FakeSlack) -> None:
    """Build the Bolt app on ``db`` against ``slack`` (its auth.test), then let it go."""
    settings = load_settings(
        env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
        botpress_token="unused",
        botpress_workspace_id="unused",
        botstats_db=db,
    )
    store = Store(db)
    client = BotpressClient(token="unused", workspace_id="unused", base_url="http://127.0.0.1:9")
    pool = ThreadPoolExecutor(1)
    try:
        build_app(
            settings,
            Service(store=store, client=client),
            client=WebClient(token=BOT_TOKEN, base_url=slack.api_url),
            executor=pool,
        )
    finally:
        pool.shutdown(wait=True)
        client.close()
        store.close()


def test_a_start_with_a_token_slack_accepts_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flag outlives a restart; a failed auth.test at start keeps it, a passed one clears it."""
    clear_env(monkeypatch)
    db = tmp_path / "restart.db"
    with Store(db) as store:
        store.workspace.mark_uninstalled("T0TEST", "app_uninstalled")
    with FakeSlack() as slack:
        slack.fail("auth.test", "token_revoked")
        with pytest.raises(ConfigError):
            build_on(db, slack)
        with Store(db) as store:
            assert store.workspace.uninstalled() is not None
        build_on(db, slack)
    with Store(db) as store:
        assert store.workspace.uninstalled() is None


def test_unsigned_uninstall_is_refused(harness: Harness) -> None:
    """A forged app_uninstalled (bad signature) gets 401 and stops nothing."""
    body, headers = signed_event_request("not-the-secret", UNINSTALLED)
    response = httpx.post(f"{harness.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert harness.store.workspace.uninstalled() is None
