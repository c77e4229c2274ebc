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
    """An unknown bot is a usage error (exit 2) pointing to `botstats bots`, not Slack's command."""
    assert main(["report", "no-such-bot-anywhere"]) == 2
    err = capsys.readouterr().err
    assert "matches no tracked bot" in err
    assert "`botstats bots` lists the tracked bots." in err
    assert "/botstats" not in err
    assert "Traceback" not in err


def test_bad_period_shows_the_accepted_forms(
    env: Path, capsys: pytest.CaptureFixture[str], sim: Simulator
) -> None:
    """A bad period is a usage error (exit 2) with the accepted forms."""
    assert main(["report", sim.bots[0].id, "fortnight"]) == 2
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


def test_report_on_a_refused_token_serves_stored_numbers_and_warns(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once synced, a refused token still reports (exit 0) and says so on stderr."""
    assert main(["sync", "--days", "20"]) == 0
    capsys.readouterr()
    sim.fault = "unauthorized"
    assert main(["report", sim.bots[0].id, "7d", "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    first = datetime.now(UTC) - timedelta(days=7)
    assert doc["totals"]["sessions"] == expected_sessions(sim, sim.bots[0].id, first, 7)
    assert "Botpress refused BOTPRESS_TOKEN (401): these numbers are from the store" in (
        captured.err
    )
    assert "ask an admin to renew the token." in captured.err


def test_sync_stops_at_the_first_refusal_and_says_it_once(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 401 stops the sync after one call (the token is workspace-wide), said once, exit 1."""
    assert main(["sync", "--days", "5"]) == 0
    capsys.readouterr()
    sim.fault = "unauthorized"
    sim.clear_requests()
    assert main(["sync", "--days", "10"]) == 1
    captured = capsys.readouterr()
    assert sim.analytics_calls == 1
    both = captured.out + captured.err
    assert both.count("BOTPRESS_TOKEN") == 1
    assert "Sync stopped: the token is workspace-wide; 2 other bot(s) not tried." in captured.err
    assert "Synced 0 of 3 bot(s)" in captured.out
    first = min(sim.bots, key=lambda b: b.name.casefold())  # bots are synced by name
    assert f"[1/3] {first.name}: Botpress refused the token" in captured.out
    assert not any(bot.id in both for bot in sim.bots)


def test_sync_with_a_refused_token_and_no_stored_bots_says_it_once(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """With nothing stored, the refused bot list is the one sentence, and no analytics call."""
    sim.fault = "unauthorized"
    assert main(["sync"]) == 1
    captured = capsys.readouterr()
    assert (captured.out + captured.err).count("BOTPRESS_TOKEN") == 1
    assert sim.analytics_calls == 0


def test_bots_json_lists_alias_id_name_and_days_stored(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`bots --json` is one document whose daysStored counts each bot's stored days with data."""
    assert main(["sync", "--days", "5"]) == 0
    capsys.readouterr()
    assert main(["bots", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    today = datetime.now(UTC)
    expected = [
        {
            "alias": None,
            "id": bot.id,
            "name": bot.name,
            "daysStored": sum(
                sim.record_for(bot.id, (today - timedelta(days=n)).date()) is not None
                for n in range(1, 6)
            ),
        }
        for bot in sorted(sim.bots, key=lambda b: b.name.casefold())
    ]
    assert doc == {"bots": expected}


def test_bots_prints_a_table_and_warns_when_the_token_is_refused(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """The terminal table names each bot; a refused token lists the stored bots and says so."""
    assert main(["bots"]) == 0
    out = capsys.readouterr().out
    assert "Tracked bots (3)" in out
    assert "Days stored" in out
    for bot in sim.bots:
        assert bot.name in out
    sim.fault = "unauthorized"
    assert main(["bots"]) == 0
    captured = capsys.readouterr()
    assert all(bot.name in captured.out for bot in sim.bots)
    assert "Botpress refused BOTPRESS_TOKEN (401): the list of bots is from the store" in (
        captured.err
    )
