"""The shared use cases: tracked bots and summaries over a real store and the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from slackbot.botpress.client import BotpressClient
from slackbot.core.periods import parse_period
from slackbot.errors import BotpressAuthError
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.store import Store

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A simulator frozen at noon on 2026-05-20."""
    with Simulator(seed=5, bot_count=3, today=date(2026, 5, 20)) as simulator:
        yield simulator


def make_service(sim: Simulator, db: Path, aliases: tuple[tuple[str, str], ...] = ()) -> Service:
    """A service over a real SQLite file and the simulator."""
    client = BotpressClient(token=sim.token, workspace_id=sim.workspace_id, base_url=sim.url)
    return Service(store=Store(db), client=client, aliases=aliases, clock=lambda: NOW)


def test_aliases_select_and_name_the_tracked_bots(sim: Simulator, tmp_path: Path) -> None:
    """BOTSTATS_BOTS tracks only the aliased bots, which resolve by alias."""
    target = sim.bots[2]
    service = make_service(sim, tmp_path / "a.db", (("helpdesk", target.id),))
    bots = service.bots()
    assert [(b.id, b.name, b.alias) for b in bots] == [(target.id, target.name, "helpdesk")]
    assert service.resolve_bot("HELPDESK").id == target.id


def test_bots_dropped_from_the_list_stop_being_tracked(sim: Simulator, tmp_path: Path) -> None:
    """A later, narrower bot list untracks the others in the store."""
    db = tmp_path / "b.db"
    make_service(sim, db).bots()
    assert len(Store(db).bots.all()) == 3
    make_service(sim, db, (("one", sim.bots[0].id),)).bots()
    assert [b.id for b in Store(db).bots.all()] == [sim.bots[0].id]


def test_stored_bots_serve_when_botpress_is_down(sim: Simulator, tmp_path: Path) -> None:
    """With listBots failing, bots known from an earlier run are still served."""
    db = tmp_path / "c.db"
    make_service(sim, db).bots()
    sim.fault = "unauthorized"
    assert {b.id for b in make_service(sim, db).bots()} == {b.id for b in sim.bots}


def test_summary_fetches_once_then_reads_the_store(sim: Simulator, tmp_path: Path) -> None:
    """The first closed-period summary makes one call; the same summary again makes none."""
    service = make_service(sim, tmp_path / "d.db")
    bot = service.bots()[0]
    period = parse_period("7d", now=NOW)
    first = service.summary(bot, period)
    calls = sim.analytics_calls
    assert calls == 1
    again = service.summary(bot, period)
    assert sim.analytics_calls == calls
    assert again.current == first.current
    assert again.previous == first.previous


def test_partial_periods_fetch_today_live_each_time(sim: Simulator, tmp_path: Path) -> None:
    """`today` is never stored: each summary of it asks Botpress again and says it is fresh."""
    service = make_service(sim, tmp_path / "e.db")
    bot = service.bots()[0]
    period = parse_period("today", now=NOW)
    summary = service.summary(bot, period)
    assert period.partial
    assert summary.as_of == NOW
    before = sim.analytics_calls
    service.summary(bot, period)
    assert sim.analytics_calls == before + 1


def test_a_refused_token_serves_stored_numbers_with_a_warning(
    sim: Simulator, tmp_path: Path
) -> None:
    """On a 401, a period with stored days is served from the store with a note naming the token."""
    service = make_service(sim, tmp_path / "f.db")
    bot = service.bots()[0]
    service.summary(bot, parse_period("14d", now=NOW))  # stores the days up to yesterday
    stored = service.store.days.load(bot.id, date(2026, 5, 18), date(2026, 5, 19))
    sim.fault = "unauthorized"
    summary = service.summary(bot, parse_period("this-week", now=NOW))  # today needs a call
    assert summary.current.sessions == sum(m.sessions for m in stored.values())
    (note,) = summary.notes
    assert note.startswith(
        "Botpress refused BOTPRESS_TOKEN (401): these numbers are from the store"
    )
    assert "last fetched Wed 20 May 12:00 UTC" in note
    assert note.endswith("ask an admin to renew the token.")
    assert service.client.health == "unauthorized"


def test_a_refused_token_with_nothing_stored_is_the_answer(sim: Simulator, tmp_path: Path) -> None:
    """On a 401 with no stored day of the period, the refusal itself is raised."""
    service = make_service(sim, tmp_path / "g.db")
    bot = service.bots()[0]
    sim.fault = "unauthorized"
    with pytest.raises(BotpressAuthError, match="BOTPRESS_TOKEN"):
        service.summary(bot, parse_period("7d", now=NOW))


def test_a_refused_bot_list_is_served_from_the_store_and_said(
    sim: Simulator, tmp_path: Path
) -> None:
    """listBots refused: the stored bots are served, and the warning reaches every answer."""
    db = tmp_path / "h.db"
    first = make_service(sim, db)
    bot = first.bots()[0]
    first.summary(bot, parse_period("7d", now=NOW))
    assert first.warnings() == []
    sim.fault = "unauthorized"
    later = make_service(sim, db)
    assert [b.id for b in later.bots()] == [b.id for b in first.bots()]
    assert later.warnings() == [
        "Botpress refused BOTPRESS_TOKEN (401): the list of bots is from the store; "
        "ask an admin to renew the token."
    ]
    calls = sim.analytics_calls
    summary = later.summary(bot, parse_period("7d", now=NOW))  # stored: no call made
    assert sim.analytics_calls == calls
    assert len(summary.notes) == 1
    assert (
        "Botpress refused BOTPRESS_TOKEN (401): these numbers are from the store"
        in (summary.notes[0])
    )


def test_days_stored_counts_the_days_with_data(sim: Simulator, tmp_path: Path) -> None:
    """days_stored counts each bot's stored days that have data, 0 for a bot never fetched."""
    service = make_service(sim, tmp_path / "i.db")
    bots = service.bots()
    service.summary(bots[0], parse_period("7d", now=NOW))
    with_data = len(service.store.days.load(bots[0].id, date(2000, 1, 1), date(2026, 5, 19)))
    assert with_data > 7
    assert service.days_stored(bots) == {bots[0].id: with_data, bots[1].id: 0, bots[2].id: 0}
