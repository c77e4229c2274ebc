"""The one error tree: every botstats failure a person can act on is a ``BotstatsError``.

Each message says what failed, with which input, and what to do next. ``user_message``
is the short sentence shown in Slack; ``str(error)`` is the detail for logs and the CLI.
Messages never contain tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class BotstatsError(Exception):
    """Base class for every error botstats reports to a person."""

    #: Short, friendly sentence for Slack; subclasses refine it.
    user_message: str = "Something went wrong inside botstats. The details are in its log."

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SettingProblem:
    """One missing or malformed environment variable."""

    variable: str
    problem: str


class ConfigError(BotstatsError):
    """Settings are missing or malformed; lists every problem at once."""

    user_message = "botstats is not configured correctly. An admin should check its settings."

    def __init__(self, problems: Sequence[SettingProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p.variable}: {p.problem}" for p in self.problems)
        count = len(self.problems)
        noun = "setting needs" if count == 1 else "settings need"
        super().__init__(
            f"{count} {noun} attention (environment or .env file):\n{lines}\n"
            "Fix them and start botstats again; the README lists every variable."
        )


class UsageError(BotstatsError):
    """A command line or /botstats text that cannot be understood; carries the usage line."""

    def __init__(self, message: str, usage: str = "") -> None:
        self.usage = usage
        full = f"{message}\nUsage: {usage}" if usage else message
        super().__init__(full)
        self.user_message = full


class PeriodError(UsageError):
    """A PERIOD that is not one of the accepted forms, reversed, or too long."""


class UnknownBotError(UsageError):
    """A BOT that matches no tracked bot, or more than one; suggests the closest names."""

    def __init__(self, query: str, suggestions: Sequence[str], *, ambiguous: bool = False) -> None:
        self.query = query
        self.suggestions = tuple(suggestions)
        self.ambiguous = ambiguous
        what = "matches several bots" if ambiguous else "matches no tracked bot"
        said = f"`{query}` {what}."
        if self.suggestions:
            super().__init__(f"{said} Did you mean: {', '.join(self.suggestions)}?")
        else:
            # Each surface suggests the command that exists there: the terminal's
            # `botstats bots` (str, for the CLI and logs), Slack's `/botstats bots`.
            super().__init__(f"{said} `botstats bots` lists the tracked bots.")
            self.user_message = f"{said} `/botstats bots` lists the tracked bots."


class BotpressError(BotstatsError):
    """Base class for failures talking to the Botpress Admin API."""

    user_message = "Botpress could not be reached just now. Try again in a few minutes."

    def __init__(self, message: str, *, bot_id: str | None = None) -> None:
        super().__init__(message)
        self.bot_id = bot_id


class BotpressAPIError(BotpressError):
    """Botpress answered with an HTTP error status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        bot_id: str | None = None,
        error_id: str | None = None,
        error_type: str | None = None,
    ) -> None:
        if error_id:
            message = f"{message} (Botpress error id {error_id}; quote it to Botpress support)"
        super().__init__(message, bot_id=bot_id)
        self.status = status
        self.error_id = error_id
        self.error_type = error_type


class BotpressAuthError(BotpressAPIError):
    """401 or 403: the token or workspace id is wrong, or lacks access."""

    user_message = (
        "Botpress refused botstats' credentials. An admin should check BOTPRESS_TOKEN "
        "and BOTPRESS_WORKSPACE_ID."
    )


class BotpressNotFoundError(BotpressAPIError):
    """404: the bot (or workspace) does not exist for these credentials."""

    user_message = "Botpress does not know that bot in this workspace. Check the bot id."


class BotpressBadRequestError(BotpressAPIError):
    """400: Botpress rejected the query itself."""

    user_message = "Botpress rejected the request. The details are in botstats' log."


class BotpressUnavailableError(BotpressError):
    """429, 5xx, timeouts or connection errors that outlasted every retry."""

    user_message = "Botpress is busy or down right now. Try again in a few minutes."

    def __init__(
        self,
        message: str,
        *,
        bot_id: str | None = None,
        status: int | None = None,
        attempts: int = 1,
        waited: float = 0.0,
        timeout: float | None = None,
    ) -> None:
        super().__init__(message, bot_id=bot_id)
        self.status = status
        self.attempts = attempts
        self.waited = waited
        #: The per-request timeout that ran out on the last attempt (None: another failure).
        self.timeout = timeout
        if timeout is not None:
            self.user_message = (
                f"Botpress did not answer within {timeout:g} s; try again in a minute."
            )


class BotpressResponseError(BotpressError):
    """Botpress answered 2xx with a body that does not match the API's schema."""

    user_message = (
        "Botpress sent analytics botstats could not read. Try again later; "
        "the details are in botstats' log."
    )

    def __init__(self, message: str, *, bot_id: str | None = None, field: str = "") -> None:
        super().__init__(message, bot_id=bot_id)
        self.field = field


class StoreError(BotstatsError):
    """The SQLite database cannot be opened, read or written."""

    user_message = "botstats' database is unavailable. An admin should check its log."

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


class RunStateError(BotstatsError):
    """A delivery run was asked to move to a state it may not reach from where it is."""

    user_message = "botstats refused to record a delivery twice. The details are in its log."

    def __init__(
        self, key: str, *, current: str | None, target: str, allowed: Sequence[str]
    ) -> None:
        where = "does not exist" if current is None else f"is {current!r}"
        super().__init__(
            f"Run {key!r} {where}, so it cannot become {target!r} (only from "
            f"{' or '.join(repr(a) for a in allowed)}). Runs only move forward: claimed -> "
            "posting -> sent | failed; check `runs` in the database before changing it by hand."
        )
        self.key = key
        self.current = current
        self.target = target


class ServeError(BotstatsError):
    """``botstats serve`` cannot listen where it was asked to (port in use, no permission)."""

    def __init__(self, message: str, *, host: str, port: int) -> None:
        super().__init__(message)
        self.host = host
        self.port = port


class SlackDeliveryError(BotstatsError):
    """A message could not be delivered to Slack, or may have been and no one can tell.

    ``error`` is Slack's code (``not_in_channel``, ``ratelimited``...) or botstats' own for
    a fault below the API (``unreachable``, ``http_5xx``, ``timeout``, ``connection_reset``).
    ``retryable``: nothing was posted and a later tick may succeed. ``maybe_posted``: the
    request may have reached Slack; such a delivery is left for a person, never retried.
    """

    user_message = "Slack did not take botstats' message. The details are in botstats' log."

    def __init__(
        self,
        message: str,
        *,
        channel: str | None = None,
        error: str = "",
        method: str | None = None,
        status: int | None = None,
        retryable: bool = False,
        maybe_posted: bool = False,
        user_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.channel = channel
        self.error = error
        self.method = method
        self.status = status
        self.retryable = retryable
        self.maybe_posted = maybe_posted
        if user_message:
            self.user_message = user_message
