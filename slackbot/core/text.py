"""User text made safe to show: the one sanitiser (cleaning, cutting, escaping for Slack).

Pure. Every bit of user text that goes back into a message or an error passes through
``clean_text``: control and invisible format characters dropped, one line, cut.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
_KEPT_FORMAT = frozenset("\u200c\u200d") | frozenset(chr(c) for c in range(0xE0020, 0xE0080))


def clean_text(text: str, limit: int | None = None) -> str:
    """User text without control or invisible format characters, on one line, cut to ``limit``."""
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch.isspace():
            out.append(" ")
        elif category in {"Cc", "Cs", "Co", "Cn"} or (category == "Cf" and ch not in _KEPT_FORMAT):
            # Cf holds the bidi overrides that can make text read backwards; Co and Cn
            # (private use, unassigned) show as boxes at best.
            continue
        else:
            out.append(ch)
    cleaned = " ".join("".join(out).split())
    return truncate(cleaned, limit) if limit is not None else cleaned


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in ``…`` when cut."""
    if limit < 1:
        raise ValueError(f"truncate needs a limit of at least 1, got {limit}")
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def escape_entities(text: str) -> str:
    """Escape Slack's three control characters: ``&``, ``<`` and ``>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_mrkdwn(text: str, limit: int = 200) -> str:
    """User text made safe for Slack: no live mentions or links, no control chars, cut.

    ``limit`` counts the characters shown, so the escaped result may be longer.
    """
    return escape_entities(clean_text(text, limit))


def fit_escaped(text: str, limit: int) -> str:
    """Like ``escape_mrkdwn`` but the *escaped* result is at most ``limit`` characters."""
    cleaned = clean_text(text)
    shown = limit
    while True:
        candidate = escape_entities(truncate(cleaned, shown))
        if len(candidate) <= limit or shown <= 1:
            return candidate if len(candidate) <= limit else ELLIPSIS
        shown -= max(1, (len(candidate) - limit) // 4)


def code(text: str, limit: int = 60) -> str:
    """User text shown as inline code: escaped, backticks replaced so the span stays closed."""
    return "`" + escape_mrkdwn(text, limit).replace("`", "'") + "`"


def defuse(text: str) -> str:
    """Neutralise any raw ``<...>`` in mrkdwn built elsewhere; already-escaped text is kept."""
    return text.replace("<", "&lt;").replace(">", "&gt;")
