"""Events: the App Home tab shows how to use ``/botstats``.

``app_home_opened`` needs no OAuth scope, only the event subscription and the Home tab
enabled in the manifest. Publishing the view is a Web API call, so it runs on the pool
after the ack, like every other piece of work.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from slackbot.core.blocks.listings import help_message
from slackbot.slack.context import SlackDeps

log = logging.getLogger(__name__)


def home_view() -> dict[str, Any]:
    """The Home tab: the /botstats help."""
    return {"type": "home", "blocks": help_message().blocks}


def register(app: App, deps: SlackDeps) -> None:
    """Register the event listeners."""

    @app.event("app_home_opened")
    def on_home_opened(ack: Ack, event: dict[str, Any], client: WebClient) -> None:
        """Ack, then publish the Home tab for the user who opened it."""
        ack()
        user = event.get("user")
        if event.get("tab", "home") != "home" or not user:
            return
        deps.runner.submit(lambda: publish_home(deps, client, str(user)), what="home tab")


def publish_home(deps: SlackDeps, client: WebClient, user: str) -> None:
    """``views.publish`` the Home tab; failures are logged and counted."""
    try:
        client.views_publish(user_id=user, view=home_view())
    except (SlackApiError, OSError) as exc:
        log.error("could not publish the Home tab for %s: %s", user, exc)
        deps.telemetry.deliveries.labels("home", "failed").inc()
        return
    deps.telemetry.deliveries.labels("home", "ok").inc()
