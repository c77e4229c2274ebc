"""Events: the App Home tab shows live content for the user who opens it.

``app_home_opened`` needs no OAuth scope, only the event subscription and the Home tab
enabled in the manifest. The ack comes first; gathering the view (SQLite, and Slack's
list of the user's channels) and ``views.publish`` run on the pool after it, like every
other piece of work. A failure while gathering still publishes a view: a sentence saying
what went wrong, and the help.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from slackbot.core.blocks.home import home_error_view
from slackbot.core.text import escape_mrkdwn
from slackbot.errors import BotstatsError
from slackbot.slack.context import SlackDeps
from slackbot.slack.home import build_home

log = logging.getLogger(__name__)

HOME_FAILED = "botstats could not gather this tab's numbers; the details are in botstats' log."


def register(app: App, deps: SlackDeps) -> None:
    """Register the event listeners."""

    @app.event("app_home_opened")
    def on_home_opened(ack: Ack, event: dict[str, Any], client: WebClient) -> None:
        """Ack, then gather and publish the Home tab for the user who opened it."""
        ack()
        user = event.get("user")
        if event.get("tab", "home") != "home" or not user:
            return
        deps.runner.submit(lambda: publish_home(deps, client, str(user)), what="home tab")


def home_for(deps: SlackDeps, client: WebClient, user: str) -> dict[str, Any]:
    """The user's Home view; on any failure, one with the reason and the help (never raises)."""
    try:
        return build_home(deps, client, user)
    except BotstatsError as exc:
        log.error("could not gather the Home tab for %s: %s", user, exc)
        return home_error_view(
            f"botstats could not gather this tab: {escape_mrkdwn(exc.user_message, 300)}"
        )
    except Exception:
        log.exception("could not gather the Home tab for %s", user)
        return home_error_view(HOME_FAILED)


def publish_home(deps: SlackDeps, client: WebClient, user: str) -> None:
    """``views.publish`` the Home tab; failures are logged and counted."""
    view = home_for(deps, client, user)
    try:
        client.views_publish(user_id=user, view=view)
    except (SlackApiError, OSError) as exc:
        log.error("could not publish the Home tab for %s: %s", user, exc)
        deps.telemetry.deliveries.labels("home", "failed").inc()
        return
    deps.telemetry.deliveries.labels("home", "ok").inc()
