"""Block Kit primitives (DESIGN §8): validated ``slack_sdk`` blocks plus a text fallback.

Pure. Every builder returns a ``Message`` whose blocks were serialised with ``to_dict()``
(which validates them) and then fitted to Slack's limits by ``fit_message``. The messages
themselves live beside this module: ``listings`` (help, bots, subscriptions, errors) and
``summary`` (one bot's numbers, bots side by side).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from slackbot.core.text import code, fit_escaped, truncate

MAX_BLOCKS = 50
MAX_CHARS = 12_000  # Slack answers msg_blocks_too_long a little above this
HEADER_MAX = 150
SECTION_MAX = 3_000
FIELD_MAX = 2_000
FIELDS_MAX = 10
CONTEXT_ELEMENTS_MAX = 10
FALLBACK_MAX = 3_000
BUILDER_URL = "https://app.slack.com/block-kit-builder/#"
_NOTE_RESERVE = 200  # room kept for the "and N more" note
_CHANNEL_ID_RE = re.compile(r"[CGD][A-Z0-9]{2,30}", re.ASCII)


@dataclass(frozen=True)
class Dashboard:
    """Where "Open in Botpress" links go: ``{base}/workspaces/{workspace}/bots/{bot}/overview``."""

    base: str
    workspace: str

    def bot_url(self, bot_id: str) -> str:
        """The bot's overview page in the Botpress dashboard."""
        workspace, bot = quote(self.workspace, safe=""), quote(bot_id, safe="")
        return f"{self.base.rstrip('/')}/workspaces/{workspace}/bots/{bot}/overview"


@dataclass(frozen=True)
class Message:
    """A Slack message: the ``text`` fallback (always set) and its blocks as dicts."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """The ``text`` + ``blocks`` keyword arguments for ``chat.postMessage``/``respond``."""
        return {"text": self.text, "blocks": self.blocks}


def header(text: str) -> HeaderBlock:
    """A header with user-supplied ``text`` escaped and cut to 150 characters."""
    return HeaderBlock(text=PlainTextObject(text=fit_escaped(text, HEADER_MAX), emoji=True))


def section(text: str) -> SectionBlock:
    """A mrkdwn section; ``text`` is trusted mrkdwn, cut to 3,000 characters."""
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_MAX)))


def fields_section(fields: Sequence[str], text: str | None = None) -> SectionBlock:
    """A section of up to 10 mrkdwn fields (each cut to 2,000), with optional ``text``."""
    if len(fields) > FIELDS_MAX:
        raise ValueError(f"a section holds at most {FIELDS_MAX} fields, got {len(fields)}")
    return SectionBlock(
        text=MarkdownTextObject(text=truncate(text, SECTION_MAX)) if text else None,
        fields=[MarkdownTextObject(text=truncate(f, FIELD_MAX)) for f in fields],
    )


def context(*texts: str) -> ContextBlock:
    """A context line of up to 10 mrkdwn elements (trusted mrkdwn)."""
    parts = [t for t in texts if t][:CONTEXT_ELEMENTS_MAX]
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(t, SECTION_MAX)) for t in parts])


def divider() -> DividerBlock:
    """A horizontal rule."""
    return DividerBlock()


def build(text: str, blocks: Iterable[Block]) -> Message:
    """Serialise (and so validate) ``blocks`` and fit the message to Slack's limits."""
    fallback = truncate(text.strip(), FALLBACK_MAX) or "botstats"
    return fit_message(Message(fallback, [block.to_dict() for block in blocks]))


def message_chars(blocks: Iterable[dict[str, Any]]) -> int:
    """Characters of text in ``blocks``: what Slack's ~12,000 limit counts."""
    return sum(_text_chars(block) for block in blocks)


def _text_chars(node: Any) -> int:
    if isinstance(node, dict):
        own = len(node["text"]) if isinstance(node.get("text"), str) else 0
        return own + sum(_text_chars(v) for v in node.values() if isinstance(v, dict | list))
    if isinstance(node, list):
        return sum(_text_chars(item) for item in node)
    return 0


def fit_message(
    message: Message, *, max_blocks: int = MAX_BLOCKS, max_chars: int = MAX_CHARS
) -> Message:
    """``message`` within ``max_blocks`` and ``max_chars``: trailing blocks dropped and counted."""
    blocks = message.blocks
    if len(blocks) <= max_blocks and message_chars(blocks) <= max_chars:
        return message
    budget = max_chars - _NOTE_RESERVE
    kept: list[dict[str, Any]] = []
    used = 0
    for block in blocks:
        size = _text_chars(block)
        if len(kept) + 1 >= max_blocks or used + size > budget:
            break
        kept.append(block)
        used += size
    dropped = len(blocks) - len(kept)
    kept.append(more_note(dropped, "parts").to_dict())
    return Message(message.text, kept)


def more_note(count: int, noun: str, hint: str = "") -> ContextBlock:
    """The "and N more" context shown when a message was cut to fit Slack's limits."""
    tail = f" {hint}." if hint else ""
    return context(
        f"_…and {count:,} more {noun} not shown: the message reached Slack's size limit._{tail}"
    )


def block_kit_builder_url(message: Message) -> str:
    """A link that opens ``message`` in Slack's Block Kit Builder."""
    return BUILDER_URL + quote(json.dumps({"blocks": message.blocks}, separators=(",", ":")))


def channel_link(channel_id: str) -> str:
    """``<#C123>`` for a real channel id; anything else is shown escaped, never parsed."""
    return f"<#{channel_id}>" if _CHANNEL_ID_RE.fullmatch(channel_id) else code(channel_id)
