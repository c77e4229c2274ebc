"""Signed Events API requests: a DM, a mention or an install event, as Slack POSTs them.

Slack sends an event to the request URL as a JSON ``event_callback`` envelope and signs
the body like any other request (``v0=`` HMAC of ``v0:{timestamp}:{body}``). A delivery
Slack retries carries ``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason``.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from slackbot.clock import system_clock
from slackbot.testing.fake_slack import signed_headers

__all__ = ["event_callback", "message_event", "signed_event_request"]

_ids = itertools.count(1)


def message_event(
    text: str,
    *,
    user: str = "U0TESTUSER",
    channel: str = "D0TESTDM1",
    channel_type: str = "im",
    ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``message`` event a person sent (``extra`` adds ``thread_ts``, ``bot_id``, ...)."""
    stamp = ts or f"{system_clock().timestamp():.6f}"
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": stamp,
        "event_ts": stamp,
        "channel": channel,
        "channel_type": channel_type,
        "client_msg_id": f"00000000-0000-4000-8000-{next(_ids):012d}",
        "team": "T0TEST",
    }
    event.update(extra)
    return event


def event_callback(event: dict[str, Any], *, team_id: str = "T0TEST") -> dict[str, Any]:
    """The envelope Slack wraps an event in."""
    return {
        "token": "verification-token-unused",
        "team_id": team_id,
        "context_team_id": team_id,
        "api_app_id": "A0BOTSTATS",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{next(_ids):010d}",
        "event_time": int(system_clock().timestamp()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": "U0BOTSTATS",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def signed_event_request(
    secret: str,
    event: dict[str, Any],
    *,
    team_id: str = "T0TEST",
    timestamp: int | None = None,
    retry: tuple[int, str] | None = None,
) -> tuple[bytes, dict[str, str]]:
    """An event's JSON body and headers, signed as Slack signs them; ``retry``: (num, reason)."""
    body = json.dumps(event_callback(event, team_id=team_id), separators=(",", ":")).encode()
    headers = signed_headers(secret, body, content_type="application/json", timestamp=timestamp)
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry[0])
        headers["X-Slack-Retry-Reason"] = retry[1]
    return body, headers
