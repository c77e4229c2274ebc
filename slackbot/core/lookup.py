"""Finding a tracked bot from what a person typed: alias, id, or a unique name prefix."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from slackbot.core.models import Bot
from slackbot.errors import UnknownBotError

MAX_SUGGESTIONS = 5


def find_bot(bots: Sequence[Bot], query: str) -> Bot:
    """The bot ``query`` names; UnknownBotError with the closest matches otherwise.

    Order of precedence: exact alias, exact id, exact name, then a unique
    case-insensitive prefix of the name or alias. Names may have several words
    (``sales conc`` finds "Sales Concierge"); runs of spaces count as one.
    """
    wanted = _normal(query)
    for attribute in ("alias", "id", "name"):
        exact = [b for b in bots if _normal(getattr(b, attribute) or "") == wanted]
        if len(exact) == 1:
            return exact[0]
    prefixed = [
        b
        for b in bots
        if wanted
        and (_normal(b.name).startswith(wanted) or _normal(b.alias or "").startswith(wanted))
    ]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        raise UnknownBotError(
            query, [_display(b) for b in prefixed[:MAX_SUGGESTIONS]], ambiguous=True
        )
    raise UnknownBotError(query, closest(bots, wanted))


def longest_prefix(bots: Sequence[Bot], query: str) -> tuple[Bot, str] | None:
    """The bot that the most leading words of ``query`` name (fewer than all of them), and
    the words left over; None when no shorter run of words names exactly one bot.

    For a query that names no bot: in ``support fortnight`` the bot is "support" and
    ``fortnight`` a PERIOD that was not recognised as one.
    """
    words = query.split()
    for count in range(len(words) - 1, 0, -1):
        try:
            return find_bot(bots, " ".join(words[:count])), " ".join(words[count:])
        except UnknownBotError:
            continue
    return None


def closest(bots: Sequence[Bot], wanted: str) -> list[str]:
    """Display names of the bots whose name, alias or id look most like ``wanted``."""
    scored: list[tuple[float, str]] = []
    for bot in bots:
        candidates = [bot.name.casefold(), bot.id.casefold(), (bot.alias or "").casefold()]
        score = max(difflib.SequenceMatcher(None, wanted, c).ratio() for c in candidates if c)
        if score >= 0.5:
            scored.append((score, _display(bot)))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [name for _, name in scored[:MAX_SUGGESTIONS]]


def _normal(text: str) -> str:
    """``text`` for matching: case folded, spaces trimmed and collapsed."""
    return " ".join(text.split()).casefold()


def _display(bot: Bot) -> str:
    return f"{bot.name} ({bot.alias})" if bot.alias else bot.name
