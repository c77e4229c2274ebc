"""What every detector reads: the day judged, its record, and the days a baseline may use."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

from slackbot.core.anomalies import Band, Direction, Evaluation, Metric, Thresholds
from slackbot.core.baselines import Expectation, Kind, expect, lookback
from slackbot.core.models import Metrics

#: Reads one number off a day's metrics; None where that day has nothing to say.
Reader: TypeAlias = Callable[[Metrics], float | None]


@dataclass(frozen=True)
class Context:
    """One bot on one closed day: its record (None: no record) and its baseline candidates."""

    bot_id: str
    day: date
    metrics: Metrics | None
    history: Mapping[date, Metrics]
    thresholds: Thresholds
    excluded: Mapping[Metric, Collection[date]]
    candidates: Mapping[date, Metrics]  # days a band may read: with a record, not suspect

    @classmethod
    def build(
        cls,
        bot_id: str,
        history: Mapping[date, Metrics],
        day: date,
        thresholds: Thresholds,
        excluded: Mapping[Metric, Collection[date]] | None = None,
    ) -> Context:
        """The context of ``day``; history after ``day`` is never read (backtests pass it all)."""
        # A day with more errors than calls is kept as reported but never trusted as normal.
        candidates = {
            d: m for d in lookback(day) if (m := history.get(d)) is not None and not m.suspect
        }
        return cls(bot_id, day, history.get(day), history, thresholds, excluded or {}, candidates)

    def column(self, read: Reader) -> Mapping[date, float]:
        """``read`` over the baseline candidates, days it has nothing for left out."""
        return _Column(self.candidates, read)

    def expect(
        self, metric: Metric, read: Reader, kind: Kind, *, noise_floor: float = 0.0
    ) -> Expectation:
        """The expectation of ``metric`` on the day, its flagged days kept out."""
        return expect(
            self.column(read),
            self.day,
            kind=kind,
            thresholds=self.thresholds,
            excluded=self.excluded.get(metric, ()),
            noise_floor=noise_floor,
        )

    def evaluation(
        self,
        metric: Metric,
        direction: Direction,
        value: float | None,
        band: Band,
        score: float,
        *,
        detail: dict[str, float] | None = None,
    ) -> Evaluation:
        """An evaluation of the day; a non-finite score (garbage in) reads as 0."""
        safe = score if math.isfinite(score) and score > 0 else 0.0
        return Evaluation(self.bot_id, metric, direction, self.day, value, band, safe, detail or {})


class _Column(Mapping[date, float]):
    """A metric's values by day, read on demand: a band reads 6 of the 18 candidates."""

    __slots__ = ("_candidates", "_read")

    def __init__(self, candidates: Mapping[date, Metrics], read: Reader) -> None:
        self._candidates = candidates
        self._read = read

    def get(self, key: date, default: float | None = None) -> float | None:  # type: ignore[override]
        """The value of day ``key``, or ``default`` when it has none (or a non-finite one)."""
        m = self._candidates.get(key)
        value = None if m is None else finite(self._read(m))
        return default if value is None else value

    def __getitem__(self, key: date) -> float:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[date]:
        return (d for d in self._candidates if self.get(d) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def finite(value: float | None) -> float | None:
    """``value`` when it is a finite number, else None."""
    return value if value is not None and math.isfinite(value) else None
