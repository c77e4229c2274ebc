"""Numbers, changes, dates and user text formatted for people (Slack and the terminal).

Pure: no clock, no I/O. Every function takes ``None`` for "no data" and shows ``—``,
because no data is not zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from zoneinfo import ZoneInfo

from slackbot.core.comparisons import relative_change

NO_DATA = "—"
MINUS = "\u2212"  # typographic minus: lines up with "+" in proportional fonts
EN_DASH = "\u2013"
ARROW_UP = "▲"
ARROW_DOWN = "▼"
#: Changes smaller than this are shown but not coloured good or bad: noise, not news.
NOTABLE_CHANGE = 0.05

# Format characters kept in user text: joiners build emoji and scripts, tags build flags.


class Direction(Enum):
    """Which way a metric should move for the news to be good."""

    UP = 1
    DOWN = -1
    NEUTRAL = 0


#: Keyed like ``Metrics.to_json``: for cost, errors and latency, up is bad.
GOOD_DIRECTION: dict[str, Direction] = {
    "sessions": Direction.UP,
    "users": Direction.UP,
    "newUsers": Direction.UP,
    "returningUsers": Direction.UP,
    "userMessages": Direction.UP,
    "botMessages": Direction.NEUTRAL,
    "messagesPerSession": Direction.UP,
    "events": Direction.NEUTRAL,
    "llmCalls": Direction.NEUTRAL,
    "llmErrors": Direction.DOWN,
    "errorRate": Direction.DOWN,
    "inputTokens": Direction.NEUTRAL,
    "outputTokens": Direction.NEUTRAL,
    "tokensPerCall": Direction.NEUTRAL,
    "costUsd": Direction.DOWN,
    "costPerSession": Direction.DOWN,
    "costPerCall": Direction.DOWN,
    "latencyMeanMs": Direction.DOWN,
    "latencyMaxMs": Direction.DOWN,
    "tokensPerSecond": Direction.UP,
}


class Tone(Enum):
    """Whether a change is good, bad or neither, given the metric's good direction."""

    GOOD = "good"
    BAD = "bad"
    NEUTRAL = "neutral"


#: Slack emoji for a tone; the terminal maps tones to colours instead.
TONE_EMOJI = {Tone.GOOD: ":large_green_circle:", Tone.BAD: ":red_circle:", Tone.NEUTRAL: ""}


@dataclass(frozen=True)
class Trend:
    """A change between two periods, ready to show: arrow, text and tone."""

    arrow: str  # ARROW_UP, ARROW_DOWN or "" (no change, no data)
    text: str  # "+18%", "-5%" (with MINUS), "0%", "new" or NO_DATA
    tone: Tone

    def slack(self) -> str:
        """Arrow, text and tone emoji for Slack mrkdwn, e.g. ``▲ +18% :red_circle:``."""
        parts = [self.arrow, self.text, TONE_EMOJI[self.tone]]
        return " ".join(p for p in parts if p)

    def plain(self) -> str:
        """Arrow and text without emoji, for the terminal and fallbacks."""
        return f"{self.arrow} {self.text}" if self.arrow else self.text


def _signed(value: float) -> str:
    return MINUS if value < 0 else ""


def _trim(text: str) -> str:
    """``12.0`` -> ``12``: a trailing ``.0`` adds nothing."""
    return text[:-2] if text.endswith(".0") else text


def _known(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def money(value: float | None) -> str:
    """US dollars: ``$1,234.56``; small amounts keep two significant digits (``$0.0042``)."""
    value = _known(value)
    if value is None:
        return NO_DATA
    size = abs(value)
    if size == 0:
        return "$0.00"
    if size < 0.000001:
        return f"<{_signed(value)}$0.000001"
    if size >= 0.01:
        return f"{_signed(value)}${size:,.2f}"
    # Two significant digits; Decimal avoids the exponent notation of "g" (4.2e-05).
    return f"{_signed(value)}${Decimal(f'{size:.2g}'):f}"


def count(value: float | None) -> str:
    """A compact count: ``950``, ``12.3k``, ``123k``, ``1.2M``, ``3.4B``."""
    value = _known(value)
    if value is None:
        return NO_DATA
    size = abs(value)
    whole = round(size)
    if whole < 1000:
        return f"{_signed(value) if whole else ''}{whole}"
    for scale, suffix in ((1e3, "k"), (1e6, "M"), (1e9, "B")):
        scaled = size / scale
        # 999_950 would round to "1000k": move up to the next unit instead.
        if suffix == "B" or round(scaled, 1 if scaled < 100 else 0) < 1000:
            break
    return f"{_signed(value)}{_compact(scaled)}{suffix}"


def _compact(scaled: float) -> str:
    return f"{scaled:,.0f}" if scaled >= 100 else _trim(f"{scaled:.1f}")


def number(value: float | None, digits: int = 1) -> str:
    """A plain number with thousands separators and up to ``digits`` decimals: ``3.4``."""
    value = _known(value)
    if value is None:
        return NO_DATA
    text = f"{abs(value):,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text == "0" else _signed(value) + text


def percent(value: float | None) -> str:
    """A ratio 0..1 as a percentage: ``4.2%``, ``12%``, ``<0.1%``, ``0%``."""
    value = _known(value)
    if value is None:
        return NO_DATA
    pct = value * 100
    if pct == 0:
        return "0%"
    if abs(pct) < 0.1:
        return f"<{_signed(pct)}0.1%"
    return f"{_signed(pct)}{_trim(f'{abs(pct):,.1f}')}%"


def _change_text(rel: float) -> str:
    pct = rel * 100
    if round(pct, 1) == 0:
        return "0%"
    sign = "+" if pct > 0 else MINUS
    body = _trim(f"{abs(pct):.1f}") if abs(pct) < 1 else f"{abs(pct):,.0f}"
    return f"{sign}{body}%"


def trend(current: float | None, previous: float | None, metric: str = "") -> Trend:
    """The change from ``previous`` to ``current`` for ``metric`` (a ``GOOD_DIRECTION`` key)."""
    current, previous = _known(current), _known(previous)
    if current is None or previous is None:
        return Trend("", NO_DATA, Tone.NEUTRAL)
    if previous == 0:
        if current == 0:
            return Trend("", "0%", Tone.NEUTRAL)
        return Trend(ARROW_UP if current > 0 else ARROW_DOWN, "new", _tone(1.0, metric))
    rel = relative_change(current, previous)
    if rel is None:
        return Trend("", NO_DATA, Tone.NEUTRAL)
    text = _change_text(rel)
    if text == "0%":
        return Trend("", text, Tone.NEUTRAL)
    arrow = ARROW_UP if rel > 0 else ARROW_DOWN
    return Trend(arrow, text, _tone(rel, metric) if abs(rel) >= NOTABLE_CHANGE else Tone.NEUTRAL)


def _tone(rel: float, metric: str) -> Tone:
    good = GOOD_DIRECTION.get(metric, Direction.NEUTRAL)
    if good is Direction.NEUTRAL:
        return Tone.NEUTRAL
    return Tone.GOOD if (rel > 0) == (good is Direction.UP) else Tone.BAD


def points_trend(points: float | None, metric: str = "") -> Trend:
    """A rate's change in percentage points: ``▲ +1.2 pp`` (toned from 1 pp on)."""
    if points is None or not math.isfinite(points):
        return Trend("", NO_DATA, Tone.NEUTRAL)
    if round(points, 1) == 0:
        return Trend("", "0 pp", Tone.NEUTRAL)
    arrow = ARROW_UP if points > 0 else ARROW_DOWN
    text = f"{'+' if points > 0 else MINUS}{_trim(f'{abs(points):.1f}')} pp"
    toned = round(abs(points), 1) >= 1
    return Trend(arrow, text, _tone(points, metric) if toned else Tone.NEUTRAL)


_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None]) -> str:
    """``▁▃▅▇▆▂▁``: values scaled to eight bars; a missing value is a ``·``."""
    known = [v for v in values if v is not None and math.isfinite(v)]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    out = []
    for value in values:
        if value is None or not math.isfinite(value):
            out.append("·")
        elif span == 0:  # a flat line: mid-height, or the floor when it is all zero
            out.append(_BARS[3 if high else 0])
        else:
            out.append(_BARS[round((value - low) / span * (len(_BARS) - 1))])
    return "".join(out)


def plural(value: float, word: str, words: str | None = None) -> str:
    """``1 error``, ``2 errors``, ``1.2k sessions``: the count and the right form of the noun."""
    return f"{count(value)} {word if value == 1 else (words or word + 's')}"


def change_text(current: float | None, previous: float | None, versus: str = "") -> str:
    """``+18% vs prev. 7d``, ``-5%`` (typographic minus), ``new`` (from 0) or ``—`` (no data)."""
    text = trend(current, previous).text
    return f"{text} vs {versus}" if versus and text != NO_DATA else text


def duration_ms(value: float | None) -> str:
    """Milliseconds for people: ``850 ms``, ``1.2 s``, ``2.5 min``."""
    value = _known(value)
    if value is None:
        return NO_DATA
    size = abs(value)
    if size < 1:
        return "<1 ms" if size else "0 ms"
    if round(size) < 1000:
        return f"{_signed(value)}{round(size)} ms"
    if round(size / 1000, 1) < 60:
        return f"{_signed(value)}{_trim(f'{size / 1000:.1f}')} s"
    return f"{_signed(value)}{_trim(f'{size / 60_000:,.1f}')} min"


def day(value: date | datetime, tz: ZoneInfo | None = None, *, year: bool = False) -> str:
    """A day as people say it: ``Mon 4 May`` (``Mon 4 May 2026`` with ``year``).

    A datetime is first moved into ``tz``; a date is shown as it is.
    """
    if isinstance(value, datetime):
        value = (value.astimezone(tz) if tz else value).date()
    text = f"{value:%a} {value.day} {value:%b}"
    return f"{text} {value.year}" if year else text


def day_range(first: date, last: date, *, today: date | None = None) -> str:
    """``Mon 27 Apr - Sun 3 May`` (en dash); years shown when they differ or are not today's."""
    year = first.year != last.year or (today is not None and last.year != today.year)
    if first == last:
        return day(first, year=year)
    return f"{day(first, year=year)} {EN_DASH} {day(last, year=year)}"


def timestamp(value: datetime, tz: ZoneInfo) -> str:
    """An instant in ``tz``: ``Mon 4 May 14:05 CEST``."""
    local = value.astimezone(tz)
    return f"{day(local)} {local:%H:%M} {local.tzname() or tz.key}"
