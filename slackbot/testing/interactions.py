"""Signed ``block_actions`` payloads: a button click, sent and signed exactly as Slack does.

Slack POSTs an interaction to the request URL form-encoded, with one field ``payload``
holding the JSON, and signs the whole body like any other request (``v0=`` HMAC of
``v0:{timestamp}:{body}``). A click on an ephemeral message carries no ``message`` (the
app never saw it), only ``container.is_ephemeral``; a click on a posted message carries
the ``message`` as well.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from slackbot.clock import system_clock
from slackbot.testing.fake_slack import signed_headers

__all__ = ["block_actions_payload", "signed_action_request"]


def block_actions_payload(
    action_id: str,
    value: str | None,
    *,
    response_url: str,
    user_id: str = "U0TESTUSER",
    channel_id: str = "C0TESTCHAN",
    team_id: str = "T0TEST",
    block_id: str = "botstats_summary_actions",
    ephemeral: bool = True,
    message_ts: str = "1700000000.000100",
    text: str = "button",
) -> dict[str, Any]:
    """A ``block_actions`` payload for one button click, shaped as Slack sends it."""
    now = system_clock().timestamp()
    action: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": False},
        "action_ts": f"{now:.6f}",
    }
    if value is not None:
        action["value"] = value
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "tester", "name": "tester", "team_id": team_id},
        "api_app_id": "A0BOTSTATS",
        "token": "verification-token-unused",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": f"{int(now)}.1234.abcdef0123456789",
        "team": {"id": team_id, "domain": "botstats-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "botstats-test"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if not ephemeral:
        payload["message"] = {
            "type": "message",
            "user": "U0BOTSTATS",
            "ts": message_ts,
            "bot_id": "B0BOTSTATS",
            "text": "botstats",
            "blocks": [],
        }
    return payload


def signed_action_request(
    secret: str,
    action_id: str,
    value: str | None,
    *,
    response_url: str,
    timestamp: int | None = None,
    **fields: Any,
) -> tuple[bytes, dict[str, str]]:
    """A button click's form body (``payload=<json>``) and headers, signed as Slack signs them.

    ``fields`` go to ``block_actions_payload`` (``user_id``, ``channel_id``, ``ephemeral``...).
    """
    payload = block_actions_payload(action_id, value, response_url=response_url, **fields)
    body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()
    return body, signed_headers(secret, body, timestamp=timestamp)
