"""`botstats check` and `botstats backtest` against the Botpress simulator and FakeSlack."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_harness import ENV
from test_cli import env
from test_cli_digest import slack, token

from slackbot.cli import main
from slackbot.clock import system_clock
from slackbot.core.alerting import HISTORY_DAYS
from slackbot.core.anomalies import Thresholds
from slackbot.core.detectors import evaluate_day
from slackbot.core.schedule import last_settled_day
from slackbot.simulator.server import Simulator
from slackbot.simulator.workspace import PlantedAnomaly
from slackbot.store import Store
from slackbot.testing.fake_slack import FakeSlack

__all__ = ["env", "slack", "token"]  # the CLI tests' fixtures, shared

ROW_KEYS = {
    "bot_id",
    "metric",
    "direction",
    "day",
    "value",
    "expected",
    "low",
    "high",
    "severity",
    "state",
}
METRICS = {
    "cost",
    "cost_per_call",
    "error_rate",
    "latency",
    "sessions",
    "user_messages",
    "missing_data",
    "intraday_cost",
    "budget",
}
ALERT_CHANNEL = "C0ALERTS01"
#: The alert each planted anomaly with a detector must raise (missing data: a 1-day gap).
DETECTED = {
    "cost": "cost_per_call",
    "error_rate": "error_rate",
    "latency": "latency",
    "sessions": "sessions",
}


def anchor() -> date:
    """The simulator's today: its cost spike (on the day before) is the newest settled day."""
    return last_settled_day(datetime.now(UTC)).first + timedelta(days=1)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """The default workspace (seed 7, five bots) on the real clock, which the CLI reads."""
    with Simulator(seed=7, today=anchor(), clock=system_clock) as simulator:
        yield simulator


@pytest.fixture
def synced(env: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The CLI's database after `botstats sync` (90 days of every bot); returns its path."""
    assert main(["sync"]) == 0
    capsys.readouterr()
    return env


def planted(sim: Simulator, metric: str) -> PlantedAnomaly:
    """The simulator's planted anomaly of ``metric``."""
    return next(a for a in sim.anomalies if a.metric == metric)


def json_out(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """Run the CLI (exit 0) and parse its stdout as one JSON document."""
    assert main(argv) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return doc


def assert_design_row(row: dict[str, Any]) -> None:
    """One alert row has DESIGN §2's keys and values."""
    assert set(row) >= ROW_KEYS
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["day"])
    assert row["metric"] in METRICS
    assert row["direction"] in {"up", "down"}
    assert row["severity"] in {"warning", "critical"}
    assert row["state"] in {"firing", "acknowledged", "snoozed", "resolved"}
    assert (row["bot_id"] is None) == (row["metric"] == "budget")


def has_alert(rows: list[dict[str, Any]], bot_id: str, metric: str, day: date) -> bool:
    """True when ``rows`` hold an alert of ``metric`` for the bot on ``day``."""
    return any(
        (r["bot_id"], r["metric"], r["day"]) == (bot_id, metric, day.isoformat()) for r in rows
    )


def test_dry_run_json_lists_the_planted_spike_and_posts_and_saves_nothing(
    slack: FakeSlack, synced: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check --dry-run --json`: DESIGN rows (the planted spike too); nothing posted or saved."""
    doc = json_out(["check", "--dry-run", "--json"], capsys)
    rows = doc["alerts"]
    for row in rows:
        assert_design_row(row)
    spike = planted(sim, "cost")
    assert has_alert(rows, spike.bot_id, "cost_per_call", spike.day)
    assert slack.calls == []
    store = Store(synced)
    try:
        assert store.alerts.records() == []
    finally:
        store.close()


def test_dry_run_shows_a_table_in_words(
    slack: FakeSlack,
    synced: Path,
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without --json the check prints a table naming the metric, its values and the dry run."""
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: no cell wraps
    assert main(["check", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Alerts (" in out
    assert "cost per call ↑" in out
    assert "critical, firing" in out
    assert f"{planted(sim, 'cost').day:%a} " in out
    assert "Dry run: nothing was posted or saved." in out
    assert slack.calls == []


def test_posting_needs_the_bot_token(
    slack: FakeSlack, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check` without --dry-run and without SLACK_BOT_TOKEN exits 2 naming it, asking nobody."""
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err
    assert "Traceback" not in err
    assert slack.calls == []
    assert sim.analytics_calls == 0


def test_check_posts_the_alert_once(
    token: FakeSlack,
    synced: Path,
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With a token and BOTSTATS_ALERT_CHANNEL the check posts there; again, it posts nothing."""
    monkeypatch.setenv("BOTSTATS_ALERT_CHANNEL", ALERT_CHANNEL)
    assert main(["check"]) == 0
    assert f"Posted to {ALERT_CHANNEL}" in capsys.readouterr().out
    posts = token.calls_to("chat.postMessage")
    assert posts
    assert all(call.body["channel"] == ALERT_CHANNEL for call in posts)
    texts = [call.body["text"] for call in posts]
    assert any("Support Assistant" in t and "cost per call" in t for t in texts)
    assert main(["check"]) == 0
    assert len(token.calls_to("chat.postMessage")) == len(posts)
    assert "Posted to" not in capsys.readouterr().out


def quietly(argv: list[str]) -> str:
    """Run the CLI (exit 0) outside a test's capsys; its stdout."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def backtested(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Simulator, Path, Any]]:
    """One `sync` and one `backtest --json` over the default workspace, shared by the module."""
    folder = tmp_path_factory.mktemp("backtest")
    db = folder / "botstats.db"
    with (
        Simulator(seed=7, today=anchor(), clock=system_clock) as sim,
        pytest.MonkeyPatch.context() as mp,
    ):
        for name in ENV:
            mp.delenv(name, raising=False)
        mp.chdir(folder)
        mp.setenv("BOTPRESS_TOKEN", sim.token)
        mp.setenv("BOTPRESS_WORKSPACE_ID", sim.workspace_id)
        mp.setenv("BOTPRESS_API_URL", sim.url)
        mp.setenv("BOTSTATS_DB", str(db))
        quietly(["sync"])
        yield sim, db, json.loads(quietly(["backtest", "--json"]))


def test_backtest_json_has_rows_and_a_line_per_bot(
    backtested: tuple[Simulator, Path, Any],
) -> None:
    """`backtest --json` holds DESIGN rows and, per bot, its alert count and alerts a week."""
    sim, _, doc = backtested
    for row in doc["alerts"]:
        assert_design_row(row)
    assert {b["name"] for b in doc["bots"]} == {bot.name for bot in sim.bots}
    for line in doc["bots"]:
        count = sum(1 for row in doc["alerts"] if row["bot_id"] == line["bot_id"])
        assert line["alerts"] == count
        assert line["days"] == 90
        assert line["perWeek"] == round(count * 7 / 90, 3)


def evaluation_of(db: Path, anomaly: PlantedAnomaly) -> str:
    """The detectors' verdicts on the planted day over the stored history (a failure's words)."""
    store = Store(db)
    try:
        history = store.days.load(
            anomaly.bot_id, anomaly.day - timedelta(days=HISTORY_DAYS), anomaly.day
        )
    finally:
        store.close()
    found = evaluate_day(anomaly.bot_id, history, anomaly.day, thresholds=Thresholds())
    return "\n".join(
        f"{e.metric} {e.direction}: value {e.value}, band {e.band}, score {e.score:.3f}"
        for e in found
        if e.metric == DETECTED[anomaly.metric]
    )


@pytest.mark.parametrize("metric", sorted(DETECTED))
def test_backtest_alerts_on_each_planted_anomaly(
    backtested: tuple[Simulator, Path, Any], metric: str
) -> None:
    """Each planted anomaly with a detector is among the replay's alerts, for its bot and day."""
    sim, db, doc = backtested
    anomaly = planted(sim, metric)
    found = has_alert(doc["alerts"], anomaly.bot_id, DETECTED[metric], anomaly.day)
    assert found, (
        f"no {DETECTED[metric]} alert for {anomaly.description} on {anomaly.day}; "
        f"the detectors said:\n{evaluation_of(db, anomaly)}"
    )


def test_backtest_of_one_bot_lists_only_that_bot(
    synced: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`backtest --bot B --json` has one bot line and only that bot's alerts."""
    bot = next(b for b in sim.bots if b.id == planted(sim, "cost").bot_id)
    doc = json_out(["backtest", "--bot", bot.id, "--days", "30", "--json"], capsys)
    assert [line["name"] for line in doc["bots"]] == [bot.name]
    assert doc["bots"][0]["days"] == 30
    assert doc["alerts"]
    assert {row["bot_id"] for row in doc["alerts"]} == {bot.id}


def test_backtest_prints_a_line_per_bot_and_the_table(
    synced: Path,
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without --json the replay says each bot's alerts a week, then the alerts by name."""
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["backtest", "--days", "30"]) == 0
    out = capsys.readouterr().out
    for bot in sim.bots:
        assert re.search(rf"^{bot.name}: \d+ alert\(s\) in 30 days \(\d+\.\d\d a week", out, re.M)
    assert "Alerts it would have sent (" in out
    assert "Support Assistant   cost per call ↑" in out


@pytest.mark.parametrize("days", ["0", "400"])
def test_backtest_days_out_of_range_is_a_usage_error(
    env: Path, days: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--days 0` and `--days 400` exit 2, saying the range."""
    with pytest.raises(SystemExit) as exited:
        main(["backtest", "--days", days])
    assert exited.value.code == 2
    assert "must be between 1 and 365" in capsys.readouterr().err


def test_backtest_of_an_unknown_bot_is_a_usage_error(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown `--bot` exits 2 pointing to `botstats bots`."""
    assert main(["backtest", "--bot", "no-such-bot-anywhere"]) == 2
    err = capsys.readouterr().err
    assert "`no-such-bot-anywhere` matches no tracked bot" in err
    assert "`botstats bots` lists the tracked bots." in err
    assert "Traceback" not in err


def test_check_without_a_channel_says_where_to_route_alerts(
    token: FakeSlack, synced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a token but no alert channel the check refuses (exit 2) before recording anything."""
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "Say where alerts go: set BOTSTATS_ALERT_CHANNEL" in err
    assert "`/botstats alerts on`" in err
    assert token.calls_to("chat.postMessage") == []
