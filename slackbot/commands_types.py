"""The typed commands ``/botstats`` text parses into (see ``commands.parse_command``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from slackbot.periods import Period

Cadence: TypeAlias = Literal["daily", "weekly"]
AlertAction: TypeAlias = Literal["on", "off", "status"]
ALL = "all"  #: the subscription target meaning every tracked bot
DEFAULT_CADENCE: Cadence = "weekly"


@dataclass(frozen=True)
class Help:
    """``/botstats help [SUBCOMMAND]``."""

    topic: str | None = None


@dataclass(frozen=True)
class Overview:
    """``/botstats [PERIOD] [public]``: every tracked bot (one bot: its summary)."""

    period: Period
    public: bool = False


@dataclass(frozen=True)
class BotStats:
    """``/botstats BOT [PERIOD] [public]``; ``bot_query`` is resolved later by the service."""

    bot_query: str
    period: Period
    public: bool = False


@dataclass(frozen=True)
class AllBots:
    """``/botstats all [PERIOD] [public]``: bots side by side."""

    period: Period
    public: bool = False


@dataclass(frozen=True)
class ListBots:
    """``/botstats bots``."""


@dataclass(frozen=True)
class Subscribe:
    """``/botstats subscribe BOT|all [daily|weekly] [#channel]``; channel None = here."""

    target: str
    cadence: Cadence = DEFAULT_CADENCE
    channel: str | None = None


@dataclass(frozen=True)
class Unsubscribe:
    """``/botstats unsubscribe BOT|all [#channel]``; channel None = here."""

    target: str
    channel: str | None = None


@dataclass(frozen=True)
class Subscriptions:
    """``/botstats subscriptions``."""


@dataclass(frozen=True)
class Alerts:
    """``/botstats alerts on|off|status [#channel]``; channel None = here."""

    action: AlertAction = "status"
    channel: str | None = None


Command: TypeAlias = (
    Help
    | Overview
    | BotStats
    | AllBots
    | ListBots
    | Subscribe
    | Unsubscribe
    | Subscriptions
    | Alerts
)
