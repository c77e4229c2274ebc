"""DMs and @mentions: the ``/botstats`` grammar, answered in the conversation it came from.

The Messages tab is on: a DM to the app (``message.im``, scope ``im:history``) reads as
the text of a ``/botstats`` command, and ``@botstats BOT 7d`` in a channel or thread
(``app_mention``, scope ``app_mentions:read``) is answered in that thread. Both go
through ``Replies.answer``, so the grammar and the BOTSTATS_ADMINS check are the
command's own. Neither has a response_url (DESIGN §4): the answer is a chat.postMessage
there. ``public`` changes nothing: a DM is already private to the person, and a thread
reply is already seen by the channel.

What a bot wrote (``bot_id``) and what is not a person's new message (any ``subtype``:
edits, joins, bot_message...) gets no answer, so botstats never answers itself. The ack
comes first; the answer is built and posted on the reply pool, like a command's.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest
from slack_sdk.web import WebClient

from slackbot.core.blocks.kit import Message, build, section
from slackbot.errors import SlackDeliveryError
from slackbot.replies import UNEXPECTED, Reply
from slackbot.slack.context import RECEIVED_AT, SlackDeps
from slackbot.slack.listeners.commands import BUSY
from slackbot.slack.poster import LAYOUT_CODES, SlackPoster

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asked:
    """One question from a DM or a mention: its text, who asked, where the answer goes."""

    kind: str  # "dm" or "mention": the metrics label and the log's word
    text: str
    user_id: str
    channel_id: str
    thread_ts: str | None
    received: float


def command_text(text: str, bot_user_id: str | None) -> str:
    """The ``/botstats`` text of a message: without the leading mention of the bot."""
    me = re.escape(bot_user_id) if bot_user_id else r"[UW][A-Z0-9]+"
    return re.sub(rf"^\s*<@{me}(?:\|[^>]*)?>[\s:,]*", "", text).strip()


def from_a_person(event: dict[str, Any]) -> bool:
    """True for a person's new message: no bot wrote it and it has no subtype."""
    return bool(event.get("user")) and not event.get("bot_id") and not event.get("subtype")


def timed_out_retry(request: BoltRequest) -> bool:
    """True for Slack's retry of an event it thinks timed out: the first one is in hand."""
    reasons = request.headers.get("x-slack-retry-reason") or []
    return "http_timeout" in reasons


def asked(kind: str, event: dict[str, Any], context: BoltContext, thread_ts: str | None) -> Asked:
    """The question in a message event."""
    return Asked(
        kind=kind,
        text=command_text(str(event.get("text") or ""), context.bot_user_id),
        user_id=str(event.get("user") or ""),
        channel_id=str(event.get("channel") or ""),
        thread_ts=thread_ts,
        received=context.get(RECEIVED_AT) or time.perf_counter(),
    )


def register(app: App, deps: SlackDeps) -> None:
    """Register the DM and @mention listeners."""

    def poster(client: WebClient) -> SlackPoster:
        return SlackPoster(client, workspace=deps.service.store.workspace)

    @app.event("message")
    def on_message(
        ack: Ack,
        event: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        request: BoltRequest,
    ) -> None:
        """Ack; a person's DM is answered in the DM (in its thread, when it is in one)."""
        ack()
        if event.get("channel_type") != "im" or not from_a_person(event):
            return
        if timed_out_retry(request):
            return
        question = asked("dm", event, context, event.get("thread_ts"))
        queue(deps, question, poster(client))

    @app.event("app_mention")
    def on_mention(
        ack: Ack,
        event: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        request: BoltRequest,
    ) -> None:
        """Ack; a person's @botstats in a channel is answered in the mention's thread."""
        ack()
        channel = str(event.get("channel") or "")
        # A mention in the app's DM also arrives as message.im, which answers it.
        if channel.startswith("D") or not from_a_person(event) or timed_out_retry(request):
            return
        question = asked("mention", event, context, event.get("thread_ts") or event.get("ts"))
        queue(deps, question, poster(client))


def queue(deps: SlackDeps, question: Asked, poster: SlackPoster) -> None:
    """Queue the answer on the reply pool; a full pool is said in the conversation instead."""
    if not deps.runner.reserve(question.kind):
        deps.telemetry.commands.labels("unknown", "busy").inc()
        deps.busy.tell(lambda: post(poster, question, busy_message()))
        return
    deps.telemetry.ack_seconds.observe(time.perf_counter() - question.received)
    deps.runner.start(lambda: answer(deps, poster, question))


def busy_message() -> Message:
    """What a full pool answers, with the command path's words."""
    return build(BUSY, [section(f":hourglass: {BUSY}")])


def answer(deps: SlackDeps, poster: SlackPoster, question: Asked) -> None:
    """Build the reply with the /botstats grammar and post it (runs on the pool)."""
    try:
        reply = deps.replies.answer(
            question.text,
            user_id=question.user_id,
            channel_id=question.channel_id,
            now=deps.service.clock(),
        )
    except Exception:  # Replies.answer never raises; this is the last net, never silence
        log.exception("building the %s reply failed", question.kind)
        reply = Reply(Message(UNEXPECTED, []), subcommand="unknown", outcome="error")
    deps.telemetry.commands.labels(reply.subcommand, reply.outcome).inc()
    delivered = post(poster, question, reply.message)
    deps.telemetry.deliveries.labels(question.kind, "ok" if delivered else "failed").inc()


def post(poster: SlackPoster, question: Asked, message: Message) -> bool:
    """chat.postMessage the answer; a refused layout is sent again as text alone."""
    try:
        poster.post(question.channel_id, message, thread_ts=question.thread_ts)
        return True
    except SlackDeliveryError as exc:
        if exc.error not in LAYOUT_CODES or not message.blocks:
            log.error("the %s reply could not be posted: %s", question.kind, exc)
            return False
        log.warning(
            "Slack refused the %s reply's blocks (%s); posting its text", question.kind, exc
        )
    try:
        poster.post(question.channel_id, Message(message.text), thread_ts=question.thread_ts)
        return True
    except SlackDeliveryError as exc:
        log.error("the %s reply could not be posted, even as text: %s", question.kind, exc)
        return False
