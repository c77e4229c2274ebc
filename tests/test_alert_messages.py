"""Tests for the alert messages: the words a person reads, the buttons, and Slack's limits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block

from slackbot.core.anomalies import Band, Evaluation, Metric
from slackbot.core.blocks import alert_parts as ap
from slackbot.core.blocks import kit
from slackbot.core.blocks.alerts import (
    AlertView,
    ack_reply,
    alert_gone_message,
    alert_message,
    alerts_status_message,
    already_resolved_message,
    resolved_message,
    resolved_reply,
    snooze_reply,
)
from slackbot.core.blocks.kit import Dashboard, Message, message_chars
from slackbot.core.formatting import EN_DASH, MINUS
from slackbot.core.models import Bot
from slackbot.errors import UsageError

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 29, 14, 5, tzinfo=UTC)  # Sunday, 15:05 CET
SAT = date(2026, 11, 28)
SUN = date(2026, 11, 29)
BOT = Bot("bot-1", "Support Assistant", "support")
LINKS = Dashboard("https://app.botpress.cloud", "ws-1")
BOT_URL = "https://app.botpress.cloud/workspaces/ws-1/bots/bot-1/overview"
WEEKS = Band(12.0, 8.10, 17.50, "same-weekday", 6)  # six same-weekday points
TIMES = "\u00d7"


def evaluation(
    metric: Metric = "cost",
    value: float | None = 41.20,
    band: Band = WEEKS,
    *,
    direction: str = "up",
    score: float = 3.0,
    on: date = SAT,
    detail: Mapping[str, float] | None = None,
) -> Evaluation:
    """An evaluation built by hand (critical by default: score 3)."""
    return Evaluation(
        bot_id="bot-1" if metric != "budget" else None,
        metric=metric,
        direction="down" if direction == "down" else "up",
        day=on,
        value=value,
        band=band,
        score=score,
        detail=dict(detail or {}),
    )


def view(ev: Evaluation | None = None, **changes: Any) -> AlertView:
    """A firing alert on BOT since Saturday, its id made from the evaluation."""
    ev = ev or evaluation()
    bot = changes.pop("bot", BOT if ev.metric != "budget" else None)
    bot_id = bot.id if bot is not None else ""
    fields: dict[str, Any] = {
        "alert_id": f"{bot_id}:{ev.metric}:{ev.direction}",
        "bot": bot,
        "evaluation": ev,
        "state": "firing",
        "since": SAT,
    }
    return AlertView(**{**fields, **changes})


def message(*views: AlertView, **options: Any) -> Message:
    """The alert message of the first view's bot, with links, in Paris."""
    bot = options.pop("bot", views[0].bot)
    return alert_message(
        bot, views, tz=PARIS, now=NOW, links=options.pop("links", LINKS), **options
    )


def assert_valid(msg: Message) -> str:
    """Check a message against Slack's rules and return its blocks as JSON text."""
    assert msg.text.strip()
    parsed = Block.parse_all(msg.blocks)
    assert len([b for b in parsed if b is not None]) == len(msg.blocks)
    assert len(msg.blocks) <= kit.MAX_BLOCKS
    assert message_chars(msg.blocks) <= kit.MAX_CHARS
    for block in msg.blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= kit.HEADER_MAX
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= kit.SECTION_MAX
        for element in block.get("elements", []):
            assert len(element.get("value", "")) <= ap.VALUE_MAX
    return json.dumps(msg.blocks, ensure_ascii=False)


def all_text(msg: Message) -> str:
    """Every text string of a message, fallback included."""
    texts = [msg.text]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(msg.blocks)
    return "\n".join(texts)


def buttons(msg: Message) -> dict[str, dict[str, Any]]:
    """The message's buttons by action id."""
    return {
        element["action_id"]: element
        for block in msg.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    }


def sections(msg: Message) -> list[str]:
    """Every section's text, in order."""
    return [b["text"]["text"] for b in msg.blocks if b["type"] == "section" and "text" in b]


def test_cost_spike_reads_value_band_change_window_and_since() -> None:
    """A cost spike says the metric, value vs expected and band, +%, the UTC day and since."""
    msg = message(view(), mention="<!here>")
    assert_valid(msg)
    alert = sections(msg)[1]
    assert alert.startswith(":rotating_light: *LLM cost* +243%: ")
    assert f"$41.20 vs $12.00 expected (normal $8.10{EN_DASH}$17.50)" in alert
    assert "Sat 28 Nov (UTC) · since Sat 28 Nov" in alert
    assert "baseline: same weekday, last 6 weeks" in alert
    assert "limited history" not in alert
    assert msg.text == (
        "<!here> :rotating_light: Support Assistant: LLM cost $41.20 vs $12.00 expected "
        "(+243%) on Sat 28 Nov"
    )
    assert msg.blocks[0]["text"]["text"] == ":rotating_light: Support Assistant: LLM cost +243%"


def test_cost_with_flat_calls_points_to_a_model_or_prompt_change() -> None:
    """Calls flat while each call cost three times as much reads as a model or prompt change."""
    context = {"calls_change": 0.03, "cost_per_call_change": 2.0}
    text = all_text(message(view(context=context)))
    assert f"Calls flat while each call cost {TIMES}3: points to a model or prompt change." in text


def test_cost_per_call_alert_uses_its_own_change_for_the_reading() -> None:
    """A cost-per-call alert reads its own tripling against flat calls."""
    band = Band(0.004, 0.003, 0.005, "same-weekday", 4)
    ev = evaluation("cost_per_call", 0.012, band)
    text = all_text(message(view(ev, context={"calls_change": -0.05})))
    assert "*Cost per call* +200%: $0.012 vs $0.004 expected (normal $0.003" in text
    assert f"each call cost {TIMES}3: points to a model or prompt change" in text
    assert "Support Assistant: cost per call $0.012 vs $0.004 expected (+200%)" in text


def test_cost_with_four_times_the_calls_points_to_a_loop() -> None:
    """Calls x4 at the usual cost per call reads as a loop or a traffic surge."""
    context = {"calls_change": 3.0, "cost_per_call_change": 0.02}
    text = all_text(message(view(context=context)))
    assert (
        f"Calls {TIMES}4 at the usual cost per call: points to a loop or a traffic surge." in text
    )


def test_error_rate_shows_its_wilson_interval_points_and_counts() -> None:
    """The error rate reads with its 95% Wilson interval, the change in points and N of M."""
    band = Band(0.021, None, 0.05, "binomial", 6)
    detail = {"errors": 62, "calls": 517, "ci_low": 0.098, "ci_high": 0.146}
    msg = message(view(evaluation("error_rate", 0.12, band, detail=detail)))
    alert = sections(msg)[1]
    assert f"*Error rate* +9.9 pp: 12.0% (95% CI 9.8{EN_DASH}14.6%) vs 2.1% expected" in alert
    assert "(normal up to 5.0%)" in alert
    assert "62 of 517 LLM calls failed." in alert
    assert "baseline: the error rate pooled over 6 earlier days" in alert
    assert "error rate 12.0% vs 2.1% expected (+9.9 pp) on Sat 28 Nov" in msg.text


def test_latency_reads_in_seconds_with_its_calls() -> None:
    """Latency shows durations people read and the calls the mean is over."""
    band = Band(1100.0, 900.0, 1600.0, "same-weekday", 5)
    ev = evaluation("latency", 4200.0, band, score=1.4, detail={"calls": 1200})
    msg = message(view(ev))
    alert = sections(msg)[1]
    assert alert.startswith(":warning: *Latency* +282%: 4.2 s vs 1.1 s expected")
    assert f"(normal 900 ms{EN_DASH}1.6 s)" in alert
    assert "Mean over 1,200 LLM calls" in alert
    assert msg.text.startswith(":warning: Support Assistant: latency 4.2 s vs 1.1 s expected")


def test_traffic_drop_to_zero_asks_whether_the_bot_is_reachable() -> None:
    """Zero sessions against a usual Saturday asks whether the bot is reachable."""
    band = Band(340.0, 250.0, 430.0, "same-weekday", 6)
    ev = evaluation("sessions", 0.0, band, direction="down", score=6.0)
    msg = message(view(ev))
    alert = sections(msg)[1]
    assert f"*Sessions* {MINUS}100%: 0 vs 340 expected (normal 250{EN_DASH}430)" in alert
    assert "No sessions at all: is the bot reachable?" in alert


def test_traffic_partial_drop_and_spike_compare_with_the_usual_weekday() -> None:
    """A partial drop and a spike of user messages name the usual weekday."""
    band = Band(1000.0, 800.0, 1200.0, "same-weekday", 6)
    drop = all_text(message(view(evaluation("user_messages", 380.0, band, direction="down"))))
    spike = all_text(message(view(evaluation("user_messages", 3100.0, band))))
    assert "User messages at 38% of a usual Saturday." in drop
    assert f"User messages {TIMES}3.1 a usual Saturday" in spike


def test_missing_data_names_the_days_without_a_record() -> None:
    """Missing data names both days and says Botpress returned no record."""
    band = Band(None, None, None, "presence", 28)
    msg = message(view(evaluation("missing_data", 2.0, band, on=SAT, score=1.0)))
    text = all_text(msg)
    assert "*No data*: no record from Botpress for 2 closed days" in text
    assert "Botpress returned no record for 2 closed days in a row." in text
    assert f"Fri 27 Nov {EN_DASH} Sat 28 Nov (UTC)" in text
    assert f"no data from Botpress for Fri 27 Nov {EN_DASH} Sat 28 Nov (2 closed days)" in msg.text


def test_intraday_cost_says_today_until_the_hour_of_the_data() -> None:
    """Intraday cost reads "today until 14:00 UTC" and says it is past the day's band."""
    as_of = datetime(2026, 11, 29, 14, 0, tzinfo=UTC).timestamp()
    ev = evaluation("intraday_cost", 30.10, on=SUN, detail={"as_of": as_of})
    msg = message(view(ev, since=SUN))
    alert = sections(msg)[1]
    assert "*Cost so far today* +151%: $30.10 so far vs $12.00 expected for the whole day" in alert
    assert "Already past the day's upper band of $17.50." in alert
    assert "today until 14:00 UTC · since Sun 29 Nov" in alert
    assert msg.text.endswith("(+151%) today until 14:00 UTC")


def test_budget_projection_names_the_month_end_and_the_budget() -> None:
    """The budget alert names all bots, the projection against the budget and the spend."""
    band = Band(2000.0, None, 2000.0, "budget", 28)
    ev = evaluation("budget", 2400.0, band, score=1.2, detail={"budget": 2000.0, "spent": 1534.5})
    msg = alert_message(None, [view(ev)], tz=PARIS, now=NOW, links=LINKS)
    assert_valid(msg)
    text = all_text(msg)
    assert msg.blocks[0]["text"]["text"] == ":warning: All tracked bots: monthly budget +20%"
    assert "$2,400 projected month-end vs the $2,000 budget" in text
    assert "Projected month-end $2,400 against the $2,000 budget; $1,534.50 spent so far." in text
    assert "November so far, through Sat 28 Nov (UTC)" in text
    assert (
        buttons(msg)["botstats_alert_open"]["url"] == "https://app.botpress.cloud/workspaces/ws-1"
    )
    assert buttons(msg)["botstats_alert_ack"]["value"] == ":budget:up"
    assert "All tracked bots: monthly budget $2,400 projected" in msg.text


def test_budget_spend_past_a_share_of_the_budget() -> None:
    """Actual spend past 80% of the budget says so."""
    band = Band(2000.0, None, 2000.0, "budget", 28)
    detail = {"budget": 2000.0, "spent": 1650.0, "threshold": 0.8}
    text = all_text(
        alert_message(
            None,
            [view(evaluation("budget", 1650.0, band, detail=detail))],
            tz=PARIS,
            now=NOW,
            links=None,
        )
    )
    assert "*Monthly budget*: $1,650.00 spent, 82.5% of the $2,000 budget" in text
    assert "Spent $1,650.00 so far: past 80% of the $2,000 budget." in text


def test_limited_history_is_noted() -> None:
    """A band from fewer than 3 weeks of history says "limited history"."""
    band = Band(12.0, 8.0, 18.0, "recent", 10, limited=True)
    text = all_text(message(view(evaluation(band=band))))
    assert "baseline: the last 10 days · :hourglass: limited history" in text


def test_warning_has_the_warning_emoji_and_no_mention() -> None:
    """A warning shows :warning: and never mentions anyone, even with a mention configured."""
    msg = message(view(evaluation(score=1.3)), mention="<!subteam^S0123ABC>")
    text = all_text(msg)
    assert msg.blocks[0]["text"]["text"].startswith(":warning: ")
    assert ":rotating_light:" not in text
    assert "subteam" not in text
    assert msg.text.startswith(":warning: Support Assistant: LLM cost")


def test_critical_mentions_at_the_start_of_fallback_and_first_section() -> None:
    """A critical alert puts the configured mention first in the fallback and first section."""
    msg = message(
        view(evaluation(score=1.3)),
        view(evaluation("latency", 4000.0, score=2.5)),
        mention="<!subteam^S0123ABC>",
    )
    assert msg.text.startswith("<!subteam^S0123ABC> :rotating_light: Support Assistant: ")
    assert sections(msg)[0].startswith("<!subteam^S0123ABC> *<")
    assert msg.blocks[0]["text"]["text"] == ":rotating_light: Support Assistant: 2 alerts"
    assert all_text(msg).count("<!subteam") == 2


def test_a_mention_that_is_not_one_is_escaped() -> None:
    """A mention setting with arbitrary text is shown escaped, never as a live link."""
    msg = message(view(), mention="<@U123> <!channel>")
    assert "&lt;@U123&gt; &lt;!channel&gt;" in msg.text
    assert "<!channel>" not in all_text(msg)


def test_buttons_carry_the_action_ids_and_the_alert_ids() -> None:
    """Acknowledge, both snoozes and Open in Botpress, each value the open alerts' ids."""
    cost = view()
    errors = view(evaluation("error_rate", 0.2, Band(0.02, None, 0.05, "binomial", 6), score=5))
    msg = message(cost, errors)
    found = buttons(msg)
    assert list(found) == [
        "botstats_alert_ack",
        "botstats_alert_snooze_1d",
        "botstats_alert_snooze_7d",
        "botstats_alert_open",
    ]
    ids = "bot-1:error_rate:up,bot-1:cost:up"  # the most critical first
    assert {found[a]["value"] for a in list(found)[:3]} == {ids}
    assert [found[a]["text"]["text"] for a in found] == [
        "Acknowledge",
        "Snooze 1 day",
        "Snooze 7 days",
        "Open in Botpress",
    ]
    assert found["botstats_alert_open"]["url"] == BOT_URL
    assert ap.parse_alert_ids(ids) == ("bot-1:error_rate:up", "bot-1:cost:up")
    assert ap.SNOOZE_ACTIONS["botstats_alert_snooze_7d"].days == 7


def test_without_links_there_is_no_url_button_and_the_name_is_plain() -> None:
    """No dashboard: no Open in Botpress button, the bot's name in bold without a link."""
    msg = message(view(), links=None)
    assert "botstats_alert_open" not in buttons(msg)
    assert sections(msg)[0] == "*Support Assistant*"


@pytest.mark.parametrize(
    "value", ["", "bot-1", "bot-1:cost:sideways", "bot-1:made_up:up", "a b:cost:up", "x" * 2001]
)
def test_parse_alert_ids_refuses_what_it_did_not_build(value: str) -> None:
    """A value that is not botstats' alert ids is refused with a friendly UsageError."""
    with pytest.raises(UsageError):
        ap.parse_alert_ids(value)


def test_acknowledged_and_snoozed_alerts_say_who_and_until_when() -> None:
    """An acknowledged alert names who and when; a snoozed one until when; no second Ack."""
    acked = view(
        state="acknowledged",
        acknowledged_by="U123",
        acknowledged_at=datetime(2026, 11, 29, 9, 0, tzinfo=UTC),
    )
    snoozed = view(
        evaluation("latency", 4000.0, Band(1000.0, 800.0, 1500.0, "same-weekday", 4)),
        state="snoozed",
        snoozed_until=datetime(2026, 12, 6, 13, 0, tzinfo=UTC),
        acknowledged_by="U123",
    )
    msg = message(acked, snoozed)
    text = all_text(msg)
    assert ":eyes: Acknowledged by <@U123> at <!date^" in text
    assert "|Sun 29 Nov 10:00 CET>" in text
    assert ":zzz: Snoozed until <!date^" in text
    assert "|Sun 6 Dec 14:00 CET>" in text
    assert "botstats_alert_ack" not in buttons(msg)
    assert "botstats_alert_snooze_7d" in buttons(msg)


def test_acknowledged_by_is_never_a_live_mention_unless_a_user_id() -> None:
    """A stored acknowledger that is not a user id is shown as code, not parsed."""
    text = all_text(message(view(state="acknowledged", acknowledged_by="<!channel>")))
    assert "<!channel>" not in text
    assert "Acknowledged by `&lt;!channel&gt;`" in text


def test_resolved_alert_in_an_open_message_is_struck_and_left_out_of_buttons() -> None:
    """With one alert resolved and one open, the buttons act only on the open one."""
    done = view(state="resolved", resolution="recovered", peak=41.2, peak_day=SAT)
    still = view(
        evaluation("latency", 4000.0, Band(1200.0, 900.0, 1500.0, "recent", 14), score=2.5)
    )
    msg = message(done, still)
    assert "~LLM cost~ resolved: recovered" in all_text(msg)
    assert buttons(msg)["botstats_alert_ack"]["value"] == "bot-1:latency:up"
    assert msg.blocks[0]["text"]["text"] == ":rotating_light: Support Assistant: latency +233%"


def test_resolved_message_strikes_each_alert_with_its_peak_and_no_ack_buttons() -> None:
    """The updated original: Resolved header, each struck with resolution and peak, only a link."""
    now_ev = evaluation(value=11.80, on=SUN, score=0.1)
    cost = view(now_ev, state="resolved", resolution="recovered", peak=41.20, peak_day=SAT)
    errors = view(
        evaluation("error_rate", 0.09, Band(0.08, None, 0.12, "binomial", 6), on=SUN, score=0.2),
        state="resolved",
        resolution="new normal since Mon 23 Nov",
        since=date(2026, 11, 23),
    )
    msg = resolved_message(BOT, [cost, errors], tz=PARIS, now=NOW, links=LINKS)
    assert_valid(msg)
    text = all_text(msg)
    assert msg.blocks[0]["text"]["text"] == ":white_check_mark: Resolved: Support Assistant"
    assert "~LLM cost~ resolved: recovered" in text
    assert "Peak $41.20 on Sat 28 Nov · now $11.80 vs $12.00 expected on Sun 29 Nov" in text
    assert "~Error rate~ resolved: new normal since Mon 23 Nov" in text
    assert list(buttons(msg)) == ["botstats_alert_open"]
    assert msg.text == (
        ":white_check_mark: Resolved: Support Assistant: error rate new normal since Mon 23 Nov; "
        "LLM cost recovered"
    )


def test_resolved_reply_says_back_to_normal() -> None:
    """The thread reply reads "Back to normal" with the value against expected and the day."""
    alert = view(
        evaluation(value=11.80, on=SUN, score=0.1),
        state="resolved",
        resolution="recovered",
        peak=41.2,
        peak_day=SAT,
    )
    msg = resolved_reply(alert, tz=PARIS, now=NOW)
    assert_valid(msg)
    assert msg.text == "Back to normal: LLM cost $11.80 vs $12.00 expected on Sun 29 Nov"
    assert "Peak $41.20 on Sat 28 Nov" in all_text(msg)


def test_resolved_reply_for_a_new_normal_says_the_baseline_follows() -> None:
    """A re-baselined alert's reply says the baseline now follows the new level."""
    alert = view(
        evaluation(value=38.0, on=SUN, score=1.1),
        state="resolved",
        resolution="new normal since Mon 23 Nov",
        since=date(2026, 11, 23),
    )
    msg = resolved_reply(alert, tz=PARIS, now=NOW)
    assert msg.text == "New normal since Mon 23 Nov: the baseline now follows this level"
    assert "(LLM cost $38.00 on Sun 29 Nov)" in all_text(msg)


def test_resolved_reply_for_missing_data_says_data_is_back() -> None:
    """Missing data that resolved says Botpress has data again."""
    ev = evaluation("missing_data", 0.0, Band(None, None, None, "presence", 28), on=SUN, score=0)
    msg = resolved_reply(view(ev, state="resolved"), tz=PARIS, now=NOW)
    assert msg.text == "Back to normal: Botpress has data again on Sun 29 Nov"


def test_ack_and_snooze_replies_name_who_and_until_when() -> None:
    """The replies to the buttons name the user, the metrics and the snooze's end."""
    one = ack_reply("U1", [view()])
    many = ack_reply("U1", [view(), view(evaluation("latency"))])
    until = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
    snooze = snooze_reply("U1", [view()], until=until, days=7, tz=PARIS)
    assert one.text == "<@U1> acknowledged this alert"
    assert "these 2 alerts: LLM cost, latency." in all_text(many)
    assert snooze.text == "Snoozed for 7 days by <@U1>, until Tue 8 Dec 14:00 CET"
    assert "until <!date^" in all_text(snooze)
    assert snooze_reply("U1", until=until, days=1, tz=PARIS).text.startswith("Snoozed for 1 day ")
    for msg in (one, many, snooze):
        assert_valid(msg)


def test_a_late_acknowledge_names_who_took_it_first() -> None:
    """Pressed after U1 took the alert, U2 is told U1 already acknowledged it."""
    late = ack_reply("U2", [view(acknowledged_by="U1")])
    assert late.text == "<@U1> already acknowledged this alert"
    assert ack_reply("U1", [view(acknowledged_by="U1")]).text == "<@U1> acknowledged this alert"
    mixed = ack_reply("U2", [view(acknowledged_by="U1"), view(acknowledged_by="U2")])
    assert mixed.text == "<@U2> acknowledged these 2 alerts"


def test_replies_never_turn_a_bad_user_id_into_a_mention() -> None:
    """A user id that is not one is shown as code."""
    assert "<!here>" not in ack_reply("<!here>").text


def test_friendly_refusals() -> None:
    """A gone alert and an already resolved one get a friendly explanation."""
    gone = alert_gone_message()
    done = already_resolved_message(view(state="resolved", resolution="recovered"))
    assert gone.text.startswith("This alert no longer exists (it may have been deleted")
    assert "`/botstats alerts status`" in gone.text
    assert done.text.startswith("This alert is already resolved (recovered): LLM cost of ")
    assert "Support Assistant, open since Sat 28 Nov" in done.text
    assert "nothing left to acknowledge or snooze" in done.text


def status(
    views: list[AlertView], *, routed: bool = True, channels: tuple[str, ...] = ("C1AB",)
) -> Message:
    """The status listing for channel C1AB."""
    return alerts_status_message(
        "C1AB", views, routed=routed, channels=channels, tz=PARIS, now=NOW, links=LINKS
    )


def test_status_groups_firing_acknowledged_snoozed_in_that_order() -> None:
    """The status lists firing, acknowledged and snoozed alerts, one line each, in order."""
    views = [
        view(
            evaluation("latency", 4000.0),
            state="snoozed",
            snoozed_until=datetime(2026, 12, 6, 13, 0, tzinfo=UTC),
        ),
        view(
            evaluation("sessions", 0.0, direction="down"),
            state="acknowledged",
            acknowledged_by="U9",
        ),
        view(),
        view(state="resolved", resolution="recovered"),
    ]
    msg = status(views)
    assert_valid(msg)
    text = "\n".join(sections(msg))
    firing, acked, snoozed = (
        text.index("*Firing (1)*"),
        text.index("*Acknowledged (1)*"),
        text.index("*Snoozed (1)*"),
    )
    assert firing < acked < snoozed
    assert (
        f"• :rotating_light: *<{BOT_URL}|Support Assistant>* · LLM cost $41.20 vs $12.00 "
        "expected (+243%) on Sat 28 Nov · since Sat 28 Nov"
    ) in text
    assert "· acknowledged by <@U9>" in text
    assert "· snoozed until <!date^" in text
    assert "Anomaly alerts are *on* in <#C1AB>." in text
    assert "Alerts go to: <#C1AB>." in text
    assert msg.text == "Anomaly alerts are on in this channel; 1 firing, 1 acknowledged, 1 snoozed."


def test_status_with_nothing_open_and_no_routes() -> None:
    """No open alerts and no alert channel: says both, and how to turn alerts on."""
    msg = status([view(state="resolved")], routed=False, channels=())
    text = all_text(msg)
    assert "Anomaly alerts are *off* in <#C1AB>." in text
    assert "No channel gets alerts yet: `/botstats alerts on|off" in text
    assert "No open alerts" in text
    assert msg.text == "Anomaly alerts are off in this channel; no open alerts."


def test_status_of_300_alerts_fits_and_counts_the_rest() -> None:
    """Hundreds of open alerts stay within Slack's limits with an "and N more" note."""
    views = [
        view(bot=Bot(f"bot-{i}", f"Bot number {i}"), alert_id=f"bot-{i}:cost:up")
        for i in range(300)
    ]
    msg = status(views)
    text = assert_valid(msg)
    assert "more alerts not shown" in text
    assert "Firing (300)" in text


def test_a_bot_named_like_a_mention_is_escaped_everywhere() -> None:
    """A bot named ``<!channel> & co`` never becomes a live mention, in any alert message."""
    bot = Bot("b1", "<!channel> & co")
    alert = view(bot=bot, alert_id="b1:cost:up")
    done = view(bot=bot, alert_id="b1:cost:up", state="resolved", resolution="recovered")
    until = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
    naming = [
        alert_message(bot, [alert], tz=PARIS, now=NOW, links=LINKS, mention="<!here>"),
        alert_message(bot, [alert], tz=PARIS, now=NOW, links=None),
        resolved_message(bot, [done], tz=PARIS, now=NOW, links=LINKS),
        already_resolved_message(done),
        status([alert, done]),
    ]
    unnamed = [  # thread replies: the bot is the thread's
        resolved_reply(done, tz=PARIS, now=NOW),
        ack_reply("U1", [alert]),
        snooze_reply("U1", [alert], until=until, days=1, tz=PARIS),
    ]
    for msg in [*naming, *unnamed]:
        assert_valid(msg)
        assert "<!channel" not in all_text(msg)
    for msg in naming:
        assert "&lt;!channel&gt; &amp; co" in all_text(msg)
    assert naming[0].blocks[0]["text"]["text"].startswith(":rotating_light: &lt;!channel&gt;")


def thirty(bot: Bot) -> list[AlertView]:
    """30 error-rate alerts on ``bot``, each with its own long id, acknowledged and snoozed."""
    band = Band(0.021, None, 0.05, "binomial", 6)
    detail = {"errors": 62, "calls": 517, "ci_low": 0.098, "ci_high": 0.146}
    until = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
    return [
        view(
            evaluation("error_rate", 0.12, band, detail=detail, score=2 + i / 10),
            bot=bot,
            alert_id=f"{bot.id}-{i:02d}:error_rate:up",
            state="snoozed",
            acknowledged_by="U123",
            acknowledged_at=NOW,
            snoozed_until=until,
        )
        for i in range(30)
    ]


def test_thirty_alerts_on_one_bot_fit_with_the_buttons_kept() -> None:
    """30 alerts on one bot fit 50 blocks and ~12,000 characters; the rest counted, buttons kept."""
    bot = Bot("b" * 70, "Busy Bot")
    msg = alert_message(
        bot, thirty(bot), tz=PARIS, now=NOW, links=LINKS, mention="<!here>", chart_file_id="F01"
    )
    text = assert_valid(msg)
    shown = [s for s in sections(msg) if "*Error rate*" in s]
    note = f"…and {30 - len(shown)} more alerts not shown"
    assert len(shown) == 30 or note in text
    assert [b["type"] for b in msg.blocks[-3:]] == ["image", "context", "actions"]
    value = buttons(msg)["botstats_alert_snooze_7d"]["value"]
    assert 0 < len(value) <= ap.VALUE_MAX
    assert value.startswith(f"{bot.id}-29:error_rate:up,")  # the highest score first
    assert msg.text.startswith("<!here> :rotating_light: Busy Bot: error rate 12.0%")
    assert msg.text.endswith("; and 27 more")
    assert msg.blocks[0]["text"]["text"] == ":rotating_light: Busy Bot: 30 alerts"
