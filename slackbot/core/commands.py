"""The ``/botstats`` grammar (DESIGN §4): the text Slack sends, parsed into a typed command.

Pure: ``now`` is passed in so periods can be checked here. Slack sends the text escaped
(``should_escape: true``): channels as ``<#C123|name>``, people as ``<@U123>``, and a typed
``&``, ``<`` or ``>`` as an HTML entity. Every bit of user text that goes back into an
error message is escaped with ``formatting.code``, so no mention is ever echoed live.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeAlias

from slackbot.core.periods import PERIOD_USAGE, Period, parse_period
from slackbot.core.text import code
from slackbot.core.words import Token, closest_word, tokenize
from slackbot.errors import PeriodError, UsageError

__all__ = [
    "ALL",
    "DEFAULT_CADENCE",
    "HELP_ENTRIES",
    "HELP_TEXT",
    "MAX_BOT_QUERY",
    "SUBCOMMANDS",
    "USAGE",
    "AlertAction",
    "Alerts",
    "AllBots",
    "BotStats",
    "Cadence",
    "Command",
    "DigestPreview",
    "Help",
    "ListBots",
    "Overview",
    "Subscribe",
    "Subscriptions",
    "Unsubscribe",
    "parse_command",
    "parse_period_args",
    "suggest_subcommand",
    "usage",
]

Cadence: TypeAlias = Literal["daily", "weekly"]
AlertAction: TypeAlias = Literal["on", "off", "status"]
ALL = "all"  #: the subscription target meaning every tracked bot
DEFAULT_CADENCE: Cadence = "weekly"


@dataclass(frozen=True)
class Help:
    """``/botstats help [SUBCOMMAND]``."""

    topic: str | None = None


@dataclass(frozen=True)
class Overview:
    """``/botstats [PERIOD] [public]``: every tracked bot (one bot: its summary)."""

    period: Period
    public: bool = False


@dataclass(frozen=True)
class BotStats:
    """``/botstats BOT [PERIOD] [public]``; ``bot_query`` is resolved later by the service."""

    bot_query: str
    period: Period
    public: bool = False


@dataclass(frozen=True)
class AllBots:
    """``/botstats all [PERIOD] [public]``: bots side by side."""

    period: Period
    public: bool = False


@dataclass(frozen=True)
class ListBots:
    """``/botstats bots``."""


@dataclass(frozen=True)
class DigestPreview:
    """``/botstats digest [BOT|all]``: the digest now, only to the asker; None = all bots."""

    target: str | None = None


@dataclass(frozen=True)
class Subscribe:
    """``/botstats subscribe BOT|all [daily|weekly] [at HH:MM] [#channel]``.

    ``channel`` None = here; ``at`` is (hour, minute) in BOTSTATS_TIMEZONE, None = 09:00.
    """

    target: str
    cadence: Cadence = DEFAULT_CADENCE
    channel: str | None = None
    at: tuple[int, int] | None = None


@dataclass(frozen=True)
class Unsubscribe:
    """``/botstats unsubscribe BOT|all [#channel]``; channel None = here."""

    target: str
    channel: str | None = None


@dataclass(frozen=True)
class Subscriptions:
    """``/botstats subscriptions``."""


@dataclass(frozen=True)
class Alerts:
    """``/botstats alerts on|off [BOT|all] [#channel]`` or ``alerts status [#channel]``.

    ``channel`` None = here; ``target`` None = all bots (only ``on``/``off`` take one).
    """

    action: AlertAction = "status"
    channel: str | None = None
    target: str | None = None


Command: TypeAlias = (
    Help
    | Overview
    | BotStats
    | AllBots
    | ListBots
    | DigestPreview
    | Subscribe
    | Unsubscribe
    | Subscriptions
    | Alerts
)

MAX_BOT_QUERY = 100
_MAX_PERIOD_WORDS = 3  # "2026-05-01 .. 2026-05-04" arrives as three words
_MAX_PERIOD_CHARS = 40

#: One usage line per form, shown with every error about that form.
USAGE: dict[str, str] = {
    "overview": "/botstats [PERIOD] [public]",
    "bot": "/botstats BOT [PERIOD] [public]",
    "help": "/botstats help",
    "all": "/botstats all [PERIOD] [public]",
    "bots": "/botstats bots",
    "digest": "/botstats digest [BOT|all]",
    "subscribe": "/botstats subscribe BOT|all [daily|weekly] [at HH:MM] [#channel]",
    "unsubscribe": "/botstats unsubscribe BOT|all [#channel]",
    "subscriptions": "/botstats subscriptions",
    "alerts": "/botstats alerts on|off [BOT|all] [#channel] · /botstats alerts status [#channel]",
}
SUBCOMMANDS = (
    "help",
    "all",
    "bots",
    "digest",
    "subscribe",
    "unsubscribe",
    "subscriptions",
    "alerts",
)

HELP_ENTRIES: tuple[tuple[str, str], ...] = (
    ("overview", "every tracked bot, last 7 days"),
    (
        "bot",
        "one bot: its alias, id or the start of its name "
        '(quote a name that is a command word, like `"all"` or `"digest"`)',
    ),
    ("all", "all bots side by side, highest cost first"),
    ("bots", "the tracked bots"),
    ("digest", "preview the digest now, only to you"),
    (
        "subscribe",
        "a digest in a channel: weekly on Mondays at 09:00 unless you say `daily` "
        "(then every day at 09:00) or `at HH:MM`; times in BOTSTATS_TIMEZONE",
    ),
    ("unsubscribe", "stop a digest"),
    ("subscriptions", "the digests set up"),
    ("alerts", "anomaly alerts in a channel"),
    ("help", "this help"),
)
HELP_TEXT = "\n".join(
    [*(f"`{USAGE[key]}`  {what}" for key, what in HELP_ENTRIES), "", PERIOD_USAGE]
)

_HELP_WORDS = frozenset({"help", "?", "-h", "--help", "usage"})
_CADENCES = frozenset({"daily", "weekly"})
_ACTIONS = frozenset({"on", "off", "status"})
_AT = "at"
_TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})", re.ASCII)
_PERIOD_LIKE_RE = re.compile(
    r"today|yesterday|(?:this|last)-(?:week|month|year|quarter)|[0-9]+d|[0-9]{4}-[0-9]{2}-[0-9]{2}.*",
    re.ASCII,
)
_PERIOD_CHARS_RE = re.compile(r"[a-z0-9 ._-]+", re.ASCII)


def usage(key: str) -> str:
    """The usage line for ``key`` (a ``USAGE`` key), as inline code."""
    return f"`{USAGE[key]}`"


def parse_command(text: str | None, *, now: datetime) -> Command:
    """Parse ``/botstats`` text; UsageError (or PeriodError) naming the problem otherwise."""
    tokens = tokenize(text or "")
    if not tokens:
        return Overview(parse_period(None, now=now))
    head, rest = tokens[0], tokens[1:]
    if head.kind == "word" and not head.quoted:  # a quoted word is a name, never a keyword
        if head.word in _HELP_WORDS:
            return _help(rest)
        handler = _HANDLERS.get(head.word)
        if handler is not None:
            return handler(rest, now)
        if _ends_name(head):
            return Overview(*_period_args(tokens, "overview", now))
    return _bot(tokens, now)


def parse_period_args(text: str, key: str, *, now: datetime) -> tuple[Period, bool]:
    """``[PERIOD] [public]`` typed as ``text`` after form ``key`` (a ``USAGE`` key).

    For the caller that learns only later that words of a BOT were meant as the PERIOD;
    PeriodError (or UsageError) naming the problem, with that form's usage line.
    """
    return _period_args(tokenize(text), key, now)


def suggest_subcommand(word: str) -> str | None:
    """The subcommand ``word`` most likely misspells (``subscibe`` -> ``subscribe``), or None.

    For the caller: when a BOT matches no bot, this says whether a typo is the likelier story.
    """
    return closest_word(word, SUBCOMMANDS)


def _help(rest: Sequence[Token]) -> Help:
    topic = rest[0].word if rest else None
    return Help(topic if topic in USAGE else None)


def _no_args(key: str, command: Command) -> Callable[[Sequence[Token], datetime], Command]:
    def handler(rest: Sequence[Token], now: datetime) -> Command:
        if rest:
            raise UsageError(f"`{key}` takes no arguments; remove {code(rest[0].raw)}.", usage(key))
        return command

    return handler


def _all(rest: Sequence[Token], now: datetime) -> Command:
    return AllBots(*_period_args(rest, "all", now))


def _bot(tokens: Sequence[Token], now: datetime) -> Command:
    head = tokens[0]
    query, rest = _name(tokens, _ends_name, "bot")
    try:
        return BotStats(query, *_period_args(rest, "bot", now))
    except UsageError as error:
        # `subscibe all #ops` fails as a bot's PERIOD; the typo is the real problem.
        if not head.quoted and (suggestion := suggest_subcommand(head.word)):
            raise UsageError(
                f"{code(head.raw)} is not a botstats command. Did you mean `{suggestion}`?",
                usage(suggestion),
            ) from None
        if isinstance(error, PeriodError) and any(_is_name_word(t) for t in rest[1:]):
            # `Support 7d Bot`: words after the PERIOD were likely part of the name.
            hint = " The PERIOD comes after the bot's whole name, as in `Support Bot 7d`."
            raise PeriodError(_reason(error) + hint, error.usage) from None
        raise


def _ends_name(token: Token) -> bool:
    """True for the word that ends a multi-word BOT: a PERIOD (or its start) or `public`."""
    return token.kind == "word" and (
        token.word == "public" or _PERIOD_LIKE_RE.fullmatch(token.word) is not None
    )


def _name(
    tokens: Sequence[Token], ends: Callable[[Token], bool], key: str
) -> tuple[str, Sequence[Token]]:
    """A BOT (or ``all``) at the start of ``tokens``, and the tokens after it.

    A name in quotes, a keyword (``all``) or a Slack entity is one token; otherwise the
    name is every plain word up to the first one that ``ends`` it (``Sales Concierge 7d``).
    """
    head = tokens[0]
    count = 1
    if head.kind == "word" and not head.quoted and head.word != ALL:
        while count < len(tokens) and _name_part(tokens[count]) and not ends(tokens[count]):
            count += 1
    if count == 1:
        return _target(head, key), tokens[1:]
    words = tokens[:count]
    name = Token(" ".join(t.raw for t in words), " ".join(t.word for t in words), "word")
    return _target(name, key), tokens[count:]


def _name_part(token: Token) -> bool:
    """A word that may continue a multi-word name (not an entity, a quote or a `#channel`)."""
    return token.kind == "word" and not token.quoted and not token.word.startswith("#")


def _is_name_word(token: Token) -> bool:
    return token.word.isalpha() and token.word not in {"today", "yesterday", "public"}


def _reason(error: UsageError) -> str:
    """The message of ``error`` without its usage line."""
    return error.message.removesuffix(f"\nUsage: {error.usage}") if error.usage else error.message


def _period_args(tokens: Sequence[Token], key: str, now: datetime) -> tuple[Period, bool]:
    """``[PERIOD] [public]`` in any order: the period and whether to post in the channel."""
    public = any(t.kind == "word" and t.word == "public" for t in tokens)
    words = [t for t in tokens if not (t.kind == "word" and t.word == "public")]
    for token in words:
        if token.kind != "word":
            raise PeriodError(f"{code(token.raw)} is not a period.", _period_usage(key))
    if len(words) > _MAX_PERIOD_WORDS:
        raise UsageError(
            f"Too many arguments: {len(tokens)} words after the command, from "
            f"{code(' '.join(t.raw for t in words[:4]))}. Give at most a PERIOD and `public`.",
            _period_usage(key),
        )
    text = " ".join(t.word for t in words)
    if text and (len(text) > _MAX_PERIOD_CHARS or not _PERIOD_CHARS_RE.fullmatch(text)):
        raw = " ".join(t.raw for t in words)
        raise PeriodError(f"{code(raw, 40)} is not a period.", _period_usage(key))
    try:
        return parse_period(text or None, now=now), public
    except PeriodError as error:
        raise PeriodError(_reason(error), _period_usage(key)) from None


def _period_usage(key: str) -> str:
    return f"{usage(key)}\n{PERIOD_USAGE}"


def _target(token: Token, key: str) -> str:
    """A BOT (or ``all``) argument, refusing mentions, channels and impossible names."""
    if token.kind == "channel" or token.word.startswith("#"):
        problem = "is a channel, not a bot"
    elif token.kind == "user":
        problem = "is a person, not a bot"
    elif token.kind != "word":
        problem = "is a Slack mention or link, not a bot"
    elif not token.raw:
        problem = "is empty: give a bot's alias, id or name"
    elif len(token.raw) > MAX_BOT_QUERY:
        problem = f"is too long for a bot name (at most {MAX_BOT_QUERY} characters)"
    elif "<" in token.raw or ">" in token.raw:
        problem = "cannot be a bot name (it contains `<` or `>`)"
    else:
        return ALL if token.word == ALL and not token.quoted else token.raw
    raise UsageError(f"{code(token.raw)} {problem}. `/botstats bots` lists the bots.", usage(key))


def _channel(token: Token, key: str) -> str | None:
    """The channel id a token names; None when it is not a channel at all."""
    if token.channel_id is not None:
        return token.channel_id
    if token.kind == "word" and token.word.startswith("#"):
        raise UsageError(
            f"{code(token.raw)} is only a channel name: type `#` and pick the channel from "
            "Slack's list so botstats gets its id.",
            usage(key),
        )
    if token.kind == "user":
        raise UsageError(f"{code(token.raw)} is a person, not a channel.", usage(key))
    if token.kind in {"mention", "link"}:
        raise UsageError(f"{code(token.raw)} is not a channel.", usage(key))
    return None


def _is_channelish(token: Token) -> bool:
    return token.kind == "channel" or token.word.startswith("#")


def _too_many(rest: Sequence[Token], most: int, key: str, note: str = "") -> None:
    if len(rest) > most:
        raise UsageError(
            f"Too many arguments for `{key}`: {len(rest)} given, at most {most}{note}; "
            f"{code(rest[most].raw)} is one too many.",
            usage(key),
        )


def _subscribe(rest: Sequence[Token], now: datetime) -> Command:
    if not rest or _is_option(rest[0]) or _is_channelish(rest[0]):
        raise UsageError(
            "Say which bot to subscribe to (or `all` for every bot), then the cadence, "
            "time and channel if you want them.",
            usage("subscribe"),
        )
    target, after = _name(rest, _ends_subscribe_target, "subscribe")
    has_at = _one_time(after)
    # A name of several words is one argument; `at HH:MM` is two.
    _too_many([rest[0], *after], 5 if has_at else 3, "subscribe", "" if has_at else _AT_NOTE)
    cadence: Cadence | None = None
    channel: str | None = None
    at: tuple[int, int] | None = None
    tokens = iter(after)
    for token in tokens:
        if _is_at(token):
            at = _time(token, next(tokens, None))
        elif token.kind == "word" and token.word in _CADENCES:
            if cadence is not None:
                raise UsageError("Give one cadence: `daily` or `weekly`.", usage("subscribe"))
            cadence = "daily" if token.word == "daily" else "weekly"
        elif (found := _channel(token, "subscribe")) is not None:
            if channel is not None:
                raise UsageError("Give one channel per subscription.", usage("subscribe"))
            channel = found
        else:
            raise UsageError(
                f"{code(token.raw)} is not a cadence: use `daily` or `weekly` "
                "(a time goes after `at`, as in `at 09:30`).",
                usage("subscribe"),
            )
    return Subscribe(target, cadence or DEFAULT_CADENCE, channel, at)


_AT_NOTE = " (5 with `at HH:MM`)"


def _is_at(token: Token) -> bool:
    return token.kind == "word" and not token.quoted and token.word == _AT


def _is_option(token: Token) -> bool:
    """A cadence or `at`: what may follow a subscription's BOT but never starts one."""
    return token.kind == "word" and not token.quoted and (token.word in _CADENCES or _is_at(token))


def _one_time(tokens: Sequence[Token]) -> bool:
    """True when ``tokens`` hold `at`; UsageError when they hold it twice."""
    places = [i for i, token in enumerate(tokens) if _is_at(token)]
    if len(places) > 1:
        second = " ".join(t.raw for t in tokens[places[1] : places[1] + 2])
        raise UsageError(
            f"Give one time per subscription: {code(second)} is a second one.", usage("subscribe")
        )
    return bool(places)


def _time(at: Token, token: Token | None) -> tuple[int, int]:
    """The (hour, minute) typed after `at`: HH:MM on a 24-hour clock."""
    if token is None:
        raise UsageError(
            f"{code(at.raw)} needs a time after it, like `at 09:30` (24-hour clock).",
            usage("subscribe"),
        )
    match = _TIME_RE.fullmatch(token.word) if token.kind == "word" else None
    if match is None:
        # `subscribe Look at Me`: the name ended at `at`; quotes keep it whole.
        hint = "" if any(ch.isdigit() for ch in token.word) else _QUOTE_AT_HINT
        raise UsageError(
            f"{code(token.raw)} is not a time: give HH:MM on a 24-hour clock, like `at 09:30`."
            + hint,
            usage("subscribe"),
        )
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise UsageError(
            f"{code(token.raw)} is not a time of day: hours run from 00 to 23 and minutes "
            "from 00 to 59.",
            usage("subscribe"),
        )
    return hour, minute


_QUOTE_AT_HINT = " If `at` is part of the bot's name, put the name in quotes."


def _ends_subscribe_target(token: Token) -> bool:
    """True for the word that ends a multi-word BOT to subscribe to: an option or channel."""
    return _is_option(token) or token.channel_id is not None


def _digest(rest: Sequence[Token], now: datetime) -> Command:
    if not rest:
        return DigestPreview(None)
    target, after = _name(rest, _ends_name, "digest")
    extra = after[0] if after else rest[0] if _ends_digest(rest[0]) else None
    if extra is not None:
        raise UsageError(
            f"`digest` takes only a bot (or `all`): remove {code(extra.raw)}. "
            "The preview is shown only to you.",
            usage("digest"),
        )
    return DigestPreview(target)


def _ends_digest(token: Token) -> bool:
    """A PERIOD or `public` typed as the BOT of `digest`, which takes neither."""
    return not token.quoted and _ends_name(token)


def _unsubscribe(rest: Sequence[Token], now: datetime) -> Command:
    if not rest or _is_channelish(rest[0]):
        raise UsageError(
            "Say which bot to unsubscribe from (or `all`), then the channel if it is not this one.",
            usage("unsubscribe"),
        )
    target, after = _name(rest, _ends_target, "unsubscribe")
    _too_many([rest[0], *after], 2, "unsubscribe")
    channel = _channel(after[0], "unsubscribe") if after else None
    if after and channel is None:
        raise UsageError(f"{code(after[0].raw)} is not a channel.", usage("unsubscribe"))
    return Unsubscribe(target, channel)


def _ends_target(token: Token) -> bool:
    """True for the word that ends a multi-word subscription target: a cadence or channel."""
    return token.word in _CADENCES or token.channel_id is not None


def _alerts(rest: Sequence[Token], now: datetime) -> Command:
    if not rest:
        return Alerts("status")
    word = rest[0].word
    if rest[0].kind != "word" or word not in _ACTIONS:
        raise UsageError(
            f"{code(rest[0].raw)} is not an alerts action: use `on`, `off` or `status` "
            "(then, optionally, the channel).",
            usage("alerts"),
        )
    action: AlertAction = "on" if word == "on" else "off" if word == "off" else "status"
    after: Sequence[Token] = rest[1:]
    target: str | None = None
    if action != "status" and after and not _is_channelish(after[0]):
        target, after = _name(after, lambda t: t.channel_id is not None, "alerts")
    if len(after) > 1:
        raise UsageError(
            f"Too many arguments for `alerts`: {code(after[1].raw)} is one too many.",
            usage("alerts"),
        )
    channel = _channel(after[0], "alerts") if after else None
    if after and channel is None:
        what = "a channel" if action == "status" else "a channel (name the bot first)"
        raise UsageError(f"{code(after[0].raw)} is not {what}.", usage("alerts"))
    return Alerts(action, channel, None if target == ALL else target)


_HANDLERS: dict[str, Callable[[Sequence[Token], datetime], Command]] = {
    "all": _all,
    "bots": _no_args("bots", ListBots()),
    "digest": _digest,
    "subscriptions": _no_args("subscriptions", Subscriptions()),
    "subscribe": _subscribe,
    "unsubscribe": _unsubscribe,
    "alerts": _alerts,
}
