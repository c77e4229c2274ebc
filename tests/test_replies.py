"""Replies.answer end to end: /botstats text in, the Slack message out, over the simulator."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_harness import clear_env

from slackbot.botpress.client import BotpressClient
from slackbot.config import load_settings
from slackbot.core.blocks.kit import Message
from slackbot.replies import Replies, Reply
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.store import Store

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
REFUSED = "Botpress refused BOTPRESS_TOKEN (401)"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """Three simulated bots (Support Assistant, Sales Concierge, HR Helpdesk), at NOW."""
    with Simulator(seed=5, bot_count=3, today=NOW.date()) as simulator:
        yield simulator


@pytest.fixture
def make(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], Replies]]:
    """Builds Replies over one SQLite file and the simulator (each call: a fresh process)."""
    clear_env(monkeypatch)
    opened: list[tuple[Store, BotpressClient]] = []
    settings = load_settings(
        env_file=None,
        botpress_token=sim.token,
        botpress_workspace_id=sim.workspace_id,
        botpress_api_url=sim.url,
        botstats_db=tmp_path / "replies.db",
    )

    def build() -> Replies:
        store = Store(settings.botstats_db)
        client = BotpressClient(
            token=sim.token, workspace_id=sim.workspace_id, base_url=sim.url, sleep=lambda _: None
        )
        opened.append((store, client))
        return Replies(Service(store=store, client=client, clock=lambda: NOW), settings)

    yield build
    for store, client in opened:
        client.close()
        store.close()


def answer(replies: Replies, text: str) -> Reply:
    """The reply to `/botstats text` from one user in one channel, at NOW."""
    return replies.answer(text, user_id="U0TESTUSER", channel_id="C0TESTCHAN", now=NOW)


def header(message: Message) -> str:
    """The text of the message's header block."""
    return next(str(b["text"]["text"]) for b in message.blocks if b["type"] == "header")


def contexts(message: Message) -> str:
    """Every context line of the message, as one string."""
    return json.dumps([b for b in message.blocks if b["type"] == "context"])


@pytest.mark.parametrize("text", ["Sales Concierge 7d", "sales conc 7d", '"Sales Concierge" 7d'])
def test_a_bot_name_of_several_words_before_the_period(
    make: Callable[[], Replies], text: str
) -> None:
    """`/botstats Sales Concierge 7d` answers that bot's 7 days, not "is not a period"."""
    reply = answer(make(), text)
    assert reply.outcome == "ok", reply.message.text
    assert header(reply.message).startswith("Sales Concierge")
    assert "is not a period" not in reply.message.text


def test_an_unknown_bot_in_slack_points_to_the_slash_command(make: Callable[[], Replies]) -> None:
    """In Slack the suggestion is `/botstats bots`, the command that exists there."""
    reply = answer(make(), "Zzyzx Qwerty 7d")
    assert reply.outcome == "usage"
    assert "`Zzyzx Qwerty` matches no tracked bot." in reply.message.text
    assert "`/botstats bots` lists the tracked bots." in reply.message.text


def test_a_misspelt_subcommand_before_a_second_word_is_still_named(
    make: Callable[[], Replies],
) -> None:
    """`subscibe all` reads as a two-word bot; finding none, the typo is what is said."""
    reply = answer(make(), "subscibe all")
    assert "Did you mean `subscribe`?" in reply.message.text


def test_a_refused_token_shows_stored_numbers_with_the_warning(
    make: Callable[[], Replies], sim: Simulator
) -> None:
    """With the token refused, the summary still answers, its context line naming the token."""
    replies = make()
    assert answer(replies, "Sales Concierge 14d").outcome == "ok"
    sim.fault = "unauthorized"
    reply = answer(replies, "Sales Concierge this-week")
    assert reply.outcome == "ok", reply.message.text
    assert header(reply.message).startswith("Sales Concierge")
    assert f"{REFUSED}: these numbers are from the store" in contexts(reply.message)
    assert "ask an admin to renew the token." in contexts(reply.message)


def test_a_refused_bot_list_says_it_is_the_stored_one(
    make: Callable[[], Replies], sim: Simulator
) -> None:
    """`/botstats bots` with listBots refused lists the stored bots and says why."""
    assert answer(make(), "bots").outcome == "ok"
    sim.fault = "unauthorized"
    reply = answer(make(), "bots")
    assert reply.outcome == "ok"
    assert "Sales Concierge" in json.dumps(reply.message.blocks)
    assert f"{REFUSED}: the list of bots is from the store" in contexts(reply.message)
    assert REFUSED in reply.message.text


def test_a_bot_named_like_a_keyword_is_reached_in_quotes(make: Callable[[], Replies]) -> None:
    """`"all"` is a bot's name, not the all-bots keyword: no such bot here, so it says so."""
    reply = answer(make(), '"all" 7d')
    assert "`all` matches no tracked bot." in reply.message.text


def test_today_is_not_stored_so_a_refused_token_cannot_answer_it(
    make: Callable[[], Replies], sim: Simulator
) -> None:
    """`today` has nothing stored: the refusal is the answer, naming the settings to check."""
    replies = make()
    answer(replies, "bots")
    sim.fault = "unauthorized"
    reply = answer(replies, "Sales Concierge today")
    assert reply.outcome == "botpress_error"
    assert "BOTPRESS_TOKEN" in reply.message.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sales Concierge fortnight", "`fortnight` is not a period"),
        ("sales fortnight", "`fortnight` is not a period"),
        ("Sales Concierge last week", "Did you mean `last-week`?"),
    ],
)
def test_words_after_the_longest_bot_name_are_a_period_not_understood(
    make: Callable[[], Replies], text: str, expected: str
) -> None:
    """When the longest run of words naming a bot leaves words over, those are the bad PERIOD."""
    reply = answer(make(), text)
    assert reply.outcome == "usage"
    assert expected in reply.message.text
    assert "/botstats BOT [PERIOD] [public]" in reply.message.text


@pytest.mark.parametrize("text", ["all 7d", ""])
def test_bots_side_by_side_say_once_that_the_token_was_refused(
    make: Callable[[], Replies], sim: Simulator, text: str
) -> None:
    """`all` and the overview serve stored numbers under one warning naming the token."""
    assert answer(make(), "all 14d").outcome == "ok"
    sim.fault = "unauthorized"
    reply = answer(make(), text)
    assert reply.outcome == "ok", reply.message.text
    assert reply.message.blocks[1]["type"] == "context"
    assert f"{REFUSED}: these numbers are from the store" in json.dumps(reply.message.blocks[1])
    assert contexts(reply.message).count("BOTPRESS_TOKEN") == 1
