"""What a chart shows, as plain data: daily points over a window, with the weeks marked.

Pure: the core decides what is drawn (``DailySeries``); the ``charts`` adapter draws it
with matplotlib in a worker process and knows nothing of bots or periods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from slackbot.core.models import Metrics


@dataclass(frozen=True)
class DailySeries:
    """Daily sessions and LLM cost over ``days`` (oldest first), for one digest's chart.

    ``sessions[i]`` and ``cost[i]`` belong to ``days[i]``; None marks a day without data
    (drawn as a gap, never as zero). ``highlight`` is the span the message is about (the
    digest's week or day), shaded on the chart.
    """

    title: str
    days: tuple[date, ...]
    sessions: tuple[float | None, ...]
    cost: tuple[float | None, ...]
    highlight: tuple[date, date] | None = None

    @property
    def empty(self) -> bool:
        """True when no day has data: nothing worth drawing."""
        return all(s is None for s in self.sessions) and all(c is None for c in self.cost)


def daily_series(
    title: str,
    days: Mapping[date, Metrics],
    first: date,
    last: date,
    *,
    highlight: tuple[date, date] | None = None,
) -> DailySeries:
    """The sessions and cost of each day in [first, last] from ``days`` (missing: None)."""
    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return DailySeries(
        title=title,
        days=tuple(span),
        sessions=tuple(float(days[d].sessions) if d in days else None for d in span),
        cost=tuple(days[d].cost_sum if d in days else None for d in span),
        highlight=highlight,
    )
