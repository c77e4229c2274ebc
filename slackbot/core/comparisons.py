"""Comparisons: how a number moved against its reference (DESIGN §5).

Pure. ``relative_change`` is the one definition of "change" in botstats: the summaries,
the formatting of arrows and the digests all go through it.
"""

from __future__ import annotations

import math


def relative_change(current: float | None, previous: float | None) -> float | None:
    """Relative change from previous to current (0.25 = +25%); None if previous is 0/None."""
    if current is None or previous is None or previous == 0:
        return None
    if not (math.isfinite(current) and math.isfinite(previous)):
        return None
    return (current - previous) / abs(previous)
