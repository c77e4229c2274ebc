"""Service.bots() trusts its listBots answer for BOTS_TTL, then asks Botpress again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from slackbot.botpress.client import BotpressClient
from slackbot.service import BOTS_TTL, Service
from slackbot.simulator.server import Simulator
from slackbot.store import Store

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
LIST_BOTS = re.compile(r"/v1/admin/bots/?")  # the listBots path (not .../{id}/analytics)
PAGES = 2  # 3 bots at 2 a page: every listBots answer is two requests
ATTEMPTS = 2  # the client's tries per request


class MovableClock:
    """A clock that stays where it is put: the Service's injected ``clock``."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A simulator with three bots, listed two to a page."""
    with Simulator(seed=5, bot_count=3, page_size=2, today=date(2026, 5, 20)) as simulator:
        yield simulator


@pytest.fixture
def clock() -> MovableClock:
    """The service's clock, starting at NOW."""
    return MovableClock(NOW)


@pytest.fixture
def service(sim: Simulator, clock: MovableClock, tmp_path: Path) -> Iterator[Service]:
    """A service over a real SQLite file and the simulator, on the movable clock."""
    client = BotpressClient(
        token=sim.token,
        workspace_id=sim.workspace_id,
        base_url=sim.url,
        sleep=lambda _: None,  # retries without waiting
        max_attempts=ATTEMPTS,
    )
    with Store(tmp_path / "botstats.db") as store:
        yield Service(store=store, client=client, clock=clock)


def list_bots_requests(sim: Simulator) -> int:
    """How many listBots requests (pages) the simulator has received."""
    return sum(1 for r in sim.requests if LIST_BOTS.fullmatch(r.path))


def test_bot_list_is_cached_within_the_ttl(
    sim: Simulator, service: Service, clock: MovableClock
) -> None:
    """Calls within BOTS_TTL of the first make no listBots request and give the same bots."""
    first = service.bots()
    assert list_bots_requests(sim) == PAGES
    assert {b.id for b in first} == {b.id for b in sim.bots}
    for later in (timedelta(0), timedelta(minutes=1), BOTS_TTL - timedelta(seconds=1)):
        clock.moment = NOW + later
        assert service.bots() == first
        assert service.resolve_bot(first[0].id) == first[0]
    assert list_bots_requests(sim) == PAGES
    assert sim.analytics_calls == 0


def test_bot_list_is_asked_again_after_the_ttl(
    sim: Simulator, service: Service, clock: MovableClock
) -> None:
    """Past BOTS_TTL the next call asks listBots again, and that answer is cached anew."""
    first = service.bots()
    assert list_bots_requests(sim) == PAGES
    clock.moment = NOW + BOTS_TTL + timedelta(seconds=1)
    assert service.bots() == first
    assert list_bots_requests(sim) == 2 * PAGES
    clock.moment += BOTS_TTL - timedelta(seconds=1)  # within the TTL of the refresh
    service.bots()
    assert list_bots_requests(sim) == 2 * PAGES
    clock.moment += timedelta(seconds=2)  # past the TTL of the refresh
    service.bots()
    assert list_bots_requests(sim) == 3 * PAGES


def test_refresh_asks_again_within_the_ttl(
    sim: Simulator, service: Service, clock: MovableClock
) -> None:
    """bots(refresh=True) asks listBots even inside the TTL, and restarts the TTL."""
    service.bots()
    clock.moment = NOW + timedelta(minutes=10)
    service.bots(refresh=True)
    assert list_bots_requests(sim) == 2 * PAGES
    clock.moment = NOW + timedelta(minutes=20)  # past the first answer's TTL, not the refresh's
    service.bots()
    assert list_bots_requests(sim) == 2 * PAGES


def test_a_cached_list_hides_a_botpress_outage_until_it_expires(
    sim: Simulator, service: Service, clock: MovableClock
) -> None:
    """Within the TTL a down Botpress is not even asked; after it, the stored bots serve."""
    first = service.bots()
    sim.fault = "down"
    clock.moment = NOW + timedelta(minutes=5)
    assert service.bots() == first
    assert list_bots_requests(sim) == PAGES
    clock.moment = NOW + BOTS_TTL + timedelta(minutes=5)
    assert {b.id for b in service.bots()} == {b.id for b in first}  # from the store
    assert list_bots_requests(sim) == PAGES + ATTEMPTS  # it asked (and retried), then fell back
