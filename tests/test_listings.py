"""Tests for the /botstats subscriptions listing: what a person reads about each digest."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block

from slackbot.core.blocks import kit
from slackbot.core.blocks.kit import Message, message_chars
from slackbot.core.blocks.listings import LastDelivery, SubscriptionView, subscriptions_message
from slackbot.core.commands import USAGE
from slackbot.core.formatting import EN_DASH

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday
POSTED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Mon 30 Nov 09:00 CET
NEXT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Mon 7 Dec 09:00 CET
PERMALINK = "https://acme.slack.com/archives/C123ABC/p1764489600000100"
WEEKLY = "Mondays at 09:00 Europe/Paris"
WEEK = f"23{EN_DASH}29 Nov"  # as the caller formats a period


def view(
    last: LastDelivery | None = None,
    *,
    channel: str = "C123ABC",
    target: str = "Support Bot",
    cadence: str = "weekly",
    schedule: str = WEEKLY,
    next_run: datetime | None = NEXT,
    source: str | None = None,
) -> SubscriptionView:
    """A listed weekly subscription, with whatever the test changes."""
    return SubscriptionView(channel, target, cadence, schedule, next_run, last, source)


def delivered(status: str, **details: str) -> LastDelivery:
    """The last run of the week 23-29 Nov, in ``status``."""
    return LastDelivery(status, POSTED, WEEK, **details)


def render(*views: SubscriptionView) -> Message:
    """The listing at the fixed clock, checked against Slack's limits."""
    message = subscriptions_message(views, tz=PARIS, now=NOW)
    assert message.text.strip()
    parsed = Block.parse_all(message.blocks)
    assert all(block is not None for block in parsed)
    assert len(message.blocks) <= kit.MAX_BLOCKS
    assert message_chars(message.blocks) <= kit.MAX_CHARS
    for block in message.blocks:
        assert len(block.get("text", {}).get("text", "")) <= kit.SECTION_MAX
    return message


def text_of(message: Message) -> str:
    """Every text of the message's blocks, joined, then the fallback."""
    parts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.blocks)
    return "\n".join([*parts, message.text])


def test_sent_digest_shows_when_it_was_posted_and_a_link() -> None:
    """A sent digest reads as its period, the local time it was posted and a view link."""
    text = text_of(render(view(delivered("sent", link=PERMALINK))))
    assert f"last ({WEEK}): posted Mon 30 Nov 09:00 CET, <{PERMALINK}|view>" in text
    assert ":warning:" not in text


def test_sent_digest_without_a_link_still_says_when() -> None:
    """A sent digest with no permalink still says when it was posted, with no empty link."""
    text = text_of(render(view(delivered("sent"))))
    assert "posted Mon 30 Nov 09:00 CET" in text
    assert "|view>" not in text


def test_failed_digest_names_the_error_and_what_to_do() -> None:
    """A failed digest is flagged, names Slack's error code and gives the advice."""
    advice = "/invite @botstats in that channel; the next run posts again."
    last = delivered("failed", error="not_in_channel", advice=advice)
    text = text_of(render(view(last)))
    assert (
        f":warning: last ({WEEK}): failed Mon 30 Nov 09:00 CET: `not_in_channel` — "
        "/invite @botstats in that channel; the next run posts again."
    ) in text
    assert "1 needs a look" in text


def test_failed_digest_without_a_reason_says_so() -> None:
    """A failed run with no recorded error says so rather than ending mid-sentence."""
    assert "failed Mon 30 Nov 09:00 CET: no reason recorded" in text_of(
        render(view(delivered("failed")))
    )


def test_skipped_digest_explains_the_catch_up_window() -> None:
    """A skipped run says botstats was down past the 24 h catch-up window."""
    text = text_of(render(view(delivered("skipped"))))
    assert "skipped Mon 30 Nov 09:00 CET (botstats was down past the 24 h catch-up window)" in text
    assert ":warning:" not in text


def test_skipped_digest_with_a_reason_shows_that_reason() -> None:
    """A run skipped for a recorded reason shows that reason instead of the default."""
    text = text_of(render(view(delivered("skipped", error="bot_not_tracked"))))
    assert "skipped Mon 30 Nov 09:00 CET (`bot_not_tracked`)" in text
    assert "catch-up window" not in text.split("Times in")[0]


def test_run_stuck_while_posting_asks_a_person_to_check() -> None:
    """A run stuck in `posting` may or may not have posted; the reader is told to check."""
    text = text_of(render(view(delivered("posting"))))
    assert f":warning: last ({WEEK}): may or may not have posted" in text
    assert "(stuck while posting since Mon 30 Nov 09:00 CET): check the channel" in text
    assert "1 needs a look" in text


def test_claimed_run_is_in_progress() -> None:
    """A claimed run is shown as being prepared, not as a problem."""
    text = text_of(render(view(delivered("claimed"))))
    assert f"last ({WEEK}): being prepared since Mon 30 Nov 09:00 CET" in text
    assert "needs a look" not in text


def test_subscription_that_never_ran_says_no_digest_yet() -> None:
    """A subscription without a run says no digest yet, after its next run."""
    text = text_of(render(view()))
    assert "next: Mon 7 Dec 09:00 CET · no digest yet" in text


def test_unknown_status_is_shown_escaped() -> None:
    """A status this listing does not know is shown as inert code, never as mrkdwn."""
    text = text_of(render(view(delivered("<!here>"))))
    assert f"last ({WEEK}): `&lt;!here&gt;` Mon 30 Nov 09:00 CET" in text


@pytest.mark.parametrize(
    ("next_run", "expected"),
    [
        (NEXT, "next: Mon 7 Dec 09:00 CET"),
        (datetime(2027, 6, 7, 7, 0, tzinfo=UTC), "next: Mon 7 Jun 09:00 CEST"),
        (datetime(2026, 12, 1, 8, 0, tzinfo=UTC), "next: due now (since Tue 1 Dec 09:00 CET)"),
        (None, "next: unknown"),
    ],
)
def test_next_run_in_the_configured_zone(next_run: datetime | None, expected: str) -> None:
    """The effective next run is shown in BOTSTATS_TIMEZONE; a past one is due now."""
    assert expected in text_of(render(view(next_run=next_run)))


def test_target_and_schedule_on_the_first_line() -> None:
    """Each digest starts with its bot in bold, the cadence and the schedule."""
    text = text_of(render(view()))
    assert "• *Support Bot* · weekly, Mondays at 09:00 Europe/Paris" in text


def test_daily_schedule_does_not_repeat_the_cadence() -> None:
    """A schedule already starting with its cadence (``daily at ...``) is not doubled."""
    text = text_of(render(view(cadence="daily", schedule="daily at 08:30 Europe/Paris")))
    assert "• *Support Bot* · daily at 08:30 Europe/Paris\n" in text
    assert "daily, daily" not in text


def test_digests_are_grouped_by_channel() -> None:
    """Each channel is named once, with its digests below it in name order."""
    views = [
        view(channel="C2BBBBBB", target="Zed"),
        view(channel="C1AAAAAA", target="beta"),
        view(channel="C2BBBBBB", target="alpha"),
        view(channel="C1AAAAAA", target="Alpha"),
    ]
    message = render(*views)
    text = text_of(message)
    assert text.count("*<#C1AAAAAA>*") == 1
    assert text.count("*<#C2BBBBBB>*") == 1
    order = ["*<#C1AAAAAA>*", "*Alpha*", "*beta*", "*<#C2BBBBBB>*", "*alpha*", "*Zed*"]
    places = [text.index(word) for word in order]
    assert places == sorted(places)
    assert message.blocks[0]["text"]["text"] == "Digests (4)"
    assert message.text == "4 digests set up in 2 channels."


def test_default_subscription_from_settings_is_noted() -> None:
    """The subscription kept by BOTSTATS_DIGEST_CHANNEL says where it comes from."""
    text = text_of(render(view(target="all bots", source="BOTSTATS_DIGEST_CHANNEL")))
    assert "• *all bots* · weekly, Mondays at 09:00 Europe/Paris" in text
    assert "_from `BOTSTATS_DIGEST_CHANNEL` in botstats' settings_" in text


def test_the_footer_explains_the_times() -> None:
    """A context line names the zone and why a digest may post later than its time."""
    message = render(view())
    footer = message.blocks[-1]
    assert footer["type"] == "context"
    note = footer["elements"][0]["text"]
    assert "Times in Europe/Paris" in note
    assert "an hour after its last UTC day closed" in note
    assert "within 24 h" in note


def test_user_text_never_becomes_a_mention_or_link() -> None:
    """Mentions in every field are escaped, and a link that is not a plain https URL is dropped."""
    hostile = LastDelivery(
        "failed",
        POSTED,
        "<!here>",
        link="https://evil.example|<!channel>",
        error="<!everyone>",
        advice="ask <@U123ABC> in <#C999ZZZ>",
    )
    views = [
        view(hostile, target="<!channel>", schedule="<@U123ABC> & co", source="<!subteam^S1>"),
        view(delivered("sent", link="javascript:alert(1)"), channel="<!channel>"),
        view(delivered("sent", link="https://a.example/<!here>"), channel="C1AAAAAA"),
    ]
    text = text_of(render(*views))
    for live in ("<!", "<@", "<#C999", "javascript", "evil.example", "a.example"):
        assert live not in text
    assert "*&lt;!channel&gt;*" in text
    assert "&lt;@U123ABC&gt; &amp; co" in text
    assert "`&lt;!everyone&gt;`" in text
    assert "last (&lt;!here&gt;)" in text
    assert "`&lt;!channel&gt;`" in text  # a channel that is not an id is shown as code


def test_link_ampersands_are_escaped_for_slack() -> None:
    """A thread permalink's ``&`` is sent as ``&amp;``, which Slack turns back into ``&``."""
    link = "https://acme.slack.com/archives/C1/p1?thread_ts=1.2&cid=C1"
    text = text_of(render(view(delivered("sent", link=link))))
    assert "<https://acme.slack.com/archives/C1/p1?thread_ts=1.2&amp;cid=C1|view>" in text


def test_many_subscriptions_fit_slack_limits_with_a_note() -> None:
    """600 long digests in 60 channels fit 50 blocks and 12k characters, and count the rest."""
    failed = delivered("failed", error="channel_not_found", advice="Check the channel. " * 20)
    views = [
        view(
            failed,
            channel=f"C{i % 60:03d}AAAA",
            target=f"Bot {i:03d} " + "with a long name " * 6,
            schedule=WEEKLY + " " + "x" * 80,
        )
        for i in range(600)
    ]
    message = render(*views)
    text = text_of(message)
    shown = text.count("• *Bot ")
    assert 0 < shown < 600
    assert f"…and {600 - shown:,} more digests not shown" in text
    assert message.blocks[0]["text"]["text"] == "Digests (600)"
    assert message.blocks[-1]["type"] == "context"
    assert message.text == "600 digests set up in 60 channels; 600 need a look."


def test_a_few_subscriptions_are_all_shown_without_a_note() -> None:
    """Forty ordinary digests fit whole: no "more" note."""
    views = [view(channel=f"C{i % 8:03d}AAAA", target=f"Bot {i:02d}") for i in range(40)]
    text = text_of(render(*views))
    assert text.count("• *Bot ") == 40
    assert "not shown" not in text


def test_no_subscriptions_is_a_friendly_sentence_with_the_usage() -> None:
    """An empty list says no digests are set up and how to set one up."""
    message = render()
    assert message.text == "No digests are set up."
    assert f"`{USAGE['subscribe']}` sets one up." in text_of(message)
    assert "[at HH:MM]" in text_of(message)
