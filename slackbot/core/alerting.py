"""The alert engine's day, pure: evaluations in, state machine steps out (DESIGN §7).

``AlertBook`` holds the alert records and past episodes of a workspace. ``check_day``
runs every detector on a bot's closed day with the flagged days kept out of its baselines,
and ``apply`` passes each evaluation through the state machine. The live engine (stored
records, Slack) and the backtest (a replay over stored history) share this one path, so a
backtest shows exactly what the live engine would have sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from statistics import median

from slackbot.core.alert_states import AlertRecord, BudgetStage, Episode, Step, excluded_days, step
from slackbot.core.anomalies import METRICS, Evaluation, Metric, Thresholds
from slackbot.core.detectors import evaluate_day
from slackbot.core.detectors.budget import PACE
from slackbot.core.models import Metrics

#: Days of history a day's evaluation reads (6 same weekdays back, and a little more).
HISTORY_DAYS = 49
_STAGES: dict[float, BudgetStage] = {PACE: "pace", 0.8: "0.8", 1.0: "1.0"}
#: Past episodes kept per alert: only those inside the history window can matter.
MAX_EPISODES = 12


def alert_id(
    bot_id: str | None, metric: Metric, direction: str, stage: BudgetStage | None = None
) -> str:
    """The stable id of a (bot, metric, direction[, stage]) alert: buttons carry it.

    ``BOT:metric:direction``; the workspace's budget stages read ``workspace@0.8:budget:up``.
    """
    owner = bot_id or "workspace"
    return f"{owner}@{stage}:{metric}:{direction}" if stage else f"{owner}:{metric}:{direction}"


def stage_of(evaluation: Evaluation) -> BudgetStage | None:
    """The budget stage an evaluation is about (None for every other metric)."""
    if evaluation.metric != "budget":
        return None
    return _STAGES.get(evaluation.detail.get("stage", PACE), "pace")


@dataclass(frozen=True)
class Change:
    """One evaluation after the state machine: what to do about it."""

    alert_id: str
    evaluation: Evaluation
    step: Step

    @property
    def action(self) -> str:
        """``notify``, ``renotify``, ``resolve``, ``update`` or ``none``."""
        return self.step.action


@dataclass
class AlertBook:
    """Alert records and past episodes, by alert id; what the engine and the backtest step.

    Add records with ``put`` (or ``merge``): it keeps the per-owner index that lets
    ``bot_episodes`` read one bot's alerts instead of the whole workspace's.
    """

    records: dict[str, AlertRecord] = field(default_factory=dict)
    episodes: dict[str, list[Episode]] = field(default_factory=dict)
    #: Every evaluation applied, alerting or not: its expected value and band are stored.
    seen: list[Evaluation] = field(default_factory=list)
    _owned: dict[str, set[str]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for key in (*self.records, *self.episodes):
            self._own(key)

    def put(self, key: str, record: AlertRecord, episodes: Iterable[Episode] = ()) -> None:
        """Hold ``record`` (and its past ``episodes``) under alert id ``key``."""
        self.records[key] = record
        kept = list(episodes)
        if kept:
            self.episodes[key] = kept
        self._own(key)

    def merge(self, other: AlertBook) -> None:
        """Take every record and episode of ``other`` (a bot's own book) into this one."""
        for key in other.records.keys() | other.episodes.keys():
            self.episodes.pop(key, None)
            if key in other.records:
                self.put(key, other.records[key], other.episodes.get(key, ()))
            else:
                self.episodes[key] = list(other.episodes[key])
                self._own(key)

    def bot_episodes(self, bot_id: str | None) -> list[Episode]:
        """Every episode of a bot's alerts, the open ones included."""
        keys = self._owned.get(bot_id or "workspace", ())
        past = [e for key in keys for e in self.episodes.get(key, ())]
        current = [Episode.of(r) for key in keys if (r := self.records.get(key)) is not None]
        return past + current

    def excluded(self, bot_id: str, day: date) -> dict[Metric, frozenset[date]]:
        """Per metric, the days before ``day`` its baseline must skip (flagged days)."""
        episodes = self.bot_episodes(bot_id)
        if not episodes:
            return {}
        first = day - timedelta(days=HISTORY_DAYS)
        last = day - timedelta(days=1)
        return {m: excluded_days(episodes, m, first=first, last=last) for m in METRICS}

    def _own(self, key: str) -> None:
        # The owner is the id's first part: a bot id, or ``workspace@stage`` for the budget.
        self._owned.setdefault(key.split(":", 1)[0], set()).add(key)

    def apply(self, evaluations: Iterable[Evaluation], *, now: datetime) -> list[Change]:
        """Step every evaluation through its record's state machine; the changes, in order."""
        changes = []
        for evaluation in evaluations:
            self.seen.append(evaluation)
            stage = stage_of(evaluation)
            key = alert_id(evaluation.bot_id, evaluation.metric, evaluation.direction, stage)
            before = self.records.get(key)
            result = step(before, evaluation, now=now, stage=stage)
            if result.record is None:
                continue
            if before is not None and before.since != result.record.since:
                self._archive(key, before)
            self.put(key, result.record)
            changes.append(Change(key, evaluation, result))
        return changes

    def _archive(self, key: str, record: AlertRecord) -> None:
        """Keep a closed episode: its days stay out of later baselines."""
        kept = self.episodes.setdefault(key, [])
        kept.append(Episode.of(record))
        del kept[:-MAX_EPISODES]


def check_day(
    book: AlertBook,
    bot_id: str,
    history: Mapping[date, Metrics],
    day: date,
    *,
    thresholds: Thresholds,
    now: datetime,
) -> list[Change]:
    """Evaluate a bot's closed ``day`` (history up to it) and step the state machine."""
    evaluations = evaluate_day(
        bot_id, history, day, thresholds=thresholds, excluded=book.excluded(bot_id, day)
    )
    reading = reading_context(history, day)
    explained = [
        replace(e, detail={**reading, **e.detail}) if e.metric in _EXPLAINED else e
        for e in evaluations
    ]
    return book.apply(explained, now=now)


#: The cost alerts whose message splits the move into "more calls" and "dearer calls".
_EXPLAINED = frozenset({"cost", "cost_per_call", "intraday_cost"})


def reading_context(history: Mapping[date, Metrics], day: date) -> dict[str, float]:
    """How ``day``'s calls and cost per call moved against the same weekdays before it.

    The alert message reads these: calls flat while each call got dearer points to a model
    or prompt change; calls up at the usual price points to a loop or a traffic surge.
    """
    today = history.get(day)
    before = [history[d] for d in _same_weekdays(day) if d in history and not history[d].suspect]
    if today is None or not before:
        return {}
    out: dict[str, float] = {}
    calls = median(float(m.llm_calls) for m in before)
    if calls > 0:
        out["calls_change"] = today.llm_calls / calls - 1.0
    per_call = [p for m in before if (p := m.cost_per_call) is not None]
    if per_call and today.cost_per_call is not None and median(per_call) > 0:
        out["cost_per_call_change"] = today.cost_per_call / median(per_call) - 1.0
    return out


def _same_weekdays(day: date, weeks: int = 6) -> list[date]:
    return [day - timedelta(days=7 * n) for n in range(1, weeks + 1)]


def notified(changes: Sequence[Change]) -> list[Change]:
    """The changes that send a message (a first alert or a reminder)."""
    return [c for c in changes if c.action in ("notify", "renotify")]
