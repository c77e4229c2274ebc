"""Interactive actions on botstats' messages (buttons).

Slack sends an interaction even for a link button such as "Open in Botpress", and shows
the user a warning unless the app acknowledges it within 3 s. Specific handlers (the
alert issue's Acknowledge and Snooze) register here before the catch-all, which must
stay last: Bolt runs the first listener that matches.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

from slackbot.slack.context import SlackDeps

log = logging.getLogger(__name__)

#: Link buttons: the browser opens the URL; the app only acknowledges.
LINK_ACTIONS = re.compile(r"^(open_|link_).*|.*_link$")


def register(app: App, deps: SlackDeps) -> None:
    """Register the action listeners (specific ones first, the catch-all last)."""

    @app.action(LINK_ACTIONS)
    def on_link(ack: Ack, action: dict[str, Any]) -> None:
        """A link button was clicked: acknowledge, nothing else to do."""
        ack()
        log.debug("link action %s acknowledged", action.get("action_id"))

    @app.action(re.compile(".*"))
    def on_other_action(ack: Ack, action: dict[str, Any]) -> None:
        """Any other action: acknowledge so Slack shows no error, and note it."""
        ack()
        log.info("no handler for action %s; acknowledged", action.get("action_id"))
