"""The alert messages' buttons: Acknowledge, Snooze 1 day, Snooze 7 days.

Bolt has checked the request's signature before any listener runs, so a forged or
replayed press never gets here. Each listener acks at once and queues the work; the
presser gets an ephemeral sentence through the interaction's ``response_url`` and the
original message is rebuilt for everyone.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond

from slackbot.alerts.actions import Press
from slackbot.core.blocks.alert_parts import ACK_ACTION, SNOOZE_ACTIONS
from slackbot.slack.context import SlackDeps
from slackbot.slack.listeners.commands import busy_reply, deliver

log = logging.getLogger(__name__)

ALERT_ACTIONS = re.compile(
    "^(" + "|".join(re.escape(a) for a in (ACK_ACTION, *SNOOZE_ACTIONS)) + ")$"
)


def register(app: App, deps: SlackDeps) -> None:
    """Register the alert button listeners (before the catch-all in ``actions``)."""

    @app.action(ALERT_ACTIONS)
    def on_alert_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        """Ack, then acknowledge or snooze the alerts the button names."""
        ack()
        press = read_press(body, action)
        if not deps.runner.submit(lambda: answer_press(deps, respond, press), what=press.action_id):
            deps.busy.tell(lambda: respond(**busy_reply()))


def read_press(body: dict[str, Any], action: dict[str, Any]) -> Press:
    """The press in a block_actions payload (missing fields become empty strings)."""
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    value = action.get("value")
    return Press(
        action_id=str(action.get("action_id") or ""),
        value=value if isinstance(value, str) else "",
        user=str((user or {}).get("id") or ""),
        channel=str((channel or {}).get("id") or (container or {}).get("channel_id") or ""),
        message_ts=str((message or {}).get("ts") or (container or {}).get("message_ts") or "")
        or None,
    )


def answer_press(deps: SlackDeps, respond: Respond, press: Press) -> None:
    """Apply the press and tell the presser what happened (runs on the pool)."""
    actions = deps.alert_actions
    if actions is None:  # pragma: no cover - build_app always wires it
        log.error("alert button %s pressed but no alert actions are wired", press.action_id)
        return
    reply = actions.press(press, now=deps.service.clock())
    deliver(
        functools.partial(respond, replace_original=False),
        reply,
        public=False,
        telemetry=deps.telemetry,
        sleep=deps.sleep,
        retry_delay=deps.respond_retry_delay,
    )
