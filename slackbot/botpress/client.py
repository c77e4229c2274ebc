"""Botpress Admin API adapter: ``listBots`` and ``getBotAnalytics`` over one httpx client.

Retries 429, 500/502/503/504 and network failures (GETs only, so always idempotent) with
capped exponential backoff and full jitter, honouring the server's wait hints; maps every
failure onto ``slackbot.errors``; validates every 2xx body with the pydantic models.
"""

from __future__ import annotations

import copy
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import partial
from types import TracebackType
from typing import Literal, TypeAlias, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from slackbot.botpress.http import (
    RETRY_STATUSES,
    TRANSIENT_ERRORS,
    USER_AGENT,
    RetryPolicy,
    describe_validation,
    log_call,
    make_http_client,
    parse_error_body,
    retry_hint,
    short,
    status_text,
)
from slackbot.core.models import AnalyticsRecord, AnalyticsResponse, BotInfo
from slackbot.errors import (
    BotpressAPIError,
    BotpressAuthError,
    BotpressBadRequestError,
    BotpressNotFoundError,
    BotpressResponseError,
    BotpressUnavailableError,
)

__all__ = ["DEFAULT_BASE_URL", "USER_AGENT", "BotpressClient", "Health", "RetryPolicy"]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.botpress.cloud"
MAX_PAGES = 1000  # a workspace with 1000 pages of bots is a server bug, not a big workspace
_M = TypeVar("_M", bound=BaseModel)
#: What the last Botpress call says about Botpress (``/healthz``): ``unknown`` before any.
Health: TypeAlias = Literal["unknown", "ok", "unauthorized", "down"]


class _Meta(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    nextToken: str | None = None


class _BotsPage(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    bots: list[BotInfo]
    meta: _Meta = Field(default_factory=_Meta)


@dataclass(frozen=True)
class _Failure:
    status: int | None  # None: no HTTP answer at all
    text: str
    hint: float | None = None
    error: str | None = None  # the exception's type when there was no answer


#: ``_Failure.error`` of a request that ran out of time (BOTSTATS_HTTP_TIMEOUT_S).
TIMEOUTS = frozenset(
    t.__name__
    for t in (httpx.ConnectTimeout, httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)
)


@dataclass
class _Tally:
    """Counters and health, shared by a client and its ``single_attempt`` views."""

    requests: int = 0
    errors: int = 0
    health: Health = "unknown"


class BotpressClient:
    """Botpress Admin API client: bots and daily analytics, retried, validated, counted."""

    def __init__(
        self,
        *,
        token: str,
        workspace_id: str,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
        max_wait: float = 60.0,
        rng: random.Random | None = None,
    ) -> None:
        self._token = token
        self.workspace_id = workspace_id
        self.base_url = base_url.rstrip("/")
        self.policy = RetryPolicy(max_attempts=max(1, max_attempts), max_wait=max_wait)
        self._sleep = sleep
        self._rng = rng or random.Random()  # jitter only, not security
        self.timeout = timeout
        self._lock = threading.Lock()
        self._tally = _Tally()
        headers = {
            "Authorization": f"Bearer {token}",
            "x-workspace-id": workspace_id,
            "x-multiple-integrations": "true",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        self._http = make_http_client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    def __repr__(self) -> str:
        return f"BotpressClient(base_url={self.base_url!r}, workspace_id={self.workspace_id!r})"

    @property
    def request_count(self) -> int:
        """HTTP requests sent, retries included."""
        with self._lock:
            return self._tally.requests

    @property
    def error_count(self) -> int:
        """Failed attempts: error statuses, network failures and unreadable 2xx bodies."""
        with self._lock:
            return self._tally.errors

    @property
    def health(self) -> Health:
        """The outcome of the last call: ``ok`` (Botpress answered and took the token),
        ``unauthorized`` (401/403), ``down`` (unreachable, 5xx, unreadable), or ``unknown``."""
        with self._lock:
            return self._tally.health

    def single_attempt(self) -> BotpressClient:
        """This client without retries (interactive replies): one attempt per call, over the
        same connections, counters and health; closing either closes both."""
        view = copy.copy(self)
        view.policy = replace(self.policy, max_attempts=1)
        return view

    def _set_health(self, health: Health) -> None:
        with self._lock:
            self._tally.health = health

    def _count(self, *, requests: int = 0, errors: int = 0) -> None:
        with self._lock:
            self._tally.requests += requests
            self._tally.errors += errors

    def _redact(self, text: str) -> str:
        # Belt and braces: an error page might echo the credentials back at us.
        return text.replace(self._token, "[redacted]") if len(self._token) >= 8 else text

    def list_bots(self) -> list[BotInfo]:
        """Every production bot of the workspace, following ``meta.nextToken``."""
        bots: list[BotInfo] = []
        seen: set[str] = set()
        token: str | None = None
        for _ in range(MAX_PAGES):
            response = self._get("/v1/admin/bots", {"nextToken": token} if token else {})
            page = self._validate(_BotsPage, response, what="a bot list", bot_id=None)
            bots.extend(page.bots)
            token = page.meta.nextToken
            if not token:
                return bots
            if token in seen:
                break
            seen.add(token)
        self._count(errors=1)
        self._set_health("down")
        raise BotpressResponseError(
            f"Botpress kept sending more pages of bots for workspace {self.workspace_id!r} "
            f"(nextToken {short(token or '', 40)!r} repeated, or over {MAX_PAGES} pages); "
            "botstats stopped to avoid an endless loop. Try again later, or list the bots "
            "in BOTSTATS_BOTS.",
            field="meta.nextToken",
        )

    def get_analytics(self, bot_id: str, first: date, last: date) -> list[AnalyticsRecord]:
        """The raw analytics records of ``bot_id`` for the UTC days ``first``..``last``."""
        # endDate was exclusive in older specs and inclusive in newer ones: ask for the
        # midnight after ``last``; the caller's bucketing drops a bucket starting then.
        params = {
            "startDate": f"{first.isoformat()}T00:00:00.000Z",
            "endDate": f"{(last + timedelta(days=1)).isoformat()}T00:00:00.000Z",
        }
        path = f"/v1/admin/bots/{quote(bot_id, safe='')}/analytics"
        response = self._get(path, params, bot_id=bot_id)
        what = f"an analytics response for bot {bot_id}"
        return list(self._validate(AnalyticsResponse, response, what=what, bot_id=bot_id).records)

    def _validate(
        self, model: type[_M], response: httpx.Response, *, what: str, bot_id: str | None
    ) -> _M:
        try:
            # JSON mode: unlike json.loads, it refuses NaN/Infinity for our finite fields.
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            self._count(errors=1)
            self._set_health("down")  # answering, but not with anything readable
            field, problem = describe_validation(exc, response.content)
            message = (
                f"Botpress sent {what} that botstats cannot read: {problem}. Try again later; "
                "if it keeps happening, report this message to botstats' maintainers."
            )
            raise BotpressResponseError(self._redact(message), bot_id=bot_id, field=field) from exc

    def _get(
        self, path: str, params: Mapping[str, str], *, bot_id: str | None = None
    ) -> httpx.Response:
        try:
            response = self._get_retrying(path, params, bot_id=bot_id)
        except BotpressAuthError:
            self._set_health("unauthorized")
            raise
        except BotpressUnavailableError:
            self._set_health("down")
            raise
        except BotpressAPIError:
            self._set_health("ok")  # Botpress answered (404, 400) and took the token
            raise
        self._set_health("ok")
        return response

    def _get_retrying(
        self, path: str, params: Mapping[str, str], *, bot_id: str | None = None
    ) -> httpx.Response:
        waited, attempt = 0.0, 0
        while True:
            attempt += 1
            started = time.perf_counter()
            logged = partial(log_call, log, path, attempt=attempt, started=started, bot_id=bot_id)
            try:
                failure = self._attempt(path, params, bot_id=bot_id, attempt=attempt, waited=waited)
            except BotpressAPIError as exc:
                error = type(exc.__cause__ or exc).__name__
                logged(outcome="failed", status=exc.status, error=error)
                raise
            if isinstance(failure, httpx.Response):
                logged(outcome="ok", status=failure.status_code)
                return failure
            delay = self.policy.delay(attempt, waited, failure.hint, self._rng)
            said = partial(logged, status=failure.status, error=failure.error)
            if delay < 0:
                said(outcome="failed", detail=self._redact(failure.text))
                advice = ""
                if failure.hint is not None and attempt < self.policy.max_attempts:
                    advice = f"Botpress asked to wait {failure.hint:.0f} s, past the retry budget."
                raise self._unavailable(
                    path, failure, bot_id=bot_id, attempt=attempt, waited=waited, advice=advice
                )
            detail = f"{self._redact(failure.text)}; retrying in {delay:.2f} s"
            said(outcome="retry", detail=detail)
            self._sleep(delay)
            waited += delay

    def _attempt(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        bot_id: str | None,
        attempt: int,
        waited: float,
    ) -> httpx.Response | _Failure:
        """One request: the 2xx answer, a retryable failure, or a raised final error."""
        try:
            response = self._http.get(path, params=dict(params))
        except TRANSIENT_ERRORS as exc:
            self._count(requests=1, errors=1)
            return _Failure(None, f"{type(exc).__name__}: {exc}", error=type(exc).__name__)
        except httpx.HTTPError as exc:
            self._count(requests=1, errors=1)
            failure = _Failure(None, f"{type(exc).__name__}: {exc}")
            advice = "Check BOTPRESS_API_URL."
            raise self._unavailable(
                path, failure, bot_id=bot_id, attempt=attempt, waited=waited, advice=advice
            ) from exc
        self._count(requests=1, errors=int(not response.is_success))
        if response.is_success:
            return response
        if response.status_code not in RETRY_STATUSES:
            raise self._status_error(path, response, bot_id)
        body = parse_error_body(response)
        text = status_text(response, body)
        if body.error_id:
            text += f"; Botpress error id {body.error_id}"
        return _Failure(response.status_code, text, retry_hint(response))

    def _unavailable(
        self,
        path: str,
        failure: _Failure,
        *,
        bot_id: str | None,
        attempt: int,
        waited: float,
        advice: str = "",
    ) -> BotpressUnavailableError:
        tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
        message = (
            f"The Botpress API is busy or down: GET {self.base_url}{path} failed "
            f"({failure.text}) after {tries} over {waited:.1f} s of retrying. "
            f"{advice + ' ' if advice else ''}"
            "Try again in a few minutes; if it lasts, check Botpress's status page."
        )
        return BotpressUnavailableError(
            self._redact(message),
            bot_id=bot_id,
            status=failure.status,
            attempts=attempt,
            waited=waited,
            timeout=self.timeout if failure.error in TIMEOUTS else None,
        )

    def _status_error(
        self, path: str, response: httpx.Response, bot_id: str | None
    ) -> BotpressAPIError:
        body = parse_error_body(response)
        said, status, ws = status_text(response, body), response.status_code, self.workspace_id

        def error(cls: type[BotpressAPIError], message: str) -> BotpressAPIError:
            return cls(
                self._redact(message),
                status=status,
                bot_id=bot_id,
                error_id=body.error_id,
                error_type=body.error_type,
            )

        if status in (401, 403):
            return error(
                BotpressAuthError,
                f"Botpress refused botstats' credentials for workspace {ws!r} ({said}). Check "
                "BOTPRESS_TOKEN (a Personal Access Token of a member of that workspace; bot "
                "access keys cannot use the Admin API) and BOTPRESS_WORKSPACE_ID.",
            )
        if status == 404:
            what = f"bot {bot_id!r}" if bot_id else f"GET {path}"
            return error(
                BotpressNotFoundError,
                f"Botpress does not know {what} in workspace {ws!r} ({said}). Check the bot "
                "id (BOTSTATS_BOTS, `botstats bots`), BOTPRESS_WORKSPACE_ID and BOTPRESS_API_URL.",
            )
        if status == 400:
            return error(
                BotpressBadRequestError,
                f"Botpress rejected GET {path} as a bad request ({said}). This is likely a "
                "botstats bug: report this message to its maintainers.",
            )
        return error(BotpressAPIError, f"Botpress answered GET {path} with an error ({said}).")

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> BotpressClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
