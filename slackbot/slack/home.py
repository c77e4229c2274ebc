"""The App Home tab's data, gathered for the user who opened it: SQLite and one Slack list.

Only stored days are read (no Botpress call), so the tab opens fast and still works while
Botpress is down. The user's channels come from ``users.conversations`` (scopes
``channels:read`` and ``groups:read``); when Slack refuses that call the tab shows every
channel's digests and alerts instead, and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from slackbot.alerts.views import open_alerts
from slackbot.config import Settings
from slackbot.core.blocks.home import HomeData, RouteView, home_view
from slackbot.core.blocks.summary import bot_title
from slackbot.core.comparisons import reference_period
from slackbot.core.metrics import Summary
from slackbot.core.models import Bot
from slackbot.core.periods import parse_period
from slackbot.digests.due import DueDigests
from slackbot.digests.views import subscription_views
from slackbot.service import Service
from slackbot.slack.context import SlackDeps
from slackbot.store.alerts import Route

log = logging.getLogger(__name__)

CHANNEL_TYPES = "public_channel,private_channel"
PAGE_SIZE = 200
#: 40 pages of 200: a user in more channels sees the first 8,000 (and it is logged).
MAX_PAGES = 40
ALERT_CHANNEL_VARIABLE = "BOTSTATS_ALERT_CHANNEL"
ALL = "all"


def user_channels(client: WebClient, user: str) -> frozenset[str]:
    """The ids of the public and private channels ``user`` is in, every page of them."""
    found: set[str] = set()
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        response = client.users_conversations(
            user=user, types=CHANNEL_TYPES, exclude_archived=True, limit=PAGE_SIZE, cursor=cursor
        )
        found.update(str(c["id"]) for c in response.get("channels") or [] if c.get("id"))
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return frozenset(found)
    log.warning("%s is in more than %d channels; the Home tab lists the first", user, len(found))
    return frozenset(found)


def channels_or_reason(client: WebClient, user: str) -> tuple[frozenset[str] | None, str | None]:
    """``user``'s channels, or None and Slack's reason (``missing_scope``...) when refused."""
    try:
        return user_channels(client, user), None
    except SlackApiError as exc:
        reason = str(exc.response.get("error") or "error")
        needed = exc.response.get("needed")
        extra = f" (needs {needed})" if needed else ""
        log.warning(
            "users.conversations refused for %s: %s%s; the Home tab shows every channel",
            user,
            reason,
            extra,
        )
        return None, reason
    except OSError as exc:  # URLError, timeout, refused connection
        log.warning("users.conversations failed for %s: %s; showing every channel", user, exc)
        return None, "Slack could not be reached"


def last_week(service: Service, bots: Sequence[Bot], *, now: datetime) -> list[Summary]:
    """Each bot's last week against the week before, from stored days only."""
    if not bots:
        return []
    period = parse_period("last-week", now=now)
    first = reference_period(period, now.astimezone(UTC).date()).first
    history = service.store.days.history([b.id for b in bots], first, period.last)
    return [service.summary_from(b, period, history.get(b.id, {}), now=now) for b in bots]


def route_views(
    routes: Iterable[Route], default_channel: str | None, names: Mapping[str, str]
) -> list[RouteView]:
    """Each channel's alerts choice; BOTSTATS_ALERT_CHANNEL is on unless turned off there."""
    routes = list(routes)
    views = [
        RouteView(
            r.channel, "all bots" if r.target == ALL else names.get(r.target, r.target), r.enabled
        )
        for r in routes
    ]
    if default_channel and not any(
        r.channel == default_channel and r.target == ALL for r in routes
    ):
        views.append(RouteView(default_channel, "all bots", True, ALERT_CHANNEL_VARIABLE))
    return views


def gather(
    service: Service,
    settings: Settings,
    channels: frozenset[str] | None,
    *,
    now: datetime,
    channels_unknown: str | None = None,
) -> HomeData:
    """What the Home tab shows; ``channels`` None shows every channel's digests and alerts."""
    store, tz = service.store, settings.timezone
    known = {bot.id: bot for bot in service.known_bots()}
    names = {bot_id: bot_title(bot) for bot_id, bot in known.items()}
    summaries = last_week(service, store.bots.all(), now=now)

    def mine(channel: str) -> bool:
        return channels is None or channel in channels

    subscriptions = [s for s in store.subscriptions.all() if mine(s.channel)]
    due = DueDigests(store, None, tz=tz)
    routes = route_views(store.alerts.route_table(), settings.botstats_alert_channel, names)
    return HomeData(
        summaries=summaries,
        subscriptions=subscription_views(due, subscriptions, names, tz=tz, now=now),
        routes=[r for r in routes if mine(r.channel)],
        alerts=open_alerts(store, known, now=now),
        as_of=max((s.as_of for s in summaries if s.as_of is not None), default=None),
        channels_unknown=channels_unknown,
    )


def build_home(deps: SlackDeps, client: WebClient, user: str) -> dict[str, Any]:
    """The Home view for ``user``, now (store reads and users.conversations; errors propagate)."""
    now = deps.service.clock()
    channels, reason = channels_or_reason(client, user)
    data = gather(deps.service, deps.settings, channels, now=now, channels_unknown=reason)
    return home_view(data, tz=deps.settings.timezone, now=now, links=deps.replies.links)
