"""DMs and @mentions over real HTTP: signed events in, the /botstats grammar answered there."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from slack_harness import SECRET, USER, Harness, harness, harness_factory

from slackbot.slack.listeners.commands import BUSY
from slackbot.slack.listeners.messages import command_text
from slackbot.testing.events import message_event, signed_event_request
from slackbot.testing.slack_channels import SlackMessage

__all__ = ["harness", "harness_factory"]  # fixtures used by name

DM = "D0TESTDM1"
OPS = "C0OPSCHAN"
BOT_USER = "U0BOTSTATS"  # FakeSlack's auth.test user_id


def send(harness: Harness, event: dict[str, Any], **kw: Any) -> httpx.Response:
    """POST one signed event as Slack does; the ack must be an empty 200."""
    body, headers = signed_event_request(SECRET, event, **kw)
    response = harness.http.post(f"{harness.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.content == b""
    return response


def mention(text: str, *, channel: str = OPS, user: str = USER, **extra: Any) -> dict[str, Any]:
    """An ``app_mention`` event, as Slack sends it for ``@botstats ...`` in a channel."""
    event = message_event(text, user=user, channel=channel, **extra)
    event["type"] = "app_mention"
    del event["channel_type"]  # app_mention carries none
    return event


def replies(harness: Harness, channel: str, count: int = 1) -> list[SlackMessage]:
    """The messages posted in ``channel``, once ``count`` chat.postMessage calls arrived."""
    harness.slack.wait_for_calls("chat.postMessage", count, timeout=10)
    return harness.slack.posted(channel)


def header(message: SlackMessage) -> str:
    """The text of the message's header block."""
    return next(str(b["text"]["text"]) for b in message.blocks if b["type"] == "header")


def test_command_text_drops_only_the_leading_mention_of_the_bot() -> None:
    """The bot's own leading mention goes, with or without a name or colon; others stay."""
    assert command_text("<@U0BOTSTATS> support 7d", BOT_USER) == "support 7d"
    assert command_text("  <@U0BOTSTATS|botstats>: help", BOT_USER) == "help"
    assert command_text("<@U0BOTSTATS>", BOT_USER) == ""
    assert command_text("support 7d", BOT_USER) == "support 7d"
    assert command_text("<@U0SOMEONE> help", BOT_USER) == "<@U0SOMEONE> help"


def test_a_dm_is_answered_in_the_dm_with_blocks_and_text(harness: Harness) -> None:
    """`support 7d` in the app's DM gets the summary posted in the DM, not in a thread."""
    send(harness, message_event("support 7d", channel=DM))
    [answer] = replies(harness, DM)
    assert "Support Assistant" in answer.text
    assert "Support Assistant" in header(answer)
    assert answer.thread_ts is None
    assert harness.slack.responses == []  # no response_url exists for a DM


def test_a_dm_in_a_thread_is_answered_in_that_thread(harness: Harness) -> None:
    """A DM sent as a thread reply is answered in the same thread."""
    send(harness, message_event("bots", channel=DM, thread_ts="1700000000.000100"))
    [answer] = replies(harness, DM)
    assert answer.thread_ts == "1700000000.000100"
    assert "Support Assistant" in answer.text


def test_public_in_a_dm_changes_nothing(harness: Harness) -> None:
    """`public` in a DM is accepted and the summary still goes to the DM."""
    send(harness, message_event("<@U0BOTSTATS> support 7d public", channel=DM))
    [answer] = replies(harness, DM)
    assert "Support Assistant" in header(answer)


def test_a_mention_is_answered_in_its_thread(harness: Harness) -> None:
    """`@botstats support 7d` in a channel is answered in a thread under the mention."""
    send(harness, mention("<@U0BOTSTATS> support 7d", ts="1700000000.000200"))
    [answer] = replies(harness, OPS)
    assert answer.thread_ts == "1700000000.000200"
    assert "Support Assistant" in header(answer)
    assert answer.body.get("blocks")


def test_a_mention_inside_a_thread_is_answered_in_that_thread(harness: Harness) -> None:
    """A mention in a thread replies in that thread, not under the mention itself."""
    event = mention("<@U0BOTSTATS> help", ts="1700000000.000400", thread_ts="1700000000.000300")
    send(harness, event)
    [answer] = replies(harness, OPS)
    assert answer.thread_ts == "1700000000.000300"
    assert answer.text.startswith("botstats")


def test_bots_edits_and_other_channels_get_no_answer(harness: Harness) -> None:
    """Its own posts, another bot's, edits, channel chatter and timed-out retries go unanswered."""
    ignored = [
        message_event("help", channel=DM, bot_id="B0BOTSTATS", user=BOT_USER),  # itself
        message_event("help", channel=DM, bot_id="B0OTHERBOT", subtype="bot_message"),
        message_event("help", channel=DM, subtype="message_changed"),
        message_event("help", channel="C0CHATTER", channel_type="channel"),
        mention("<@U0BOTSTATS> help", bot_id="B0OTHERBOT"),
        mention("<@U0BOTSTATS> help", channel=DM),  # message.im answers DMs
    ]
    for event in ignored:
        send(harness, event)
    send(harness, message_event("help", channel=DM), retry=(1, "http_timeout"))
    # Asked last and slower (Botpress): anything wrongly queued above would be posted first.
    send(harness, message_event("support 7d", channel=DM))
    [answer] = replies(harness, DM)
    assert "Support Assistant" in answer.text
    assert len(harness.slack.calls_to("chat.postMessage")) == 1


def test_user_text_is_never_echoed_as_a_mention(harness: Harness) -> None:
    """A DM naming `<!channel>` is refused without pinging anyone."""
    send(harness, message_event("<!channel> 7d", channel=DM))
    [answer] = replies(harness, DM)
    assert "<!channel>" not in json.dumps(answer.body)


def test_admin_commands_in_dms_and_mentions_check_botstats_admins(harness_factory: Any) -> None:
    """subscribe and alerts from a DM or a mention are refused to non-admins, as /botstats does."""
    guarded: Harness = harness_factory(botstats_admins="U0ADMIN01")
    send(guarded, message_event("subscribe all", channel=DM, user="U0NOBODY1"))
    send(guarded, mention("<@U0BOTSTATS> alerts on", user="U0NOBODY1"))
    refusals = replies(guarded, DM) + replies(guarded, OPS, 2)
    assert all("<@U0ADMIN01>" in m.text for m in refusals)
    assert guarded.store.subscriptions.all() == []
    assert guarded.store.alerts.routes() == {}
    send(guarded, mention("<@U0BOTSTATS> subscribe all daily", user="U0ADMIN01"))
    done = replies(guarded, OPS, 3)[-1]
    assert "daily digest of all bots" in done.text
    assert [(s.target, s.cadence) for s in guarded.store.subscriptions.all(OPS)] == [
        ("all", "daily")
    ]


def test_a_refused_layout_is_posted_again_as_text(harness: Harness) -> None:
    """When Slack refuses the blocks, the answer goes out once more as its text alone."""
    harness.slack.fail("chat.postMessage", "invalid_blocks")
    send(harness, message_event("help", channel=DM))
    [answer] = replies(harness, DM, 2)
    assert answer.text.startswith("botstats")
    assert not answer.blocks


@pytest.mark.parametrize("kind", ["dm", "mention"])
def test_a_full_pool_says_busy_in_the_conversation(harness_factory: Any, kind: str) -> None:
    """With no room on the pool the ack still comes at once and the busy words are posted."""
    full: Harness = harness_factory(max_pending=0)
    if kind == "dm":
        send(full, message_event("support 7d", channel=DM))
        channel, thread = DM, None
    else:
        send(full, mention("<@U0BOTSTATS> support 7d", ts="1700000000.000500"))
        channel, thread = OPS, "1700000000.000500"
    [note] = replies(full, channel)
    assert note.text == BUSY
    assert note.thread_ts == thread
    assert full.telemetry.work_refused.labels(kind)._value.get() == 1
