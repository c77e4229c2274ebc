"""Bad input over real HTTP: forged requests, odd text, and Botpress failing in every way."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from slack_harness import SECRET, Harness, harness, harness_factory, reply_json, shared
from slack_sdk.signature import SignatureVerifier

from slackbot.errors import (
    BotpressAuthError,
    BotpressResponseError,
    BotpressUnavailableError,
)
from slackbot.testing.fake_slack import signed_command_request

__all__ = ["harness", "harness_factory", "shared"]  # fixtures used by name

#: Control characters other than the newline the usage line starts on.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def assert_short_friendly(reply_body: dict[str, Any]) -> str:
    """The reply is one short ephemeral message without a stack trace; returns its text."""
    text = str(reply_body["text"])
    assert reply_body["response_type"] == "ephemeral"
    assert "Traceback" not in reply_json_body(reply_body)
    assert 'File "' not in reply_json_body(reply_body)
    assert 0 < len(text) < 1200
    return text


def reply_json_body(body: dict[str, Any]) -> str:
    """A reply body as JSON text."""
    return json.dumps(body)


def unsigned_post(harness: Harness, text: str, headers_change: Any) -> tuple[int, str]:
    """POST a command whose signed headers ``headers_change(headers, body)`` tampered with."""
    body, headers = signed_command_request(
        SECRET, text, response_url=harness.slack.url_for_response("forged")
    )
    response = harness.http.post(
        f"{harness.url}/slack/events", content=body, headers=headers_change(headers, body)
    )
    return response.status_code, response.text


def forged(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """The same body and timestamp signed with another secret."""
    stamp = headers["X-Slack-Request-Timestamp"]
    signature = SignatureVerifier("not-the-secret").generate_signature(timestamp=stamp, body=body)
    assert signature
    assert signature != headers["X-Slack-Signature"]
    return {**headers, "X-Slack-Signature": signature}


def missing(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """No signature at all."""
    return {k: v for k, v in headers.items() if k != "X-Slack-Signature"}


def missing_both(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """Neither signature nor timestamp."""
    return {k: v for k, v in headers.items() if not k.startswith("X-Slack")}


@pytest.mark.parametrize("change", [forged, missing, missing_both], ids=lambda f: f.__name__)
def test_unsigned_requests_are_refused_and_nothing_runs(harness: Harness, change: Any) -> None:
    """A forged or missing signature gets 401; nothing runs, nothing is written or sent."""
    before = len(harness.sim.requests)
    status, _ = unsigned_post(harness, "subscribe all daily", change)
    assert status == 401
    assert_nothing_happened(harness, before)


def test_old_timestamp_is_refused_and_nothing_runs(harness: Harness) -> None:
    """A correctly signed request older than 5 minutes gets 401 (replay protection)."""
    before = len(harness.sim.requests)
    body, headers = signed_command_request(
        SECRET,
        "alerts on",
        response_url=harness.slack.url_for_response("old"),
        timestamp=int(time.time()) - 6 * 60,
    )
    response = harness.http.post(f"{harness.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert_nothing_happened(harness, before)


def assert_nothing_happened(harness: Harness, sim_requests_before: int) -> None:
    """No reply, no store change, no Botpress call, no command counted."""
    # A valid command afterwards is a barrier: the refused one was never queued before it.
    harness.command("help")
    assert [r.id for r in harness.slack.responses if r.id in {"forged", "old"}] == []
    assert len(harness.slack.responses) == 1
    assert harness.store.subscriptions.all() == []
    assert harness.store.alerts.routes() == {}
    assert len(harness.sim.requests) == sim_requests_before
    metrics = harness.telemetry.render().decode()
    counted = re.findall(r"^botstats_commands_total\{.*\} (\S+)$", metrics, re.M)
    assert [float(v) for v in counted] == [1.0]


def test_oversized_body_is_refused(shared: Harness) -> None:
    """A body far bigger than any Slack payload is refused before verification."""
    response = shared.http.post(
        f"{shared.url}/slack/events",
        content=b"x" * (2 << 20),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("frobnicate", "matches no tracked bot"),
        ("support fortnight", "is not a period"),
        ("all 13d5", "is not a period"),
        ("support 400d", "365"),
        ("support 2026-05-10..2026-05-01", "ends before it starts"),
        ("support 2099-01-01", "future"),
        ("subscribe", "Say which bot"),
        ("alerts maybe", "is not an alerts action"),
        ("bots please", "takes no arguments"),
    ],
)
def test_bad_input_gets_a_short_ephemeral_sentence_and_the_usage(
    shared: Harness, text: str, expected: str
) -> None:
    """Each kind of bad input is named, with the usage line that fits."""
    reply = shared.command(text)
    message = assert_short_friendly(reply.body)
    assert expected in message
    assert "/botstats" in message


def test_empty_text_is_the_overview(shared: Harness) -> None:
    """Empty and blank text give the overview, not an error."""
    for text in ("", "   ", "\t"):
        reply = shared.command(text)
        assert reply.body["text"].startswith("Tracked bots")


def test_text_of_4000_characters(shared: Harness) -> None:
    """A 4,000-character text is refused briefly; none of it floods the reply."""
    for text in ("x" * 4000, "support " + "7d " * 1330, "<@U123> " * 500):
        reply = shared.command(text[:4000])
        message = assert_short_friendly(reply.body)
        assert len(reply_json(reply)) < 3000
        assert "x" * 100 not in message


@pytest.mark.parametrize(
    "text",
    ["support\x00\x07 7d", "\u202esupport", "support\u200b", "🤖 🤖", "サポート", "support\r\n7d"],
)
def test_unicode_and_control_characters(shared: Harness, text: str) -> None:
    """Control and bidi characters never reach the reply; unicode is answered sensibly."""
    reply = shared.command(text)
    assert reply.body["response_type"] == "ephemeral"
    assert not CONTROL.search(reply_json(reply).replace("\\n", ""))
    assert not CONTROL.search(str(reply.body["text"]).replace("\n", ""))


@pytest.mark.parametrize(
    "text",
    [
        "<!channel>",
        "<!here>",
        "<@U123>",
        "<!everyone>",
        "support 7d <!channel>",
        "support <!here|here>",
        "subscribe <@U123>",
        "alerts on <!channel>",
        "<@U123|bob> 7d",
        "all <!subteam^S123|@team>",
        "&lt;!channel&gt;",
    ],
)
def test_mentions_are_never_echoed_live(shared: Harness, text: str) -> None:
    """`<!channel>`, `<!here>` and `<@U…>` in the text come back escaped, never as mentions."""
    reply = shared.command(text)
    body = reply_json(reply)
    for live in ("<!channel", "<!here", "<!everyone", "<@U123", "<!subteam"):
        assert live not in body
    assert_short_friendly(reply.body)


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("unauthorized", BotpressAuthError.user_message),
        ("down", BotpressUnavailableError.user_message),
        ("slow", "Botpress did not answer within"),
        ("garbage", BotpressResponseError.user_message),
    ],
)
def test_botpress_failures_are_short_friendly_sentences(
    harness: Harness, fault: str, said: str
) -> None:
    """Botpress refusing, down, too slow or sending garbage: one friendly sentence each."""
    harness.command("bots")  # the bot list is cached and stored before Botpress fails
    harness.sim.fault = fault
    started = time.perf_counter()
    reply = harness.command("support today")
    message = assert_short_friendly(reply.body)
    assert said in message
    assert time.perf_counter() - started < 3
    metrics = harness.telemetry.render().decode()
    assert 'botstats_commands_total{outcome="botpress_error",subcommand="bot"} 1.0' in metrics


def test_botpress_failure_without_any_stored_bots(harness: Harness) -> None:
    """Botpress down on the very first command (no bots known yet) still gets an answer."""
    harness.sim.fault = "down"
    reply = harness.command("")
    assert BotpressUnavailableError.user_message in assert_short_friendly(reply.body)


def test_closed_stored_days_need_no_botpress(harness: Harness) -> None:
    """Once closed days are stored, a summary of them is answered with Botpress down."""
    harness.command("support 7d")
    harness.sim.fault = "down"
    reply = harness.command("support 7d")
    assert reply.body["text"].startswith("Support Assistant")
