"""Slack text objects as HTML: mrkdwn (bold, italics, strike, code, links, mentions, dates)
and plain text, escaped throughout, for the demo's static page of messages.

Pure. Slack's own rules: text arrives with ``&``, ``<`` and ``>`` escaped as entities, and
``<...>`` holds its control sequences (links, mentions, dates). Everything a sender wrote
is unescaped once and escaped again for HTML, so no tag of theirs reaches the page; only
http(s) and mailto links become links.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from rich.emoji import Emoji

#: Slack names that rich spells differently, or lacks.
_EMOJI = {
    ":large_green_circle:": "\U0001f7e2",
    ":calendar:": "\U0001f4c5",
    ":grey_question:": "\u2754",
}
_SEQUENCE = re.compile(r"<([^<>\n]*)>")
_CODE_BLOCK = re.compile(r"```\n?(.*?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)~(?![\w~])")
_TOKEN = re.compile(r"\x00(\d+)\x00")
_SCHEMES = ("http://", "https://", "mailto:")


def emoji(text: str) -> str:
    """``:rotating_light:`` as the glyph Slack shows; unknown names stay as typed."""
    for code, glyph in _EMOJI.items():
        text = text.replace(code, glyph)
    return Emoji.replace(text)


def plain_html(text: str, *, with_emoji: bool = True) -> str:
    """A ``plain_text`` object as escaped HTML (Slack turns its emoji codes into glyphs)."""
    out = html.escape(text.replace("\x00", ""))
    return (emoji(out) if with_emoji else out).replace("\n", "<br>")


def safe_url(url: str) -> str | None:
    """``url`` (Slack-escaped) ready for an ``href``, or None unless http(s) or mailto."""
    raw = html.unescape(url).strip()
    if not raw.lower().startswith(_SCHEMES):
        return None
    return html.escape(raw, quote=True)


def _escaped(text: str) -> str:
    """Sender text between control sequences: Slack's entities undone, then HTML's applied."""
    return emoji(html.escape(html.unescape(text)))


def _mention(css: str, label: str) -> str:
    return f'<span class="mention {css}">{_escaped(label)}</span>'


def sequence_html(inner: str) -> str:
    """One ``<...>`` control sequence of Slack mrkdwn as HTML."""
    target, _, label = inner.partition("|")
    if target.startswith("#"):
        return _mention("channel", "#" + (label or target[1:]))
    if target.startswith("@"):
        return _mention("user", "@" + (label or target[1:]))
    if target.startswith("!date^"):  # Slack shows each reader's own time; we show the fallback
        return _escaped(label or target)
    if target.startswith("!subteam^"):
        return _mention("group", label or "@" + target.split("^", 1)[1])
    if target.startswith("!"):
        return _mention("special", label or "@" + target[1:])
    href = safe_url(target)
    shown = _escaped(label or target)
    if href is None:
        return shown
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{shown}</a>'


def _stash(parts: list[str], render: Callable[[str], str]) -> Callable[[re.Match[str]], str]:
    """A substitution that keeps the rendered HTML aside and leaves a token in its place."""

    def keep(match: re.Match[str]) -> str:
        parts.append(render(match.group(1)))
        return f"\x00{len(parts) - 1}\x00"

    return keep


def mrkdwn_html(text: str) -> str:
    """Slack mrkdwn as safe HTML: formatting, code, links, mentions, dates, emoji, breaks."""
    parts: list[str] = []
    text = text.replace("\x00", "")
    # Code first: nothing inside it is formatting. Then the control sequences, so that
    # a URL's underscores or asterisks never read as italics or bold.
    text = _CODE_BLOCK.sub(_stash(parts, lambda s: f"<pre>{_literal(s)}</pre>"), text)
    text = _CODE.sub(_stash(parts, lambda s: f"<code>{_literal(s)}</code>"), text)
    text = _SEQUENCE.sub(_stash(parts, sequence_html), text)
    out = _escaped(text)
    out = _BOLD.sub(r"<b>\1</b>", out)
    out = _ITALIC.sub(r"<i>\1</i>", out)
    out = _STRIKE.sub(r"<s>\1</s>", out)
    out = _quotes(out).replace("\n", "<br>")
    # Stashed parts hold no tokens of their own, so one pass restores them all.
    return _TOKEN.sub(lambda m: parts[int(m.group(1))], out)


def _literal(text: str) -> str:
    """Code: Slack's entities undone and HTML's applied, nothing else interpreted."""
    return html.escape(html.unescape(text)).replace("\n", "<br>")


def _quotes(text: str) -> str:
    """Lines starting ``>`` (escaped by now) as block quotes, as Slack shows them."""
    lines = text.split("\n")
    out = [
        f"<blockquote>{line[4:].lstrip()}</blockquote>" if line.startswith("&gt;") else line
        for line in lines
    ]
    return "\n".join(out).replace("</blockquote>\n", "</blockquote>")
