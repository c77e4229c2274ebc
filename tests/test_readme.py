"""README.md against the contract: every DESIGN §3 variable and §2 command, tested commands."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from slackbot.cli import build_parser
from slackbot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DESIGN = ROOT.parent / "shared" / "DESIGN.md"

#: DESIGN §3, in its order (checked against DESIGN.md itself when it is next to the repo).
VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "BOTPRESS_TOKEN",
    "BOTPRESS_WORKSPACE_ID",
    "BOTPRESS_API_URL",
    "BOTPRESS_DASHBOARD_URL",
    "BOTSTATS_BOTS",
    "BOTSTATS_DB",
    "BOTSTATS_TIMEZONE",
    "BOTSTATS_DIGEST_CHANNEL",
    "BOTSTATS_ALERT_CHANNEL",
    "BOTSTATS_DIGEST_SCHEDULE",
    "BOTSTATS_ADMINS",
    "BOTSTATS_ALERT_MENTION",
    "BOTSTATS_HTTP_TIMEOUT_S",
    "BOTSTATS_SHUTDOWN_GRACE_S",
    "BOTSTATS_ALERT_SENSITIVITY",
    "BOTSTATS_COST_FLOOR_USD",
    "BOTSTATS_MONTHLY_BUDGET_USD",
    "BOTSTATS_LOG_FORMAT",
    "BOTSTATS_LOG_LEVEL",
)
#: DESIGN §2: each command as its table writes it.
COMMANDS = (
    "botstats serve [--host H] [--port P]",
    "botstats demo",
    "botstats bots [--json]",
    "botstats report BOT [PERIOD] [--json]",
    "botstats sync [--days N] [--bot B]",
    "botstats digest [--dry-run] [--channel C] [--bot B]",
    "botstats check [--dry-run] [--json]",
    "botstats backtest [--days N] [--bot B] [--json]",
)


def section(title: str) -> str:
    """The README's text under the ``## title`` heading, up to the next ``## ``."""
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 3)
    return README[start : end if end > 0 else None]


def design_table(number: int) -> str:
    """DESIGN.md's section ``number`` (the text up to the next ``## ``)."""
    text = DESIGN.read_text(encoding="utf-8")
    start = text.index(f"## {number}. ")
    return text[start : text.index("\n## ", start + 3)]


@pytest.mark.parametrize("variable", VARIABLES)
def test_every_variable_is_in_the_configuration_table(variable: str) -> None:
    """Each DESIGN §3 variable has its row in the README's configuration table."""
    assert re.search(rf"^\| `{variable}` \|", section("Configuration"), re.MULTILINE)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    """Each DESIGN §2 command appears in the README with its options."""
    assert command in README


def test_the_lists_are_designs_own() -> None:
    """The variables and commands above are exactly DESIGN §3's and §2's, when it is here."""
    if not DESIGN.exists():
        pytest.skip("../shared/DESIGN.md is not next to this checkout")
    names = re.findall(r"`((?:SLACK|BOTPRESS|BOTSTATS)_[A-Z_]+)`", design_table(3))
    assert sorted(set(names)) == sorted(VARIABLES)
    commands = re.findall(r"^\| `(botstats [^`]+)` \|", design_table(2), re.MULTILINE)
    assert commands == list(COMMANDS)


def test_every_setting_in_the_code_is_a_documented_variable() -> None:
    """Settings reads exactly the variables the README documents: no hidden knob."""
    assert sorted(name.upper() for name in Settings.model_fields) == sorted(VARIABLES)


def test_every_subcommand_of_the_parser_is_documented() -> None:
    """Each subcommand the CLI accepts is in the README's command table."""
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    for name in sub.choices:  # type: ignore[union-attr]
        assert f"`botstats {name}" in section("Command line")


def test_the_first_screen_has_the_two_commands() -> None:
    """The first 24 lines say what botstats is and give the demo and test commands."""
    first = "\n".join(README.splitlines()[:24])
    assert "uv run botstats demo" in first
    assert "uv run pytest" in first
    assert "Slack" in first
    assert "Botpress" in first


def test_socket_mode_comes_first_and_http_mode_in_its_order() -> None:
    """Socket Mode is the first path; HTTP mode creates the app, starts serve, then retries."""
    run = section("Run it in your Slack")
    assert run.index("Socket Mode") < run.index("HTTP mode")
    http = run[run.index("### HTTP mode") : run.index("### Channels")]
    steps = re.split(r"^\d\. ", http, flags=re.MULTILINE)[1:]
    assert len(steps) == 3
    assert "create the" in steps[0]
    assert "uv run botstats serve" in steps[1]
    assert "Retry" in steps[2]
    assert "connections:write" in run
    assert "/invite @botstats" in run
    for docker in ("docker build", "docker run", "--env-file .env", "-v botstats-data:/data"):
        assert docker in run


def test_the_backup_command_copies_a_live_wal_database(tmp_path: Path) -> None:
    """The README's VACUUM INTO line backs up a WAL database another connection holds open."""
    (line,) = [x for x in README.splitlines() if "docker exec botstats python -c" in x]
    code = line.split('python -c "', 1)[1].rsplit('"', 1)[0].replace('\\"', '"')
    live = tmp_path / "botstats.db"
    writer = sqlite3.connect(live)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE days (day TEXT)")
    writer.execute("INSERT INTO days VALUES ('2026-11-30')")
    writer.commit()
    code = code.replace("/data/botstats.db", str(live)).replace(
        "/data/backup.db", str(tmp_path / "backup.db")
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
    writer.close()
    backup = sqlite3.connect(tmp_path / "backup.db")
    assert backup.execute("SELECT day FROM days").fetchall() == [("2026-11-30",)]
    backup.close()
