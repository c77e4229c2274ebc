"""The Slack adapter: a sync Bolt ``App`` whose listeners are registered per area.

Commands, interactive actions, events (the Home tab), DMs and @mentions (``messages``)
and the install events (``installs``) each have a ``register(app, deps)`` in
``listeners/``, like Slack's bolt-python starter template. The ``WebClient`` points at
SLACK_API_URL and retries rate-limited calls after the ``Retry-After`` Slack sends, plus
connection errors.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any
from urllib.error import URLError

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import WebClient

from slackbot.alerts.actions import AlertActions
from slackbot.config import Settings
from slackbot.errors import ConfigError, SettingProblem
from slackbot.replies import Replies, dashboard
from slackbot.service import Service
from slackbot.slack.context import DEFAULT_MAX_PENDING, DEFAULT_WORKERS, Runner, SlackDeps
from slackbot.slack.listeners import actions, alerts, commands, events, installs, messages
from slackbot.slack.poster import SlackPoster
from slackbot.slack.telemetry import Telemetry

log = logging.getLogger(__name__)

#: Longest Retry-After honoured; past it the call fails with ``ratelimited`` instead.
MAX_RETRY_AFTER = 60.0


class RetryAfterHandler(RateLimitErrorRetryHandler):
    """Retries a 429 after the ``Retry-After`` Slack asked for (capped; injectable sleep)."""

    def __init__(
        self,
        max_retry_count: int = 2,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = MAX_RETRY_AFTER,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep
        self.max_wait = max_wait

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Sleep for Retry-After (1 s when absent) and ask for one more attempt."""
        if response is None:
            raise error or RuntimeError("rate-limit retry without a response")
        wait = retry_after(response.headers)
        if wait > self.max_wait:
            log.warning("Slack asked to wait %.0f s before %s; not retrying", wait, request.url)
            return  # no next attempt: the caller gets the `ratelimited` error
        log.info("Slack rate-limited %s; retrying in %.1f s", request.url, wait)
        self.sleep(wait)
        state.next_attempt_requested = True
        state.increment_current_attempt()


def retry_after(headers: dict[str, Any]) -> float:
    """Seconds from a ``Retry-After`` header (any case; list or str values); 1 when absent."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                break
    return 1.0


def build_web_client(
    settings: Settings, *, sleep: Callable[[float], None] = time.sleep, timeout: int = 30
) -> WebClient:
    """A WebClient on SLACK_API_URL with the bot token, retrying 429s and connection errors."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            # Only errors before the request left (refused, DNS): a reset after sending may
            # follow a post Slack took, and chat.postMessage has no idempotency key.
            ConnectionErrorRetryHandler(max_retry_count=1, error_types=[URLError]),
            RetryAfterHandler(sleep=sleep),
        ],
    )


class _DropTokenSkipped(logging.Filter):
    """Drops Bolt's "`token` will be unused" warning.

    Bolt reads SLACK_BOT_TOKEN from the environment whenever ``token`` is not passed, then
    warns that the ``client`` we pass wins; that client carries the same token, so the
    warning would only mislead whoever reads the log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """False for that one warning."""
        return "`token` will be unused" not in record.getMessage()


def _quiet_token_warning() -> None:
    bolt_logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _DropTokenSkipped) for f in bolt_logger.filters):
        bolt_logger.addFilter(_DropTokenSkipped())


def build_app(
    settings: Settings,
    service: Service,
    *,
    client: WebClient | None = None,
    executor: Executor | None = None,
    telemetry: Telemetry | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_pending: int = DEFAULT_MAX_PENDING,
    respond_retry_delay: float = 0.5,
) -> App:
    """The Bolt app: /botstats, actions and events, acking at once and working on a pool.

    It calls ``auth.test`` once here (Bolt's token check), so no request waits for it.
    ``executor`` is owned by the caller when given; ``telemetry`` defaults to a fresh one.
    """
    socket_mode = settings.socket_mode
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    problems = []
    if client is None and settings.slack_bot_token is None:
        problems.append(SettingProblem("SLACK_BOT_TOKEN", "is required to run the Slack app"))
    if not secret and not socket_mode:
        problems.append(SettingProblem("SLACK_SIGNING_SECRET", "is required in HTTP mode"))
    if problems:
        raise ConfigError(problems)
    pool = executor or ThreadPoolExecutor(DEFAULT_WORKERS, thread_name_prefix="botstats-work")
    client = client or build_web_client(settings, sleep=sleep)
    _quiet_token_warning()
    try:
        app = App(
            client=client,
            signing_secret=secret,
            # Socket Mode payloads come over an authenticated websocket, unsigned.
            request_verification_enabled=not socket_mode,
            # ack() must be the HTTP response itself: see listeners_commands for why.
            process_before_response=True,
            listener_executor=pool,
        )
    except BoltError as exc:
        raise ConfigError([SettingProblem("SLACK_BOT_TOKEN", f"Slack refused it: {exc}")]) from None
    except OSError as exc:  # URLError, refused connection, DNS failure
        problem = f"Slack could not be reached at {settings.slack_api_url} ({exc})"
        raise ConfigError([SettingProblem("SLACK_API_URL", problem)]) from None
    metrics = telemetry or Telemetry(botpress=service.client)
    deps = SlackDeps(
        settings=settings,
        service=service,
        replies=Replies(service, settings),
        telemetry=metrics,
        runner=Runner(
            pool,
            max_pending=max_pending,
            on_full=lambda what: metrics.work_refused.labels(what).inc(),
        ),
        sleep=sleep,
        respond_retry_delay=respond_retry_delay,
        alert_actions=AlertActions(
            service,
            SlackPoster(client, workspace=service.store.workspace),
            tz=settings.timezone,
            links=dashboard(settings),
            admins=settings.admins,
            mention=settings.botstats_alert_mention,
        ),
    )
    # Bolt's auth.test has just passed: Slack accepts the token, so the app is installed.
    installs.installed_at_start(service.store.workspace)
    installs.register(app, deps)
    commands.register(app, deps)
    events.register(app, deps)
    messages.register(app, deps)
    alerts.register(app, deps)
    # Last: its catch-all action listener must not shadow specific ones.
    actions.register(app, deps)
    return app
