"""Block Kit messages as one static HTML page, laid out close to how Slack shows them.

Pure: messages and PNG bytes in, a string out. The page is one self-contained file: its
style is inline, images are ``data:`` URIs, and its Content-Security-Policy lets nothing
else load or run, so it opens the same anywhere a person double-clicks it.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slackbot.console.mrkdwn import mrkdwn_html, plain_html, safe_url
from slackbot.core.blocks.kit import Message

Files = Mapping[str, bytes]  # Slack file id -> PNG bytes, for image blocks of uploaded files

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_STYLE = """
body{margin:0;background:#f4f4f4;color:#1d1c1d;font:15px/1.47 -apple-system,BlinkMacSystemFont,
"Segoe UI",Lato,Helvetica,Arial,sans-serif}
main{max-width:800px;margin:0 auto;padding:24px 16px}
h1{font-size:22px;margin:0 0 4px}
.intro{color:#616061;margin:0 0 16px}
nav ol{margin:0 0 24px;padding-left:20px;color:#616061;font-size:13px}
.card{background:#fff;border:1px solid #ddd;border-radius:8px;margin:0 0 24px}
.card>h2{margin:0;padding:8px 16px;font-size:13px;color:#616061;background:#fafafa;
border-bottom:1px solid #eee;border-radius:8px 8px 0 0}
.card.reply .msg{margin-left:40px;border-left:3px solid #ddd}
.msg{display:flex;gap:8px;padding:8px 16px}
.avatar{flex:none;width:36px;height:36px;border-radius:6px;background:#4a154b;color:#fff;
font-weight:700;display:flex;align-items:center;justify-content:center}
.body{flex:1;min-width:0}
.app{font-size:10px;color:#616061;background:#e8e8e8;border-radius:2px;padding:0 3px}
.header{font-size:18px;font-weight:900;margin:4px 0}
.section{margin:4px 0;overflow-wrap:anywhere}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 16px;margin-top:6px}
.context{display:flex;flex-wrap:wrap;gap:2px 12px;margin:4px 0;font-size:12px;color:#616061}
.context img{width:16px;height:16px}
hr.divider{border:0;border-top:1px solid #ddd;margin:10px 0}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.button{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:2px 12px;
font-size:13px;font-weight:700;color:#1d1c1d;background:#fff;text-decoration:none}
.button.primary{background:#007a5a;border-color:#007a5a;color:#fff}
.button.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.image{margin:6px 0}.image .title{font-size:13px;color:#616061}
.image img{display:block;max-width:100%;border:1px solid #ddd;border-radius:6px}
.missing{padding:24px;border:1px dashed #bbb;border-radius:6px;color:#616061}
code{font:12px Monaco,Menlo,Consolas,monospace;color:#c01343;background:#f7f7f9;
border:1px solid #e8e8e8;border-radius:3px;padding:0 3px}
pre{font:12px Monaco,Menlo,Consolas,monospace;background:#f7f7f9;border:1px solid #e8e8e8;
border-radius:4px;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere}
blockquote{margin:0;padding-left:10px;border-left:4px solid #ddd}
.mention{color:#1264a3;background:#e8f5fa;border-radius:3px;padding:0 2px}
a{color:#1264a3}
.meta{padding:0 16px 12px;font-size:12px;color:#616061}
.meta p{margin:4px 0}
"""


@dataclass(frozen=True)
class Card:
    """One message on the page: its title, a stable key, and where it sits in Slack."""

    key: str  # the card's ``data-message`` attribute and anchor, e.g. ``digest-top``
    title: str  # e.g. ``/botstats sales 7d`` or ``Weekly digest — top message``
    message: Message
    builder_url: str | None = None
    in_thread: bool = False  # a reply, drawn indented under the message it answers


def text_html(obj: Mapping[str, Any] | None) -> str:
    """A text object (``mrkdwn`` or ``plain_text``) as HTML."""
    if not obj:
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn_html(text)
    return plain_html(text, with_emoji=bool(obj.get("emoji", True)))


def image_src(image: Mapping[str, Any], files: Files) -> str | None:
    """A ``data:`` URI for an image element or block whose uploaded file is in ``files``."""
    file = image.get("slack_file") or {}
    png = files.get(str(file.get("id", ""))) if isinstance(file, Mapping) else None
    if png is None:
        return None  # an outside URL would make the page fetch it: shown as a placeholder
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _image(block: Mapping[str, Any], files: Files) -> str:
    alt = html.escape(str(block.get("alt_text", "")))
    title = text_html(block.get("title"))
    head = f'<div class="title">{title}</div>' if title else ""
    src = image_src(block, files)
    if src is None:
        return f'<div class="image">{head}<div class="missing">Image: {alt}</div></div>'
    return f'<div class="image">{head}<img src="{src}" alt="{alt}"></div>'


def _element(element: Mapping[str, Any], files: Files) -> str:
    """An interactive element as Slack draws it; buttons keep their style and link."""
    kind = element.get("type")
    if kind == "image":
        alt = html.escape(str(element.get("alt_text", "")))
        src = image_src(element, files)
        return f'<img src="{src}" alt="{alt}">' if src else alt
    if kind != "button":
        label = text_html(element.get("placeholder")) or html.escape(str(kind))
        return f'<span class="button">{label} ▾</span>'
    style = element.get("style")
    css = f"button {style}" if style in ("primary", "danger") else "button"
    label = text_html(element.get("text"))
    href = safe_url(str(element.get("url", "")))
    if href:
        return f'<a class="{css}" href="{href}" target="_blank" rel="noopener">{label}</a>'
    return f'<span class="{css}" role="button">{label}</span>'


def _section(block: Mapping[str, Any], files: Files) -> str:
    parts = []
    if block.get("text"):
        parts.append(f"<div>{text_html(block['text'])}</div>")
    if block.get("fields"):
        cells = "".join(f"<div>{text_html(f)}</div>" for f in block["fields"])
        parts.append(f'<div class="fields">{cells}</div>')
    if block.get("accessory"):
        parts.append(f"<div>{_element(block['accessory'], files)}</div>")
    return "".join(parts)


def block_html(block: Mapping[str, Any], files: Files) -> str:
    """One Block Kit block as HTML; a kind it does not know is named, not dropped."""
    kind = str(block.get("type", ""))
    if kind == "header":
        inner = text_html(block.get("text"))
    elif kind == "divider":
        return '<hr class="divider" data-block="divider">'
    elif kind == "section":
        inner = _section(block, files)
    elif kind == "context":
        items = block.get("elements", [])
        inner = "".join(
            f"<span>{_element(e, files) if e.get('type') == 'image' else text_html(e)}</span>"
            for e in items
        )
    elif kind == "actions":
        inner = "".join(_element(e, files) for e in block.get("elements", []))
    elif kind == "image":
        inner = _image(block, files)
    else:
        inner = f"[{html.escape(kind)} block, not drawn here]"
    css = html.escape(kind)
    return f'<div class="{css}" data-block="{css}">{inner}</div>'


def message_html(message: Message, files: Files) -> str:
    """A message as Slack lays it out: the app's name, then each block (or its text)."""
    blocks = "".join(block_html(b, files) for b in message.blocks) or mrkdwn_html(message.text)
    return (
        '<div class="msg"><div class="avatar">bs</div><div class="body">'
        f'<div><b>botstats</b> <span class="app">APP</span></div>{blocks}</div></div>'
    )


def card_html(card: Card, files: Files) -> str:
    """One message's card: title, the message, its notification text and its JSON."""
    key = html.escape(card.key, quote=True)
    payload = json.dumps({"blocks": card.message.blocks}, indent=2, ensure_ascii=False)
    builder = ""
    if card.builder_url and (href := safe_url(card.builder_url)):
        builder = (
            f'<p><a href="{href}" target="_blank" rel="noopener">Open in Block Kit Builder</a></p>'
        )
    css = "card reply" if card.in_thread else "card"
    return (
        f'<article class="{css}" id="{key}" data-message="{key}">'
        f"<h2>{html.escape(card.title)}</h2>{message_html(card.message, files)}"
        f'<div class="meta"><p>Notification text: {plain_html(card.message.text)}</p>{builder}'
        f"<details><summary>Block Kit JSON</summary><pre>{html.escape(payload)}</pre>"
        "</details></div></article>"
    )


def page_html(cards: Sequence[Card], *, title: str, intro: str, files: Files) -> str:
    """The whole page: a heading, a list of the messages, then one card per message."""
    index = "".join(
        f'<li><a href="#{html.escape(c.key, quote=True)}">{html.escape(c.title)}</a></li>'
        for c in cards
    )
    body = "".join(card_html(card, files) for card in cards)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body><main>"
        f'<h1>{html.escape(title)}</h1><p class="intro">{html.escape(intro)}</p>'
        f"<nav><ol>{index}</ol></nav>{body}</main></body></html>\n"
    )
