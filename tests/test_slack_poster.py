"""SlackPoster against FakeSlack over real loopback HTTP: posts, joins, uploads and every fault."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message as EmailHeaders
from io import BytesIO
from urllib.error import HTTPError, URLError

import pytest
from pydantic import SecretStr
from slack_sdk.http_retry import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from slackbot.config import Settings
from slackbot.core.blocks.kit import Message
from slackbot.errors import SlackDeliveryError
from slackbot.slack.app import build_web_client
from slackbot.slack.poster import Posted, SlackPoster, classify
from slackbot.testing.fake_slack import FakeSlack

TOKEN = "xoxb-test-0123456789-secret"
MESSAGE = Message(
    "Weekly digest", [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
CHANNEL = "C0DIGEST1"


@dataclass
class Rig:
    """A fake Slack, a poster on our real WebClient pointed at it, and the sleeps it asked for."""

    slack: FakeSlack
    poster: SlackPoster
    sleeps: list[float]


def make_poster(api_url: str, sleeps: list[float], *, timeout: int = 30) -> SlackPoster:
    """A SlackPoster on build_web_client, its Retry-After sleep recorded."""
    settings = Settings.model_construct(slack_bot_token=SecretStr(TOKEN), slack_api_url=api_url)
    client = build_web_client(settings, sleep=sleeps.append, timeout=timeout)
    for handler in client.retry_handlers:
        if isinstance(handler, ConnectionErrorRetryHandler):
            # Its backoff is a real time.sleep; the retry itself still happens.
            handler.interval_calculator = FixedValueRetryIntervalCalculator(0.0)
    return SlackPoster(client)


@pytest.fixture
def rig(caplog: pytest.LogCaptureFixture) -> Iterator[Rig]:
    """A running FakeSlack and a poster on it; every log line is captured, DEBUG up."""
    caplog.set_level(logging.DEBUG)
    sleeps: list[float] = []
    with FakeSlack() as slack:
        yield Rig(slack, make_poster(slack.api_url, sleeps), sleeps)
    assert TOKEN not in caplog.text


def refused(rig: Rig, channel: str = CHANNEL, **kw: str) -> SlackDeliveryError:
    """The SlackDeliveryError a post to ``channel`` raises."""
    with pytest.raises(SlackDeliveryError) as caught:
        rig.poster.post(channel, MESSAGE, **kw)
    assert TOKEN not in f"{caught.value} {caught.value.user_message}"
    return caught.value


# --- posting ------------------------------------------------------------------------------


def test_post_to_a_member_channel_posts_once(rig: Rig) -> None:
    """A post lands once with its text and blocks, and returns Slack's channel and ts."""
    rig.slack.add_channel(CHANNEL)
    posted = rig.poster.post(CHANNEL, MESSAGE)
    (message,) = rig.slack.posted(CHANNEL)
    assert posted == Posted(CHANNEL, message.ts)
    assert (message.text, message.blocks, message.thread_ts) == (MESSAGE.text, MESSAGE.blocks, None)
    assert rig.slack.calls_to("conversations.join") == []


def test_thread_reply_goes_in_the_thread(rig: Rig) -> None:
    """A post with thread_ts is a reply to that message."""
    top = rig.poster.post(CHANNEL, MESSAGE)
    reply = rig.poster.post(CHANNEL, Message("detail"), thread_ts=top.ts)
    messages = rig.slack.posted(CHANNEL)
    assert [m.thread_ts for m in messages] == [None, top.ts]
    assert messages[1].ts == reply.ts != top.ts


def test_not_in_a_public_channel_joins_and_posts_exactly_once(rig: Rig) -> None:
    """Without chat:write.public the bot joins the public channel, then posts once."""
    rig.slack.scopes.discard("chat:write.public")
    rig.slack.add_channel(CHANNEL, member=False)
    rig.poster.post(CHANNEL, MESSAGE)
    assert len(rig.slack.posted(CHANNEL)) == 1
    assert rig.slack.is_member(CHANNEL)
    methods = [c.method for c in rig.slack.calls]
    assert methods == ["chat.postMessage", "conversations.join", "chat.postMessage"]


def test_chat_write_public_posts_without_joining(rig: Rig) -> None:
    """With chat:write.public a public channel takes the post with no join."""
    rig.slack.add_channel(CHANNEL, member=False)
    rig.poster.post(CHANNEL, MESSAGE)
    assert len(rig.slack.posted(CHANNEL)) == 1
    assert not rig.slack.is_member(CHANNEL)


def test_not_in_channel_without_channels_join_says_invite(rig: Rig) -> None:
    """Unable to join, the error says to /invite the bot (or grant channels:join); no post."""
    rig.slack.scopes -= {"chat:write.public", "channels:join"}
    rig.slack.add_channel(CHANNEL, member=False)
    error = refused(rig)
    assert (error.error, error.channel, error.retryable, error.maybe_posted) == (
        "not_in_channel",
        CHANNEL,
        False,
        False,
    )
    assert error.user_message == (
        f"botstats is not in <#{CHANNEL}>: type `/invite @botstats` there (for a public channel, "
        "an admin can instead grant the app the channels:join scope)."
    )
    assert "conversations.join answered missing_scope" in str(error)
    assert rig.slack.posted(CHANNEL) == []


def test_private_channel_needs_an_invite(rig: Rig) -> None:
    """A private channel cannot be joined: the error says /invite, nothing is posted."""
    rig.slack.add_channel("G0PRIVATE", private=True, member=False)
    error = refused(rig, "G0PRIVATE")
    assert error.error == "not_in_channel"
    assert error.user_message == (
        "botstats is not in the private channel <#G0PRIVATE>: type `/invite @botstats` there."
    )
    assert "method_not_supported_for_channel_type" in str(error)
    assert len(rig.slack.calls_to("conversations.join")) == 1
    assert rig.slack.posted("G0PRIVATE") == []


def test_channel_not_found(rig: Rig) -> None:
    """A deleted channel: channel_not_found, advice to subscribe again, no join tried."""
    rig.slack.remove_channel("C0GONE")
    error = refused(rig, "C0GONE")
    assert (error.error, error.retryable, error.maybe_posted) == ("channel_not_found", False, False)
    assert "`C0GONE` was not found" in error.user_message
    assert "Subscribe again" in error.user_message
    assert rig.slack.calls_to("conversations.join") == []


def test_archived_channel(rig: Rig) -> None:
    """An archived channel: is_archived, advice to unsubscribe it."""
    rig.slack.add_channel(CHANNEL, archived=True)
    error = refused(rig)
    assert (error.error, error.retryable) == ("is_archived", False)
    assert "archived: unsubscribe it" in error.user_message
    assert rig.slack.posted(CHANNEL) == []


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "account_inactive"])
def test_refused_token_says_reinstall(rig: Rig, code: str) -> None:
    """A refused or revoked token is not retryable and says to reinstall the app."""
    rig.slack.fail("chat.postMessage", code)
    error = refused(rig)
    assert (error.error, error.retryable, error.status) == (code, False, 200)
    assert "reinstall the app" in error.user_message


def test_missing_scope_names_the_scope(rig: Rig) -> None:
    """Without chat:write the error names the scope Slack said was needed."""
    rig.slack.scopes.discard("chat:write")
    error = refused(rig)
    assert error.error == "missing_scope"
    assert "`chat:write`" in error.user_message
    assert "needs scope chat:write" in str(error)


def test_invalid_blocks_is_a_bug_not_a_retry(rig: Rig) -> None:
    """A layout Slack refuses is reported as a botstats bug, not retryable."""
    rig.slack.fail("chat.postMessage", "invalid_blocks")
    error = refused(rig)
    assert (error.error, error.retryable) == ("invalid_blocks", False)
    assert "botstats bug" in error.user_message


# --- rate limits and faults -----------------------------------------------------------------


def test_rate_limited_post_waits_retry_after_and_posts_once(rig: Rig) -> None:
    """A 429 with Retry-After: 3 is waited out by the client (sleep 3), then posted once."""
    rig.slack.rate_limit("chat.postMessage", retry_after=3)
    rig.poster.post(CHANNEL, MESSAGE)
    assert rig.sleeps == [3.0]
    assert len(rig.slack.posted(CHANNEL)) == 1
    assert len(rig.slack.calls_to("chat.postMessage")) == 2


def test_rate_limited_past_the_client_retries_is_retryable(rig: Rig) -> None:
    """Still 429 after the client's own retries: ratelimited, retryable, nothing posted."""
    rig.slack.rate_limit("chat.postMessage", retry_after=1, times=5)
    error = refused(rig)
    assert (error.error, error.status, error.retryable, error.maybe_posted) == (
        "ratelimited",
        429,
        True,
        False,
    )
    assert rig.sleeps == [1.0, 1.0]
    assert rig.slack.posted(CHANNEL) == []


def test_slack_down_is_retryable_and_posts_after_it_comes_back(rig: Rig) -> None:
    """503 with an HTML page: http_5xx, retryable, nothing posted; back up, the post works."""
    rig.slack.go_down(503)
    error = refused(rig)
    assert (error.error, error.status, error.retryable, error.maybe_posted) == (
        "http_5xx",
        503,
        True,
        False,
    )
    assert str(error) == f"Slack chat.postMessage to {CHANNEL} failed: http_5xx (HTTP 503)."
    assert error.user_message.startswith("Slack is having trouble (HTTP 503)")
    assert rig.slack.posted(CHANNEL) == []
    rig.slack.come_back()
    rig.poster.post(CHANNEL, MESSAGE)
    assert len(rig.slack.posted(CHANNEL)) == 1


def test_a_non_api_page_points_at_slack_api_url(rig: Rig) -> None:
    """An HTML 404 (a wrong SLACK_API_URL) is bad_response, not retryable."""
    rig.slack.go_down(404)
    error = refused(rig)
    assert (error.error, error.status, error.retryable) == ("bad_response", 404, False)
    assert "SLACK_API_URL" in error.user_message


def test_connection_refused_is_retryable() -> None:
    """A closed port: unreachable, retryable, not maybe posted."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    poster = make_poster(f"http://127.0.0.1:{port}/api/", [])
    with pytest.raises(SlackDeliveryError) as caught:
        poster.post(CHANNEL, MESSAGE)
    error = caught.value
    assert (error.error, error.retryable, error.maybe_posted) == ("unreachable", True, False)
    assert error.user_message == "Slack is unreachable; botstats retries on the next minute."


def test_read_timeout_after_posting_is_maybe_posted(rig: Rig) -> None:
    """Slack took the post but answered too late: maybe_posted, not retryable, sent once."""
    poster = make_poster(rig.slack.api_url, [], timeout=1)
    rig.slack.hang("chat.postMessage", 1.6)
    with pytest.raises(SlackDeliveryError) as caught:
        poster.post(CHANNEL, MESSAGE)
    error = caught.value
    assert (error.error, error.retryable, error.maybe_posted) == ("timeout", False, True)
    assert "may or may not be there" in error.user_message
    assert len(rig.slack.calls_to("chat.postMessage")) == 1
    assert len(rig.slack.posted(CHANNEL)) == 1  # why nobody may retry it blindly


def test_connection_lost_after_posting_is_maybe_posted(rig: Rig) -> None:
    """Slack took the post and hung up unanswered: connection_reset, maybe_posted."""
    rig.slack.drop("chat.postMessage", times=2)  # the client's connection retry gets one too
    error = refused(rig)
    assert (error.error, error.retryable, error.maybe_posted) == ("connection_reset", False, True)
    assert rig.slack.posted(CHANNEL)


def test_timeout_on_update_is_retryable(rig: Rig) -> None:
    """A late answer to chat.update leaves nothing new behind: retryable, not maybe posted."""
    posted = rig.poster.post(CHANNEL, MESSAGE)
    poster = make_poster(rig.slack.api_url, [], timeout=1)
    rig.slack.hang("chat.update", 1.6)
    with pytest.raises(SlackDeliveryError) as caught:
        poster.update(CHANNEL, posted.ts, Message("resolved"))
    assert (caught.value.error, caught.value.retryable, caught.value.maybe_posted) == (
        "timeout",
        True,
        False,
    )


def upload_error(status: int) -> HTTPError:
    """What urlopen raises when the upload URL answers ``status``."""
    return HTTPError("http://files.test/upload", status, "error", EmailHeaders(), BytesIO())


@pytest.mark.parametrize(
    ("exc", "posts", "code", "retryable", "maybe"),
    [
        (URLError(TimeoutError("timed out")), True, "timeout", True, False),  # connect timeout
        (URLError(OSError(-2, "Name or service not known")), True, "unreachable", True, False),
        (TimeoutError("timed out"), False, "timeout", True, False),
        (ConnectionResetError(104, "reset"), True, "connection_reset", False, True),
        (upload_error(502), False, "http_5xx", True, False),
        (upload_error(403), False, "upload_refused", False, False),
    ],
)  # fmt: skip
def test_classify_faults_not_reproducible_on_loopback(
    exc: BaseException, posts: bool, code: str, retryable: bool, maybe: bool
) -> None:
    """Connect timeouts, DNS failures and the upload step's HTTP errors are classified too."""
    error = classify(exc, method="chat.postMessage", channel=CHANNEL, posts=posts)
    assert (error.error, error.retryable, error.maybe_posted) == (code, retryable, maybe)


# --- update, permalink, upload ---------------------------------------------------------------


def test_update_edits_the_posted_message(rig: Rig) -> None:
    """chat.update replaces the text and blocks of the message in place."""
    rig.slack.add_channel(CHANNEL)
    posted = rig.poster.post(CHANNEL, MESSAGE)
    rig.poster.update(CHANNEL, posted.ts, Message("Resolved", [{"type": "divider"}]))
    (message,) = rig.slack.posted(CHANNEL)
    assert (message.text, message.blocks, message.edits) == ("Resolved", [{"type": "divider"}], 1)


def test_update_of_a_missing_message_raises(rig: Rig) -> None:
    """Updating a ts Slack does not know is a SlackDeliveryError saying it is gone."""
    rig.slack.add_channel(CHANNEL)
    with pytest.raises(SlackDeliveryError) as caught:
        rig.poster.update(CHANNEL, "1.000001", MESSAGE)
    assert caught.value.error == "message_not_found"
    assert "is gone" in caught.value.user_message


def test_permalink(rig: Rig) -> None:
    """A posted message's permalink is Slack's archive URL with the ts undotted."""
    posted = rig.poster.post(CHANNEL, MESSAGE)
    link = rig.poster.permalink(CHANNEL, posted.ts)
    stamp = posted.ts.replace(".", "")
    assert link == f"https://botstats-test.slack.com/archives/{CHANNEL}/p{stamp}"


def test_permalink_failure_is_none_and_logged_at_debug(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """No permalink for a vanished channel: None, and why at DEBUG."""
    rig.slack.remove_channel("C0GONE")
    assert rig.poster.permalink("C0GONE", "1.000001") is None
    (record,) = [r for r in caplog.records if "no permalink" in r.getMessage()]
    assert record.levelno == logging.DEBUG
    assert "channel_not_found" in record.getMessage()


def test_upload_png_to_a_channel(rig: Rig) -> None:
    """The PNG's bytes arrive, the file id comes back, and it is shared in the thread."""
    rig.slack.add_channel(CHANNEL)
    file_id = rig.poster.upload_png(
        PNG, filename="c.png", title="Cost", alt_text="Cost chart", channel=CHANNEL, thread_ts="1.2"
    )
    assert rig.slack.uploads == {file_id: PNG}
    (file,) = rig.slack.files
    assert (file.id, file.filename, file.title, file.alt_text) == (
        file_id,
        "c.png",
        "Cost",
        "Cost chart",
    )
    assert (file.channel, file.thread_ts, file.completed) == (CHANNEL, "1.2", True)


def test_upload_png_without_a_channel_shares_nothing(rig: Rig) -> None:
    """With no channel the file is uploaded (for an image block) and shared nowhere."""
    file_id = rig.poster.upload_png(PNG, filename="c.png", title="Cost", alt_text="Cost")
    (file,) = rig.slack.files
    assert (file.id, file.data, file.channel, file.completed) == (file_id, PNG, None, True)


def test_upload_to_a_public_channel_joins_first(rig: Rig) -> None:
    """An upload needs membership even with chat:write.public: join, then upload once more."""
    rig.slack.add_channel(CHANNEL, member=False)
    file_id = rig.poster.upload_png(
        PNG, filename="c.png", title="Cost", alt_text="Cost", channel=CHANNEL
    )
    assert rig.slack.is_member(CHANNEL)
    assert len(rig.slack.calls_to("conversations.join")) == 1
    shared = [f for f in rig.slack.files if f.channel == CHANNEL]
    assert [f.id for f in shared] == [file_id]
    assert rig.slack.uploads[file_id] == PNG


def test_upload_to_a_private_channel_says_invite(rig: Rig) -> None:
    """A private channel the bot is not in: not_in_channel with the /invite advice."""
    rig.slack.add_channel("G0PRIVATE", private=True, member=False)
    with pytest.raises(SlackDeliveryError) as caught:
        rig.poster.upload_png(PNG, filename="c.png", title="t", alt_text="a", channel="G0PRIVATE")
    assert caught.value.error == "not_in_channel"
    assert "/invite @botstats" in caught.value.user_message
    assert not [f for f in rig.slack.files if f.channel == "G0PRIVATE"]


# --- logs ------------------------------------------------------------------------------------


def test_every_delivery_is_logged_without_token_or_body(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """Each call logs method, channel, outcome and ms at INFO; never the token or the text."""
    rig.slack.scopes.discard("chat:write.public")
    rig.slack.add_channel(CHANNEL, member=False)
    rig.poster.post(CHANNEL, Message("a secret-ish digest body"))
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.name == "slackbot.slack.poster" and r.levelno == logging.INFO
    ]
    assert [line.split(" in ")[0] for line in lines] == [
        f"slack chat.postMessage channel={CHANNEL} outcome=not_in_channel",
        f"slack conversations.join channel={CHANNEL} outcome=ok",
        f"slack chat.postMessage channel={CHANNEL} outcome=ok",
    ]
    assert all(line.endswith(" ms") for line in lines)
    assert "secret-ish digest body" not in "\n".join(lines)
    assert TOKEN not in caplog.text
