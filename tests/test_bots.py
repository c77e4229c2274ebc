"""Finding a bot from what a person typed."""

from __future__ import annotations

import pytest

from slackbot.core.lookup import find_bot, longest_prefix
from slackbot.core.models import Bot
from slackbot.errors import UnknownBotError

BOTS = [
    Bot("bot_0001aaaaaaaaaaaaaaaaaaaaaaaa", "Support Assistant", "support"),
    Bot("bot_0002bbbbbbbbbbbbbbbbbbbbbbbb", "Sales Concierge"),
    Bot("bot_0003cccccccccccccccccccccccc", "Sales Backoffice"),
    Bot("bot_0004dddddddddddddddddddddddd", "HR Helpdesk"),
]


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("support", 0),
        ("SUPPORT", 0),
        ("bot_0004dddddddddddddddddddddddd", 3),
        ("hr", 3),
        ("sales c", 1),
        ("Sales Backoffice", 2),
        ("  supp ", 0),
    ],
)
def test_find_bot_by_alias_id_and_prefix(query: str, index: int) -> None:
    """Alias, id, exact name and unique name prefix all find the bot."""
    assert find_bot(BOTS, query) == BOTS[index]


def test_ambiguous_prefix_lists_the_candidates() -> None:
    """A prefix matching two bots names both and says it is ambiguous."""
    with pytest.raises(UnknownBotError) as info:
        find_bot(BOTS, "sales")
    assert info.value.ambiguous
    assert set(info.value.suggestions) == {"Sales Concierge", "Sales Backoffice"}
    assert "matches several bots" in str(info.value)


def test_unknown_bot_suggests_the_closest() -> None:
    """A typo gets the closest names as suggestions."""
    with pytest.raises(UnknownBotError) as info:
        find_bot(BOTS, "suport")
    assert info.value.suggestions[0] == "Support Assistant (support)"
    assert "Did you mean" in str(info.value)


def test_nothing_close_points_to_the_bot_list_of_each_surface() -> None:
    """With no close name, Slack is sent to `/botstats bots`, the terminal to `botstats bots`."""
    with pytest.raises(UnknownBotError) as info:
        find_bot(BOTS, "zzzzzzzz")
    assert "`/botstats bots` lists the tracked bots." in info.value.user_message
    assert (
        str(info.value)
        == "`zzzzzzzz` matches no tracked bot. `botstats bots` lists the tracked bots."
    )


@pytest.mark.parametrize(
    ("query", "index"),
    [("Sales Concierge", 1), ("sales   concierge", 1), ("Sales Back", 2), ("hr help", 3)],
)
def test_names_of_several_words_are_found_by_prefix(query: str, index: int) -> None:
    """A query of several words finds the bot whose name starts with it, spaces collapsed."""
    assert find_bot(BOTS, query) == BOTS[index]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("support fortnight", (BOTS[0], "fortnight")),
        ("Sales Concierge last week", (BOTS[1], "last week")),
        ("sales fortnight", None),  # "sales" names two bots
        ("zzzz yyyy", None),
        ("support", None),  # one word: nothing shorter to try
    ],
)
def test_longest_prefix_finds_the_bot_and_the_words_left(
    query: str, expected: tuple[Bot, str] | None
) -> None:
    """The longest leading run of words that names one bot, and what is left after it."""
    assert longest_prefix(BOTS, query) == expected
