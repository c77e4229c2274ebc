"""The one clock: every use case and adapter gets "now" from a ``Clock`` it was handed.

This module is the only place in botstats that reads the wall clock, so a test (or the
demo, or a backtest) can run the whole product at any moment it likes by passing
``fixed_clock(...)``. Durations use ``time.monotonic``/``perf_counter``, which is fine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""A source of the current time: returns an aware datetime (UTC by convention)."""


def system_clock() -> datetime:
    """The real time now, in UTC."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock stopped at ``moment`` (taken as UTC when naive)."""
    frozen = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return lambda: frozen
