"""The `botstats` command line against the Botpress simulator over loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_harness import ENV

from slackbot.cli import main
from slackbot.simulator.server import Simulator

REPORT_KEYS = {
    "sessions",
    "newUsers",
    "returningUsers",
    "userMessages",
    "botMessages",
    "events",
    "llmCalls",
    "llmErrors",
    "errorRate",
    "inputTokens",
    "outputTokens",
    "costUsd",
    "latencyMeanMs",
    "daysWithData",
}


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A running simulator whose clock is the real one (the CLI reads the real clock)."""
    with Simulator(seed=11, bot_count=3) as simulator:
        yield simulator


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sim: Simulator) -> Path:
    """Environment pointing the CLI at the simulator and a fresh database; returns the DB."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "botstats.db"
    monkeypatch.setenv("BOTPRESS_TOKEN", sim.token)
    monkeypatch.setenv("BOTPRESS_WORKSPACE_ID", sim.workspace_id)
    monkeypatch.setenv("BOTPRESS_API_URL", sim.url)
    monkeypatch.setenv("BOTSTATS_DB", str(db))
    return db


def expected_sessions(sim: Simulator, bot_id: str, first: datetime, days: int) -> int:
    """Sessions summed straight from the simulator's records, day by day."""
    total = 0
    for offset in range(days):
        record = sim.record_for(bot_id, (first + timedelta(days=offset)).date())
        total += record["sessions"] if record else 0
    return total


def test_report_json_has_the_design_shape_and_exact_totals(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report BOT 7d --json` is one JSON document whose totals match the raw records."""
    bot = sim.bots[0]
    assert main(["report", bot.id, "7d", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["bot"] == {"id": bot.id, "name": bot.name, "alias": None}
    today = datetime.now(UTC).date()
    assert doc["period"]["first"] == str(today - timedelta(days=7))
    assert doc["period"]["last"] == str(today - timedelta(days=1))
    assert set(doc["totals"]) >= REPORT_KEYS
    assert set(doc["previous"]) >= REPORT_KEYS
    first = datetime.now(UTC) - timedelta(days=7)
    assert doc["totals"]["sessions"] == expected_sessions(sim, bot.id, first, 7)
    previous_first = first - timedelta(days=7)
    assert doc["previous"]["sessions"] == expected_sessions(sim, bot.id, previous_first, 7)


def test_report_prints_a_readable_summary(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """The terminal report names the bot, the key numbers and the LLM section."""
    bot = sim.bots[0]
    assert main(["report", bot.name[:6], "30d"]) == 0
    out = capsys.readouterr().out
    assert bot.name in out
    for label in ("Sessions", "Cost", "Latency", "Error rate"):
        assert label in out


def test_report_after_sync_reads_the_store(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once synced, a closed-day report asks Botpress for no analytics at all."""
    assert main(["sync", "--days", "30"]) == 0
    calls = sim.analytics_calls
    assert calls == len(sim.bots)
    assert main(["report", sim.bots[1].id, "14d", "--json"]) == 0
    assert sim.analytics_calls == calls
    capsys.readouterr()


def test_second_sync_only_refetches_recent_days(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second sync makes one short call per bot, for the last closed days only."""
    assert main(["sync", "--days", "20"]) == 0
    sim.clear_requests()
    assert main(["sync", "--days", "20"]) == 0
    analytics = [r for r in sim.requests if r.path.endswith("/analytics")]
    assert len(analytics) == len(sim.bots)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    for request in analytics:
        assert request.query["startDate"].startswith(str(yesterday - timedelta(days=1)))
    assert "Synced 3 of 3" in capsys.readouterr().out


def test_unknown_bot_is_a_clear_error(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown bot exits 1 and points to the closest names."""
    assert main(["report", "no-such-bot-anywhere"]) == 1
    err = capsys.readouterr().err
    assert "matches no tracked bot" in err
    assert "Traceback" not in err


def test_bad_period_shows_the_accepted_forms(
    env: Path, capsys: pytest.CaptureFixture[str], sim: Simulator
) -> None:
    """A bad period exits 1 with the accepted forms."""
    assert main(["report", sim.bots[0].id, "fortnight"]) == 1
    err = capsys.readouterr().err
    assert "fortnight" in err
    assert "last-week" in err


def test_missing_settings_are_all_named(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without Botpress credentials, exit 2 names both variables."""
    monkeypatch.delenv("BOTPRESS_TOKEN")
    monkeypatch.delenv("BOTPRESS_WORKSPACE_ID")
    assert main(["report", "x"]) == 2
    err = capsys.readouterr().err
    assert "BOTPRESS_TOKEN" in err
    assert "BOTPRESS_WORKSPACE_ID" in err


def test_wrong_token_names_the_variables_and_hides_the_token(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused token exits 1, names the settings to check and never prints the token."""
    monkeypatch.setenv("BOTPRESS_TOKEN", "bp_pat_wrong_secret_value")
    assert main(["report", "anything", "--json"]) == 1
    captured = capsys.readouterr()
    assert "BOTPRESS_TOKEN" in captured.err
    assert "bp_pat_wrong_secret_value" not in captured.err + captured.out
    assert captured.out == ""


def test_demo_runs_without_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`botstats demo` needs no settings and shows messages with Block Kit Builder links."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "app.slack.com/block-kit-builder/#" in out
    assert "All bots" in out
    assert "Support Assistant" in out
    assert not list(tmp_path.iterdir()), "the demo leaves no file behind"


def test_python_dash_m_works() -> None:
    """`python -m slackbot --help` lists the subcommands."""
    result = subprocess.run(
        [sys.executable, "-m", "slackbot", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    for command in ("report", "sync", "demo"):
        assert command in result.stdout
