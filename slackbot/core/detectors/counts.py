"""Traffic drops and spikes: sessions and user messages against their same-weekday bands.

Counts are roughly Poisson but over-dispersed, so the band is the wider of the observed
spread (MAD) and ``sqrt(expected)``. A record with 0 sessions is a real drop to zero; a
missing record is not a count at all (``presence`` handles it).
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from slackbot.core.anomalies import Direction, Evaluation
from slackbot.core.detectors.context import Context
from slackbot.core.models import Metrics

Traffic: TypeAlias = Literal["sessions", "user_messages"]
_DIRECTIONS: tuple[Direction, ...] = ("down", "up")


def _sessions(m: Metrics) -> float:
    return float(m.sessions)


def _user_messages(m: Metrics) -> float:
    return float(m.user_messages)


def traffic(ctx: Context, metric: Traffic) -> list[Evaluation]:
    """``metric`` down and up; quiet while the expected count is under the traffic floor."""
    read = _sessions if metric == "sessions" else _user_messages
    expectation = ctx.expect(metric, read, "count")
    band = expectation.band
    value = None if ctx.metrics is None else read(ctx.metrics)
    # A handful of sessions a day moves by half on its own: no news either way.
    quiet = band.expected is None or band.expected < ctx.thresholds.traffic_floor
    return [
        ctx.evaluation(
            metric,
            direction,
            value,
            band,
            0.0 if quiet else expectation.score(value, direction),
        )
        for direction in _DIRECTIONS
    ]
