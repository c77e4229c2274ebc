"""Interactive actions on botstats' messages (buttons).

Slack sends an interaction even for a link button such as "Open in Botpress", and shows
the user a warning unless the app acknowledges it within 3 s. Specific handlers register
here before the catch-all, which must stay last: Bolt runs the first listener that matches.

The summary's buttons (``core.blocks.buttons``): ``botstats_period_7d|30d|90d`` answer
``/botstats "BOT" PERIOD`` again and replace the clicked ephemeral message in place;
``botstats_share`` answers ``/botstats "BOT" PERIOD public`` as a new message the channel
sees, leaving the ephemeral one. Like the slash command, each listener only acks (no I/O
before it) and queues the work on the bounded pool; the answer goes to the interaction's
``response_url``. A value that cannot be read, or a bot no longer tracked, gets a short
ephemeral sentence and leaves the original message alone.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond

from slackbot.core.blocks.buttons import PERIOD_ACTION_PREFIX, SHARE_ACTION, parse_action_value
from slackbot.core.blocks.kit import Message
from slackbot.core.blocks.listings import error_message
from slackbot.errors import UnknownBotError, UsageError
from slackbot.replies import UNEXPECTED, Reply
from slackbot.slack.context import SlackDeps
from slackbot.slack.listeners.commands import busy_reply, deliver

log = logging.getLogger(__name__)

#: Link buttons: the browser opens the URL; the app only acknowledges.
LINK_ACTIONS = re.compile(r"^(open_|link_).*|.*_link$")
#: The summary's period buttons (``botstats_period_30d``...).
PERIOD_ACTIONS = re.compile(rf"^{re.escape(PERIOD_ACTION_PREFIX)}")
#: Said when a button's value is unusable (an older app version, or tampered with).
STALE_BUTTON = "This button no longer works. Run `/botstats BOT PERIOD` for fresh numbers."
#: Said when the button's bot is no longer tracked.
GONE_BOT = "botstats no longer tracks that bot. `/botstats bots` lists the bots it tracks."


def register(app: App, deps: SlackDeps) -> None:
    """Register the action listeners (specific ones first, the catch-all last)."""

    @app.action(PERIOD_ACTIONS)
    def on_period(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        """A period button: ack, then answer the summary over that period in its place."""
        ack()
        queue_click(deps, body, action, respond, share=False)

    @app.action(SHARE_ACTION)
    def on_share(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        """The "Share in channel" button: ack, then post the summary for the channel."""
        ack()
        queue_click(deps, body, action, respond, share=True)

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


def queue_click(
    deps: SlackDeps,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    *,
    share: bool,
) -> None:
    """Queue the answer to one summary button (after the ack; nothing here does I/O)."""
    user_id = str(_get(body, "user", "id"))
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    channel_id = str(_get(body, "channel", "id") or (container or {}).get("channel_id") or "")
    # Only an ephemeral message is replaced: a click on a shared (public) summary must not
    # rewrite what the whole channel sees, so its answer comes as a new ephemeral message.
    in_place = bool((container or {}).get("is_ephemeral"))
    action_id = str(action.get("action_id") or "")
    value = action.get("value")
    queued = deps.runner.submit(
        lambda: answer_click(
            deps,
            respond,
            value if isinstance(value, str) else "",
            action_id=action_id,
            share=share,
            user_id=user_id,
            channel_id=channel_id,
            in_place=in_place,
        ),
        what=action_id or "summary button",
    )
    if not queued:
        deps.busy.tell(lambda: respond(**busy_reply()))


def answer_click(
    deps: SlackDeps,
    respond: Respond,
    value: str,
    *,
    action_id: str,
    share: bool,
    user_id: str,
    channel_id: str,
    in_place: bool,
) -> None:
    """Build the answer to a summary button and deliver it (runs on the pool)."""
    try:
        query, period = parse_action_value(value)
    except UsageError as exc:
        log.warning(
            "button %s from %s in %s carried an unusable value %r: %s",
            action_id,
            user_id,
            channel_id,
            value[:200],
            exc.message,
        )
        _notice(deps, respond, STALE_BUTTON)
        return
    try:
        deps.service.resolve_bot(query)
    except UnknownBotError:
        log.info("button %s from %s names bot %r, no longer tracked", action_id, user_id, query)
        _notice(deps, respond, GONE_BOT)
        return
    except Exception:  # Botpress down with nothing stored: the answer below says so kindly
        log.debug("could not resolve %r before answering %s", query, action_id, exc_info=True)
    # Quoted, the bot is a name to look up even when its alias is a keyword (`bots`, `all`);
    # parse_action_value lets no quote, space or `<` into ``query``.
    text = f'"{query}" {period}' + (" public" if share else "")
    try:
        reply = deps.replies.answer(
            text, user_id=user_id, channel_id=channel_id, now=deps.service.clock()
        )
    except Exception:  # Replies.answer never raises; this is the last net, never silence
        log.exception("building the answer to button %s failed", action_id)
        reply = Reply(Message(UNEXPECTED, []), subcommand="unknown", outcome="error")
    if reply.outcome != "ok":
        log.info("button %s (%r) answered with %s", action_id, text, reply.outcome)
        message = error_message(STALE_BUTTON) if reply.outcome == "usage" else reply.message
        _notice(deps, respond, message)
        return
    if share:
        # A new message in the channel; the clicked ephemeral one stays as it is.
        send = functools.partial(respond, replace_original=False, delete_original=False)
    else:
        send = functools.partial(respond, replace_original=in_place)
    deliver(
        send,
        reply.message,
        public=share,
        telemetry=deps.telemetry,
        sleep=deps.sleep,
        retry_delay=deps.respond_retry_delay,
    )


def _notice(deps: SlackDeps, respond: Respond, text: str | Message) -> None:
    """A short ephemeral message beside the original, which stays as it was."""
    message = error_message(text) if isinstance(text, str) else text
    deliver(
        functools.partial(respond, replace_original=False),
        message,
        public=False,
        telemetry=deps.telemetry,
        sleep=deps.sleep,
        retry_delay=deps.respond_retry_delay,
    )


def _get(body: dict[str, Any], key: str, field: str) -> Any:
    """``body[key][field]``, or "" when either is missing or not an object."""
    inner = body.get(key)
    return inner.get(field, "") if isinstance(inner, dict) else ""
