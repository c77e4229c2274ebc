"""The ``/botstats`` slash command: ack at once, answer later through ``response_url``.

Why ``process_before_response=True`` plus our own pool: with Bolt's default (False), the
request thread hands the listener to Bolt's executor and then waits for ``ack()`` in
10 ms sleeps, so every ack costs at least one poll and a sync app in an async server piles
those waits up under load. With True, Bolt runs the listener on the request thread and
returns its response as soon as the listener returns; the listener only calls ``ack()``
and queues the real work (parsing, SQLite, Botpress, Block Kit, ``respond()``) on our
bounded pool, so the HTTP 200 goes back in well under a millisecond of Python.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.webhook import WebhookResponse

from slackbot.core.blocks.kit import Message
from slackbot.replies import UNEXPECTED, Reply
from slackbot.slack.context import RECEIVED_AT, SlackDeps
from slackbot.slack.telemetry import Telemetry

log = logging.getLogger(__name__)

COMMAND = "/botstats"
BUSY = "botstats is busy answering other requests right now; try again in a minute."


def busy_reply() -> dict[str, Any]:
    """The response_url body that tells a button press the pool is full: only to the presser."""
    return {"text": f":hourglass: {BUSY}", "response_type": "ephemeral", "replace_original": False}


def register(app: App, deps: SlackDeps) -> None:
    """Register the /botstats listener."""

    @app.command(COMMAND)
    def on_botstats(
        ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext
    ) -> None:
        """Ack first (no I/O before it), queue the reply, return."""
        handle_command(deps, ack, command, respond, context)


def handle_command(
    deps: SlackDeps, ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """Acknowledge the command and queue its answer; a full pool answers "busy" in the ack."""
    received = context.get(RECEIVED_AT) or time.perf_counter()
    text = str(command.get("text") or "")
    user_id = str(command.get("user_id") or "")
    channel_id = str(command.get("channel_id") or "")
    if not deps.runner.reserve("/botstats"):
        # The ack's own body is an ephemeral reply that needs no I/O: never silence.
        ack(text=BUSY)
        deps.telemetry.commands.labels("unknown", "busy").inc()
        log.info("told %s to retry /botstats later", user_id)
        return
    ack()
    deps.telemetry.ack_seconds.observe(time.perf_counter() - received)
    deps.runner.start(
        lambda: answer(
            deps, respond, text, user_id=user_id, channel_id=channel_id, received=received
        )
    )


def answer(
    deps: SlackDeps,
    respond: Respond,
    text: str,
    *,
    user_id: str,
    channel_id: str,
    received: float,
) -> None:
    """Build the reply and deliver it (runs on the pool, after the ack)."""
    try:
        reply = deps.replies.answer(
            text, user_id=user_id, channel_id=channel_id, now=deps.service.clock()
        )
    except Exception:  # Replies.answer never raises; this is the last net, never silence
        log.exception("building the /botstats reply failed")
        reply = Reply(Message(UNEXPECTED, []), subcommand="unknown", outcome="error")
    deps.telemetry.commands.labels(reply.subcommand, reply.outcome).inc()
    delivered = deliver(
        respond,
        reply.message,
        public=reply.public,
        telemetry=deps.telemetry,
        sleep=deps.sleep,
        retry_delay=deps.respond_retry_delay,
    )
    if delivered:
        deps.telemetry.reply_seconds.observe(time.perf_counter() - received)


def deliver(
    respond: Callable[..., WebhookResponse],
    message: Message,
    *,
    public: bool,
    telemetry: Telemetry,
    sleep: Callable[[float], None] = time.sleep,
    retry_delay: float = 0.5,
) -> bool:
    """Send ``message`` to response_url; check the answer, retry once, log and count failures.

    ``respond()`` returns a WebhookResponse rather than raising on HTTP errors, so the
    status is checked here. A 5xx or no answer is retried once; a 4xx other than 404
    (expired url) is retried as text only, in case Slack refused the blocks.
    """
    kind = "in_channel" if public else "ephemeral"
    blocks: list[dict[str, Any]] | None = message.blocks or None
    problem = ""
    for attempt in (1, 2):
        try:
            response = respond(text=message.text, blocks=blocks, response_type=kind)
        except OSError as exc:  # URLError, refused, timeouts: Slack never answered
            problem, retry = f"{type(exc).__name__}: {exc}", True
        except Exception as exc:  # an unusable response_url: trying again cannot help
            problem, retry = f"{type(exc).__name__}: {exc}", False
        else:
            if response.status_code == 200:
                telemetry.deliveries.labels("respond", "ok").inc()
                return True
            problem = f"HTTP {response.status_code} {str(response.body)[:200]!r}"
            retry = response.status_code >= 500 or (response.status_code != 404 and bool(blocks))
            if 400 <= response.status_code < 500:
                blocks = None
        if attempt == 1 and retry:
            log.warning("Slack did not take the /botstats reply (%s); retrying once", problem)
            sleep(retry_delay)
            continue
        break
    log.error("The /botstats reply could not be delivered to Slack's response_url (%s)", problem)
    telemetry.deliveries.labels("respond", "failed").inc()
    return False
