"""Logs: one line per event in text or JSON, levels as configured, and never a token.

The end-to-end tests run a digest through the real Botpress client (against the
simulator) and the real SlackPoster (against FakeSlack) with DEBUG logging captured.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from digest_harness import CHANNEL, LONG_AGO, MovableClock, NoChart, build_stack
from slack_harness import SECRET, clear_env

from slackbot.botpress.client import BotpressClient
from slackbot.cli import main
from slackbot.errors import BotpressAuthError, BotpressUnavailableError
from slackbot.logs import REDACTED, BotstatsHandler, TextFormatter, configure_logging
from slackbot.simulator.server import Simulator
from slackbot.testing.fake_slack import FakeSlack

BOT_TOKEN = "xoxb-digest-test-token"  # digest_harness's bot token, spelled out to grep for
APP_TOKEN = "xapp-1-A0LOGS-123-abcdef"
BOTPRESS_TOKEN = "bp_pat_logsTestToken0123456789abcdef"
TOKENS = (BOT_TOKEN, SECRET, APP_TOKEN, BOTPRESS_TOKEN)
MONDAY_9 = datetime(2026, 11, 30, 9, 0, 30, tzinfo=UTC)
log = logging.getLogger("slackbot.test_logs")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Leave the root logger's handlers and level as the test found them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


def capture(format: str = "text", level: str = "INFO", **kw: Any) -> io.StringIO:
    """Configure botstats logging into a fresh in-memory stream."""
    stream = io.StringIO()
    configure_logging(format, level, stream, **kw)
    return stream


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line of ``stream`` parsed as one JSON object."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


# --- formats --------------------------------------------------------------------------------


def test_text_line_reads_time_level_logger_and_message() -> None:
    """A text line is `2026-12-02T07:30:00Z INFO slackbot.sync: message` in UTC."""
    record = logging.makeLogRecord(
        {
            "name": "slackbot.sync",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": "synced %d bot(s) outcome=%s",
            "args": (3, "ok"),
            "created": datetime(2026, 12, 2, 7, 30, tzinfo=UTC).timestamp(),
        }
    )
    line = TextFormatter().format(record)
    assert line == "2026-12-02T07:30:00Z INFO slackbot.sync: synced 3 bot(s) outcome=ok"


def test_json_line_carries_time_level_logger_message_and_extras() -> None:
    """A JSON line has time (UTC ISO), level, logger, message and each extra= field."""
    stream = capture("json")
    log.info("slack call", extra={"duration_ms": 12, "outcome": "ok", "channel": "C0LOGS01"})
    (line,) = json_lines(stream)
    assert line["level"] == "INFO"
    assert line["logger"] == "slackbot.test_logs"
    assert line["message"] == "slack call"
    assert (line["duration_ms"], line["outcome"], line["channel"]) == (12, "ok", "C0LOGS01")
    when = datetime.fromisoformat(line["time"].replace("Z", "+00:00"))
    assert when.utcoffset() is not None
    assert abs((datetime.now(UTC) - when).total_seconds()) < 60


def test_json_is_one_line_per_event_even_with_newlines_and_tracebacks() -> None:
    """A message with a newline and an exception with its traceback are one JSON line each."""
    stream = capture("json")
    log.warning("first line\nsecond line")
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        log.exception("it broke")
    first, second = json_lines(stream)
    assert first["message"] == "first line\nsecond line"
    assert second["message"] == "it broke"
    assert second["level"] == "ERROR"
    assert "Traceback" in second["exc"]
    assert "ValueError: bad\nvalue" in second["exc"]


def test_text_escapes_newlines_and_indents_the_traceback() -> None:
    """In text a newline is shown as \\n and a traceback's lines are indented under its event."""
    stream = capture("text")
    log.warning("first line\nsecond line")
    try:
        raise ValueError("bad")
    except ValueError:
        log.exception("it broke")
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("WARNING slackbot.test_logs: first line\\nsecond line")
    assert lines[1].endswith("ERROR slackbot.test_logs: it broke")
    assert lines[2] == "  Traceback (most recent call last):"
    assert all(line.startswith("  ") for line in lines[2:])
    assert lines[-1] == "  ValueError: bad"


def test_configuring_again_replaces_the_handler() -> None:
    """A second configure_logging leaves one botstats handler, writing the new format."""
    capture("text")
    stream = capture("json")
    ours = [h for h in logging.getLogger().handlers if isinstance(h, BotstatsHandler)]
    assert len(ours) == 1
    log.warning("once")
    assert [line["message"] for line in json_lines(stream)] == ["once"]


def test_unknown_format_or_level_is_refused() -> None:
    """configure_logging names a format or a level it does not know."""
    with pytest.raises(ValueError, match="yaml"):
        configure_logging("yaml", "INFO")
    with pytest.raises(ValueError, match="LOUD"):
        configure_logging("text", "LOUD")


# --- levels ---------------------------------------------------------------------------------


def test_level_applies_to_botstats_and_libraries_stay_at_warning() -> None:
    """At INFO, botstats' INFO shows and its DEBUG does not; httpx shows only warnings."""
    stream = capture("text", "info")
    log.debug("our debug")
    log.info("our info")
    logging.getLogger("httpx").info("their info")
    logging.getLogger("httpcore").debug("their debug")
    logging.getLogger("httpx").warning("their warning")
    text = stream.getvalue()
    assert "our info" in text
    assert "their warning" in text
    for hidden in ("our debug", "their info", "their debug"):
        assert hidden not in text


def test_debug_shows_every_library_too() -> None:
    """At DEBUG, third-party DEBUG lines (slack_sdk, httpcore) come through as well."""
    stream = capture("text", "DEBUG")
    logging.getLogger("slack_sdk.web.base_client").debug("their debug")
    log.debug("our debug")
    assert "their debug" in stream.getvalue()
    assert "our debug" in stream.getvalue()


def test_error_level_hides_warnings_from_everyone() -> None:
    """At ERROR, neither botstats' nor a library's warning shows."""
    stream = capture("text", "ERROR")
    log.warning("ours")
    logging.getLogger("httpx").warning("theirs")
    log.error("the error")
    assert stream.getvalue().count("\n") == 1
    assert "the error" in stream.getvalue()


# --- redaction ------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["text", "json"])
def test_tokens_are_redacted_in_message_args_extras_and_tracebacks(format: str) -> None:
    """Slack tokens, bearer values and Botpress PATs become [redacted] wherever they ride."""
    stream = capture(format, "DEBUG", secrets=[SECRET])
    log.info("token %s in the message xoxp-1-2-3", BOT_TOKEN)
    log.info(
        "app token", extra={"token": APP_TOKEN, "headers": {"Authorization": "Bearer abc.def"}}
    )
    logging.getLogger("slack_sdk").debug("sent Authorization: Bearer %s", BOT_TOKEN)
    log.info("signing secret %s; header bearer s3cr3t-value", SECRET)
    try:
        raise RuntimeError(f"Botpress said {BOTPRESS_TOKEN} is wrong")
    except RuntimeError:
        log.exception("the call failed")
    text = stream.getvalue()
    assert text.count(REDACTED) >= 6
    for secret in (*TOKENS, "xoxp-1-2-3", "abc.def", "s3cr3t-value"):
        assert secret not in text
    if format == "json":  # text shows no extras; JSON shows them, redacted
        extras = json_lines(stream)[1]
        assert extras["token"] == REDACTED
        assert f"Bearer {REDACTED}" in extras["headers"]


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No setting from the machine (nor a .env file): only what the test sets."""
    clear_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_serve_logs_in_the_format_and_level_of_the_environment(
    no_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`botstats serve` logs JSON from DEBUG when BOTSTATS_LOG_FORMAT/LEVEL say so."""
    no_env.setenv("BOTSTATS_LOG_FORMAT", "json")
    no_env.setenv("BOTSTATS_LOG_LEVEL", "debug")
    assert main(["serve"]) == 2  # no tokens: it stops at its settings, as before
    capsys.readouterr()
    log.debug("a debug line")
    (line,) = [json.loads(row) for row in capsys.readouterr().err.splitlines()]
    assert (line["level"], line["message"]) == ("DEBUG", "a debug line")


def test_other_commands_log_warnings_only_unless_verbose(
    no_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`botstats report` ignores BOTSTATS_LOG_LEVEL (warnings only); -v turns on DEBUG."""
    no_env.setenv("BOTSTATS_LOG_LEVEL", "DEBUG")
    assert main(["report", "x"]) == 2
    capsys.readouterr()
    log.info("an info line")
    log.warning("a warning line")
    err = capsys.readouterr().err
    assert "an info line" not in err
    assert " WARNING slackbot.test_logs: a warning line" in err

    assert main(["-v", "report", "x"]) == 2
    capsys.readouterr()
    log.debug("a debug line")
    assert " DEBUG slackbot.test_logs: a debug line" in capsys.readouterr().err


def test_a_bad_log_format_is_reported_and_logs_stay_text(
    no_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """BOTSTATS_LOG_FORMAT=yaml exits 2 naming the variable; meanwhile logs are plain text."""
    no_env.setenv("BOTSTATS_LOG_FORMAT", "yaml")
    assert main(["report", "x"]) == 2
    assert "BOTSTATS_LOG_FORMAT" in capsys.readouterr().err
    log.warning("still readable")
    assert capsys.readouterr().err.endswith(" WARNING slackbot.test_logs: still readable\n")


def test_the_configured_secrets_are_redacted_by_value(
    no_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A signing secret has no tell-tale prefix; the CLI redacts its configured value."""
    no_env.setenv("SLACK_SIGNING_SECRET", SECRET)
    assert main(["report", "x"]) == 2
    capsys.readouterr()
    log.warning("secret %s", SECRET)
    err = capsys.readouterr().err
    assert SECRET not in err
    assert f"secret {REDACTED}" in err


# --- Botpress calls over httpx.MockTransport ------------------------------------------------


def client_for(*replies: httpx.Response | Exception, max_attempts: int = 4) -> BotpressClient:
    """A client whose transport answers ``replies`` in order."""
    answers = iter(replies)

    def answer(request: httpx.Request) -> httpx.Response:
        reply = next(answers)
        if isinstance(reply, Exception):
            raise reply
        return reply

    return BotpressClient(
        token=BOTPRESS_TOKEN,
        workspace_id="ws-logs",
        base_url="https://api.botpress.test",
        transport=httpx.MockTransport(answer),
        sleep=lambda _: None,
        max_attempts=max_attempts,
    )


def calls(stream: io.StringIO) -> list[tuple[str, str, int | None, str | None, int]]:
    """(level, outcome, status, error, attempt) of each Botpress call line."""
    lines = [x for x in json_lines(stream) if x["logger"] == "slackbot.botpress.client"]
    for line in lines:
        assert (line["method"], line["path"]) == ("GET", "/v1/admin/bots")
        assert isinstance(line["duration_ms"], int)
        assert line["duration_ms"] >= 0
    return [
        (x["level"], x["outcome"], x.get("status"), x.get("error"), x["attempt"]) for x in lines
    ]


def test_each_botpress_attempt_is_one_line_with_its_outcome() -> None:
    """A 503 then a 200 log a `retry` WARNING and an `ok` INFO line, with status and attempt."""
    stream = capture("json")
    with client_for(httpx.Response(503), httpx.Response(200, json={"bots": []})) as client:
        assert client.list_bots() == []
    assert calls(stream) == [
        ("WARNING", "retry", 503, None, 1),
        ("INFO", "ok", 200, None, 2),
    ]


@pytest.mark.parametrize(
    ("replies", "raised", "expected"),
    [
        (
            [httpx.Response(401, json={"message": "no"})],
            BotpressAuthError,
            [("INFO", "failed", 401, "BotpressAuthError", 1)],
        ),
        (
            [httpx.ConnectError("refused"), httpx.ConnectError("refused")],
            BotpressUnavailableError,
            [
                ("WARNING", "retry", None, "ConnectError", 1),
                ("INFO", "failed", None, "ConnectError", 2),
            ],
        ),
    ],
)
def test_a_refused_or_exhausted_botpress_call_logs_failed(
    replies: list[httpx.Response | Exception], raised: type[Exception], expected: list[Any]
) -> None:
    """A 401, or a network error past the last attempt, ends with one `failed` line."""
    stream = capture("json")
    with client_for(*replies, max_attempts=2) as client, pytest.raises(raised):
        client.list_bots()
    assert calls(stream) == expected
    assert BOTPRESS_TOKEN not in stream.getvalue()


# --- end to end: a digest through Botpress and Slack ----------------------------------------


def run_digest(tmp_path: Path, stream_format: str) -> str:
    """Post the Monday digest through the simulator and FakeSlack; the DEBUG log it wrote."""
    clock = MovableClock(MONDAY_9)
    stream = capture(stream_format, "DEBUG")
    sim = Simulator(seed=5, bot_count=2, clock=clock, history_days=30, token=BOTPRESS_TOKEN)
    with sim, FakeSlack() as slack:
        stack = build_stack(sim, slack, tmp_path / "logs.db", clock, charts=NoChart())
        try:
            stack.store.subscriptions.add(CHANNEL, "all", "weekly", "U0ADMIN01", now=LONG_AGO)
            assert [d.outcome for d in stack.due.run(clock.now)] == ["sent"]
        finally:
            stack.close()
    return stream.getvalue()


def no_token_in(text: str) -> None:
    """Assert none of the test tokens appears in ``text``."""
    for token in TOKENS:
        assert token not in text


def test_a_digest_logs_its_calls_and_delivery_in_text_without_tokens(tmp_path: Path) -> None:
    """At DEBUG the text log has the Botpress call, the Slack post and the delivery lines."""
    text = run_digest(tmp_path, "text")
    no_token_in(text)
    lines = text.splitlines()
    has: Callable[[str], bool] = lambda part: any(part in line for line in lines)  # noqa: E731
    assert has("slackbot.botpress.client: botpress GET /v1/admin/bots status=200 attempt=1")
    assert has(f"slackbot.slack.poster: slack chat.postMessage channel={CHANNEL} outcome=ok in ")
    assert has(f"slackbot.digests.delivery: delivery digest:{CHANNEL}:all:")
    assert has("outcome=sent")
    assert has(" DEBUG slack_sdk"), "slack_sdk's DEBUG lines went through the filter"


def test_a_digest_logs_structured_json_without_tokens(tmp_path: Path) -> None:
    """In JSON the same lines carry method, outcome, duration_ms and the run key as fields."""
    text = run_digest(tmp_path, "json")
    no_token_in(text)
    lines = [json.loads(row) for row in text.splitlines()]
    analytics = [x for x in lines if str(x.get("path", "")).endswith("/analytics")]
    assert analytics
    assert all(x["outcome"] == "ok" and x["status"] == 200 for x in analytics)
    posts = [x for x in lines if x.get("method") == "chat.postMessage"]
    assert posts
    assert all(x["channel"] == CHANNEL and x["outcome"] == "ok" for x in posts)
    (delivery,) = [x for x in lines if "run_key" in x]
    assert delivery["run_key"].startswith(f"digest:{CHANNEL}:all:")
    assert delivery["outcome"] == "sent"
    for line in [*analytics, *posts, delivery]:
        assert isinstance(line["duration_ms"], int)
