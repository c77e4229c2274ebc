"""Draw a ``DailySeries`` as a PNG: sessions and LLM cost per day, readable on a phone.

Only matplotlib's object API (``Figure`` + ``FigureCanvasAgg``), never pyplot: no global
figure registry, no backend selection, no display, nothing shared between two charts, so
the same series always gives the same bytes, in any process.

An empty series (no day has data) raises ``ValueError`` rather than drawing a "no data"
picture: a digest without data says so in words, and the renderers return None for it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import StrMethodFormatter

from slackbot.core.formatting import EN_DASH
from slackbot.core.series import DailySeries

WIDTH_PX, HEIGHT_PX, DPI = 1200, 700, 100
#: Beyond this many days the axis is labelled once a week (or every few weeks).
MAX_DAY_LABELS = 14

SESSIONS_COLOR = "#3B6EA8"
COST_COLOR = "#D9822B"
HIGHLIGHT_COLOR = "#F2C94C"
GAP_COLOR = "#9E9E9E"

TITLE_SIZE, LABEL_SIZE, TICK_SIZE, NOTE_SIZE = 24, 17, 15, 14


def render_png(series: DailySeries) -> bytes:
    """The chart of ``series`` as PNG bytes, 1200x700 px; ValueError if nothing to draw."""
    buffer = io.BytesIO()
    # No "Software" chunk (it names the matplotlib version): the bytes depend on the data only.
    draw(series).savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def draw(series: DailySeries) -> Figure:
    """The chart of ``series`` as a matplotlib Figure: sessions above, LLM cost below."""
    check(series)
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    # Fixed margins, sized for six-digit tick labels: a third cheaper than constrained layout.
    figure.subplots_adjust(left=0.115, right=0.985, top=0.9, bottom=0.11, hspace=0.12)
    sessions_axes, cost_axes = figure.subplots(2, 1, sharex=True)
    figure.suptitle(plain(series.title), fontsize=TITLE_SIZE, fontweight="bold")
    draw_sessions(sessions_axes, series.sessions)
    draw_cost(cost_axes, series.cost)
    for axes, values in ((sessions_axes, series.sessions), (cost_axes, series.cost)):
        shade_gaps(axes, values)
        axes.set_xlim(-0.5, len(series.days) - 0.5)
        axes.tick_params(labelsize=TICK_SIZE)
        axes.grid(axis="y", color="#DDDDDD", linewidth=1)
        axes.set_axisbelow(True)
        axes.spines[["top", "right"]].set_visible(False)
    shade_highlight(sessions_axes, series, label=True)
    shade_highlight(cost_axes, series, label=False)
    label_days(cost_axes, series.days)
    explain_gaps(figure, series)
    return figure


def check(series: DailySeries) -> None:
    """Raise ValueError unless ``series`` has one value of each kind per day and some data."""
    counts = {len(series.days), len(series.sessions), len(series.cost)}
    if len(counts) != 1:
        raise ValueError(
            f"chart {series.title!r}: {len(series.days)} days but {len(series.sessions)} "
            f"session values and {len(series.cost)} cost values; they must be one per day"
        )
    if series.empty:
        raise ValueError(f"chart {series.title!r}: no day has data, nothing to draw")


def plain(text: str) -> str:
    """``text`` with its dollar signs escaped, so matplotlib never reads it as math."""
    return text.replace("$", r"\$")


def draw_sessions(axes: Axes, sessions: Sequence[float | None]) -> None:
    """One bar per day with data; a day without data gets no bar at all (not a zero bar)."""
    days = [i for i, value in enumerate(sessions) if value is not None]
    heights = [value for value in sessions if value is not None]
    axes.bar(days, heights, width=0.75, color=SESSIONS_COLOR, gid="sessions")
    axes.set_ylabel("Sessions per day", fontsize=LABEL_SIZE)
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    headroom(axes, heights)


def draw_cost(axes: Axes, cost: Sequence[float | None]) -> None:
    """A line through the daily cost, broken (NaN) on days without data, a dot on each day."""
    values = [math.nan if value is None else value for value in cost]
    axes.plot(
        range(len(values)),
        values,
        color=COST_COLOR,
        linewidth=3,
        marker="o",
        markersize=7,
        gid="cost",
    )
    axes.set_ylabel("LLM cost per day (US\\$)", fontsize=LABEL_SIZE)
    known = [value for value in cost if value is not None]
    decimals = 2 if max(known, default=0.0) < 10 else 0
    axes.yaxis.set_major_formatter(StrMethodFormatter(f"\\${{x:,.{decimals}f}}"))
    headroom(axes, known)


def headroom(axes: Axes, values: Sequence[float]) -> None:
    """Start the y axis at zero and leave room at the top for the highlight's label."""
    peak = max(values, default=0.0)
    axes.set_ylim(0, peak * 1.3 if peak > 0 else 1.0)


def shade_gaps(axes: Axes, values: Sequence[float | None]) -> None:
    """Hatch every day without data, so a gap never reads as zero."""
    gaps = [i for i, value in enumerate(values) if value is None]
    for i in gaps:
        axes.axvspan(
            i - 0.5,
            i + 0.5,
            facecolor="none",
            edgecolor=GAP_COLOR,
            hatch="//",
            linewidth=0,
            gid="gap",
        )


def explain_gaps(figure: Figure, series: DailySeries) -> None:
    """A "no data" key in the bottom left corner, when some day lacks data."""
    if None in series.sessions or None in series.cost:
        patch = Patch(facecolor="none", edgecolor=GAP_COLOR, hatch="//", label="no data")
        # Below the plots, where it can never cover a bar or the highlight's label.
        figure.legend(handles=[patch], loc="lower left", fontsize=NOTE_SIZE, frameon=False)


def highlight_span(series: DailySeries) -> tuple[int, int] | None:
    """The first and last index of the highlighted days inside the window, if any."""
    if series.highlight is None:
        return None
    start, end = series.highlight
    inside = [i for i, day in enumerate(series.days) if start <= day <= end]
    return (inside[0], inside[-1]) if inside else None


def shade_highlight(axes: Axes, series: DailySeries, *, label: bool) -> None:
    """Shade the span the message is about; with ``label``, name its days above the bars."""
    span = highlight_span(series)
    if span is None:
        return
    first, last = span
    axes.axvspan(
        first - 0.5,
        last + 0.5,
        color=HIGHLIGHT_COLOR,
        alpha=0.35,
        linewidth=0,
        zorder=0,
        gid="highlight",
    )
    if label:
        x, align = label_anchor(first, last, len(series.days))
        axes.text(
            x,
            0.97,
            span_label(series.days[first], series.days[last]),
            transform=axes.get_xaxis_transform(),
            ha=align,
            va="top",
            fontsize=NOTE_SIZE,
            fontweight="bold",
            gid="highlight-label",
        )


def label_anchor(first: int, last: int, count: int) -> tuple[float, str]:
    """Where the highlight's label goes: centred, or kept inside the plot near an edge."""
    middle = (first + last) / 2
    if middle > count * 0.75:
        return last + 0.5, "right"
    if middle < count * 0.25:
        return first - 0.5, "left"
    return middle, "center"


def day_label(day: date) -> str:
    """``Mon 23``: the weekday and day of month, as the messages write them."""
    return f"{day:%a} {day.day}"


def span_label(first: date, last: date) -> str:
    """``Mon 23 Nov`` for one day, ``Mon 23 - Sun 29 Nov`` (an en dash) for a span."""
    if first == last:
        return f"{day_label(first)} {first:%b}"
    head = day_label(first) if first.month == last.month else f"{day_label(first)} {first:%b}"
    return f"{head} {EN_DASH} {day_label(last)} {last:%b}"


def tick_days(days: Sequence[date]) -> list[int]:
    """The indices to label: every day when few, else one weekday every week or few weeks."""
    if len(days) <= MAX_DAY_LABELS:
        return list(range(len(days)))
    step = 7 * math.ceil(len(days) / (7 * MAX_DAY_LABELS))
    # Label the weekday the window ends on, so the last (most recent) day is always named.
    return [i for i in range(len(days)) if (days[-1] - days[i]).days % step == 0]


def label_days(axes: Axes, days: Sequence[date]) -> None:
    """Day labels under the lower panel, and the dates and time zone in its axis label."""
    ticks = tick_days(days)
    axes.set_xticks(ticks, [day_label(days[i]) for i in ticks])
    first, last = days[0], days[-1]
    axes.set_xlabel(
        f"UTC days, {first.day} {first:%b} {first.year} {EN_DASH} {last.day} {last:%b} {last.year}",
        fontsize=LABEL_SIZE,
    )
