"""``app_uninstalled`` and ``tokens_revoked``: stop all posting until a reinstall (DESIGN §8).

The uninstall is kept in SQLite (``store.workspace``), so a restart keeps it: the tick
then claims no digest and runs no alert check, and ``SlackPoster`` refuses every call
unsent (retryable). ``tokens_revoked`` counts only when it names the bot token: botstats
holds no user token. Slack sends nothing to an uninstalled app, so a reinstall shows as:

- ``serve`` starting with a token Slack accepts (``auth.test`` in ``build_app``): an
  uninstall kills the old token, so a start that passes the check follows a reinstall;
- any other request from Slack for that team (a command, a DM, the Home tab, a button),
  seen by a global middleware before the listeners run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from slackbot.slack.context import SlackDeps
from slackbot.store.workspace import Workspace

log = logging.getLogger(__name__)

INSTALL_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})


class InstallWatch:
    """The uninstall flag as the ack path sees it: read once, then kept in step in memory.

    The flag is set only by this process's listeners, so a memory copy lets every request
    skip SQLite; only the first request after an uninstall writes (to clear it).
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._lock = threading.Lock()
        self._paused = workspace.uninstalled() is not None

    def pause(self, team_id: str, event: str) -> None:
        """Record the uninstall (at once: the pool may be full, and it must not be lost)."""
        with self._lock:
            self.workspace.mark_uninstalled(team_id, event)
            self._paused = True
        log.warning(
            "Slack sent %s for team %s: botstats posts nothing there until it is reinstalled",
            event,
            team_id or "?",
        )

    def seen(self, team_id: str | None, body: dict[str, Any]) -> None:
        """A request from Slack arrived: when it is the reinstall's evidence, resume posting."""
        if not self._paused or event_type(body) in INSTALL_EVENTS:
            return
        with self._lock:
            gone = self.workspace.uninstalled()
            if gone is not None and gone.team_id and team_id and team_id != gone.team_id:
                return  # another workspace's request says nothing about this one
            self.workspace.mark_installed()
            self._paused = False
        if gone is not None:
            log.warning("Slack is talking to botstats again (%s): posting resumes", what(body))


def event_type(body: dict[str, Any]) -> str:
    """The Events API event type of a request body ("" for commands and interactions)."""
    event = body.get("event")
    return str(event.get("type") or "") if isinstance(event, dict) else ""


def what(body: dict[str, Any]) -> str:
    """A few words naming a request, for the log: ``event app_home_opened``, ``/botstats``."""
    if kind := event_type(body):
        return f"event {kind}"
    return str(body.get("command") or body.get("type") or "a request")


def installed_at_start(workspace: Workspace) -> None:
    """Clear the flag once Bolt's ``auth.test`` passed at start: the token works again."""
    gone = workspace.mark_installed()
    if gone is not None:
        log.warning("Slack accepts the bot token again (was %s): posting resumes", gone.describe())


def register(app: App, deps: SlackDeps) -> None:
    """Register the uninstall and token-revocation listeners and the reinstall middleware."""
    watch = InstallWatch(deps.service.store.workspace)

    @app.middleware
    def reinstall_evidence(
        body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> None:
        """Any request for the team but the uninstall events themselves resumes posting."""
        watch.seen(context.team_id, body)
        next()

    @app.event("app_uninstalled")
    def on_app_uninstalled(ack: Ack, context: BoltContext) -> None:
        """Ack, then stop posting to the workspace."""
        ack()
        watch.pause(str(context.team_id or ""), "app_uninstalled")

    @app.event("tokens_revoked")
    def on_tokens_revoked(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
        """Ack; stop posting when the bot token is among the revoked ones."""
        ack()
        tokens = event.get("tokens") if isinstance(event.get("tokens"), dict) else {}
        if not (tokens or {}).get("bot"):
            log.info("Slack revoked user tokens only; botstats holds none and goes on posting")
            return
        watch.pause(str(context.team_id or ""), "tokens_revoked")
