"""Traffic drops and spikes: sessions and user messages against their same-weekday bands.

Counts are roughly Poisson but over-dispersed, so the band is the widest of the observed
spread (MAD), a relative floor and Poisson noise (for user messages, the noise of the
sessions they come in). A record with 0 sessions is a real drop to zero; a
missing record is not a count at all (``presence`` handles it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, TypeAlias

from slackbot.core.anomalies import Direction, Evaluation
from slackbot.core.baselines import Expectation
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


def traffic(ctx: Context) -> list[Evaluation]:
    """Sessions and user messages, each down and up; user messages as noisy as sessions."""
    sessions = ctx.expect("sessions", _sessions, "count")
    expected = sessions.band.expected
    # User messages come in sessions: their floor is the sessions' Poisson noise.
    floor = 0.0 if expected is None else SESSION_NOISE / math.sqrt(max(expected, 1.0))
    messages = ctx.expect("user_messages", _user_messages, "count", noise_floor=floor)
    return [
        *_judged(ctx, "sessions", _sessions, sessions),
        *_judged(ctx, "user_messages", _user_messages, messages),
    ]


def _judged(
    ctx: Context, metric: Traffic, read: Callable[[Metrics], float], expectation: Expectation
) -> list[Evaluation]:
    """``metric`` down and up; quiet while the expected count is under the traffic floor."""
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
