"""The alert buttons over real HTTP: signed presses act on alerts that exist, and only those."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from slack_harness import SECRET, Harness, harness_factory, wait_reply

from slackbot.core.alert_states import AlertRecord
from slackbot.core.blocks.alert_parts import ACK_ACTION
from slackbot.slack.listeners.commands import BUSY
from slackbot.store.alerts import AlertMessage, StoredAlert
from slackbot.testing.alerts import firing_record
from slackbot.testing.interactions import signed_action_request

__all__ = ["harness_factory"]  # fixture used by name

CHANNEL = "C0ALERTS01"
TS = "1700000100.000200"
_sinks = itertools.count(1)


def firing_alert(harness: Harness, *, status: str = "firing") -> str:
    """Store one firing cost alert of the first bot and the message that announced it."""
    bot = harness.service.bots()[0]
    since = date.today() - timedelta(days=1)
    record = firing_record(
        bot.id, since=since, notified_at=datetime.now(UTC) - timedelta(hours=1), status=status
    )
    alert_id = f"{bot.id}:cost:up"
    stored = StoredAlert(alert_id, bot.id, "cost", "up", status, since, record.to_json())
    harness.store.alerts.save_record(stored)
    harness.store.alerts.save_message(AlertMessage(alert_id, CHANNEL, TS, None, "alert:key"))
    return alert_id


def press(harness: Harness, action_id: str, value: str, **kw: Any) -> tuple[httpx.Response, str]:
    """POST one signed press on the posted alert message; the response and its sink id."""
    sink = f"alert{next(_sinks)}"
    body, headers = signed_action_request(
        kw.pop("secret", SECRET),
        action_id,
        value,
        response_url=harness.slack.url_for_response(sink),
        channel_id=CHANNEL,
        ephemeral=False,
        message_ts=TS,
        **kw,
    )
    response = harness.http.post(f"{harness.url}/slack/events", content=body, headers=headers)
    return response, sink


def record_of(harness: Harness, alert_id: str) -> AlertRecord:
    """The stored record of an alert."""
    stored = harness.store.alerts.record(alert_id)
    assert stored is not None
    return AlertRecord.from_json(stored.record)


def test_acknowledge_records_who_and_updates_the_message(harness_factory: Any) -> None:
    """Acknowledge stores the user, tells them so, and rebuilds the message for everyone."""
    harness: Harness = harness_factory()
    alert_id = firing_alert(harness)
    response, sink = press(harness, ACK_ACTION, alert_id, user_id="U0ACKER01")
    assert response.status_code == 200
    reply = wait_reply(harness.slack, sink)
    assert "<@U0ACKER01>" in reply.body["text"]
    assert "acknowledged" in reply.body["text"].lower()
    assert record_of(harness, alert_id).acknowledged_by == "U0ACKER01"
    (update,) = harness.slack.wait_for_calls("chat.update")
    assert update.body["ts"] == TS
    assert "Acknowledged by <@U0ACKER01>" in str(update.body["blocks"])


def test_a_second_acknowledge_keeps_the_first_and_updates_nothing(harness_factory: Any) -> None:
    """Pressed again by someone else: they are told who took it, and no chat.update is spent."""
    harness: Harness = harness_factory()
    alert_id = firing_alert(harness)
    _, first = press(harness, ACK_ACTION, alert_id, user_id="U0ACKER01")
    wait_reply(harness.slack, first)
    harness.slack.wait_for_calls("chat.update")
    _, second = press(harness, ACK_ACTION, alert_id, user_id="U0LATE0002")
    reply = wait_reply(harness.slack, second)
    assert "<@U0ACKER01>" in reply.body["text"]
    assert record_of(harness, alert_id).acknowledged_by == "U0ACKER01"
    assert len(harness.slack.calls_to("chat.update")) == 1


def test_snooze_is_for_admins_when_admins_are_set(harness_factory: Any) -> None:
    """A member who is not an admin is told who may snooze, and the alert is unchanged."""
    harness: Harness = harness_factory(botstats_admins="U0ADMIN001")
    alert_id = firing_alert(harness)
    _, sink = press(harness, "botstats_alert_snooze_7d", alert_id, user_id="U0MEMBER01")
    reply = wait_reply(harness.slack, sink)
    assert "Only botstats admins can snooze" in reply.body["text"]
    assert "<@U0ADMIN001>" in reply.body["text"]
    assert record_of(harness, alert_id).snoozed_until is None
    _, sink = press(harness, "botstats_alert_snooze_7d", alert_id, user_id="U0ADMIN001")
    reply = wait_reply(harness.slack, sink)
    until = record_of(harness, alert_id).snoozed_until
    assert until is not None
    assert timedelta(days=6, hours=23) < until - datetime.now(UTC) <= timedelta(days=7)
    assert "7 days" in reply.body["text"]


def test_a_press_on_a_deleted_alert_changes_nothing(harness_factory: Any) -> None:
    """An alert that no longer exists gets a short sentence and no update."""
    harness: Harness = harness_factory()
    alert_id = firing_alert(harness)
    harness.store.alerts.delete_record(alert_id)
    _, sink = press(harness, ACK_ACTION, alert_id)
    reply = wait_reply(harness.slack, sink)
    assert "no longer exists" in reply.body["text"]
    assert harness.slack.calls_to("chat.update") == []


def test_a_press_on_a_resolved_alert_says_so(harness_factory: Any) -> None:
    """A resolved alert is not acknowledged again; the user is told it is resolved."""
    harness: Harness = harness_factory()
    alert_id = firing_alert(harness, status="resolved")
    _, sink = press(harness, ACK_ACTION, alert_id)
    reply = wait_reply(harness.slack, sink)
    assert "resolved" in reply.body["text"].lower()
    assert record_of(harness, alert_id).acknowledged_by is None


def test_a_forged_press_is_refused_and_changes_nothing(harness_factory: Any) -> None:
    """A press signed with another secret gets 401 and the alert stays unacknowledged."""
    harness: Harness = harness_factory()
    alert_id = firing_alert(harness)
    response, _ = press(harness, ACK_ACTION, alert_id, secret="not-the-signing-secret")
    assert response.status_code == 401
    assert record_of(harness, alert_id).acknowledged_by is None


def test_a_replayed_press_is_refused(harness_factory: Any) -> None:
    """A press older than five minutes is refused even with a good signature."""
    harness: Harness = harness_factory()
    alert_id = firing_alert(harness)
    old = int((datetime.now(UTC) - timedelta(minutes=6)).timestamp())
    response, _ = press(harness, ACK_ACTION, alert_id, timestamp=old)
    assert response.status_code == 401
    assert replace(record_of(harness, alert_id)).acknowledged_by is None


def test_a_press_on_a_full_pool_is_told_busy_and_changes_nothing(harness_factory: Any) -> None:
    """No room on the reply pool: the presser hears "busy" and the alert stays unacknowledged."""
    full: Harness = harness_factory(max_pending=0)
    alert_id = firing_alert(full)
    response, sink = press(full, ACK_ACTION, alert_id, user_id="U0ACKER01")
    assert response.status_code == 200
    reply = wait_reply(full.slack, sink)
    assert reply.body["text"] == f":hourglass: {BUSY}"
    assert reply.body["response_type"] == "ephemeral"
    assert reply.body["replace_original"] is False
    assert record_of(full, alert_id).acknowledged_by is None
    assert full.slack.calls_to("chat.update") == []
