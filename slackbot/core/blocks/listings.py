"""Short messages: help, the tracked bots, subscriptions, alert routing, errors, confirmations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from slack_sdk.models.blocks import Block

from slackbot.core.blocks.kit import (
    SECTION_MAX,
    Message,
    build,
    channel_link,
    context,
    header,
    section,
)
from slackbot.core.commands import HELP_ENTRIES, USAGE
from slackbot.core.models import Bot
from slackbot.core.periods import PERIOD_USAGE
from slackbot.core.text import code, defuse, escape_mrkdwn


class SubscriptionLike(Protocol):
    """What the subscriptions list needs from a stored subscription."""

    @property
    def channel(self) -> str:
        """The channel id the digest goes to."""

    @property
    def target(self) -> str:
        """A bot query or ``all``."""

    @property
    def cadence(self) -> str:
        """``daily`` or ``weekly``."""


def help_message() -> Message:
    """``/botstats help``: every form of the command and the PERIOD grammar."""
    lines = [f"`{USAGE[key]}`  {what}" for key, what in HELP_ENTRIES]
    return build(
        "botstats: " + "; ".join(USAGE[key] for key, _ in HELP_ENTRIES),
        [
            header("botstats: Botpress analytics in Slack"),
            section("\n".join(lines)),
            section(PERIOD_USAGE.replace(" | ", ", ")),
            context(
                "Replies are visible only to you; add `public` to share one in the channel.",
                "Users are new + returning counted per day, not distinct people.",
            ),
        ],
    )


def bots_message(bots: Sequence[Bot]) -> Message:
    """``/botstats bots``: the tracked bots with alias and id."""
    if not bots:
        return build(
            "No bots are tracked yet.",
            [section("No bots are tracked yet. An admin can set `BOTSTATS_BOTS` or deploy one.")],
        )
    lines = [_bot_line(bot) for bot in sorted(bots, key=lambda b: b.label.casefold())]
    blocks: list[Block] = [header(f"Tracked bots ({len(bots)})"), *_line_sections(lines)]
    text = f"{len(bots)} tracked bots: " + ", ".join(escape_mrkdwn(b.label, 60) for b in bots)
    return build(text, blocks)


def _bot_line(bot: Bot) -> str:
    alias = f" · alias {code(bot.alias, 40)}" if bot.alias else ""
    return f"• *{escape_mrkdwn(bot.name, 80)}*{alias} · {code(bot.id, 60)}"


def _line_sections(lines: Sequence[str]) -> list[Block]:
    """Lines packed into as few sections as the 3,000-character limit allows."""
    out: list[Block] = []
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > SECTION_MAX:
            out.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        out.append(section("\n".join(chunk)))
    return out


def subscriptions_message(subscriptions: Sequence[SubscriptionLike]) -> Message:
    """``/botstats subscriptions``: every digest, by channel."""
    if not subscriptions:
        hint = f"`{USAGE['subscribe']}` sets one up."
        return build("No digests are set up.", [section(f"No digests are set up. {hint}")])
    ordered = sorted(subscriptions, key=lambda s: (s.channel, s.target.casefold()))
    lines = [
        f"• {channel_link(s.channel)}: {_target_text(s.target)}, {escape_mrkdwn(s.cadence, 20)}"
        for s in ordered
    ]
    blocks = [header(f"Digests ({len(ordered)})"), *_line_sections(lines)]
    return build(f"{len(ordered)} digests set up.", blocks)


def _target_text(target: str) -> str:
    return "all bots" if target == "all" else code(target, 60)


def alerts_status_message(channel: str, enabled: bool, alert_channels: Sequence[str]) -> Message:
    """``/botstats alerts status``: whether ``channel`` gets alerts, and which channels do."""
    state = "on" if enabled else "off"
    lines = [f":bell: Anomaly alerts are *{state}* in {channel_link(channel)}."]
    if alert_channels:
        shown = ", ".join(channel_link(c) for c in alert_channels[:40])
        more = f" and {len(alert_channels) - 40} more" if len(alert_channels) > 40 else ""
        lines.append(f"Alerts go to: {shown}{more}.")
    else:
        lines.append(f"No channel gets alerts yet: `{USAGE['alerts']}` turns them on.")
    return build(f"Anomaly alerts are {state} in this channel.", [section("\n".join(lines))])


def error_message(text: str) -> Message:
    """A short friendly error; any raw ``<...>`` in ``text`` is defused first."""
    safe = defuse(text)
    return build(safe, [section(f":warning: {safe}")])


def ok_message(text: str) -> Message:
    """A confirmation; ``text`` is trusted mrkdwn (escape user text before passing it)."""
    return build(text, [section(f":white_check_mark: {text}")])
