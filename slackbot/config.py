"""Settings from the environment and a ``.env`` file (DESIGN §3).

Every problem is reported at once in one ``ConfigError`` naming each variable; tokens are
``SecretStr`` so they never show in reprs, logs or error messages.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from slackbot.core.anomalies import Sensitivity, Thresholds
from slackbot.errors import ConfigError, SettingProblem

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SCHEDULE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun|daily)\s+([01]?\d|2[0-3]):([0-5]\d)$")
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{6,}$")
_USER = re.compile(r"^[UW][A-Z0-9]{6,}$")
_BOT_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_ALIAS = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,31}$")


@dataclass(frozen=True)
class DigestSchedule:
    """When the default digest goes out: weekly on ``day`` (mon..sun) or daily (``day`` None)."""

    day: str | None
    hour: int
    minute: int

    def __str__(self) -> str:
        return f"{self.day or 'daily'} {self.hour:02d}:{self.minute:02d}"


def parse_schedule(text: str) -> DigestSchedule:
    """Parse ``DAY HH:MM`` or ``daily HH:MM``; ValueError names the accepted form."""
    match = _SCHEDULE.match(text.strip().lower())
    if not match:
        raise ValueError(f"{text!r} is not `DAY HH:MM` (DAY = mon..sun) or `daily HH:MM`")
    day, hour, minute = match.groups()
    return DigestSchedule(None if day == "daily" else day, int(hour), int(minute))


def parse_bot_aliases(text: str) -> tuple[tuple[str, str], ...]:
    """Parse ``alias=botId,...`` into (alias, bot id) pairs; ValueError says which entry."""
    pairs: list[tuple[str, str]] = []
    for raw in filter(None, (part.strip() for part in text.split(","))):
        alias, sep, bot_id = (s.strip() for s in raw.partition("="))
        if not sep or not _ALIAS.match(alias.lower()) or not _BOT_ID.match(bot_id):
            raise ValueError(f"entry {raw!r} is not `alias=botId` (alias: letters, digits, - _)")
        if any(a == alias.lower() for a, _ in pairs):
            raise ValueError(f"alias {alias!r} appears twice")
        pairs.append((alias.lower(), bot_id))
    return tuple(pairs)


class Settings(BaseSettings):
    """Every botstats setting, read from the environment and ``.env``."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    botpress_token: SecretStr | None = None
    botpress_workspace_id: str | None = None
    botpress_api_url: str = "https://api.botpress.cloud"
    botpress_dashboard_url: str = "https://app.botpress.cloud"
    botstats_bots: str | None = None
    botstats_db: Path = Path("botstats.db")
    botstats_timezone: str = "UTC"
    botstats_digest_channel: str | None = None
    botstats_alert_channel: str | None = None
    botstats_digest_schedule: str = "mon 09:00"
    botstats_admins: str | None = None
    botstats_monthly_budget_usd: float | None = None
    botstats_alert_sensitivity: str = "normal"
    botstats_cost_floor_usd: float = 1.00
    botstats_alert_mention: str | None = None
    botstats_http_timeout_s: float = 10.0
    botstats_shutdown_grace_s: float = 20.0
    botstats_log_format: str = "text"
    botstats_log_level: str = "INFO"

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with `xoxb-` (OAuth & Permissions)")
        return v

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with `xapp-` (Basic Information)")
        return v

    @field_validator("slack_api_url", "botpress_api_url", "botpress_dashboard_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v

    @field_validator("botstats_timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not an IANA time zone (e.g. Europe/Paris)") from None
        return v

    @field_validator("botstats_digest_schedule")
    @classmethod
    def _schedule(cls, v: str) -> str:
        parse_schedule(v)
        return v

    @field_validator("botstats_bots")
    @classmethod
    def _bots(cls, v: str | None) -> str | None:
        if v is not None:
            parse_bot_aliases(v)
        return v

    @field_validator("botstats_digest_channel", "botstats_alert_channel")
    @classmethod
    def _channel(cls, v: str | None) -> str | None:
        if v is not None and not _CHANNEL.match(v):
            raise ValueError(f"{v!r} is not a channel ID (like C0123ABCD; not #name)")
        return v

    @field_validator("botstats_monthly_budget_usd")
    @classmethod
    def _budget(cls, v: float | None) -> float | None:
        if v is not None and not (0 < v < 1e9):
            raise ValueError(f"{v!r} is not a budget in US dollars (a positive number, e.g. 500)")
        return v

    @field_validator("botstats_alert_sensitivity")
    @classmethod
    def _sensitivity(cls, v: str) -> str:
        if v.strip().lower() not in ("low", "normal", "high"):
            raise ValueError(f"{v!r} is not a sensitivity: use low, normal or high")
        return v.strip().lower()

    @field_validator("botstats_cost_floor_usd")
    @classmethod
    def _cost_floor(cls, v: float) -> float:
        if not (0 <= v < 1e6):
            raise ValueError(f"{v!r} is not a daily cost in US dollars (e.g. 1.00)")
        return v

    @field_validator("botstats_alert_mention")
    @classmethod
    def _mention(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(
            r"<!(here|channel|subteam\^[A-Z0-9]+)>|<@[UW][A-Z0-9]+>", v
        ):
            raise ValueError(
                f"{v!r} is not a Slack mention: use <!here>, <!channel>, <!subteam^S0123ABC> "
                "or <@U0123ABC>"
            )
        return v

    @field_validator("botstats_http_timeout_s")
    @classmethod
    def _http_timeout(cls, v: float) -> float:
        if not (0 < v <= 300):
            raise ValueError(f"{v!r} is not a timeout in seconds (more than 0, at most 300)")
        return v

    @field_validator("botstats_shutdown_grace_s")
    @classmethod
    def _grace(cls, v: float) -> float:
        if not (0 <= v <= 600):
            raise ValueError(f"{v!r} is not a grace period in seconds (0 to 600)")
        return v

    @field_validator("botstats_log_format")
    @classmethod
    def _log_format(cls, v: str) -> str:
        if v.strip().lower() not in ("text", "json"):
            raise ValueError(f"{v!r} is not a log format: use text or json")
        return v.strip().lower()

    @field_validator("botstats_log_level")
    @classmethod
    def _log_level(cls, v: str) -> str:
        level = v.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"{v!r} is not a log level: use DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("botstats_admins")
    @classmethod
    def _admins(cls, v: str | None) -> str | None:
        for user in _split(v):
            if not _USER.match(user):
                raise ValueError(f"{user!r} is not a Slack user ID (like U0123ABCD)")
        return v

    @property
    def timezone(self) -> ZoneInfo:
        """The zone for schedules and shown dates."""
        return ZoneInfo(self.botstats_timezone)

    @property
    def digest_schedule(self) -> DigestSchedule:
        """The parsed default digest schedule."""
        return parse_schedule(self.botstats_digest_schedule)

    @property
    def thresholds(self) -> Thresholds:
        """The alert thresholds for BOTSTATS_ALERT_SENSITIVITY and BOTSTATS_COST_FLOOR_USD."""
        level: Sensitivity = (
            "low"
            if self.botstats_alert_sensitivity == "low"
            else ("high" if self.botstats_alert_sensitivity == "high" else "normal")
        )
        return Thresholds.for_sensitivity(level, self.botstats_cost_floor_usd)

    @property
    def bot_aliases(self) -> tuple[tuple[str, str], ...]:
        """(alias, bot id) pairs from BOTSTATS_BOTS, empty when unset."""
        return parse_bot_aliases(self.botstats_bots) if self.botstats_bots else ()

    @property
    def admins(self) -> frozenset[str]:
        """Slack user IDs allowed to change settings; empty means everyone."""
        return frozenset(_split(self.botstats_admins))

    @property
    def socket_mode(self) -> bool:
        """True when SLACK_APP_TOKEN selects Socket Mode."""
        return self.slack_app_token is not None

    def require(self, *variables: str) -> Settings:
        """Raise one ConfigError naming every listed variable that is unset."""
        missing = [
            SettingProblem(name, "is required here but not set")
            for name in variables
            if getattr(self, name.lower()) in (None, "")
        ]
        if missing:
            raise ConfigError(missing)
        return self


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _problems(error: ValidationError) -> Iterable[SettingProblem]:
    for item in error.errors():
        name = str(item["loc"][0]).upper() if item["loc"] else "settings"
        message = str(item["msg"]).removeprefix("Value error, ")
        yield SettingProblem(name, message)


def load_settings(
    *required: str, env_file: str | Path | None = ".env", **overrides: Any
) -> Settings:
    """Read settings (environment first, then ``.env``) and check the required variables.

    Malformed values and missing required ones come back together in one ConfigError.
    """
    try:
        settings = Settings(_env_file=env_file, **overrides)
    except ValidationError as exc:
        problems = list(_problems(exc))
        names = {p.variable for p in problems}
        problems += [
            SettingProblem(name, "is required here but not set")
            for name in required
            if name not in names and not _present(name, env_file)
        ]
        raise ConfigError(problems) from None
    return settings.require(*required)


def _present(name: str, env_file: str | Path | None) -> bool:
    # Only used to avoid reporting "missing" for a variable that is set but invalid.
    if os.environ.get(name):
        return True
    if env_file and Path(env_file).is_file():
        return bool(dotenv_values(env_file).get(name))
    return False
