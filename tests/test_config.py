"""Settings: every problem reported at once, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_harness import ENV

from slackbot.config import DigestSchedule, load_settings, parse_bot_aliases, parse_schedule
from slackbot.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts from an empty environment in an empty directory."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_match_the_design() -> None:
    """With nothing set, the defaults are those of DESIGN §3."""
    s = load_settings()
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.botpress_api_url == "https://api.botpress.cloud"
    assert str(s.botstats_db) == "botstats.db"
    assert s.timezone.key == "UTC"
    assert s.digest_schedule == DigestSchedule("mon", 9, 0)
    assert s.admins == frozenset()
    assert not s.socket_mode


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Malformed and missing variables come back together, each by name."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-user-token-secret")
    monkeypatch.setenv("BOTSTATS_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("BOTSTATS_DIGEST_SCHEDULE", "someday 25:00")
    monkeypatch.setenv("BOTSTATS_DIGEST_CHANNEL", "#general")
    monkeypatch.setenv("BOTSTATS_ADMINS", "U0123ABCD,bob")
    monkeypatch.setenv("BOTSTATS_BOTS", "support=bot_1,broken")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xoxb-not-an-app-token")
    monkeypatch.setenv("BOTPRESS_API_URL", "ftp://example")
    with pytest.raises(ConfigError) as info:
        load_settings("BOTPRESS_TOKEN", "BOTPRESS_WORKSPACE_ID", "SLACK_BOT_TOKEN")
    named = {p.variable for p in info.value.problems}
    assert named == {
        "SLACK_BOT_TOKEN",
        "BOTSTATS_TIMEZONE",
        "BOTSTATS_DIGEST_SCHEDULE",
        "BOTSTATS_DIGEST_CHANNEL",
        "BOTSTATS_ADMINS",
        "BOTSTATS_BOTS",
        "SLACK_APP_TOKEN",
        "BOTPRESS_API_URL",
        "BOTPRESS_TOKEN",
        "BOTPRESS_WORKSPACE_ID",
    }
    assert "10 settings need attention" in str(info.value)
    assert "xoxp-user-token-secret" not in str(info.value)
    assert "xoxb-not-an-app-token" not in str(info.value)


def test_missing_required_variables_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """A well-formed but incomplete configuration names what is missing."""
    monkeypatch.setenv("BOTPRESS_TOKEN", "bp_pat_x")
    with pytest.raises(ConfigError, match="BOTPRESS_WORKSPACE_ID: is required"):
        load_settings("BOTPRESS_TOKEN", "BOTPRESS_WORKSPACE_ID")


def test_dotenv_file_is_read_and_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`.env` in the working directory fills gaps; the environment overrides it."""
    (tmp_path / ".env").write_text(
        "BOTPRESS_TOKEN=bp_pat_from_file\nBOTPRESS_WORKSPACE_ID=wkspace_file\n"
        "BOTSTATS_TIMEZONE=Europe/Paris\n"
    )
    monkeypatch.setenv("BOTPRESS_WORKSPACE_ID", "wkspace_env")
    s = load_settings("BOTPRESS_TOKEN", "BOTPRESS_WORKSPACE_ID")
    assert s.botpress_workspace_id == "wkspace_env"
    assert s.botpress_token is not None
    assert s.botpress_token.get_secret_value() == "bp_pat_from_file"
    assert s.timezone.key == "Europe/Paris"


def test_invalid_value_in_dotenv_is_not_also_reported_missing(tmp_path: Path) -> None:
    """A required variable that is set but malformed is reported once, as malformed."""
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=nope\n")
    with pytest.raises(ConfigError) as info:
        load_settings("SLACK_BOT_TOKEN")
    assert [p.variable for p in info.value.problems] == ["SLACK_BOT_TOKEN"]
    assert "xoxb-" in info.value.problems[0].problem


def test_tokens_are_hidden_from_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    """No token value appears in the settings' repr or str."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-very-secret")
    monkeypatch.setenv("BOTPRESS_TOKEN", "bp_pat_very_secret")
    s = load_settings()
    for text in (repr(s), str(s)):
        assert "very-secret" not in text
        assert "very_secret" not in text


def test_empty_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """`SLACK_APP_TOKEN=` (empty) does not select Socket Mode or fail validation."""
    monkeypatch.setenv("SLACK_APP_TOKEN", "")
    assert not load_settings().socket_mode


def test_socket_mode_and_admins(monkeypatch: pytest.MonkeyPatch) -> None:
    """An app token selects Socket Mode; admins are parsed from a comma list."""
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-abc")
    monkeypatch.setenv("BOTSTATS_ADMINS", "U0123ABCD, W0999ZZZZ")
    s = load_settings()
    assert s.socket_mode
    assert s.admins == {"U0123ABCD", "W0999ZZZZ"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon 09:00", DigestSchedule("mon", 9, 0)),
        ("SUN 7:05", DigestSchedule("sun", 7, 5)),
        ("daily 18:30", DigestSchedule(None, 18, 30)),
    ],
)
def test_parse_schedule(text: str, expected: DigestSchedule) -> None:
    """Weekly and daily schedules parse into day, hour and minute."""
    assert parse_schedule(text) == expected


@pytest.mark.parametrize("text", ["monday 09:00", "mon 9", "daily 24:00", "mon 09:60", ""])
def test_parse_schedule_rejects(text: str) -> None:
    """Malformed schedules raise a ValueError that shows the accepted form."""
    with pytest.raises(ValueError, match="DAY HH:MM"):
        parse_schedule(text)


def test_parse_bot_aliases() -> None:
    """`alias=botId` pairs parse in order, aliases lower-cased."""
    assert parse_bot_aliases("Support=bot_a, sales=bot-b,") == (
        ("support", "bot_a"),
        ("sales", "bot-b"),
    )
    with pytest.raises(ValueError, match="twice"):
        parse_bot_aliases("a=x,a=y")
    with pytest.raises(ValueError, match="alias=botId"):
        parse_bot_aliases("just-an-id")
