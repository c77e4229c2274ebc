"""Tests for slackbot.core.commands: the /botstats grammar, its errors, and hostile input."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slackbot.core.commands import (
    ALL,
    HELP_TEXT,
    USAGE,
    Alerts,
    AllBots,
    BotStats,
    Command,
    DigestPreview,
    Help,
    ListBots,
    Overview,
    Subscribe,
    Subscriptions,
    Unsubscribe,
    parse_command,
    suggest_subcommand,
)
from slackbot.core.periods import parse_period
from slackbot.errors import PeriodError, UsageError

NOW = datetime(2026, 5, 11, 10, 30, tzinfo=UTC)  # a Monday
WEEK = parse_period("7d", now=NOW)
MONTH = parse_period("30d", now=NOW)


def parse(text: str | None) -> Command:
    """Parse with the fixed clock."""
    return parse_command(text, now=NOW)


def fail(text: str) -> UsageError:
    """Parse text that must be refused and return the error."""
    with pytest.raises(UsageError) as info:
        parse(text)
    assert_safe(info.value.user_message)
    return info.value


def assert_safe(message: str) -> None:
    """A message shown in Slack carries no live mention, link or control character."""
    for live in ("<!", "<@", "<#", "<http"):
        assert live not in message
    assert not any(ord(ch) < 32 and ch != "\n" for ch in message)


@pytest.mark.parametrize("text", [None, "", "   ", "\t\n", "\x00\x07"])
def test_empty_text_is_the_overview(text: str | None) -> None:
    """Nothing typed (or only blanks and control characters) is the 7-day overview."""
    assert parse(text) == Overview(WEEK)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", Help()),
        ("HELP", Help()),
        ("?", Help()),
        ("--help", Help()),
        ("help subscribe", Help("subscribe")),
        ("help whatever else", Help()),
        ("\uff48\uff45\uff4c\uff50", Help()),  # fullwidth letters, NFKC-normalised
        ("he\x00lp", Help()),  # control characters dropped
    ],
)
def test_help_forms(text: str, expected: Help) -> None:
    """Help is asked for in many ways and never refused."""
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mybot", BotStats("mybot", WEEK)),
        ("mybot 30d", BotStats("mybot", MONTH)),
        ("mybot 30d public", BotStats("mybot", MONTH, public=True)),
        ("mybot public 30d", BotStats("mybot", MONTH, public=True)),
        ("mybot PUBLIC", BotStats("mybot", WEEK, public=True)),
        ("MyBot \uff17\uff44", BotStats("MyBot", WEEK)),
        ('"Support Bot" 30d', BotStats("Support Bot", MONTH)),
        ("“Support Bot” 30d", BotStats("Support Bot", MONTH)),
        ("R&amp;D 30d", BotStats("R&D", MONTH)),
        ("🤖-bot", BotStats("🤖-bot", WEEK)),
        ("בוט", BotStats("בוט", WEEK)),
        ("mybot\u202e", BotStats("mybot", WEEK)),
        (
            "0f1e2d3c-aaaa-bbbb-cccc-000000000000",
            BotStats("0f1e2d3c-aaaa-bbbb-cccc-000000000000", WEEK),
        ),
    ],
)
def test_one_bot_forms(text: str, expected: BotStats) -> None:
    """``BOT [PERIOD] [public]`` in either order, with unicode and quoted names."""
    assert parse(text) == expected


def test_bot_period_range_with_spaces() -> None:
    """A date range typed with spaces round ``..`` still parses."""
    command = parse("mybot 2026-05-01 .. 2026-05-04")
    assert isinstance(command, BotStats)
    assert (command.period.first, command.period.last) == (date(2026, 5, 1), date(2026, 5, 4))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("all", AllBots(WEEK)),
        ("ALL 30d", AllBots(MONTH)),
        ("all public", AllBots(WEEK, public=True)),
        ("all 30d public", AllBots(MONTH, public=True)),
        ("30d", Overview(MONTH)),
        ("public", Overview(WEEK, public=True)),
        ("30d public", Overview(MONTH, public=True)),
        ("bots", ListBots()),
        ("subscriptions", Subscriptions()),
    ],
)
def test_overview_all_and_lists(text: str, expected: Command) -> None:
    """``all``, a leading PERIOD or ``public``, ``bots`` and ``subscriptions``."""
    assert parse(text) == expected


def test_today_is_partial() -> None:
    """Periods that include today come back marked partial."""
    command = parse("all today")
    assert isinstance(command, AllBots)
    assert command.period.partial


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("subscribe all", Subscribe(ALL)),
        ("subscribe ALL daily", Subscribe(ALL, "daily")),
        ("subscribe mybot weekly <#C123ABC|ops>", Subscribe("mybot", "weekly", "C123ABC")),
        ("subscribe mybot <#C123ABC> daily", Subscribe("mybot", "daily", "C123ABC")),
        ("subscribe mybot <#C0123ABCDEF|>", Subscribe("mybot", "weekly", "C0123ABCDEF")),
        ("subscribe all C123ABC", Subscribe(ALL, "weekly", "C123ABC")),
        ("subscribe all G123ABCD", Subscribe(ALL, "weekly", "G123ABCD")),
        ("unsubscribe all", Unsubscribe(ALL)),
        ("unsubscribe mybot <#C123ABC|ops>", Unsubscribe("mybot", "C123ABC")),
        ("alerts", Alerts("status")),
        ("alerts on", Alerts("on")),
        ("alerts OFF <#C123ABC|ops>", Alerts("off", "C123ABC")),
        ("alerts status C123ABC", Alerts("status", "C123ABC")),
    ],
)
def test_subscriptions_and_alerts(text: str, expected: Command) -> None:
    """Every form of subscribe, unsubscribe and alerts, channels escaped or bare."""
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "problem", "usage_key"),
    [
        ("subscribe", "Say which bot", "subscribe"),
        ("subscribe daily", "Say which bot", "subscribe"),
        ("subscribe <#C123ABC|ops>", "Say which bot", "subscribe"),
        ("subscribe all hourly", "`hourly` is not a cadence", "subscribe"),
        ("subscribe all daily weekly", "one cadence", "subscribe"),
        ("subscribe all <#C1AAAAAA> <#C2AAAAAA>", "one channel", "subscribe"),
        ("subscribe all daily <#C123ABC> extra", "Too many arguments", "subscribe"),
        ("subscribe all #ops", "pick the channel from Slack's list", "subscribe"),
        ("subscribe all <@U123ABC>", "is a person, not a channel", "subscribe"),
        ("subscribe <@U123ABC>", "is a person, not a bot", "subscribe"),
        ("subscribe all <!here>", "is not a channel", "subscribe"),
        ("unsubscribe", "Say which bot", "unsubscribe"),
        ("unsubscribe all daily", "`daily` is not a channel", "unsubscribe"),
        ("unsubscribe all #ops", "pick the channel", "unsubscribe"),
        ("alerts enable", "`enable` is not an alerts action", "alerts"),
        ("alerts <!channel>", "is not an alerts action", "alerts"),
        ("alerts on #ops", "pick the channel", "alerts"),
        ("alerts status weekly", "`weekly` is not a channel", "alerts"),
        ("alerts on <#C123ABC> more", "Too many arguments", "alerts"),
        ("bots extra", "takes no arguments", "bots"),
        ("subscriptions <!here>", "takes no arguments", "subscriptions"),
        ("<!channel>", "is a Slack mention or link, not a bot", "bot"),
        ("<!here> 7d", "is a Slack mention or link, not a bot", "bot"),
        ("<@U123ABC>", "is a person, not a bot", "bot"),
        ("<#C123ABC|ops>", "is a channel, not a bot", "bot"),
        ("#ops", "is a channel, not a bot", "bot"),
        ('"" 7d', "is empty", "bot"),
        ("&lt;!channel&gt;", "cannot be a bot name", "bot"),
        ("x" * 4000, "too long for a bot name", "bot"),
        ("mybot " + "z" * 4000, "too long for a bot name", "bot"),
    ],
)
def test_usage_errors(text: str, problem: str, usage_key: str) -> None:
    """Each bad command names its problem, shows the fitting usage line and echoes safely."""
    error = fail(text)
    assert problem in error.user_message
    assert f"Usage: `{USAGE[usage_key]}`" in error.user_message


@pytest.mark.parametrize(
    ("text", "problem", "usage_key"),
    [
        ("mybot last-year", "is not a period botstats understands", "bot"),
        ("mybot 400d", "at most 365 days", "bot"),
        ("mybot 0d", "covers no days", "bot"),
        ("mybot 2025-01-01..2026-05-01", "at most 365 days", "bot"),
        ("mybot 2026-05-04..2026-05-01", "ends before it starts", "bot"),
        ("mybot 2026-06-01", "in the future", "bot"),
        ("mybot 2026-02-30", "not a calendar date", "bot"),
        ("all last week", "Did you mean `last-week`?", "all"),
        ("all 7d 30d", "is not a period", "all"),
        ("400d", "at most 365 days", "overview"),
        ("mybot <!channel>", "`&lt;!channel&gt;` is not a period", "bot"),
        ("mybot <@U123ABC|bob>", "is not a period", "bot"),
        ("Support 7d Bot", "The PERIOD comes after the bot's whole name", "bot"),
    ],
)
def test_period_errors(text: str, problem: str, usage_key: str) -> None:
    """Bad periods are PeriodErrors with the command's usage line and the PERIOD forms."""
    error = fail(text)
    assert isinstance(error, PeriodError)
    assert problem in error.user_message
    assert f"Usage: `{USAGE[usage_key]}`" in error.user_message
    assert "PERIOD is one of" in error.user_message


def test_too_many_words_after_a_bot() -> None:
    """2,000 words after a bot name are refused as too long a name, with a short echo."""
    error = fail("mybot " + "y " * 2000)
    assert "too long for a bot name" in error.user_message
    assert len(error.user_message) < 1000


def test_too_many_words_after_a_period() -> None:
    """Words after the PERIOD are still refused as too many arguments."""
    error = fail("mybot 7d " + "y " * 10)
    assert "Too many arguments" in error.user_message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sales Concierge 7d", BotStats("Sales Concierge", WEEK)),
        ("Sales Concierge", BotStats("Sales Concierge", WEEK)),
        ("sales conc 30d public", BotStats("sales conc", MONTH, public=True)),
        ("Sales Concierge public 30d", BotStats("Sales Concierge", MONTH, public=True)),
        ("IT Service Desk today", BotStats("IT Service Desk", parse_period("today", now=NOW))),
        ('"all" 7d', BotStats("all", WEEK)),
        ('"help"', BotStats("help", WEEK)),
        ('"bots" 30d', BotStats("bots", MONTH)),
    ],
)
def test_bot_names_of_several_words(text: str, expected: BotStats) -> None:
    """Every word before the first PERIOD or `public` is the BOT; quotes make keywords names."""
    assert parse(text) == expected


def test_bot_name_of_several_words_before_a_range_with_spaces() -> None:
    """A date range typed with spaces ends a multi-word name at its first date."""
    command = parse("Sales Concierge 2026-05-01 .. 2026-05-04")
    assert isinstance(command, BotStats)
    assert command.bot_query == "Sales Concierge"
    assert (command.period.first, command.period.last) == (date(2026, 5, 1), date(2026, 5, 4))


def test_a_mention_ends_a_multi_word_name_and_is_refused_as_a_period() -> None:
    """`Sales Concierge <!channel>` names the mention as the problem, escaped."""
    error = fail("Sales Concierge <!channel>")
    assert "`&lt;!channel&gt;` is not a period" in error.user_message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("subscribe Sales Concierge daily", Subscribe("Sales Concierge", "daily")),
        (
            "subscribe Sales Concierge <#C123ABC|ops>",
            Subscribe("Sales Concierge", "weekly", "C123ABC"),
        ),
        ("unsubscribe Sales Concierge <#C123ABC>", Unsubscribe("Sales Concierge", "C123ABC")),
        ('subscribe "all" daily', Subscribe("all", "daily")),
    ],
)
def test_subscription_targets_of_several_words(text: str, expected: Command) -> None:
    """A digest's BOT may be several words too, up to the cadence or the channel."""
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("subscribe all at 9:30", Subscribe(ALL, at=(9, 30))),
        ("subscribe all at 09:30", Subscribe(ALL, at=(9, 30))),
        ("subscribe all at 21:05", Subscribe(ALL, at=(21, 5))),
        ("subscribe all at 0:00", Subscribe(ALL, at=(0, 0))),
        ("subscribe all at 23:59", Subscribe(ALL, at=(23, 59))),
        ("subscribe all daily at 9:30", Subscribe(ALL, "daily", at=(9, 30))),
        ("subscribe all at 9:30 daily", Subscribe(ALL, "daily", at=(9, 30))),
        ("subscribe all AT 9:30 WEEKLY", Subscribe(ALL, "weekly", at=(9, 30))),
        ("subscribe all at \uff19\uff1a\uff13\uff10", Subscribe(ALL, at=(9, 30))),
        (
            "subscribe mybot weekly at 21:05 <#C123ABC|ops>",
            Subscribe("mybot", "weekly", "C123ABC", (21, 5)),
        ),
        (
            "subscribe mybot <#C123ABC> at 07:45 daily",
            Subscribe("mybot", "daily", "C123ABC", (7, 45)),
        ),
        (
            "subscribe mybot at 07:45 <#C123ABC> daily",
            Subscribe("mybot", "daily", "C123ABC", (7, 45)),
        ),
        ("subscribe Sales Concierge at 9:30", Subscribe("Sales Concierge", at=(9, 30))),
        (
            "subscribe Sales Concierge at 18:00 <#C123ABC>",
            Subscribe("Sales Concierge", "weekly", "C123ABC", (18, 0)),
        ),
        ('subscribe "Look at Me" at 9:30', Subscribe("Look at Me", at=(9, 30))),
        ('subscribe "at" daily', Subscribe("at", "daily")),
        ('subscribe "daily"', Subscribe("daily")),
    ],
)
def test_subscribe_at_a_time(text: str, expected: Subscribe) -> None:
    """`at HH:MM` sits anywhere after the BOT, like the cadence and channel, and ends a name."""
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("subscribe all at", "`at` needs a time after it"),
        ("subscribe all daily at", "`at` needs a time after it"),
        ("subscribe all at 25:00", "`25:00` is not a time of day"),
        ("subscribe all at 24:00", "`24:00` is not a time of day"),
        ("subscribe all at 9:60", "`9:60` is not a time of day"),
        ("subscribe all at noon", "`noon` is not a time: give HH:MM"),
        ("subscribe all at 9", "`9` is not a time: give HH:MM"),
        ("subscribe all at 9.30", "`9.30` is not a time: give HH:MM"),
        ("subscribe all at 930", "`930` is not a time: give HH:MM"),
        ("subscribe all at 9:5", "`9:5` is not a time: give HH:MM"),
        ("subscribe all at 009:30", "`009:30` is not a time: give HH:MM"),
        ("subscribe all at daily", "`daily` is not a time"),
        ("subscribe all at <#C123ABC|ops>", "`&lt;#C123ABC|ops&gt;` is not a time"),
        ("subscribe all at <!channel>", "`&lt;!channel&gt;` is not a time"),
        ("subscribe all at 9:30 at 10:00", "`at 10:00` is a second one"),
        ("subscribe all daily at 9:30 at 10:00", "`at 10:00` is a second one"),
        ("subscribe all at 9:30 at", "`at` is a second one"),
        ("subscribe all 9:30", "`9:30` is not a cadence"),
        ("subscribe at 9:30", "Say which bot"),
        ("subscribe all at 9:30 daily <#C123ABC> extra", "6 given, at most 5"),
        ("subscribe all daily <#C123ABC> extra", "4 given, at most 3 (5 with `at HH:MM`)"),
    ],
)
def test_subscribe_time_errors(text: str, problem: str) -> None:
    """Each bad `at` names the input in a code span and shows the subscribe usage line."""
    error = fail(text)
    assert problem in error.user_message
    assert f"Usage: `{USAGE['subscribe']}`" in error.user_message


def test_a_word_after_at_hints_at_quoting_the_name() -> None:
    """`subscribe Look at Me` ends the name at `at`; the error says quotes keep it whole."""
    error = fail("subscribe Look at Me")
    assert "`Me` is not a time" in error.user_message
    assert "put the name in quotes" in error.user_message
    assert "quotes" not in fail("subscribe all at 25:00").user_message


def test_subscribe_usage_line_shows_the_time() -> None:
    """The subscribe usage line is DESIGN §4's, with `at HH:MM`."""
    assert USAGE["subscribe"] == "/botstats subscribe BOT|all [daily|weekly] [at HH:MM] [#channel]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("digest", DigestPreview(None)),
        ("DIGEST", DigestPreview(None)),
        ("digest all", DigestPreview(ALL)),
        ("digest mybot", DigestPreview("mybot")),
        ("digest Sales Concierge", DigestPreview("Sales Concierge")),
        ('digest "Support Bot"', DigestPreview("Support Bot")),
        ('digest "7d"', DigestPreview("7d")),
        ("digest R&amp;D", DigestPreview("R&D")),
        ('"digest"', BotStats("digest", WEEK)),
        ('"digest" 30d', BotStats("digest", MONTH)),
        ("help digest", Help("digest")),
    ],
)
def test_digest_preview_forms(text: str, expected: Command) -> None:
    """`digest [BOT|all]` previews one bot or all; a bot named "digest" is reached in quotes."""
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("digest 7d", "remove `7d`"),
        ("digest public", "remove `public`"),
        ("digest all 30d", "remove `30d`"),
        ("digest mybot public", "remove `public`"),
        ("digest Sales Concierge last-week", "remove `last-week`"),
        ('digest "Support Bot" extra', "remove `extra`"),
        ("digest all <#C123ABC|ops>", "remove `&lt;#C123ABC|ops&gt;`"),
        ("digest <#C123ABC|ops>", "is a channel, not a bot"),
        ("digest <@U123ABC>", "is a person, not a bot"),
        ("digest <!channel>", "is a Slack mention or link, not a bot"),
        ("digest " + "x" * 200, "too long for a bot name"),
    ],
)
def test_digest_preview_errors(text: str, problem: str) -> None:
    """`digest` takes only a BOT or `all`; anything else is named, with its usage line."""
    error = fail(text)
    assert problem in error.user_message
    assert "Usage: `/botstats digest [BOT|all]`" in error.user_message


def test_help_mentions_the_digest_preview_and_the_default_time() -> None:
    """The help lists the digest preview and says when a digest runs by default."""
    assert "`/botstats digest [BOT|all]`  preview the digest now, only to you" in HELP_TEXT
    assert "weekly on Mondays at 09:00" in HELP_TEXT
    assert "every day at 09:00" in HELP_TEXT
    assert "BOTSTATS_TIMEZONE" in HELP_TEXT
    assert '`"digest"`' in HELP_TEXT


@pytest.mark.parametrize(
    "text",
    [
        "mybot <!channel> <!here> <@U123ABC>",
        "subscribe <!channel>",
        "alerts <@U999|eve>",
        "<!subteam^S123|@oncall> 7d",
        "mybot <https://evil.example|click me>",
        "&lt;!channel&gt; 7d",
        "&lt;@U123&gt;",
    ],
)
def test_mentions_are_never_echoed_live(text: str) -> None:
    """Whatever the user typed, the error shows mentions as inert text."""
    fail(text)  # fail() asserts the message is safe


def test_long_text_is_echoed_truncated() -> None:
    """4,000 characters of text produce a short message with an ellipsis."""
    error = fail("alerts " + "q" * 4000)
    assert "…" in error.user_message
    assert len(error.user_message) < 400


def test_misspelled_subcommand_with_arguments_gets_a_suggestion() -> None:
    """``subscibe all #ops`` would fail as a bot's period; the typo is named instead."""
    error = fail("subscibe all <#C123ABC|ops>")
    assert "Did you mean `subscribe`?" in error.user_message
    assert f"Usage: `{USAGE['subscribe']}`" in error.user_message


def test_misspelled_subcommand_alone_is_left_to_the_caller() -> None:
    """``helpp`` alone could be a bot; the caller resolves it, then asks suggest_subcommand."""
    command = parse("helpp")
    assert command == BotStats("helpp", WEEK)
    assert suggest_subcommand("helpp") == "help"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("subscibe", "subscribe"),
        ("subcsribe", "subscribe"),
        ("unsubscrbe", "unsubscribe"),
        ("subscription", "subscriptions"),
        ("alert", "alerts"),
        ("Alrets", "alerts"),
        ("bot", "bots"),
        ("helpp", "help"),
        ("digets", "digest"),
        ("dgest", "digest"),
        ("digest", None),
        ("al", None),  # too far from "all" for a short word
        ("help", None),  # exact: not a misspelling
        ("support", None),
        ("", None),
        ("x" * 300, None),
    ],
)
def test_suggest_subcommand(word: str, expected: str | None) -> None:
    """Near misses (1 edit for short words, 2 otherwise) map to the subcommand."""
    assert suggest_subcommand(word) == expected


def test_help_text_lists_every_usage_line() -> None:
    """The full help holds every usage line and the PERIOD grammar."""
    for line in USAGE.values():
        assert line in HELP_TEXT
    assert "last-month" in HELP_TEXT


_WORDS = st.sampled_from(
    [
        "help", "all", "bots", "subscribe", "unsubscribe", "subscriptions", "alerts", "on",
        "off", "status", "daily", "weekly", "public", "7d", "400d", "today", "last-week",
        "2026-05-01", "..", "2026-05-04..2026-05-01", "<#C123ABC|ops>", "<#C1>", "C123ABC",
        "#ops", "<!channel>", "<!here>", "<@U123>", "&lt;", "&amp;", '"', "“", "<", ">",
        "mybot", "\x00", "\u202e", "🤖", "\uff48\uff45\uff4c\uff50", "digest", "at",
        "9:30", "25:00", "noon",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(_WORDS, max_size=8).map(" ".join)))
def test_fuzz_parse_returns_a_command_or_usage_error(text: str) -> None:
    """Any text parses to a command or a safe UsageError, never anything else."""
    outcome = parse_or_error(text)
    if isinstance(outcome, UsageError):
        assert_safe(outcome.user_message)
        assert "Usage: " in outcome.user_message
    else:
        assert isinstance(
            outcome,
            Help
            | Overview
            | BotStats
            | AllBots
            | ListBots
            | DigestPreview
            | Subscribe
            | Unsubscribe
            | Subscriptions
            | Alerts,
        )


def parse_or_error(text: str) -> Command | UsageError:
    """The parsed command, or the UsageError it raised (anything else propagates)."""
    try:
        return parse(text)
    except UsageError as error:
        return error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alerts on", Alerts("on")),
        ("alerts on all", Alerts("on")),
        ("alerts off support", Alerts("off", target="support")),
        (
            "alerts on Sales Concierge <#C0123ABCD|ops>",
            Alerts("on", "C0123ABCD", "Sales Concierge"),
        ),
        ('alerts on "all" <#C0123ABCD|ops>', Alerts("on", "C0123ABCD")),
        ("alerts on <#C0123ABCD|ops>", Alerts("on", "C0123ABCD")),
        ("alerts status <#C0123ABCD|ops>", Alerts("status", "C0123ABCD")),
    ],
)
def test_alerts_route_one_bot_or_all(text: str, expected: Alerts) -> None:
    """`alerts on|off [BOT|all] [#channel]` names the bot (several words allowed) and channel."""
    assert parse_command(text, now=NOW) == expected


def test_alerts_with_two_channels_is_refused() -> None:
    """A second channel after the bot is one argument too many, named in the error."""
    with pytest.raises(UsageError, match="one too many"):
        parse_command("alerts on support <#C0123ABCD|a> <#C0123ABCE|b>", now=NOW)
