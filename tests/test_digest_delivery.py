"""Scheduled digests reach each subscribed channel exactly once, through Slack's faults.

Real HTTP everywhere: the Botpress simulator and FakeSlack run on loopback, the store is a
SQLite file, and the clock is the only thing the test moves.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from digest_harness import CHANNEL, LONG_AGO, DigestStack, MovableClock, NoChart, build_stack

from slackbot.simulator.server import Simulator
from slackbot.testing.fake_slack import FakeSlack

#: Monday 30 November 2026, just after the default weekly digest's 09:00 UTC.
MONDAY_9 = datetime(2026, 11, 30, 9, 0, 30, tzinfo=UTC)
WEEK = "2026-11-23..2026-11-29"


@pytest.fixture
def clock() -> MovableClock:
    """The one clock of the simulator and the stack."""
    return MovableClock(MONDAY_9)


@pytest.fixture
def sim(clock: MovableClock) -> Iterator[Simulator]:
    """Three simulated bots with 60 days of history."""
    with Simulator(seed=5, bot_count=3, clock=clock, history_days=60) as simulator:
        yield simulator


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on loopback."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def stack(
    sim: Simulator, slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> Iterator[DigestStack]:
    """The digest stack with a weekly subscription of all bots made long ago."""
    built = build_stack(sim, slack, tmp_path / "digests.db", clock)
    built.store.subscriptions.add(CHANNEL, "all", "weekly", "U0ADMIN01", now=LONG_AGO)
    yield built
    built.close()


def posts(slack: FakeSlack, channel: str = CHANNEL) -> list[dict[str, Any]]:
    """The top-level messages Slack accepted in ``channel``."""
    return [c.body for c in slack.posted(channel) if not c.body.get("thread_ts")]


def words(body: dict[str, Any]) -> str:
    """Every text a person reads in a posted message."""
    return body.get("text", "") + json.dumps(body.get("blocks", ""), ensure_ascii=False)


def test_due_digest_is_posted_once_and_the_next_tick_posts_nothing(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock
) -> None:
    """The Monday digest goes out at 09:00 and a second tick a minute later finds it sent."""
    done = stack.due.run(clock.now)
    assert [d.outcome for d in done] == ["sent"]
    clock.now += timedelta(minutes=1)
    assert stack.due.run(clock.now) == []
    (body,) = posts(slack)
    assert "23" in words(body)
    assert "29 Nov" in words(body)
    run = stack.store.runs.get(f"digest:{CHANNEL}:all:{WEEK}")
    assert run is not None
    assert run.status == "sent"
    assert run.permalink
    assert run.message_ts == body.get("ts") or run.message_ts


def test_restart_does_not_post_again(
    stack: DigestStack,
    sim: Simulator,
    slack: FakeSlack,
    tmp_path: Path,
    clock: MovableClock,
) -> None:
    """A new process on the same database finds the run sent and posts nothing."""
    stack.due.run(clock.now)
    stack.close()
    clock.now += timedelta(minutes=3)
    again = build_stack(sim, slack, tmp_path / "digests.db", clock)
    try:
        assert again.due.run(clock.now) == []
    finally:
        again.close()
    assert len(posts(slack)) == 1


def test_not_due_before_its_time(stack: DigestStack, slack: FakeSlack, clock: MovableClock) -> None:
    """At 08:59 on Monday the week's digest is not due and the one before was never ours."""
    clock.now = MONDAY_9 - timedelta(minutes=2)
    stack.store.subscriptions.add(CHANNEL, "all", "weekly", now=MONDAY_9 - timedelta(days=3))
    assert stack.due.run(clock.now) == []
    assert posts(slack) == []


def test_run_that_fell_due_before_the_subscription_is_not_posted(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock
) -> None:
    """Subscribing on Monday at 10:00 waits for next Monday instead of posting at once."""
    clock.now = MONDAY_9 + timedelta(hours=1)
    stack.store.subscriptions.add(CHANNEL, "all", "weekly", now=clock.now)
    assert stack.due.run(clock.now + timedelta(minutes=1)) == []
    assert posts(slack) == []


def test_missed_run_is_caught_up_within_24_hours(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock
) -> None:
    """Back 23 hours after the due time, the missed digest is posted once."""
    clock.now = MONDAY_9 + timedelta(hours=23)
    assert [d.outcome for d in stack.due.run(clock.now)] == ["sent"]
    assert len(posts(slack)) == 1


def test_missed_run_past_24_hours_is_skipped_and_recorded(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Back 25 hours late, the digest is skipped, logged once and recorded as skipped."""
    clock.now = MONDAY_9 + timedelta(hours=25)
    with caplog.at_level(logging.WARNING):
        assert stack.due.run(clock.now) == []
        assert stack.due.run(clock.now + timedelta(minutes=1)) == []
    assert posts(slack) == []
    run = stack.store.runs.get(f"digest:{CHANNEL}:all:{WEEK}")
    assert run is not None
    assert run.status == "skipped"
    assert sum("skipped" in r.getMessage() for r in caplog.records) == 1


def test_only_the_newest_missed_daily_run_is_posted(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock
) -> None:
    """Down for three days, a daily digest catches up once: yesterday's, not all three."""
    stack.store.subscriptions.add("C0DAILY001", "all", "daily", now=LONG_AGO)
    clock.now = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    outcomes = {d.run.channel: d.outcome for d in stack.due.run(clock.now)}
    assert outcomes["C0DAILY001"] == "sent"
    daily = posts(slack, "C0DAILY001")
    assert len(daily) == 1
    assert "2 Dec" in words(daily[0])


def test_zone_ahead_of_utc_waits_for_the_week_to_settle(
    sim: Simulator, slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> None:
    """In Tokyo the Monday 09:00 digest waits for 10:00, an hour after Sunday UTC closed."""
    tokyo = ZoneInfo("Asia/Tokyo")
    stack = build_stack(sim, slack, tmp_path / "tokyo.db", clock, tz=tokyo)
    try:
        stack.store.subscriptions.add(CHANNEL, "all", "weekly", now=LONG_AGO)
        clock.now = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # 09:30 in Tokyo
        assert stack.due.run(clock.now) == []
        clock.now = datetime(2026, 11, 30, 1, 0, 5, tzinfo=UTC)  # 10:00 in Tokyo
        assert [d.outcome for d in stack.due.run(clock.now)] == ["sent"]
    finally:
        stack.close()


def test_digest_carries_its_chart(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock
) -> None:
    """The chart PNG is uploaded and the digest shows it in an image block."""
    stack.due.run(clock.now)
    (upload,) = slack.uploads.values()
    assert upload.startswith(b"\x89PNG")
    (body,) = posts(slack)
    blocks = json.loads(body["blocks"]) if isinstance(body["blocks"], str) else body["blocks"]
    images = [b for b in blocks if b.get("type") == "image"]
    assert images
    assert images[0]["slack_file"]["id"] in slack.uploads


def test_digest_goes_out_without_a_chart_that_could_not_be_drawn(
    sim: Simulator,
    slack: FakeSlack,
    tmp_path: Path,
    clock: MovableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When drawing fails the digest is still posted, without an image, and the log says why."""
    failing = NoChart()
    stack = build_stack(sim, slack, tmp_path / "nochart.db", clock, charts=failing)
    try:
        stack.store.subscriptions.add(CHANNEL, "all", "weekly", now=LONG_AGO)
        with caplog.at_level(logging.WARNING):
            assert [d.outcome for d in stack.due.run(clock.now)] == ["sent"]
    finally:
        stack.close()
    assert failing.asked
    assert slack.uploads == {}
    (body,) = posts(slack)
    assert '"image"' not in words(body)
    assert any("without its chart" in r.getMessage() for r in caplog.records)


def test_digest_goes_out_when_the_chart_upload_fails(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A refused upload leaves the digest without its chart, posted once, and logged."""
    slack.fail("files.getUploadURLExternal", "internal_error")
    with caplog.at_level(logging.WARNING):
        assert [d.outcome for d in stack.due.run(clock.now)] == ["sent"]
    assert len(posts(slack)) == 1
    assert any("upload failed" in r.getMessage() for r in caplog.records)


def test_not_in_a_public_channel_joins_and_posts_once(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock
) -> None:
    """A public channel the bot is not in is joined (channels:join), then posted to once."""
    slack.scopes.discard("chat:write.public")
    slack.add_channel(CHANNEL, member=False)
    assert [d.outcome for d in stack.due.run(clock.now)] == ["sent"]
    assert len(slack.calls_to("conversations.join")) >= 1
    assert len(posts(slack)) == 1


def test_not_in_channel_without_join_scope_is_recorded_with_what_to_do(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock
) -> None:
    """Without channels:join the run fails once, is not retried, and says to invite the bot."""
    slack.scopes -= {"chat:write.public", "channels:join"}
    slack.add_channel(CHANNEL, member=False)
    assert [d.outcome for d in stack.due.run(clock.now)] == ["failed"]
    clock.now += timedelta(minutes=5)
    assert stack.due.run(clock.now) == []
    run = stack.store.runs.get(f"digest:{CHANNEL}:all:{WEEK}")
    assert run is not None
    assert run.status == "failed"
    assert not run.retryable
    assert run.error is not None
    assert "not_in_channel" in run.error
    assert "/invite" in run.error
    assert posts(slack) == []


@pytest.mark.parametrize("setup", ["missing", "archived"])
def test_channel_not_found_or_archived_fails_for_good(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock, setup: str
) -> None:
    """A deleted or archived channel fails the run with Slack's reason and no retries."""
    if setup == "missing":
        slack.remove_channel(CHANNEL)
    else:
        slack.add_channel(CHANNEL, archived=True)
    assert [d.outcome for d in stack.due.run(clock.now)] == ["failed"]
    run = stack.store.runs.get(f"digest:{CHANNEL}:all:{WEEK}")
    code = "channel_not_found" if setup == "missing" else "is_archived"
    assert run is not None
    assert run.error is not None
    assert run.error.startswith(code)
    assert not run.retryable
    clock.now += timedelta(minutes=10)
    stack.due.run(clock.now)
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_ratelimited_post_waits_and_is_posted_once(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock
) -> None:
    """A 429 with Retry-After 3 makes the client wait 3 s, then the digest is posted once."""
    slack.rate_limit("chat.postMessage", retry_after=3)
    assert [d.outcome for d in stack.due.run(clock.now)] == ["sent"]
    assert 3.0 in stack.waits
    assert len(posts(slack)) == 1


def test_slack_down_is_retried_on_a_later_tick_and_never_doubled(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock
) -> None:
    """While Slack answers 503 nothing posts; a tick after it is back posts exactly once."""
    slack.go_down(503)
    assert [d.outcome for d in stack.due.run(clock.now)] == ["failed"]
    slack.come_back()
    clock.now += timedelta(seconds=30)
    # Too soon: a failed run is tried again a minute after it failed, not at once.
    assert [d.outcome for d in stack.due.run(clock.now)] == ["taken"]
    clock.now += timedelta(minutes=1)
    assert [d.outcome for d in stack.due.run(clock.now)] == ["sent"]
    clock.now += timedelta(minutes=1)
    assert stack.due.run(clock.now) == []
    assert len(posts(slack)) == 1


def test_botpress_down_for_one_bot_marks_it_unavailable(
    stack: DigestStack, sim: Simulator, slack: FakeSlack, clock: MovableClock
) -> None:
    """One bot's analytics failing leaves it marked unavailable; the others are reported."""
    down = sim.bots[1]
    sim.bot_faults[down.id] = "down"
    assert [d.outcome for d in stack.due.run(clock.now)] == ["sent"]
    text = "".join(words(c.body) for c in slack.posted(CHANNEL))
    assert "unavailable" in text.lower()
    assert sim.bots[0].name in text
    assert down.name in text


def test_empty_workspace_gets_a_short_no_bots_digest(
    slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> None:
    """A workspace without bots gets a short digest saying so, not an error."""
    with Simulator(seed=5, bot_count=0, clock=clock) as empty:
        stack = build_stack(empty, slack, tmp_path / "empty.db", clock)
        try:
            stack.store.subscriptions.add(CHANNEL, "all", "weekly", now=LONG_AGO)
            assert [d.outcome for d in stack.due.run(clock.now)] == ["sent"]
        finally:
            stack.close()
    (body,) = posts(slack)
    assert "no bots" in words(body).lower()


def test_cold_store_costs_one_analytics_call_per_bot_and_none_after_a_sync(
    sim: Simulator, slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> None:
    """A digest on an empty store asks once per bot; the next one, after a sync, asks nothing."""
    from slackbot.core.schedule import last_settled_week
    from slackbot.sync import sync_bots

    stack = build_stack(sim, slack, tmp_path / "calls.db", clock)
    try:
        builder = stack.due.delivery.builder  # type: ignore[union-attr]
        sim.clear_requests()
        builder.build("all", "weekly", last_settled_week(clock.now), now=clock.now)
        assert sim.analytics_calls == len(sim.bots)
        sync_bots(
            stack.service.client,
            stack.store,
            stack.service.bots(),
            today=clock.now.date(),
            clock=clock,
        )
        sim.clear_requests()
        builder.build("all", "weekly", last_settled_week(clock.now), now=clock.now)
        assert sim.analytics_calls == 0
    finally:
        stack.close()


def test_refused_image_block_posts_the_digest_without_it_once(
    stack: DigestStack, slack: FakeSlack, clock: MovableClock
) -> None:
    """When Slack refuses the chart's image block, the digest goes out once without it."""
    slack.fail("chat.postMessage", "invalid_blocks")
    assert [d.outcome for d in stack.due.run(clock.now)] == ["sent"]
    (body,) = posts(slack)
    assert '"image"' not in words(body)
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_many_bots_put_their_details_in_the_thread(
    slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> None:
    """Eight bots: one ranking at the top, every bot's details in its thread, posted once."""
    with Simulator(seed=9, bot_count=8, clock=clock, history_days=40) as many:
        stack = build_stack(many, slack, tmp_path / "many.db", clock, charts=NoChart())
        try:
            stack.store.subscriptions.add(CHANNEL, "all", "weekly", now=LONG_AGO)
            (done,) = stack.due.run(clock.now)
            assert stack.due.run(clock.now + timedelta(minutes=1)) == []
        finally:
            stack.close()
        names = [bot.name for bot in many.bots]
    assert done.outcome == "sent"
    (top,) = posts(slack)
    thread = [c.body for c in slack.posted(CHANNEL) if c.body.get("thread_ts") == done.ts]
    assert 1 <= len(thread) <= 10
    assert "numbers are in the thread" in words(top)
    details = "".join(words(body) for body in thread)
    assert all(name in details for name in names)


def test_a_thread_reply_that_fails_leaves_the_digest_sent_with_a_note(
    slack: FakeSlack, tmp_path: Path, clock: MovableClock
) -> None:
    """A thread reply Slack refuses never re-posts the digest: the run is sent, with a note."""
    slack.add_channel(CHANNEL)
    with Simulator(seed=9, bot_count=8, clock=clock, history_days=40) as many:
        stack = build_stack(many, slack, tmp_path / "thread.db", clock, charts=NoChart())
        try:
            stack.store.subscriptions.add(CHANNEL, "all", "weekly", now=LONG_AGO)
            # The top message is posted first; the channel is archived before the thread.
            poster = stack.due.delivery.poster  # type: ignore[union-attr]
            post = poster.post

            def post_then_archive(channel: str, message: Any, **kw: Any) -> Any:
                posted = post(channel, message, **kw)
                slack.add_channel(CHANNEL, archived=True)
                return posted

            poster.post = post_then_archive  # type: ignore[method-assign]
            (done,) = stack.due.run(clock.now)
            clock.now += timedelta(minutes=2)
            assert stack.due.run(clock.now) == []
            run = stack.store.runs.get(f"digest:{CHANNEL}:all:{WEEK}")
        finally:
            stack.close()
    assert done.outcome == "sent"
    assert run is not None
    assert run.status == "sent"
    assert run.error is not None
    assert "thread stopped at message 1" in run.error
    assert len(posts(slack)) == 1
