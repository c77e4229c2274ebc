"""SQLite storage: ``Store`` and its parts (days, bots, runs, subscriptions, alerts)."""

from slackbot.store.database import Store

__all__ = ["Store"]
