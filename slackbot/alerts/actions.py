"""The alert buttons: Acknowledge (any member) and Snooze 1 day / 7 days (admins when set).

A press acts only on alerts that exist: an id the store does not know (deleted) or a
resolved alert gets a short sentence and changes nothing. After a change the original
message is rebuilt from the records, so everyone sees who acknowledged and until when
it is snoozed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from slackbot.alerts.views import evaluation_of, record_from, view_of
from slackbot.core.alert_states import AlertRecord, AlertStateError, acknowledge, snooze
from slackbot.core.blocks.alert_parts import ACK_ACTION, SNOOZE_ACTIONS, parse_alert_ids
from slackbot.core.blocks.alerts import (
    AlertView,
    ack_reply,
    alert_gone_message,
    alert_message,
    already_resolved_message,
    snooze_reply,
)
from slackbot.core.blocks.kit import Dashboard, Message, build, section
from slackbot.digests.delivery import Poster
from slackbot.errors import SlackDeliveryError, UsageError
from slackbot.service import Service
from slackbot.store.alerts import StoredAlert

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Press:
    """One button press: which button, on which message, by whom."""

    action_id: str
    value: str
    user: str
    channel: str
    message_ts: str | None


class AlertActions:
    """Applies Acknowledge and Snooze to stored alerts and refreshes their message."""

    def __init__(
        self,
        service: Service,
        poster: Poster | None,
        *,
        tz: ZoneInfo,
        links: Dashboard | None = None,
        admins: frozenset[str] = frozenset(),
        mention: str | None = None,
    ) -> None:
        self.service = service
        self.poster = poster
        self.tz = tz
        self.links = links
        self.admins = admins
        self.mention = mention

    def press(self, press: Press, *, now: datetime) -> Message:
        """What the presser sees; the records and the original message change on success."""
        try:
            ids = parse_alert_ids(press.value)
        except UsageError as exc:
            log.warning("alert button from %s carried %r: %s", press.user, press.value[:200], exc)
            return alert_gone_message()
        stored = [s for s in (self.service.store.alerts.record(i) for i in ids) if s is not None]
        if not stored:
            log.info("alert button from %s names alerts that no longer exist: %s", press.user, ids)
            return alert_gone_message()
        records = [(s, record_from(s.record)) for s in stored]
        open_ = [(s, r) for s, r in records if r.status == "firing"]
        if not open_:
            return already_resolved_message(self._view(*records[0], now=now))
        if press.action_id in SNOOZE_ACTIONS and self.admins and press.user not in self.admins:
            who = ", ".join(f"<@{u}>" for u in sorted(self.admins))
            text = (
                f"Only botstats admins can snooze alerts: {who}. Acknowledge is open to everyone."
            )
            return build(text, [section(f":no_entry: {text}")])
        changed, modified = self._apply(press, open_, now=now)
        if modified:  # a second Acknowledge changes nothing: no chat.update (Tier 3) for it
            self._refresh(press, now=now)
        views = [self._view(s, r, now=now) for s, r in changed]
        if press.action_id == ACK_ACTION:
            return ack_reply(press.user, views)
        days = SNOOZE_ACTIONS[press.action_id].days
        until = now + SNOOZE_ACTIONS[press.action_id]
        return snooze_reply(press.user, views, until=until, days=days, tz=self.tz)

    def _apply(
        self, press: Press, open_: Sequence[tuple[StoredAlert, AlertRecord]], *, now: datetime
    ) -> tuple[list[tuple[StoredAlert, AlertRecord]], bool]:
        """Acknowledge or snooze each open alert and save it; True if any record changed."""
        changed, modified = [], False
        for stored, record in open_:
            try:
                if press.action_id == ACK_ACTION:
                    updated = acknowledge(record, press.user, now=now)
                else:
                    updated = snooze(record, now + SNOOZE_ACTIONS[press.action_id], now=now)
            except AlertStateError as exc:
                log.info("alert %s: %s", stored.alert_id, exc)
                continue
            if updated == record:
                changed.append((stored, record))
                continue
            modified = True
            data = {**stored.record, **updated.to_json()}
            saved = StoredAlert(
                stored.alert_id,
                stored.bot_id,
                stored.metric,
                stored.direction,
                updated.status,
                updated.since,
                data,
            )
            self.service.store.alerts.save_record(saved, now=now)
            changed.append((saved, updated))
        log.info("%s on %d alert(s) by %s", press.action_id, len(changed), press.user)
        return changed, modified

    def _view(self, stored: StoredAlert, record: AlertRecord, *, now: datetime) -> AlertView:
        bots = {bot.id: bot for bot in self.service.known_bots()}
        evaluation = evaluation_of(record, stored.record.get("evaluation"))
        return view_of(stored.alert_id, record, evaluation, bots, now=now)

    def _refresh(self, press: Press, *, now: datetime) -> None:
        """Rebuild the pressed message from its alerts' records (who acked, snoozed until)."""
        if self.poster is None or not press.message_ts:
            return
        ids = self.service.store.alerts.message_at(press.channel, press.message_ts)
        stored = [s for s in (self.service.store.alerts.record(i) for i in ids) if s is not None]
        if not stored:
            return
        views = [self._view(s, record_from(s.record), now=now) for s in stored]
        message = alert_message(
            views[0].bot, views, tz=self.tz, now=now, links=self.links, mention=self.mention
        )
        try:
            self.poster.update(press.channel, press.message_ts, message)
        except SlackDeliveryError as exc:
            log.warning("could not update the alert message in %s: %s", press.channel, exc)
