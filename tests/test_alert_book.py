"""AlertBook: records and past episodes by alert id, found per bot through its index."""

from __future__ import annotations

from datetime import date

from slackbot.core.alert_states import AlertRecord, Episode
from slackbot.core.alerting import AlertBook, alert_id
from slackbot.core.anomalies import Metric

DAY = date(2026, 3, 2)


def record(bot_id: str | None, metric: Metric, since: date, last: date) -> AlertRecord:
    """A firing record of ``metric`` from ``since`` to ``last``."""
    return AlertRecord(
        bot_id, metric, "up", "firing", since, last, 9.0, 3.0, 1.0, 5.0, "warning", 1.5, 1.5, 1,
        None, 0.0, None,
    )  # fmt: skip


def test_a_bot_sees_only_its_own_episodes() -> None:
    """Bot ``a`` never reads bot ``ab``'s or the workspace budget's episodes."""
    book = AlertBook()
    book.put(alert_id("a", "cost", "up"), record("a", "cost", date(2026, 2, 20), date(2026, 2, 21)))
    book.put(
        alert_id("ab", "cost", "up"),
        record("ab", "cost", date(2026, 2, 10), date(2026, 2, 11)),
        [Episode("cost", date(2026, 1, 5), date(2026, 1, 6))],
    )
    book.put(alert_id(None, "budget", "up", "0.8"), record(None, "budget", date(2026, 2, 1), DAY))
    assert book.bot_episodes("a") == [Episode("cost", date(2026, 2, 20), date(2026, 2, 21))]
    assert book.bot_episodes("ab") == [
        Episode("cost", date(2026, 1, 5), date(2026, 1, 6)),
        Episode("cost", date(2026, 2, 10), date(2026, 2, 11)),
    ]
    assert book.bot_episodes("b") == []


def test_records_given_to_the_constructor_are_indexed() -> None:
    """A book built from dicts finds its bots' episodes like one filled with ``put``."""
    key = alert_id("a", "latency", "up")
    book = AlertBook(
        records={key: record("a", "latency", date(2026, 2, 25), date(2026, 2, 26))},
        episodes={"b:cost:up": [Episode("cost", date(2026, 2, 1), date(2026, 2, 2))]},
    )
    assert [e.metric for e in book.bot_episodes("a")] == ["latency"]
    assert [e.metric for e in book.bot_episodes("b")] == ["cost"]


def test_merge_takes_every_record_and_episode_of_a_bots_book() -> None:
    """Merging a bot's own book replaces its keys and keeps episodes that have no record."""
    workspace, own = AlertBook(), AlertBook()
    workspace.put("a:cost:up", record("a", "cost", date(2026, 1, 1), date(2026, 1, 2)))
    own.put("a:cost:up", record("a", "cost", date(2026, 2, 20), date(2026, 2, 22)))
    own.episodes["a:latency:up"] = [Episode("latency", date(2026, 2, 3), date(2026, 2, 4))]
    workspace.merge(own)
    assert workspace.records["a:cost:up"].since == date(2026, 2, 20)
    assert sorted(e.metric for e in workspace.bot_episodes("a")) == ["cost", "latency"]


def test_excluded_days_are_the_bots_flagged_days_inside_the_window() -> None:
    """Flagged days of a metric inside the 49-day window are kept out of its baseline."""
    book = AlertBook()
    book.put("a:cost:up", record("a", "cost", date(2026, 2, 20), date(2026, 2, 21)))
    excluded = book.excluded("a", DAY)
    assert excluded["cost"] == frozenset({date(2026, 2, 20), date(2026, 2, 21)})
    assert excluded["latency"] == frozenset()
    assert book.excluded("z", DAY) == {}
