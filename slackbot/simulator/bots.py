"""The synthetic bots of a seeded workspace: names, ids, volumes and hidden parameters."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slackbot.simulator.records import iso

JsonDict = dict[str, Any]

NAMES = (
    "Support Assistant",
    "Sales Concierge",
    "HR Helpdesk",
    "Onboarding Guide",
    "Billing Bot",
    "IT Service Desk",
    "Travel Planner",
    "Order Tracker",
    "Recruiting Bot",
    "Feedback Collector",
)
# Role by index: (volume, recently created). Index 2 is the low-volume bot with gaps.
_ROLES = (("high", False), ("medium", False), ("low", False), ("medium", True), ("high", False))
_SESSIONS = {"low": 9.0, "medium": 260.0, "high": 1400.0}
_DISPERSION = {"low": 5.0, "medium": 14.0, "high": 30.0}  # gamma shape: lower is burstier
# (model, USD per 1M input tokens, USD per 1M output tokens)
_MODELS = (("gpt-4.1-mini", 0.4, 1.6), ("claude-haiku", 0.8, 4.0), ("gpt-4o", 2.5, 10.0))
_CUSTOM = (
    ("ticket_created", "order_tracked"),
    ("lead_captured", "demo_booked"),
    ("leave_requested", "policy_viewed"),
    ("account_activated", "tour_completed"),
    ("invoice_viewed", "payment_updated"),
)


@dataclass(frozen=True)
class BotProfile:
    """The hidden parameters of one synthetic bot."""

    index: int
    id: str
    name: str
    volume: str  # low | medium | high
    created_at: datetime
    sessions: float  # expected sessions on an average weekday
    weekend: float  # weekend traffic relative to weekdays
    growth: float  # relative growth per day
    dispersion: float
    messages_per_session: float
    replies_per_message: float
    new_share: float
    calls_per_message: float
    error_rate: float
    latency_ms: float
    tokens_per_second: float
    input_per_call: float
    output_per_call: float
    model: str
    price_in: float
    price_out: float
    missing_rate: float
    split_rate: float
    custom_events: tuple[str, ...]

    @property
    def first_day(self) -> date:
        """The first UTC day that can have data."""
        return self.created_at.date()

    def to_api(self) -> JsonDict:
        """This bot as one ``listBots`` entry."""
        deployed = self.created_at + timedelta(hours=3)
        return {
            "id": self.id,
            "name": self.name,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(deployed + timedelta(days=self.index + 1)),
            "deployedAt": iso(deployed),
            "tags": {},
        }


def rng_for(seed: int, *parts: object) -> random.Random:
    """A generator seeded by the seed and any labels (bot id, day, stream name)."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def make_bot(seed: int, index: int, today: date, history_days: int) -> BotProfile:
    """The ``index``-th bot of a seeded workspace."""
    rng = rng_for(seed, "bot", index)
    volume, recent = _ROLES[index % len(_ROLES)]
    age = min(history_days, rng.randint(28, 45)) if recent else history_days
    created = datetime.combine(today - timedelta(days=age), time(rng.randint(8, 17)), UTC)
    model, price_in, price_out = rng.choice(_MODELS)
    name = NAMES[index % len(NAMES)]
    digest = hashlib.sha256(f"{seed}:{index}".encode()).hexdigest()
    return BotProfile(
        index=index,
        id="bot_" + digest[: 28 + index % 5],
        name=name if index < len(NAMES) else f"{name} {index // len(NAMES) + 1}",
        volume=volume,
        created_at=created,
        sessions=_SESSIONS[volume] * rng.uniform(0.7, 1.3),
        weekend=rng.uniform(0.3, 0.6),
        growth=rng.uniform(0.0, 0.003),
        dispersion=_DISPERSION[volume],
        messages_per_session=rng.uniform(3.0, 8.0),
        replies_per_message=rng.uniform(1.2, 1.8),
        new_share=rng.uniform(0.2, 0.45),
        calls_per_message=rng.uniform(1.1, 2.6),
        error_rate=rng.uniform(0.01, 0.02),
        latency_ms=rng.uniform(700.0, 2200.0),
        tokens_per_second=rng.uniform(40.0, 100.0),
        input_per_call=rng.uniform(900.0, 2300.0),
        output_per_call=rng.uniform(120.0, 360.0),
        model=model,
        price_in=price_in,
        price_out=price_out,
        missing_rate=0.08 if volume == "low" else 0.0,
        split_rate=0.0 if volume == "low" else 0.05,
        custom_events=_CUSTOM[index % len(_CUSTOM)],
    )
