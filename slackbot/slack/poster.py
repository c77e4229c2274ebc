"""The Slack delivery adapter: post, update, link and upload; every failure one clear error.

Digests and alerts post through ``SlackPoster``. Its ``WebClient`` already retries
(``slack.app.build_web_client``: a 429 after Retry-After, a connection error once), so
no call is retried here, but one: on ``not_in_channel`` it joins the channel (public
ones, with ``channels:join``) and tries once more. What slack_sdk raises, and so whether
a failure is ``retryable`` (nothing posted) or ``maybe_posted`` (left for a person):

- an HTTP error status (5xx, a 429 past its retries): ``SlackApiError`` carrying the status;
  an HTML body reads as ``ok: false`` "Received a response in a non-JSON format...".
- refused connection, DNS failure, connect timeout: ``URLError``; nothing reached Slack.
- read timeout: a bare ``TimeoutError``; the connection lost while awaiting the answer:
  ``ConnectionResetError`` / ``RemoteDisconnected``. Slack may have acted on the request.
- the upload of a file's bytes (a bare urlopen): ``HTTPError`` for an error status.
- a 200 whose body starts like JSON but is cut short: ``json.JSONDecodeError`` (with retry
  handlers set, slack_sdk parses the body itself, unguarded). Slack may have acted on it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPException
from urllib.error import HTTPError, URLError

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse, WebClient

from slackbot.core.blocks.kit import Message, channel_link
from slackbot.errors import SlackDeliveryError
from slackbot.store.workspace import Workspace

log = logging.getLogger(__name__)

#: Errors slack_sdk lets through from a call: its own, urllib's, http.client's, and json's.
CALL_ERRORS = (SlackClientError, OSError, HTTPException, json.JSONDecodeError)
UPLOAD = "files_upload_v2"
TOKEN_CODES = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
LAYOUT_CODES = frozenset(
    {"invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long", "msg_too_long", "no_text"}
)
#: Slack's own trouble, answered in JSON: try later (fatal_error: unless it may have posted).
SLACK_TROUBLE = frozenset(
    {"internal_error", "service_unavailable", "request_timeout", "fatal_error"}
)
TRANSIENT = frozenset({"ratelimited", "http_5xx", "unreachable", "timeout", "connection_reset"})
RETRYABLE = SLACK_TROUBLE | TRANSIENT
NON_JSON = "Received a response in a non-JSON format"
RETRY_NOTE = "botstats retries on the next minute."


@dataclass(frozen=True)
class Posted:
    """A message Slack took: its channel id and ``ts``."""

    channel: str
    ts: str


class SlackPoster:
    """Posts messages and charts through one ``WebClient``, raising ``SlackDeliveryError``."""

    def __init__(self, client: WebClient, *, workspace: Workspace | None = None) -> None:
        self.client = client
        #: Where the uninstall flag is kept; while it is set every call is refused unsent.
        self.workspace = workspace

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        """chat.postMessage (in ``thread_ts``'s thread when given); joins a public channel first."""

        def send() -> SlackResponse:
            return self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks or None,
                thread_ts=thread_ts,
            )

        response = self._joining("chat.postMessage", channel, send)
        return Posted(str(response.get("channel") or channel), str(response["ts"]))

    def update(self, channel: str, ts: str, message: Message) -> None:
        """chat.update: replace the text and blocks of a message botstats posted."""
        self._call(
            "chat.update",
            channel,
            lambda: self.client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks or None
            ),
        )

    def permalink(self, channel: str, ts: str) -> str | None:
        """chat.getPermalink; None (and why, in the log) when Slack cannot give one."""
        started = time.perf_counter()
        try:
            link = self.client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except CALL_ERRORS as exc:
            failure = classify(exc, method="chat.getPermalink", channel=channel, posts=False)
            _log("chat.getPermalink", channel, failure.error, started)
            log.debug("no permalink for %s in %s: %s", ts, channel, failure)
            return None
        _log("chat.getPermalink", channel, "ok", started)
        return link if isinstance(link, str) else None

    def upload_png(
        self,
        png: bytes,
        *,
        filename: str,
        title: str,
        alt_text: str,
        channel: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """files_upload_v2 of one PNG, shared in ``channel`` when given; the file id."""

        def send() -> SlackResponse:
            return self.client.files_upload_v2(
                content=png,
                filename=filename,
                title=title,
                alt_txt=alt_text,
                channel=channel,
                thread_ts=thread_ts,
            )

        if channel is None:
            response = self._call(UPLOAD, None, send)
        else:
            response = self._joining(UPLOAD, channel, send)
        file = response.get("file") or {}
        return str(file.get("id") if isinstance(file, dict) else "")

    # --- one call, its log line and its error -----------------------------------------
    def _call(
        self, method: str, channel: str | None, send: Callable[[], SlackResponse]
    ) -> SlackResponse:
        # Only what shares something in a channel can leave a message behind.
        posts = method == "chat.postMessage" or (method == UPLOAD and channel is not None)
        started = time.perf_counter()
        self._refuse_if_uninstalled(method, channel, started)
        try:
            response = send()
        except CALL_ERRORS as exc:
            failure = classify(exc, method=method, channel=channel, posts=posts)
            _log(method, channel, failure.error, started)
            raise failure from exc
        _log(method, channel, "ok", started)
        return response

    def _refuse_if_uninstalled(self, method: str, channel: str | None, started: float) -> None:
        """Raise a retryable error, sending nothing, while the app is uninstalled."""
        gone = self.workspace.uninstalled() if self.workspace is not None else None
        if gone is None:
            return
        _log(method, channel, "app_uninstalled", started)
        # Retryable: the run stays failed, and a tick after the reinstall posts it.
        raise SlackDeliveryError(
            f"Slack {method} to {channel or '(no channel)'} not sent: botstats was "
            f"uninstalled ({gone.describe()}); posting resumes after a reinstall.",
            channel=channel,
            error="app_uninstalled",
            method=method,
            retryable=True,
            user_message=advice("app_uninstalled", channel),
        )

    def _joining(
        self, method: str, channel: str, send: Callable[[], SlackResponse]
    ) -> SlackResponse:
        """``send``; on not_in_channel, join ``channel`` and send once more."""
        try:
            return self._call(method, channel, send)
        except SlackDeliveryError as exc:
            if exc.error != "not_in_channel":
                raise
        self._join(channel, method)
        try:
            return self._call(method, channel, send)
        except SlackDeliveryError as exc:
            if exc.error != "not_in_channel":
                raise
            raise _not_invited(channel, method, "still not_in_channel after joining") from exc

    def _join(self, channel: str, method: str) -> None:
        try:
            self._call(
                "conversations.join",
                channel,
                lambda: self.client.conversations_join(channel=channel),
            )
        except SlackDeliveryError as exc:
            # Slack down or the token refused: say that, not "invite me".
            if exc.retryable or exc.maybe_posted or exc.error in TOKEN_CODES:
                raise
            raise _not_invited(
                channel, method, f"conversations.join answered {exc.error}", joined=exc.error
            ) from exc


def _not_invited(channel: str, method: str, why: str, *, joined: str = "") -> SlackDeliveryError:
    """The not_in_channel error, with advice fitted to why botstats could not join."""
    return SlackDeliveryError(
        f"Slack {method} to {channel} failed: not_in_channel ({why}).",
        channel=channel,
        error="not_in_channel",
        method=method,
        user_message=advice(
            key if (key := f"not_in_channel:{joined}") in _ADVICE else "not_in_channel", channel
        ),
    )


def _log(method: str, channel: str | None, outcome: str, started: float) -> None:
    # One line per Web API call; the fields again in ``extra`` for JSON logs.
    fields = {"method": method, "channel": channel, "outcome": outcome, "duration_ms": _ms(started)}
    log.info(
        "slack %s channel=%s outcome=%s in %d ms",
        method,
        channel or "-",
        outcome,
        fields["duration_ms"],
        extra=fields,
    )


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


# --- classification ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Fault:
    code: str
    status: int | None = None
    needed: str = ""
    sent: bool = False  # the request went out and its answer was lost


def _fault(exc: BaseException) -> _Fault:
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        code = str(data.get("error") or "unknown_error")
        if status >= 500:
            code = "http_5xx"
        elif code.startswith(NON_JSON):
            code = "bad_response"
        return _Fault(code, status, str(data.get("needed") or ""))
    if isinstance(exc, HTTPError):  # the upload step, a bare urlopen
        return _Fault("http_5xx" if exc.code >= 500 else "upload_refused", exc.code)
    if isinstance(exc, URLError):  # urllib wraps what fails before the request is out
        return _Fault("timeout" if isinstance(exc.reason, TimeoutError) else "unreachable")
    if isinstance(exc, TimeoutError):
        return _Fault("timeout", sent=True)
    if isinstance(exc, OSError | HTTPException):
        return _Fault("connection_reset", sent=True)
    if isinstance(exc, json.JSONDecodeError):  # a 200 answer, unreadable: Slack answered
        return _Fault("bad_response", 200, sent=True)
    return _Fault("request_error")


def classify(
    exc: BaseException, *, method: str, channel: str | None, posts: bool
) -> SlackDeliveryError:
    """The ``SlackDeliveryError`` for what a WebClient call raised (see the module docstring)."""
    fault = _fault(exc)
    # Slack's fatal_error: "some aspect of the operation may have succeeded".
    maybe = posts and (fault.sent or fault.code == "fatal_error")
    retryable = not maybe and fault.code in RETRYABLE
    detail = [f"Slack {method} to {channel or '(no channel)'} failed: {fault.code}"]
    if fault.status is not None:
        detail.append(f"(HTTP {fault.status})")
    if fault.needed:
        detail.append(f"(needs scope {fault.needed})")
    if maybe:
        detail.append("after the request went out: it may have been posted, so it is not retried")
    return SlackDeliveryError(
        " ".join(detail) + ".",
        channel=channel,
        error=fault.code,
        method=method,
        status=fault.status,
        retryable=retryable,
        maybe_posted=maybe,
        user_message=advice(
            "maybe_posted" if maybe else fault.code, channel, fault.needed, fault.status
        ),
    )


def advice(code: str, channel: str | None, needed: str = "", status: int | None = None) -> str:
    """The sentence a Slack user or admin can act on, for one error code."""
    where = channel_link(channel) if channel else "Slack"
    return _ADVICE.get(code, _REFUSED).format(
        where=where, channel=channel or "?", code=code, needed=needed or "a scope", status=status
    )


_REFUSED = "Slack refused botstats' message for {where} ({code}); the details are in botstats' log."
_REINSTALL = (
    "Slack refused the bot token: an admin should reinstall the app and update SLACK_BOT_TOKEN."
)
_LAYOUT = "Slack refused the message's layout ({code}): a botstats bug; the details are in its log."
_ARCHIVED = "{where} is archived: unsubscribe it, or unarchive the channel."
_ADVICE = {
    "not_in_channel": (
        "botstats is not in {where}: type `/invite @botstats` there (for a public channel, an "
        "admin can instead grant the app the channels:join scope)."
    ),
    "not_in_channel:method_not_supported_for_channel_type": (
        "botstats is not in the private channel {where}: type `/invite @botstats` there."
    ),
    "not_in_channel:is_archived": _ARCHIVED,
    "is_archived": _ARCHIVED,
    "channel_not_found": (
        "Channel `{channel}` was not found: it may be private or deleted. Subscribe again from "
        "the channel itself (after `/invite @botstats` if it is private)."
    ),
    "missing_scope": (
        "The botstats app lacks the Slack scope `{needed}`: an admin should add it under "
        "OAuth & Permissions and reinstall the app."
    ),
    "restricted_action": "This workspace does not let botstats post in {where}: ask an admin.",
    "message_not_found": "The message botstats tried to change in {where} is gone.",
    "cant_update_message": "botstats cannot edit that message in {where}: it is not its own.",
    "app_uninstalled": (
        "botstats was uninstalled from this Slack workspace, so it posts nothing: an admin "
        "should reinstall the app (and update SLACK_BOT_TOKEN); posting resumes by itself."
    ),
    "maybe_posted": (
        "Slack stopped answering while botstats posted to {where}, so the message may or may "
        "not be there. botstats will not post it again by itself: check the channel, and send "
        "it by hand if it is missing."
    ),
    "ratelimited": f"Slack asked botstats to slow down; {RETRY_NOTE}",
    "http_5xx": f"Slack is having trouble (HTTP {{status}}); {RETRY_NOTE}",
    "unreachable": f"Slack is unreachable; {RETRY_NOTE}",
    "timeout": f"Slack did not answer in time; {RETRY_NOTE}",
    "connection_reset": f"The connection to Slack broke; {RETRY_NOTE}",
    "bad_response": (
        "Slack's address answered with something that is not its Web API (HTTP {status}): an "
        "admin should check SLACK_API_URL."
    ),
    **dict.fromkeys(TOKEN_CODES, _REINSTALL),
    **dict.fromkeys(LAYOUT_CODES, _LAYOUT),
    **dict.fromkeys(SLACK_TROUBLE, f"Slack had an internal problem ({{code}}); {RETRY_NOTE}"),
}
