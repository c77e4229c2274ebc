"""Alert records as messages show them, and which channels get a bot's alerts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from slackbot.core.alert_states import AlertRecord
from slackbot.core.anomalies import Band, Evaluation
from slackbot.core.blocks.alerts import AlertView, headline
from slackbot.core.digest import OpenAlert
from slackbot.core.models import Bot
from slackbot.store import Store
from slackbot.store.alerts import Route

_RECORD_FIELDS = frozenset(f.name for f in fields(AlertRecord))


def record_from(data: Mapping[str, Any]) -> AlertRecord:
    """The state machine's record from a stored row's JSON (episodes and evaluation beside it)."""
    return AlertRecord.from_json({k: v for k, v in data.items() if k in _RECORD_FIELDS})


def evaluation_json(evaluation: Evaluation) -> dict[str, Any]:
    """The parts of an evaluation a later message needs (band, detail), as JSON."""
    band = evaluation.band
    return {
        "day": evaluation.day.isoformat(),
        "value": evaluation.value,
        "score": evaluation.score,
        "band": [band.expected, band.low, band.high, band.method, band.history_days, band.limited],
        "detail": dict(evaluation.detail),
    }


def evaluation_of(record: AlertRecord, data: Mapping[str, Any] | None) -> Evaluation:
    """The latest evaluation of an alert, from its stored JSON (or its record alone)."""
    if not data:
        band = Band(record.expected, record.low, record.high, "stored", 0)
        return Evaluation(
            record.bot_id,
            record.metric,
            record.direction,
            record.last_day,
            record.value,
            band,
            record.score,
        )
    expected, low, high, method, history, limited = data["band"]
    return Evaluation(
        record.bot_id,
        record.metric,
        record.direction,
        date.fromisoformat(data["day"]),
        data["value"],
        Band(expected, low, high, method, history, limited),
        data["score"],
        {k: float(v) for k, v in data.get("detail", {}).items()},
    )


def view_of(
    alert_id: str,
    record: AlertRecord,
    evaluation: Evaluation,
    bots: Mapping[str, Bot],
    *,
    now: datetime,
) -> AlertView:
    """One alert as a message shows it, in its state at ``now``."""
    bot = bots.get(record.bot_id or "") if record.bot_id else None
    if record.bot_id and bot is None:
        bot = Bot(record.bot_id, record.bot_id)
    return AlertView(
        alert_id=alert_id,
        bot=bot,
        evaluation=evaluation,
        state=record.state_at(now),
        since=record.since,
        acknowledged_by=record.acknowledged_by,
        snoozed_until=record.snoozed_until,
        resolution=record.resolution,
        acknowledged_at=record.acknowledged_at,
        peak=_peak_value(record),
        peak_day=record.peak_day if record.status == "resolved" else None,
        context={k: v for k, v in evaluation.detail.items() if k in _CONTEXT},
    )


_CONTEXT = ("calls_change", "cost_per_call_change")


def _peak_value(record: AlertRecord) -> float | None:
    """The worst value of a resolved alert (its last value for a record stored before peaks)."""
    if record.status != "resolved":
        return None
    return record.peak_value if record.peak_value is not None else record.value


def channels_for(
    bot_id: str | None, routes: Iterable[Route], default_channel: str | None
) -> list[str]:
    """The channels a bot's alerts go to: BOTSTATS_ALERT_CHANNEL and `/botstats alerts on`.

    A channel's choice for one bot beats its choice for all bots; the default channel
    gets every alert unless alerts were turned off there.
    """
    choice: dict[str, bool] = {}
    if default_channel:
        choice[default_channel] = True
    ordered: Sequence[Route] = sorted(routes, key=lambda r: r.target != "all")
    for route in ordered:
        if route.target == "all" or (bot_id is not None and route.target == bot_id):
            choice[route.channel] = route.enabled
    return sorted(channel for channel, on in choice.items() if on)


def open_views(
    records: Iterable[tuple[str, AlertRecord, Mapping[str, Any]]],
    bots: Mapping[str, Bot],
    *,
    now: datetime,
) -> list[AlertView]:
    """The firing alerts (acknowledged and snoozed ones included) as views, for listings."""
    return [
        view_of(alert_id, record, evaluation_of(record, data.get("evaluation")), bots, now=now)
        for alert_id, record, data in records
        if record.status == "firing"
    ]


def open_alerts(store: Store, bots: Mapping[str, Bot], *, now: datetime) -> list[AlertView]:
    """Every alert still open in the store (firing, acknowledged or snoozed)."""
    stored = [
        (s.alert_id, record_from(s.record), s.record) for s in store.alerts.records(status="firing")
    ]
    return open_views(stored, bots, now=now)


def digest_alerts(store: Store, bots: Mapping[str, Bot], *, now: datetime) -> list[OpenAlert]:
    """The open alerts as the digest lists them (DESIGN §7: the digest shows open alerts)."""
    return [
        OpenAlert(
            bot_id=view.evaluation.bot_id or "",
            metric=view.evaluation.metric,
            direction=view.evaluation.direction,
            severity=view.evaluation.severity,
            state=view.state,
            day=view.since,
            text=headline(view, now),
        )
        for view in open_alerts(store, bots, now=now)
    ]


def digest_alert_source(
    store: Store, clock: Callable[[], datetime]
) -> Callable[[Sequence[Bot]], list[OpenAlert]]:
    """What ``DigestBuilder(open_alerts=...)`` calls: the open alerts of the digest's bots.

    The workspace's budget alerts belong to every digest of all bots.
    """

    def source(bots: Sequence[Bot]) -> list[OpenAlert]:
        known = {bot.id: bot for bot in bots}
        alerts = digest_alerts(store, known, now=clock())
        return [a for a in alerts if a.bot_id in known or (a.bot_id == "" and len(bots) > 1)]

    return source
