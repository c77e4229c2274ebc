"""The parts around alerts in a message: who, mentions, the buttons, the footer, fitting.

Pure. The buttons are one set per message acting on all of the bot's open alerts; each
button's ``value`` is the alert ids (``bot_id:metric:direction``) joined by ``,``, which
``parse_alert_ids`` reads back, refusing anything it did not build: the payload is signed
by Slack, but a button can outlive its alerts or come from an older version of the app.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, PlainTextObject

from slackbot.core.anomalies import METRICS
from slackbot.core.blocks.kit import (
    MAX_BLOCKS,
    MAX_CHARS,
    SECTION_MAX,
    Dashboard,
    context,
    message_chars,
    more_note,
    section,
)
from slackbot.core.blocks.summary import bot_line, slack_date
from slackbot.core.formatting import plural
from slackbot.core.models import Bot
from slackbot.core.text import code, escape_mrkdwn
from slackbot.errors import UsageError

BLOCK_ID = "botstats_alert_actions"
ACK_ACTION = "botstats_alert_ack"
#: Each snooze button's action id and how long it snoozes.
SNOOZE_ACTIONS: Mapping[str, timedelta] = {
    "botstats_alert_snooze_1d": timedelta(days=1),
    "botstats_alert_snooze_7d": timedelta(days=7),
}
OPEN_ACTION = "botstats_alert_open"
VALUE_MAX = 2_000  # Slack's limit for a button's value
WORKSPACE = "All tracked bots"  # who a budget alert is about
NAME_LIMIT = 120
STATUS_HINT = "`/botstats alerts status` lists every open alert"
_USER_RE = re.compile(r"[UW][A-Z0-9]{1,30}", re.ASCII)
_MENTION_RE = re.compile(
    r"<!(?:here|channel|everyone)>|<!subteam\^[A-Z0-9]{2,30}(?:\|[^<>|&]{1,80})?>", re.ASCII
)
#: An alert id: a bot id without separators or Slack's control characters, then the metric
#: and the direction. The budget's bot id is empty.
ALERT_ID_RE = re.compile(rf"[^\s,<>&\"]{{0,200}}:(?:{'|'.join(METRICS)}):(?:up|down)", re.ASCII)
_STALE = "This button is out of date; `/botstats alerts status` lists the open alerts."
_RESERVED_CHARS = 400  # room kept for the "and N more" note


def user_link(user_id: str | None) -> str:
    """``<@U123>`` for a real Slack user id; anything else is shown escaped, never parsed."""
    if user_id and _USER_RE.fullmatch(user_id):
        return f"<@{user_id}>"
    return code(user_id or "someone")


def safe_mention(mention: str | None) -> str:
    """``mention`` when it is ``<!here>``, ``<!channel>`` or a ``<!subteam^…>``; else escaped."""
    if not mention:
        return ""
    return mention if _MENTION_RE.fullmatch(mention) else escape_mrkdwn(mention, 80)


def ids_value(ids: Sequence[str]) -> str:
    """Valid ``ids`` joined by ``,`` in order, as many as fit a button's 2,000 characters."""
    kept: list[str] = []
    size = -1
    for alert_id in dict.fromkeys(ids):
        if not ALERT_ID_RE.fullmatch(alert_id):
            continue
        if size + 1 + len(alert_id) > VALUE_MAX:
            break
        kept.append(alert_id)
        size += 1 + len(alert_id)
    return ",".join(kept)


def parse_alert_ids(value: str) -> tuple[str, ...]:
    """The alert ids a button carried, in order; UsageError saying what is wrong."""
    if not isinstance(value, str) or not value:
        raise UsageError(f"The button carried no alert. {_STALE}")
    if len(value) > VALUE_MAX:
        raise UsageError(f"The button's value is {len(value):,} characters, past Slack's limit.")
    ids = value.split(",")
    if not all(ALERT_ID_RE.fullmatch(alert_id) for alert_id in ids):
        raise UsageError(f"The button names no alert botstats understands. {_STALE}")
    return tuple(dict.fromkeys(ids))


def subject(bot: Bot | None) -> str:
    """Who alerts are about, not escaped: the bot's Botpress name, or all tracked bots."""
    return bot.name if bot is not None else WORKSPACE


def botpress_url(bot: Bot | None, links: Dashboard | None) -> str | None:
    """The bot's Botpress overview, the workspace's page for the budget, or None."""
    if links is None:
        return None
    if bot is not None:
        return links.bot_url(bot.id)
    return f"{links.base.rstrip('/')}/workspaces/{quote(links.workspace, safe='')}"


def who_line(bot: Bot | None, links: Dashboard | None) -> str:
    """The bot's name (escaped) linked to Botpress when the dashboard is known."""
    if bot is not None:
        return bot_line(bot, links)
    url = botpress_url(None, links)
    return f"*<{url}|{WORKSPACE}>* · Open in Botpress" if url else f"*{WORKSPACE}*"


def footer(*, tz: ZoneInfo, now: datetime) -> Block:
    """UTC days, the timezone of clock times, when the check ran, where the rest is."""
    return context(
        "Days are UTC days",
        f"times in {escape_mrkdwn(tz.key, 60)}",
        f"checked {slack_date(now, tz)}",
        STATUS_HINT,
    )


def actions(value: str, url: str | None, *, acknowledge: bool) -> ActionsBlock | None:
    """Acknowledge (when asked), Snooze 1 / 7 days for ``value``'s alerts, Open in Botpress."""
    buttons: list[ButtonElement] = []
    if value:
        if acknowledge:
            buttons.append(_button("Acknowledge", ACK_ACTION, value, style="primary"))
        for action, span in SNOOZE_ACTIONS.items():
            buttons.append(_button(f"Snooze {plural(span.days, 'day')}", action, value))
    if url:
        label = PlainTextObject(text="Open in Botpress", emoji=False)
        buttons.append(ButtonElement(text=label, action_id=OPEN_ACTION, url=url))
    return ActionsBlock(block_id=BLOCK_ID, elements=buttons) if buttons else None


def _button(text: str, action: str, value: str, style: str | None = None) -> ButtonElement:
    label = PlainTextObject(text=text, emoji=False)
    return ButtonElement(text=label, action_id=action, value=value, style=style)


def fit_alerts(
    lead: Sequence[Block], items: Sequence[tuple[Block, int]], tail: Sequence[Block]
) -> list[Block]:
    """``lead``, as many ``items`` as fit Slack's limits, a note counting the rest, ``tail``.

    Each item is a block and how many alerts it shows, so the note counts alerts.
    """
    fixed = [*lead, *tail]
    budget = MAX_CHARS - _RESERVED_CHARS - message_chars(b.to_dict() for b in fixed)
    room = MAX_BLOCKS - len(fixed) - 1
    kept: list[Block] = []
    for block, _ in items:
        size = message_chars([block.to_dict()])
        if len(kept) >= room or size > budget:
            break
        kept.append(block)
        budget -= size
    rest = sum(n for _, n in items[len(kept) :])
    note = [more_note(rest, "alerts", "`/botstats alerts status` lists them all")] if rest else []
    return [*lead, *kept, *note, *tail]


def line_sections(heading: str, rows: Sequence[str]) -> list[tuple[Block, int]]:
    """``rows`` under ``heading`` in sections of whole lines, each with how many it holds."""
    out: list[tuple[Block, int]] = []
    lines, held = [heading], 0
    for row in rows:
        if held and len("\n".join([*lines, row])) > SECTION_MAX:
            out.append((section("\n".join(lines)), held))
            lines, held = [], 0
        lines.append(row)
        held += 1
    out.append((section("\n".join(lines)), held))
    return out
