"""Wiring: build the real adapters from settings (the one place that knows them all)."""

from __future__ import annotations

import httpx

from slackbot.alerts.check import AlertCheck
from slackbot.alerts.delivery import AlertDelivery
from slackbot.alerts.engine import AlertEngine
from slackbot.botpress.client import BotpressClient
from slackbot.charts.worker import ChartRenderer
from slackbot.config import Settings
from slackbot.digests.delivery import DigestDelivery, Poster
from slackbot.digests.due import DueDigests
from slackbot.replies import dashboard, digest_builder
from slackbot.service import Service
from slackbot.store import Store
from slackbot.tick import Tick


def build_client(
    settings: Settings, *, transport: httpx.BaseTransport | None = None
) -> BotpressClient:
    """A Botpress client from BOTPRESS_* settings and BOTSTATS_HTTP_TIMEOUT_S (call
    ``settings.require`` first)."""
    token = settings.botpress_token.get_secret_value() if settings.botpress_token else ""
    return BotpressClient(
        token=token,
        workspace_id=settings.botpress_workspace_id or "",
        base_url=settings.botpress_api_url,
        transport=transport,
        timeout=settings.botstats_http_timeout_s,
    )


def build_service(settings: Settings, *, transport: httpx.BaseTransport | None = None) -> Service:
    """The service over the configured database and Botpress workspace."""
    return Service(
        store=Store(settings.botstats_db),
        client=build_client(settings, transport=transport),
        aliases=settings.bot_aliases,
        tz=settings.timezone,
    )


def build_digests(
    settings: Settings,
    service: Service,
    poster: Poster | None,
    *,
    charts: ChartRenderer | None = None,
) -> DueDigests:
    """Digests for the subscriptions in the store, posted through ``poster`` (None: never)."""
    builder = digest_builder(settings, service)
    delivery = None
    if poster is not None:
        delivery = DigestDelivery(
            builder,
            service.store,
            poster,
            charts=charts,
            tz=settings.timezone,
            links=dashboard(settings),
        )
    return DueDigests(service.store, delivery, tz=settings.timezone)


def keep_default_subscription(settings: Settings, service: Service) -> None:
    """Make the BOTSTATS_DIGEST_CHANNEL subscription match BOTSTATS_DIGEST_SCHEDULE."""
    schedule = settings.digest_schedule
    service.store.subscriptions.keep_config(
        settings.botstats_digest_channel,
        "daily" if schedule.day is None else "weekly",
        at=f"{schedule.hour:02d}:{schedule.minute:02d}",
        weekday=None if schedule.day in (None, "mon") else schedule.day,
        now=service.clock(),
    )


def build_tick(
    settings: Settings,
    service: Service,
    poster: Poster | None,
    *,
    charts: ChartRenderer | None = None,
) -> Tick:
    """The scheduler's tick over the configured subscriptions and bots."""
    keep_default_subscription(settings, service)
    digests = build_digests(settings, service, poster, charts=charts)
    tick = Tick(service, digests, clock=service.clock)
    tick.add_hook("alerts", build_alert_check(settings, service, poster, charts=charts).hourly)
    return tick


def build_alert_check(
    settings: Settings,
    service: Service,
    poster: Poster | None,
    *,
    charts: ChartRenderer | None = None,
) -> AlertCheck:
    """The anomaly check over the tracked bots, posting through ``poster`` (None: never)."""
    engine = AlertEngine(
        service, thresholds=settings.thresholds, budget=settings.botstats_monthly_budget_usd
    )
    delivery = None
    if poster is not None:
        delivery = AlertDelivery(
            service.store,
            poster,
            tz=settings.timezone,
            links=dashboard(settings),
            mention=settings.botstats_alert_mention,
            default_channel=settings.botstats_alert_channel,
            charts=charts,
        )
    return AlertCheck(engine, delivery)
