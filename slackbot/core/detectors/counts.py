"""Traffic drops and spikes: sessions and user messages against their same-weekday bands.

Counts are roughly Poisson but over-dispersed, so the band is the widest of the observed
spread (MAD), a relative floor and Poisson noise (for user messages, the noise of the
sessions they come in). A record with 0 sessions is a real drop to zero; a
missing record is not a count at all (``presence`` handles it).
"""

from __future__ import annotations

import math
from typing import Literal, TypeAlias

from slackbot.core.anomalies import Direction, Evaluation
from slackbot.core.detectors.context import Context
from slackbot.core.models import Metrics

Traffic: TypeAlias = Literal["sessions", "user_messages"]
_DIRECTIONS: tuple[Direction, ...] = ("down", "up")
#: User messages come in sessions of several, so they swing like the session count, not
#: like a Poisson count of messages: their spread is at least this / sqrt(sessions).
SESSION_NOISE = 1.5


def _sessions(m: Metrics) -> float:
    return float(m.sessions)


def _user_messages(m: Metrics) -> float:
    return float(m.user_messages)


def traffic(ctx: Context, metric: Traffic) -> list[Evaluation]:
    """``metric`` down and up; quiet while the expected count is under the traffic floor."""
    read = _sessions if metric == "sessions" else _user_messages
    expectation = ctx.expect(metric, read, "count", noise_floor=_noise_floor(ctx, metric))
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


def _noise_floor(ctx: Context, metric: Traffic) -> float:
    """The least log-scale spread of ``metric``: user messages inherit the sessions' noise."""
    if metric == "sessions":
        return 0.0
    sessions = ctx.expect("sessions", _sessions, "count").band.expected
    return 0.0 if sessions is None else SESSION_NOISE / math.sqrt(max(sessions, 1.0))
