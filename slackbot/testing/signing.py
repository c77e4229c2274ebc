"""Slash commands and request headers signed exactly as Slack signs them (``v0=`` HMAC)."""

from __future__ import annotations

from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from slackbot.clock import system_clock


def signed_command_request(
    secret: str,
    text: str,
    *,
    user_id: str = "U0TESTUSER",
    channel_id: str = "C0TESTCHAN",
    response_url: str,
    timestamp: int | None = None,
    command: str = "/botstats",
    team_id: str = "T0TEST",
    enterprise_id: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A slash command's form body and headers, signed as Slack signs them (``v0=`` HMAC).

    Fields come in Slack's order; ``enterprise_id`` is only sent when given, as Slack only
    sends it from Enterprise Grid workspaces.
    """
    fields = [
        ("team_id", team_id),
        ("team_domain", "botstats-test"),
        *([("enterprise_id", enterprise_id)] if enterprise_id else []),
        ("channel_id", channel_id),
        ("channel_name", "botstats-test"),
        ("user_id", user_id),
        ("user_name", "tester"),
        ("command", command),
        ("text", text),
        ("api_app_id", "A0BOTSTATS"),
        ("is_enterprise_install", "false"),
        ("response_url", response_url),
        ("trigger_id", f"{int(system_clock().timestamp())}.1234.abcdef0123456789"),
    ]
    body = urlencode(fields).encode()
    return body, signed_headers(secret, body, timestamp=timestamp)


def signed_headers(
    secret: str,
    body: bytes,
    *,
    content_type: str = "application/x-www-form-urlencoded",
    timestamp: int | None = None,
) -> dict[str, str]:
    """The headers Slack sends with ``body``: content type, timestamp and ``v0=`` signature."""
    stamp = str(int(system_clock().timestamp()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body) or ""
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
