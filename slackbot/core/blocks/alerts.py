"""Block Kit for alerts (DESIGN §7, §8): one message per bot per run, updated on resolve.

Pure: ``now`` and the timezone are passed in. Day labels are the UTC days the data
covers; clock times (acknowledged at, snoozed until) go through ``<!date>`` so each
reader sees their own timezone. The words for each metric are in ``alert_lines``; the
buttons, mentions and fitting in ``alert_parts``.

Buttons: one set per message, acting on all of the bot's open alerts (a message holds
up to 18 metric/direction pairs; per-alert buttons would double its blocks). Each
button's ``value`` is the open alert ids joined by ``,``, critical first
(``alert_parts.parse_alert_ids`` reads them back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ImageBlock

from slackbot.core.anomalies import METRICS, Evaluation
from slackbot.core.blocks import alert_lines as al
from slackbot.core.blocks import alert_parts as ap
from slackbot.core.blocks.digest_bots import linked_name
from slackbot.core.blocks.kit import (
    Dashboard,
    Message,
    build,
    channel_link,
    context,
    header,
    section,
)
from slackbot.core.blocks.summary import slack_date
from slackbot.core.commands import USAGE
from slackbot.core.formatting import day, day_range, plural, timestamp
from slackbot.core.models import Bot
from slackbot.core.text import escape_mrkdwn

CHART_TITLE = "By day, with the expected band"
_QUIET = "No open alerts: every tracked bot is within its usual range."
_GROUPS = (("firing", "Firing"), ("acknowledged", "Acknowledged"), ("snoozed", "Snoozed"))


@dataclass(frozen=True)
class AlertView:
    """One alert as a message shows it."""

    alert_id: str  # stable id "bot_id:metric:direction" (bot_id "" for the budget)
    bot: Bot | None  # None for the workspace budget
    evaluation: Evaluation  # the latest reading: value, band, score, severity, detail, day
    state: str  # "firing" | "acknowledged" | "snoozed" | "resolved"
    since: date
    acknowledged_by: str | None = None
    snoozed_until: datetime | None = None
    resolution: str | None = None  # "recovered" | "new normal since Mon 23 Nov"
    context: Mapping[str, float] = field(default_factory=dict)  # calls_change, ...
    acknowledged_at: datetime | None = None
    peak: float | None = None  # the worst value while open, shown once resolved
    peak_day: date | None = None

    @property
    def open(self) -> bool:
        """True until the alert resolves."""
        return self.state != "resolved"


def ordered(alerts: Sequence[AlertView]) -> list[AlertView]:
    """Open before resolved, critical first, then the highest score and the metric order."""

    def key(view: AlertView) -> tuple[bool, int, float, int, str]:
        ev = view.evaluation
        rank = METRICS.index(ev.metric) if ev.metric in METRICS else len(METRICS)
        return (not view.open, al.SEVERITY_ORDER[ev.severity], -ev.score, rank, ev.direction)

    return sorted(alerts, key=key)


def headline(view: AlertView, now: datetime) -> str:
    """``LLM cost $41.20 vs $12.00 expected (+243%) on Sat 28 Nov``: a notification's words."""
    ev = view.evaluation
    if ev.metric == "missing_data":
        first, last = al.missing_span(ev)
        return f"no data from Botpress for {day_range(first, last)} ({al.missing_days(ev)})"
    moved = al.change(ev)
    moved = f" ({moved})" if moved else ""
    return f"{al.words(ev.metric)} {al.value_text(ev, ci=False)}{moved} {al.when(ev, now)}"


def alert_text(view: AlertView, *, tz: ZoneInfo, now: datetime) -> str:
    """One alert's section: what, value against the band, the reading, window, state."""
    ev = view.evaluation
    if not view.open:
        return resolved_text(view, now=now)
    moved = al.change(ev)
    title = f"*{al.capital(al.words(ev.metric))}*" + (f" {moved}" if moved else "")
    lines = [f"{al.SEVERITY_EMOJI[ev.severity]} {title}: {al.value_text(ev)} {al.band_text(ev)}"]
    if reading := al.reading(ev, view.context):
        lines.append(f"{al.capital(reading)}.")
    since = day(view.since, year=view.since.year != now.year)
    lines.append(f"{al.window(ev, now)} · since {since} · {al.basis(ev)}")
    if state := state_line(view, tz=tz):
        lines.append(state)
    return "\n".join(line.rstrip() for line in lines)


def state_line(view: AlertView, *, tz: ZoneInfo) -> str:
    """``:eyes: Acknowledged by <@U1> at …``, ``:zzz: Snoozed until …``, or ``""``."""
    parts = []
    if view.acknowledged_by is not None:
        at = f" at {slack_date(view.acknowledged_at, tz)}" if view.acknowledged_at else ""
        parts.append(f":eyes: Acknowledged by {ap.user_link(view.acknowledged_by)}{at}")
    if view.state == "snoozed" and view.snoozed_until is not None:
        parts.append(f":zzz: Snoozed until {slack_date(view.snoozed_until, tz)}")
    return " · ".join(parts)


def alert_message(
    bot: Bot | None,
    alerts: Sequence[AlertView],
    *,
    tz: ZoneInfo,
    now: datetime,
    links: Dashboard | None,
    mention: str | None = None,
    chart_file_id: str | None = None,
) -> Message:
    """All of one bot's alerts in one message: header, each alert, chart, buttons."""
    views = ordered(alerts)
    live = [v for v in views if v.open] or views
    worst = "critical" if any(v.evaluation.severity == "critical" for v in live) else "warning"
    emoji = al.SEVERITY_EMOJI[worst]
    said = ap.safe_mention(mention) if worst == "critical" else ""
    what = _what(live[0]) if len(live) == 1 else plural(len(live), "alert")
    lead: list[Block] = [header(f"{emoji} {ap.subject(bot)}: {what}")]
    lead.append(section(f"{said} {ap.who_line(bot, links)}".strip()))
    items = [(section(alert_text(v, tz=tz, now=now)), 1) for v in views]
    tail: list[Block] = []
    if chart_file_id and live:
        alt = f"{al.capital(al.words(live[0].evaluation.metric))} by day, with its expected band"
        tail.append(ImageBlock(slack_file={"id": chart_file_id}, alt_text=alt, title=CHART_TITLE))
    tail.append(ap.footer(tz=tz, now=now))
    ids = ap.ids_value([v.alert_id for v in views if v.open])
    unacked = any(v.open and v.acknowledged_by is None for v in views)
    if buttons := ap.actions(ids, ap.botpress_url(bot, links), acknowledge=unacked):
        tail.append(buttons)
    name = escape_mrkdwn(ap.subject(bot), ap.NAME_LIMIT)
    text = f"{said} {emoji} {name}: {_headlines(views, now)}".strip()
    return build(text, ap.fit_alerts(lead, items, tail))


def _what(view: AlertView) -> str:
    """``LLM cost +243%``: the header's words for a single alert."""
    moved = al.change(view.evaluation)
    return f"{al.words(view.evaluation.metric)} {moved}".strip()


def _headlines(views: Sequence[AlertView], now: datetime, shown: int = 3) -> str:
    said = "; ".join(headline(v, now) for v in views[:shown])
    rest = len(views) - shown
    return f"{said}; and {rest} more" if rest > 0 else said


def resolved_message(
    bot: Bot | None,
    alerts: Sequence[AlertView],
    *,
    tz: ZoneInfo,
    now: datetime,
    links: Dashboard | None,
) -> Message:
    """The original message once its alerts resolved: each struck, with its peak; no ack."""
    views = ordered(alerts)
    name = ap.subject(bot)
    lead: list[Block] = [header(f":white_check_mark: Resolved: {name}")]
    lead.append(section(ap.who_line(bot, links)))
    items = [(section(resolved_text(v, now=now)), 1) for v in views]
    tail: list[Block] = [ap.footer(tz=tz, now=now)]
    if buttons := ap.actions("", ap.botpress_url(bot, links), acknowledge=False):
        tail.append(buttons)
    said = "; ".join(f"{al.words(v.evaluation.metric)} {_resolution(v)}" for v in views[:3])
    text = f":white_check_mark: Resolved: {escape_mrkdwn(name, ap.NAME_LIMIT)}: {said}"
    return build(text, ap.fit_alerts(lead, items, tail))


def _resolution(view: AlertView) -> str:
    return escape_mrkdwn(view.resolution or "recovered")


def resolved_text(view: AlertView, *, now: datetime) -> str:
    """``~LLM cost~ resolved: recovered``, the peak, the value now and the days it was open."""
    ev = view.evaluation
    lines = [
        f":white_check_mark: ~{al.capital(al.words(ev.metric))}~ resolved: {_resolution(view)}"
    ]
    facts = [_peak(view)] if view.peak is not None else []
    if ev.metric != "missing_data":
        facts.append(f"now {al.value_text(ev, ci=False)} {al.when(ev, now)}")
    if facts:
        lines.append(al.capital(" · ".join(facts)))
    lines.append(_open_days(view))
    return "\n".join(lines)


def _peak(view: AlertView) -> str:
    on = f" on {day(view.peak_day)}" if view.peak_day else ""
    return f"peak {al.show(view.evaluation.metric, view.peak)}{on}"


def _open_days(view: AlertView) -> str:
    return f"Open {day_range(view.since, max(view.since, view.evaluation.day))} (UTC)"


def resolved_reply(alert: AlertView, *, tz: ZoneInfo, now: datetime) -> Message:
    """The thread reply on resolve: back to normal, or the new normal the baseline follows."""
    ev = alert.evaluation
    resolution = _resolution(alert)
    if resolution.startswith("new normal"):
        text = f"{al.capital(resolution)}: the baseline now follows this level"
        level = f"{al.words(ev.metric)} {al.show(ev.metric, ev.value)} {al.when(ev, now)}"
        shown = f":arrows_counterclockwise: *{text}* ({level})."
    else:
        what = f"{al.words(ev.metric)} {al.value_text(ev, ci=False)} {al.when(ev, now)}"
        if ev.metric == "missing_data":
            what = f"Botpress has data again {al.when(ev, now)}"
        text = f"Back to normal: {what}"
        shown = f":white_check_mark: *Back to normal*: {what}."
    facts = [al.capital(_peak(alert))] if alert.peak is not None else []
    facts += [_open_days(alert), f"resolved {slack_date(now, tz)}"]
    return build(text, [section(shown), context(*facts)])


def ack_reply(user_id: str, alerts: Sequence[AlertView] = ()) -> Message:
    """``<@U1> acknowledged this alert`` (or these N alerts), naming the metrics."""
    what = "this alert" if len(alerts) <= 1 else f"these {len(alerts)} alerts"
    earlier = {v.acknowledged_by for v in alerts} - {user_id, None}
    if alerts and len(earlier) == 1 and all(v.acknowledged_by != user_id for v in alerts):
        # Pressed after someone else: the first acknowledgement is the one kept.
        text = f"{ap.user_link(earlier.pop() or '')} already acknowledged {what}"
    else:
        text = f"{ap.user_link(user_id)} acknowledged {what}"
    return build(text, [section(f":eyes: {text}{_metrics(alerts)}.")])


def snooze_reply(
    user_id: str, alerts: Sequence[AlertView] = (), *, until: datetime, days: int, tz: ZoneInfo
) -> Message:
    """``Snoozed for 7 days by <@U1>, until Tue 8 Dec 14:00 CET``, naming the metrics."""
    head = f"Snoozed for {plural(days, 'day')} by {ap.user_link(user_id)}, until"
    text = f"{head} {timestamp(until, tz)}"
    return build(text, [section(f":zzz: {head} {slack_date(until, tz)}{_metrics(alerts)}.")])


def _metrics(alerts: Sequence[AlertView]) -> str:
    names = dict.fromkeys(al.words(v.evaluation.metric) for v in alerts)
    return f": {', '.join(names)}" if names else ""


def alert_gone_message() -> Message:
    """The answer to a button whose alert no longer exists."""
    text = (
        "This alert no longer exists (it may have been deleted, or its bot is no longer "
        f"tracked). {ap.STATUS_HINT.replace('every', 'the')}."
    )
    return build(text, [section(f":information_source: {text}")])


def already_resolved_message(alert: AlertView) -> Message:
    """The answer to Acknowledge or Snooze on an alert that has resolved meanwhile."""
    name = escape_mrkdwn(ap.subject(alert.bot), ap.NAME_LIMIT)
    text = (
        f"This alert is already resolved ({_resolution(alert)}): "
        f"{al.words(alert.evaluation.metric)} of {name}, open since {day(alert.since)}. "
        "There is nothing left to acknowledge or snooze."
    )
    return build(text, [section(f":white_check_mark: {text}")])


def alerts_status_message(
    channel: str,
    views: Sequence[AlertView],
    *,
    routed: bool,
    channels: Sequence[str],
    tz: ZoneInfo,
    now: datetime,
    links: Dashboard | None,
) -> Message:
    """``/botstats alerts status``: what is firing, acknowledged, snoozed; where alerts go."""
    state = "on" if routed else "off"
    lines = [f":bell: Anomaly alerts are *{state}* in {channel_link(channel)}."]
    if channels:
        shown = ", ".join(channel_link(c) for c in channels[:40])
        more = f" and {len(channels) - 40} more" if len(channels) > 40 else ""
        lines.append(f"Alerts go to: {shown}{more}.")
    else:
        lines.append(f"No channel gets alerts yet: `{USAGE['alerts']}` turns them on.")
    items: list[tuple[Block, int]] = []
    counts = []
    for key, title in _GROUPS:
        group = ordered([v for v in views if v.state == key])
        if group:
            counts.append(f"{len(group)} {key}")
            rows = [status_line(v, tz=tz, now=now, links=links) for v in group]
            items += ap.line_sections(f"*{title} ({len(group)})*", rows)
    if not items:
        items.append((section(f":white_check_mark: {_QUIET}"), 0))
    text = f"Anomaly alerts are {state} in this channel; " + (", ".join(counts) or "no open alerts")
    lead = [section("\n".join(lines))]
    return build(f"{text}.", ap.fit_alerts(lead, items, [ap.footer(tz=tz, now=now)]))


def status_line(view: AlertView, *, tz: ZoneInfo, now: datetime, links: Dashboard | None) -> str:
    """``• :warning: *Bot* · LLM cost $41.20 vs $12.00 expected (+243%) · since …``."""
    ev = view.evaluation
    who = linked_name(view.bot, links) if view.bot is not None else f"*{ap.WORKSPACE}*"
    parts = [f"• {al.SEVERITY_EMOJI[ev.severity]} {who}", headline(view, now)]
    parts.append(f"since {day(view.since, year=view.since.year != now.year)}")
    if view.acknowledged_by is not None:
        parts.append(f"acknowledged by {ap.user_link(view.acknowledged_by)}")
    if view.state == "snoozed" and view.snoozed_until is not None:
        parts.append(f"snoozed until {slack_date(view.snoozed_until, tz)}")
    return " · ".join(parts)
