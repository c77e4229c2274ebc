"""The shared use cases: tracked bots and summaries over a real store and the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from slackbot.botpress.client import BotpressClient
from slackbot.core.periods import parse_period
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
