"""`botstats demo`: the weekly digest step, its chart, and what the demo leaves behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from slack_harness import ENV

from slackbot.cli import main

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No botstats settings in the environment, and an empty working folder."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def chart_path(out: str) -> Path:
    """The chart path the demo printed."""
    (path,) = re.findall(r"^  Chart: (\S+\.png) \(", out, re.M)
    return Path(path)


def test_demo_shows_the_weekly_digest_and_keeps_its_chart_beside_the_db(
    clean: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --db the digest's chart is a PNG written beside the database, and it says so."""
    db = clean / "kept" / "demo.db"
    db.parent.mkdir()
    assert main(["demo", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "6. The weekly digest it would post now" in out
    assert "Weekly digest · Mon" in out
    assert "against the week before" in out  # "Biggest moves" or "No big moves" this week
    assert "LLM spend in" in out
    assert "Planted anomalies in these days:" in out
    assert out.count("Open in Block Kit Builder: https://app.slack.com/block-kit-builder/#") >= 4
    chart = chart_path(out)
    assert chart.parent == db.parent
    assert chart.read_bytes().startswith(PNG)
    assert "(beside the database)" in out
    assert f"Left behind: the database {db}, the digest's chart {chart}." in out
    assert sorted(p.name for p in db.parent.iterdir()) == sorted([chart.name, "demo.db"])


def test_demo_without_db_deletes_its_chart_and_says_so(
    clean: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --db the chart lives in the demo's temporary folder, gone when the demo ends."""
    assert main(["demo", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Weekly digest" in out
    assert "in the demo's temporary folder, deleted when the demo ends; --db PATH keeps it" in out
    assert not chart_path(out).exists()
    assert "Left behind: nothing (the temporary database and chart are deleted)." in out
    assert not list(clean.iterdir())


def test_demo_digest_shows_its_chart_block_and_a_builder_link_without_it(
    clean: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The digest's message holds its chart as Slack shows it; the Builder link leaves it out."""
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    step = out[out.index("6. The weekly digest") : out.index("7. Alerts")]
    assert "Weekly digest — top message" in step  # the panel's title
    assert "[chart: Daily sessions and LLM cost, last 4 weeks" in step
    assert "Block Kit Builder gets it without the chart: Builder cannot show a file" in step
    assert "Syncing 5 bot(s)" in out  # plain lines when not a terminal (a bar on one)


def test_demo_alerts_on_the_planted_anomalies(
    clean: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The alert step shows the cost-per-call alert message, a builder link and each verdict."""
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: each line of the step on one line
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    step = out[out.index("7. Alerts on the planted anomalies") :]
    assert "Support Assistant" in step
    assert "Cost per call +" in step
    assert "points to a model or prompt change" in step
    assert "Acknowledge" in step
    assert "Open in Block Kit Builder: https://app.slack.com/block-kit-builder/#" in step
    assert re.search(r"^  Support Assistant: \d+ alert\(s\) in 21 days \(", step, re.M)
    assert (
        "Support Assistant: LLM cost per call x6 (a pricier model deployed by mistake): "
        "alerted as cost per call (critical)." in step
    )
    assert (
        "no analytics record (data pipeline gap): no alert: a single missing day is a gap" in step
    )
    assert "Open alerts the next digest lists:" in step
    assert "When Billing Bot's latency alert resolved" in step
    assert "Resolved: Billing Bot" in step
    assert "Back to normal: latency" in step
    assert not list(clean.iterdir())
