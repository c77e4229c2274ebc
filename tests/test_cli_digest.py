"""`botstats digest` against the Botpress simulator and FakeSlack, both on loopback."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from digest_harness import MovableClock, settings_for
from rich.console import Console
from test_cli import env, sim

from slackbot.botpress.client import BotpressClient
from slackbot.cli import main
from slackbot.console.digest import post_digest
from slackbot.core.schedule import last_settled_week, period_key
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.slack.app import build_web_client
from slackbot.slack.poster import SlackPoster
from slackbot.store import Store
from slackbot.testing.fake_slack import FakeSlack

__all__ = ["env", "sim"]  # the CLI tests' fixtures, shared

CHANNEL = "C0123ABCD"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def slack(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    """FakeSlack, named by SLACK_API_URL; no SLACK_BOT_TOKEN yet."""
    with FakeSlack() as fake:
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        yield fake


@pytest.fixture
def token(slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> FakeSlack:
    """FakeSlack with SLACK_BOT_TOKEN set, so the CLI may post."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli-digest-test")
    return slack


@pytest.fixture
def charts_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary folders (the dry run's chart) made under this test's tmp_path."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def json_documents(out: str) -> list[dict[str, Any]]:
    """Every JSON object printed on a line of its own, starting with ``{``."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(out, m.start())[0] for m in re.finditer(r"^\{$", out, re.M)]


def week(now: datetime) -> str:
    """The run-key period of the week a digest posted at ``now`` covers."""
    return period_key(last_settled_week(now))


def top_posts(slack: FakeSlack) -> list[dict[str, Any]]:
    """The top-level messages Slack took in the test channel."""
    return [m.body for m in slack.posted(CHANNEL) if not m.body.get("thread_ts")]


def test_dry_run_prints_the_digest_and_posts_nothing(
    slack: FakeSlack, sim: Simulator, charts_here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--dry-run` needs no Slack token, prints the digest, its JSON, a link and the chart."""
    assert main(["digest", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Weekly digest" in out
    assert "Biggest moves" in out or "LLM spend in" in out
    assert all(bot.name in out for bot in sim.bots)
    documents = json_documents(out)
    assert documents
    assert all(doc["blocks"] for doc in documents)
    assert "Weekly digest" in documents[0]["text"]
    assert "https://app.slack.com/block-kit-builder/#" in out
    (chart,) = re.findall(r"^Chart: (.+\.png)$", out, re.M)
    assert Path(chart).is_relative_to(charts_here)
    assert Path(chart).read_bytes().startswith(PNG)
    assert "Dry run: nothing was posted." in out
    assert slack.calls_to("chat.postMessage") == []


def test_dry_run_of_one_bot_names_only_that_bot(
    slack: FakeSlack, sim: Simulator, charts_here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--bot B` limits the digest to one bot: its name is in it, the others' are not."""
    one, *others = sim.bots
    assert main(["digest", "--dry-run", "--bot", one.id]) == 0
    out = capsys.readouterr().out
    assert f"Weekly digest · {one.name}" in out
    assert not any(bot.name in out for bot in others)


def test_unknown_bot_is_a_usage_error(slack: FakeSlack, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown `--bot` exits 2 with a sentence pointing to `botstats bots`."""
    assert main(["digest", "--dry-run", "--bot", "no-such-bot-anywhere"]) == 2
    captured = capsys.readouterr()
    assert "`no-such-bot-anywhere` matches no tracked bot" in captured.err
    assert "`botstats bots` lists the tracked bots." in captured.err
    assert "Traceback" not in captured.err
    assert slack.calls == []


def test_post_goes_out_once_with_its_chart_under_a_manual_run_key(
    token: FakeSlack, sim: Simulator, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--channel C` posts one message and one chart, recorded as a `manual-digest` run."""
    assert main(["digest", "--channel", CHANNEL]) == 0
    assert f"Posted the digest to {CHANNEL}" in capsys.readouterr().out
    (body,) = top_posts(token)
    assert len(token.calls_to("chat.postMessage")) == 1
    (png,) = token.uploads.values()
    assert png.startswith(PNG)
    assert "Weekly digest" in body["text"]
    (image,) = [b for b in body["blocks"] if b["type"] == "image"]
    assert image["slack_file"]["id"] in token.uploads
    store = Store(env)
    try:
        (run,) = store.runs.all()
        assert (run.kind, run.status, run.channel) == ("manual-digest", "sent", CHANNEL)
        assert run.key.startswith(f"manual-digest:{CHANNEL}:all:{week(sim.now())}:")
        assert store.runs.get(f"digest:{CHANNEL}:all:{week(sim.now())}") is None
    finally:
        store.close()


@pytest.fixture
def clocked(sim: Simulator, env: Path) -> Iterator[tuple[MovableClock, Service]]:
    """A service over the CLI's database whose clock the test moves."""
    clock = MovableClock(sim.now())
    service = Service(
        store=Store(env, clock=clock),
        client=BotpressClient(token=sim.token, workspace_id=sim.workspace_id, base_url=sim.url),
        clock=clock,
    )
    yield clock, service
    service.client.close()
    service.store.close()


def test_a_minute_later_is_a_new_manual_run_and_never_the_scheduled_one(
    slack: FakeSlack,
    clocked: tuple[MovableClock, Service],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Asked twice in a minute it posts once; a minute later it posts again, schedule untouched."""
    clock, service = clocked
    settings = settings_for(slack)
    poster = SlackPoster(build_web_client(settings))

    def post() -> int:
        return post_digest(
            Console(),
            settings=settings,
            service=service,
            target="all",
            channel=CHANNEL,
            poster=poster,
        )

    assert post() == 0
    assert post() == 0
    assert "already posted to C0123ABCD this minute" in capsys.readouterr().out
    assert len(top_posts(slack)) == 1
    clock.now += timedelta(minutes=1)
    assert post() == 0
    assert len(top_posts(slack)) == 2
    assert [r.kind for r in service.store.runs.all()] == ["manual-digest", "manual-digest"]
    scheduled = f"digest:{CHANNEL}:all:{week(clock.now)}"
    assert service.store.runs.get(scheduled) is None
    assert service.store.runs.claim(scheduled, kind="digest", channel=CHANNEL)


def test_posting_needs_a_channel(slack: FakeSlack, capsys: pytest.CaptureFixture[str]) -> None:
    """No --channel, no BOTSTATS_DIGEST_CHANNEL and no --dry-run: exit 2, naming --channel."""
    assert main(["digest"]) == 2
    err = capsys.readouterr().err
    assert "Say where to post: --channel C0123ABCD" in err
    assert "BOTSTATS_DIGEST_CHANNEL" in err
    assert slack.calls == []


def test_a_channel_name_is_not_a_channel_id(
    slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--channel '#general'` is refused by the parser (exit 2), showing the ID form."""
    with pytest.raises(SystemExit) as exited:
        main(["digest", "--channel", "#general"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "'#general' is not a channel ID (like C0123ABCD" in err
    assert slack.calls == []


def test_posting_needs_the_bot_token(
    slack: FakeSlack, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Posting without SLACK_BOT_TOKEN exits 2 naming it, before asking Botpress anything."""
    assert main(["digest", "--channel", CHANNEL]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN: is required here but not set" in err
    assert slack.calls == []
    assert sim.analytics_calls == 0


@pytest.mark.parametrize(
    ("refuse", "says"),
    [
        (
            lambda fake: fake.add_channel(CHANNEL, archived=True),
            "channel C0123ABCD is archived. Unarchive it in Slack, or name another channel "
            "with --channel.",
        ),
        (
            lambda fake: fake.remove_channel(CHANNEL),
            "Slack has no channel C0123ABCD that the bot token can see. Check the ID",
        ),
        (
            lambda fake: fake.go_down(503),
            "Slack did not take it (http_5xx, HTTP 503) and nothing was posted. Run this again "
            "in a few minutes.",
        ),
    ],
    ids=["archived", "deleted", "down"],
)
def test_slack_refusing_exits_1_saying_what_to_do(
    token: FakeSlack,
    refuse: Callable[[FakeSlack], None],
    says: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An archived or deleted channel, or Slack down: exit 1 and a sentence on what to do."""
    refuse(token)
    assert main(["digest", "--channel", CHANNEL]) == 1
    captured = capsys.readouterr()
    assert f"botstats: The digest was not posted to {CHANNEL}: {says}" in captured.err
    assert "Traceback" not in captured.err
    assert "Posted" not in captured.out
    assert top_posts(token) == []


def test_the_default_digest_channel_stands_in_for_channel(
    token: FakeSlack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With BOTSTATS_DIGEST_CHANNEL set, `botstats digest` posts there without --channel."""
    monkeypatch.setenv("BOTSTATS_DIGEST_CHANNEL", "C0DEFAULT1")
    assert main(["digest"]) == 0
    assert "Posted the digest to C0DEFAULT1" in capsys.readouterr().out
    assert len(token.posted("C0DEFAULT1")) == 1
