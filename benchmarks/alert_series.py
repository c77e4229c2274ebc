"""Seeded synthetic daily series for the alert benchmark, and the anomalies injected into them.

``generate`` draws one bot's closed days as ``Metrics`` (what the store holds, what the
detectors read). The model follows the simulator's (``slackbot.simulator.workspace``):

- **weekly seasonality**: weekday factors Mon..Fri ``1.0, 1.08, 1.06, 1.02, 0.9`` and a
  weekend factor drawn per bot in ``[0.3, 0.6]``, scaled so that the week's mean of LLM
  calls is ``calls_per_day``;
- **overdispersed counts**: one day-level Gamma(shape ``dispersion``) multiplier makes
  sessions negative-binomial (variance ``mu + mu^2 / dispersion``); user messages are
  Poisson(sessions x messages per session) and calls Poisson(messages x calls per
  message), so they inherit the day's burstiness (a busy day is busy everywhere) on top
  of their own Poisson noise. Messages per session (3-8) and calls per message (1.1-2.6)
  are drawn per bot, as in the simulator;
- **errors**: Binomial(calls, p) with p drawn per bot in ``[0.01, 0.02]``;
- **cost**: calls x the bot's cost per call (one of the simulator's three models: about
  $0.001, $0.002 or $0.006 a call, +-30% per bot) x a day's noise: LogNormal with sd
  ``sqrt(0.05^2 + 0.6^2 / calls)`` (a 5% day effect, plus the mean of ``calls`` per-call
  costs whose sd is 60% of their mean, the simulator's spread);
- **latency**: a per-bot mean (700-2200 ms) x LogNormal with sd
  ``sqrt(0.06^2 + 0.45^2 / calls)`` (the simulator's day effect and per-call spread);
  ``latency_sum`` = mean x calls, as ``Metrics.from_record`` builds it;
- **missing days**: each day independently has no record with ``missing_rate``.

``inject`` returns a copy of a series with one anomaly over 1-3 days (see ``KINDS``).
Pure and seeded: the same arguments give the same days.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from slackbot.core.models import Metrics
from slackbot.simulator.workspace import poisson

#: The first generated day (a Monday), so day n of a series is START + n - 1.
START = date(2026, 1, 5)
WEEKDAYS = (1.0, 1.08, 1.06, 1.02, 0.9)
#: The simulator's models: (name, USD per 1M input tokens, USD per 1M output tokens).
MODELS = (("gpt-4.1-mini", 0.4, 1.6), ("claude-haiku", 0.8, 4.0), ("gpt-4o", 2.5, 10.0))
#: Gamma shape of the day-level traffic multiplier: the simulator's high-volume value (its
#: least bursty bots; its medium ones use 14). CV of the multiplier = 1/sqrt(shape) = 0.18.
DISPERSION = 30.0

#: Anomaly kind -> the metric (and direction) whose alert catches it.
KINDS: dict[str, tuple[str, str]] = {
    "cost x3": ("cost", "up"),
    "cost per call x2.5": ("cost_per_call", "up"),
    "error rate x3": ("error_rate", "up"),
    "error rate x5": ("error_rate", "up"),
    "latency x2": ("latency", "up"),
    "traffic -60%": ("traffic", "down"),  # sessions or user_messages down
    "traffic to zero": ("traffic", "down"),
}


@dataclass(frozen=True)
class Profile:
    """The hidden parameters of one synthetic bot."""

    calls_per_day: float
    weekend: float
    messages_per_session: float
    calls_per_message: float
    error_rate: float
    cost_per_call: float
    latency_ms: float
    dispersion: float


class Series(dict[date, Metrics]):
    """One bot's days (a plain ``dict[date, Metrics]``) plus the profile that drew them."""

    profile: Profile

    def copy_with(self, days: dict[date, Metrics]) -> Series:
        out = Series(days)
        out.profile = self.profile
        return out


def day_of(n: int) -> date:
    """The date of day ``n`` (1-based) of every series."""
    return START + timedelta(days=n - 1)


def binomial(rng: random.Random, n: int, p: float) -> int:
    """A binomial draw (exact for small n, Poisson or normal approximations above)."""
    p = min(max(p, 0.0), 1.0)
    if n <= 60:
        return sum(rng.random() < p for _ in range(n))
    if n * p < 30:
        return min(n, poisson(rng, n * p))
    return min(n, max(0, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))


def make_profile(rng: random.Random, calls_per_day: float, dispersion: float) -> Profile:
    _, price_in, price_out = rng.choice(MODELS)
    per_call = (1600 * price_in + 240 * price_out) / 1e6 * rng.uniform(0.7, 1.3)
    return Profile(
        calls_per_day=calls_per_day,
        weekend=rng.uniform(0.3, 0.6),
        messages_per_session=rng.uniform(3.0, 8.0),
        calls_per_message=rng.uniform(1.1, 2.6),
        error_rate=rng.uniform(0.01, 0.02),
        cost_per_call=per_call,
        latency_ms=rng.uniform(700.0, 2200.0),
        dispersion=dispersion,
    )


def draw_day(rng: random.Random, p: Profile, day: date) -> Metrics:
    """One closed day of a bot."""
    week_mean = (sum(WEEKDAYS) + 2 * p.weekend) / 7
    seasonal = (WEEKDAYS[day.weekday()] if day.weekday() < 5 else p.weekend) / week_mean
    sessions_mean = p.calls_per_day / (p.messages_per_session * p.calls_per_message)
    burst = rng.gammavariate(p.dispersion, 1 / p.dispersion)
    sessions = poisson(rng, sessions_mean * seasonal * burst)
    messages = poisson(rng, sessions * p.messages_per_session)
    calls = poisson(rng, messages * p.calls_per_message)
    users = min(sessions, round(sessions * rng.uniform(0.7, 0.9)))
    new_users = binomial(rng, users, 0.3)
    bot_messages = poisson(rng, messages * 1.5)
    common: dict[str, Any] = {
        "days": 1,
        "new_users": new_users,
        "returning_users": users - new_users,
        "sessions": sessions,
        "user_messages": messages,
        "bot_messages": bot_messages,
        "events": sessions + messages + bot_messages,
        "event_types": {
            "conversation_started": sessions,
            "message_created": messages + bot_messages,
        },
    }
    if calls == 0:
        return Metrics(**common)
    errors = binomial(rng, calls, p.error_rate)
    per_call = p.cost_per_call * rng.lognormvariate(0, math.sqrt(0.05**2 + 0.6**2 / calls))
    cost = calls * per_call
    latency = p.latency_ms * rng.lognormvariate(0, math.sqrt(0.06**2 + 0.45**2 / calls))
    sd = latency * 0.45
    tokens_in, tokens_out = calls * 1600, calls * 240
    return Metrics(
        **common,
        llm_calls=calls,
        llm_errors=errors,
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        latency_sum=latency * calls,
        latency_sumsq=(sd * sd + latency * latency) * calls,
        latency_min=latency * 0.3,
        latency_max=latency * 3.0,
        tps_sum=60.0 * calls,
        tps_min=20.0,
        tps_max=120.0,
        cost_sum=cost,
        call_cost_sum=cost,
        call_tokens=tokens_in + tokens_out,
        cost_min=per_call * 0.3,
        cost_max=per_call * 3.0,
    )


def generate(
    seed: int | str,
    *,
    calls_per_day: float,
    days: int,
    missing_rate: float,
    dispersion: float = DISPERSION,
) -> Series:
    """``days`` days of one bot from ``START``, missing days left out of the dict."""
    rng = random.Random(f"series:{seed}")
    profile = make_profile(rng, calls_per_day, dispersion)
    out = Series()
    out.profile = profile
    for n in range(1, days + 1):
        day = day_of(n)
        metrics = draw_day(rng, profile, day)  # drawn even when missing: same days either way
        if rng.random() >= missing_rate:
            out[day] = metrics
    return out


def _scale_cost(m: Metrics, factor: float) -> Metrics:
    return replace(
        m,
        cost_sum=m.cost_sum * factor,
        call_cost_sum=m.call_cost_sum * factor,
        cost_min=None if m.cost_min is None else m.cost_min * factor,
        cost_max=None if m.cost_max is None else m.cost_max * factor,
    )


def _errors(m: Metrics, rng: random.Random, rate: float) -> Metrics:
    return replace(m, llm_errors=binomial(rng, m.llm_calls, rate))


def _latency(m: Metrics, factor: float) -> Metrics:
    return replace(
        m,
        latency_sum=m.latency_sum * factor,
        latency_sumsq=m.latency_sumsq * factor * factor,
        latency_min=None if m.latency_min is None else m.latency_min * factor,
        latency_max=None if m.latency_max is None else m.latency_max * factor,
    )


def _traffic(m: Metrics, factor: float) -> Metrics:
    """Sessions, messages and calls x ``factor``; per-call means and the error rate kept."""
    calls = round(m.llm_calls * factor)
    share = calls / m.llm_calls if m.llm_calls else 0.0
    scaled = replace(
        m,
        new_users=round(m.new_users * factor),
        returning_users=round(m.returning_users * factor),
        sessions=round(m.sessions * factor),
        user_messages=round(m.user_messages * factor),
        bot_messages=round(m.bot_messages * factor),
        events=round(m.events * factor),
        event_types={k: round(v * factor) for k, v in m.event_types.items()},
        llm_calls=calls,
        llm_errors=round(m.llm_errors * share),
        input_tokens=round(m.input_tokens * share),
        output_tokens=round(m.output_tokens * share),
        latency_sum=m.latency_sum * share,
        latency_sumsq=m.latency_sumsq * share,
        tps_sum=m.tps_sum * share,
        cost_sum=m.cost_sum * share,
        call_cost_sum=m.call_cost_sum * share,
        call_tokens=round(m.call_tokens * share),
    )
    if calls == 0:
        # Metrics.from_record keeps no per-call distribution for a zero-call day.
        scaled = replace(
            scaled,
            latency_min=None,
            latency_max=None,
            tps_min=None,
            tps_max=None,
            cost_min=None,
            cost_max=None,
        )
    return scaled


def inject(
    series: Series, kind: str, day: date, duration: int = 1, *, seed: int | str = 0
) -> Series:
    """A copy of ``series`` with anomaly ``kind`` on ``day`` and the ``duration - 1`` after it.

    - ``cost x3``: cost (``cost_sum``, ``call_cost_sum``) x3, calls flat;
    - ``cost per call x2.5``: cost x2.5, calls flat;
    - ``error rate x3`` / ``x5``: errors redrawn as Binomial(calls, 3 or 5 x the bot's rate);
    - ``latency x2``: the call-weighted mean latency x2 (``latency_sum`` x2);
    - ``traffic -60%``: sessions, user messages and calls x0.4 (per-call means kept);
    - ``traffic to zero``: a record with 0 sessions, messages, calls and cost (not a
      missing day).

    Days of the span without a record stay missing.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown anomaly kind {kind!r}; known: {list(KINDS)}")
    if not 1 <= duration <= 3:
        raise ValueError(f"duration must be 1..3 days, got {duration}")
    rng = random.Random(f"inject:{seed}:{kind}:{day}")
    rate = series.profile.error_rate
    out = dict(series)
    for i in range(duration):
        d = day + timedelta(days=i)
        m = out.get(d)
        if m is None:
            continue
        if kind == "cost x3":
            m = _scale_cost(m, 3.0)
        elif kind == "cost per call x2.5":
            m = _scale_cost(m, 2.5)
        elif kind == "error rate x3":
            m = _errors(m, rng, 3 * rate)
        elif kind == "error rate x5":
            m = _errors(m, rng, 5 * rate)
        elif kind == "latency x2":
            m = _latency(m, 2.0)
        elif kind == "traffic -60%":
            m = _traffic(m, 0.4)
        else:
            m = _traffic(m, 0.0)
        out[d] = m
    return series.copy_with(out)
