"""The shipped testing helpers, and the reply builder on its own (no Slack at all)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from slack_harness import BOT_TOKEN, SECRET, clear_env
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web import WebClient

from slackbot.botpress.client import BotpressClient
from slackbot.config import load_settings
from slackbot.core.commands import parse_command
from slackbot.core.models import Bot
from slackbot.replies import UNEXPECTED, Replies, needs_admin, subcommand_name
from slackbot.service import Service
from slackbot.store import Store
from slackbot.testing.fake_slack import FakeSlack, signed_command_request

NOW = datetime(2026, 5, 11, 12, tzinfo=UTC)


def test_signed_command_request_verifies_and_looks_like_slack() -> None:
    """The body is Slack's form, in Slack's field order, and the signature verifies."""
    body, headers = signed_command_request(
        SECRET, "support 7d", user_id="U1", channel_id="C1", response_url="http://x/r"
    )
    fields = parse_qsl(body.decode())
    names = [name for name, _ in fields]
    assert names[:3] == ["team_id", "team_domain", "channel_id"]
    assert dict(fields)["command"] == "/botstats"
    assert dict(fields)["text"] == "support 7d"
    assert dict(fields)["is_enterprise_install"] == "false"
    assert "enterprise_id" not in names
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)


def test_signed_command_request_old_timestamp_is_invalid() -> None:
    """A timestamp older than 5 minutes makes the request invalid for Slack's verifier."""
    body, headers = signed_command_request(
        SECRET, "", response_url="http://x/r", timestamp=int(time.time()) - 400
    )
    assert not SignatureVerifier(SECRET).is_valid_request(body, headers)


def test_fake_slack_records_form_and_json_calls() -> None:
    """Every Web API call is recorded with its method and body, form or JSON."""
    with FakeSlack() as slack:
        client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
        assert client.auth_test()["user_id"] == "U0BOTSTATS"
        posted = client.chat_postMessage(channel="C0DIGEST1", text="hi", blocks=[])
        client.chat_update(channel="C0DIGEST1", ts=posted["ts"], text="edited")
        assert client.conversations_join(channel="C0DIGEST1")["channel"]["id"] == "C0DIGEST1"
        assert client.api_call("anything.else")["ok"] is True
        methods = [c.method for c in slack.calls]
        assert methods == [
            "auth.test",
            "chat.postMessage",
            "chat.update",
            "conversations.join",
            "anything.else",
        ]
        assert slack.calls_to("chat.postMessage")[0].body["text"] == "hi"
        assert slack.calls_to("chat.update")[0].body["ts"] == posted["ts"]


def test_fake_slack_serves_files_upload_v2() -> None:
    """files_upload_v2's three steps (get URL, upload bytes, complete) all succeed."""
    with FakeSlack() as slack:
        client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
        result = client.files_upload_v2(
            channel="C0DIGEST1", content=b"\x89PNG fake", filename="chart.png", title="Cost"
        )
        assert result["ok"] is True
        assert [c.method for c in slack.calls][:2] == [
            "files.getUploadURLExternal",
            "files.completeUploadExternal",
        ]
        assert slack.calls_to("files.completeUploadExternal")[0].body["channel_id"] == "C0DIGEST1"


def test_fake_slack_response_sink_and_waiting() -> None:
    """POSTs to a response_url are recorded; waiting for more than arrived times out."""
    with FakeSlack() as slack:
        url = slack.url_for_response("abc")
        assert httpx.post(url, json={"text": "hello"}).status_code == 200
        (reply,) = slack.wait_for_responses(1, timeout=2)
        assert reply.id == "abc"
        assert reply.body == {"text": "hello"}
        assert reply.at <= time.monotonic()
        slack.respond_status = 500
        assert httpx.post(url, json={"text": "again"}).status_code == 500
        with pytest.raises(TimeoutError):
            slack.wait_for_responses(3, timeout=0.05)


def test_fake_slack_failures_are_injected_once() -> None:
    """`fail` answers an error once, then the method works again."""
    with FakeSlack() as slack:
        client = WebClient(token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=[])
        slack.fail("chat.postMessage", "channel_not_found")
        with pytest.raises(Exception, match="channel_not_found"):
            client.chat_postMessage(channel="C0NOPE", text="x")
        assert client.chat_postMessage(channel="C0NOPE", text="x")["ok"] is True


class BrokenService(Service):
    """A service whose bot list fails with an error no one planned for."""

    def bots(self, *, refresh: bool = False) -> list[Bot]:
        """Always raises."""
        raise RuntimeError("the unexpected kind of failure")


def test_unexpected_errors_are_logged_with_a_trace_and_answered_politely(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug surfaces as one polite sentence; the traceback goes to the log only."""
    clear_env(monkeypatch)
    caplog.set_level(logging.ERROR, logger="slackbot")
    with Store(tmp_path / "b.db") as store, BotpressClient(token="t", workspace_id="w") as client:
        replies = Replies(BrokenService(store=store, client=client), load_settings(env_file=None))
        reply = replies.answer("bots", user_id="U1", channel_id="C1", now=NOW)
    assert reply.message.text == UNEXPECTED
    assert reply.outcome == "error"
    assert reply.subcommand == "bots"
    assert "the unexpected kind" not in str(reply.message.blocks)
    assert "Traceback" in caplog.text
    assert "the unexpected kind of failure" in caplog.text


@pytest.mark.parametrize(
    ("text", "name", "admin"),
    [
        ("", "overview", False),
        ("help", "help", False),
        ("support 7d", "bot", False),
        ("all", "all", False),
        ("bots", "bots", False),
        ("subscribe all", "subscribe", True),
        ("unsubscribe all", "unsubscribe", True),
        ("subscriptions", "subscriptions", False),
        ("alerts on", "alerts", True),
        ("alerts off", "alerts", True),
        ("alerts status", "alerts", False),
    ],
)
def test_subcommand_labels_and_admin_needs(text: str, name: str, admin: bool) -> None:
    """Each form has its metrics label; only the changing ones need an admin."""
    command = parse_command(text, now=NOW)
    assert subcommand_name(command) == name
    assert needs_admin(command) is admin
