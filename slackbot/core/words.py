"""Words of ``/botstats`` text: Slack's escaped entities, keyword forms, and typo hints.

Pure. Slack sends channels as ``<#C123|name>``, people as ``<@U123>``, special mentions as
``<!here>``, and a typed ``&``, ``<`` or ``>`` as an HTML entity (``should_escape: true``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from slackbot.core.text import clean_text

# A quoted name ("Support Bot"), a Slack entity (<#C1|ops>), a plain word, or a stray "<".
_TOKEN_RE = re.compile(r'"[^"]*"|“[^”]*”|<[^<>\s|]*(?:\|[^<>]*)?>|[^\s<]+|<')
_QUOTES = ('"', "“")
_CHANNEL_ENTITY_RE = re.compile(r"<#([A-Z0-9]+)(?:\|[^<>]*)?>", re.ASCII)
_CHANNEL_ID_RE = re.compile(r"[CG][A-Z0-9]{6,20}", re.ASCII)
Kind: TypeAlias = Literal["word", "channel", "user", "mention", "link"]
_ENTITY_KINDS: dict[str, Kind] = {"@": "user", "!": "mention", "#": "mention"}


@dataclass(frozen=True)
class Token:
    """One word or Slack entity of the command text."""

    raw: str  # as typed, entities unescaped
    word: str  # NFKC + casefold, for matching keywords
    kind: Kind
    channel_id: str | None = None
    quoted: bool = False  # typed in quotes: a name, never a keyword (`"all"` is a bot)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into words and Slack entities, control characters dropped."""
    return [_token(piece) for piece in _TOKEN_RE.findall(clean_text(text))]


def _token(piece: str) -> Token:
    if piece.startswith("<") and piece.endswith(">") and len(piece) > 2:
        if match := _CHANNEL_ENTITY_RE.fullmatch(piece):
            return Token(piece, piece, "channel", match.group(1))
        return Token(piece, piece, _ENTITY_KINDS.get(piece[1], "link"))
    quoted = piece.startswith(_QUOTES) and len(piece) >= 2 and piece[-1] in '"”'
    if quoted:
        piece = piece[1:-1].strip()
    raw = piece.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    word = unicodedata.normalize("NFKC", raw).casefold()
    channel = raw if _CHANNEL_ID_RE.fullmatch(raw) else None
    return Token(raw, word, "word", channel, quoted)


def closest_word(word: str, choices: Sequence[str]) -> str | None:
    """The choice ``word`` most likely misspells (1 edit up to 4 letters, else 2), or None.

    An exact choice is not a misspelling: None.
    """
    normal = unicodedata.normalize("NFKC", word).casefold().strip()
    # Two letters are too little to guess from; twenty are no typo.
    if not 3 <= len(normal) <= 20 or normal in choices:
        return None
    limit = 1 if len(normal) <= 4 else 2
    best = min(choices, key=lambda name: _distance(normal, name))
    return best if _distance(normal, best) <= limit else None


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance: edits plus adjacent swaps (``subcsribe``)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
