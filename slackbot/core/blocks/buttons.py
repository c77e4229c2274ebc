"""Buttons under one bot's summary: switch the period in place, or share it in the channel.

Pure. Every button carries the same compact JSON ``value``, ``{"q": BOT, "p": PERIOD}``:
``q`` is the bot's alias or id (stable, never text a user typed) and ``p`` the period the
click asks for (a period button's own period; the current one for "Share in channel").
The listener in ``slackbot.slack.listeners.actions`` turns a click back into
``/botstats "q" p`` (``public`` added to share) with ``parse_action_value``, which refuses
anything it did not build: the payload is signed by Slack, but a button can outlive the
bot it names or come from an older version of the app.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, PlainTextObject

from slackbot.core.commands import MAX_BOT_QUERY
from slackbot.errors import UsageError

BLOCK_ID = "botstats_summary_actions"
PERIOD_ACTION_PREFIX = "botstats_period_"
SHARE_ACTION = "botstats_share"
#: The periods offered as buttons, with their labels, in the order shown.
PERIOD_BUTTONS: Sequence[tuple[str, str]] = (
    ("7d", "7 days"),
    ("30d", "30 days"),
    ("90d", "90 days"),
)
SHARE_TEXT = "Share in channel"
VALUE_MAX = 2_000  # Slack's limit for a button's value
#: What ``q`` may be: one word the /botstats grammar reads back unchanged. Aliases are
#: ``[a-z0-9_-]`` (config) and Botpress ids are alike, but ids are not checked on the way
#: in, so anything that is one plain token is taken: no space, quote, ``<``, ``>``, ``&``
#: (the tokenizer unescapes ``&lt;``), backtick or control character.
_QUERY_RE = re.compile(r"[^\s\"\u201c\u201d<>&`\x00-\x1f\x7f]+")
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
#: Every label a ``Period`` carries (``periods.parse_period`` judges the dates themselves).
_PERIOD_RE = re.compile(
    rf"today|yesterday|this-week|last-week|this-month|last-month|[0-9]{{1,3}}d|{_DATE}(?:\.\.{_DATE})?",
    re.ASCII,
)
_STALE = "This button is out of date; run `/botstats BOT PERIOD` again."


def period_action_id(period: str) -> str:
    """``botstats_period_30d`` for ``30d``."""
    return f"{PERIOD_ACTION_PREFIX}{period}"


def action_value(bot_query: str, period: str) -> str:
    """The compact JSON ``{"q": bot_query, "p": period}``, ``q`` cut to fit Slack's limits."""
    query = bot_query[:MAX_BOT_QUERY]
    value = _dump(query, period)
    while len(value) > VALUE_MAX and query:  # unreachable with MAX_BOT_QUERY; a guard
        query = query[:-1]
        value = _dump(query, period)
    return value


def summary_actions(bot_query: str, period_label: str, *, share: bool = True) -> ActionsBlock:
    """The 7 / 30 / 90 days buttons (the current one primary) and "Share in channel".

    ``share=False`` leaves "Share in channel" out: a summary already in the channel.

    ``bot_query`` must be the bot's alias or id and ``period_label`` a ``Period.label``;
    anything else is a programming error (ValueError), since a click could not use it.
    """
    if not _QUERY_RE.fullmatch(bot_query):
        raise ValueError(
            f"summary buttons need the bot's alias or id (one word, no quotes or <>&), "
            f"not {bot_query[:60]!r}"
        )
    if not _PERIOD_RE.fullmatch(period_label):
        raise ValueError(f"summary buttons need a Period.label, not {period_label[:60]!r}")
    buttons = [
        ButtonElement(
            text=PlainTextObject(text=text, emoji=False),
            action_id=period_action_id(period),
            value=action_value(bot_query, period),
            style="primary" if period == period_label else None,
        )
        for period, text in PERIOD_BUTTONS
    ]
    if share:
        buttons.append(
            ButtonElement(
                text=PlainTextObject(text=SHARE_TEXT, emoji=False),
                action_id=SHARE_ACTION,
                value=action_value(bot_query, period_label),
            )
        )
    return ActionsBlock(block_id=BLOCK_ID, elements=buttons)


def parse_action_value(value: str) -> tuple[str, str]:
    """``(bot_query, period)`` from a button's value; UsageError saying what is wrong."""
    if not isinstance(value, str) or not value:
        raise UsageError(f"The button carried no value. {_STALE}")
    if len(value) > VALUE_MAX:
        raise UsageError(f"The button's value is {len(value):,} characters, past Slack's limit.")
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        raise UsageError(f"The button's value is not botstats' JSON. {_STALE}") from None
    if not isinstance(data, dict):
        raise UsageError(f"The button's value is not a JSON object. {_STALE}")
    query, period = data.get("q"), data.get("p")
    if not isinstance(query, str) or not _QUERY_RE.fullmatch(query):
        raise UsageError(f"The button names no bot alias or id. {_STALE}")
    if len(query) > MAX_BOT_QUERY:
        raise UsageError(f"The button's bot is longer than {MAX_BOT_QUERY} characters. {_STALE}")
    if not isinstance(period, str) or not _PERIOD_RE.fullmatch(period):
        raise UsageError(f"The button names no period botstats understands. {_STALE}")
    return query, period


def _dump(query: str, period: str) -> str:
    return json.dumps({"q": query, "p": period}, separators=(",", ":"))
