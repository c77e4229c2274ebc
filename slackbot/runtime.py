"""Wiring: build the real adapters from settings (the one place that knows them all)."""

from __future__ import annotations

import httpx

from slackbot.botpress.client import BotpressClient
from slackbot.config import Settings
from slackbot.service import Service
from slackbot.store import Store


def build_client(
    settings: Settings, *, transport: httpx.BaseTransport | None = None
) -> BotpressClient:
    """A Botpress client from BOTPRESS_* settings (call ``settings.require`` first)."""
    token = settings.botpress_token.get_secret_value() if settings.botpress_token else ""
    return BotpressClient(
        token=token,
        workspace_id=settings.botpress_workspace_id or "",
        base_url=settings.botpress_api_url,
        transport=transport,
    )


def build_service(settings: Settings, *, transport: httpx.BaseTransport | None = None) -> Service:
    """The service over the configured database and Botpress workspace."""
    return Service(
        store=Store(settings.botstats_db),
        client=build_client(settings, transport=transport),
        aliases=settings.bot_aliases,
        tz=settings.timezone,
    )
