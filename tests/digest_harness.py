"""A digest stack over real fakes: the simulator (Botpress) and FakeSlack, both on loopback.

``DigestStack`` is what ``botstats serve`` builds for its tick, with a clock the test moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from slackbot.botpress.client import BotpressClient
from slackbot.charts.worker import ChartRenderer, InlineRenderer
from slackbot.config import Settings
from slackbot.core.series import DailySeries
from slackbot.digests.build import DigestBuilder
from slackbot.digests.delivery import DigestDelivery
from slackbot.digests.due import DueDigests
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.slack.app import build_web_client
from slackbot.slack.poster import SlackPoster
from slackbot.store import Store
from slackbot.testing.fake_slack import FakeSlack

BOT_TOKEN = "xoxb-digest-test-token"
CHANNEL = "C0DIGEST01"
#: A subscription made long before the runs the tests look at.
LONG_AGO = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class MovableClock:
    """A clock the test sets; every part of the stack reads it."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class NoChart:
    """A renderer that cannot draw (as when the chart worker fails)."""

    asked: list[DailySeries] = field(default_factory=list)

    def render(self, series: DailySeries) -> bytes | None:
        """Record the request and fail."""
        self.asked.append(series)
        return None


@dataclass
class DigestStack:
    """Store, service, Slack poster, delivery and due-digest finder over one DB file."""

    store: Store
    service: Service
    due: DueDigests
    waits: list[float]

    def close(self) -> None:
        """Close the Botpress client and the store."""
        self.service.client.close()
        self.store.close()


def settings_for(slack: FakeSlack, **values: object) -> Settings:
    """Settings with the bot token and the fake Slack's URL (nothing read from the machine)."""
    return Settings.model_construct(
        slack_bot_token=SecretStr(BOT_TOKEN), slack_api_url=slack.api_url, **values
    )


def build_stack(
    sim: Simulator,
    slack: FakeSlack,
    db: Path,
    clock: MovableClock,
    *,
    tz: ZoneInfo | None = None,
    charts: ChartRenderer | None = None,
    budget: float | None = None,
) -> DigestStack:
    """The tick's digest stack, as ``botstats serve`` wires it, over the fakes."""
    zone = tz or ZoneInfo("UTC")
    store = Store(db, clock=clock)
    client = BotpressClient(
        token=sim.token, workspace_id=sim.workspace_id, base_url=sim.url, sleep=lambda _: None
    )
    service = Service(store=store, client=client, clock=clock, tz=zone)
    waits: list[float] = []
    poster = SlackPoster(build_web_client(settings_for(slack), sleep=waits.append))
    delivery = DigestDelivery(
        DigestBuilder(service, budget=budget),
        store,
        poster,
        charts=charts if charts is not None else InlineRenderer(),
        tz=zone,
    )
    return DigestStack(store, service, DueDigests(store, delivery, tz=zone), waits)
