"""`botstats serve` as a real process: starts, answers a signed command, stops on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from slack_harness import SECRET, SERVE, clear_env, serve_env

from slackbot.cli import main
from slackbot.simulator.server import Simulator
from slackbot.testing.fake_slack import FakeSlack, free_port, signed_command_request


def wait_healthy(url: str, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """Poll /healthz until it answers 200; fail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url}/healthz never answered 200")


@pytest.mark.slow
def test_serve_answers_a_command_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """The console command serves /healthz and /slack/events, then exits 0 on SIGTERM."""
    with Simulator() as sim, FakeSlack() as slack:
        port = free_port()
        env = serve_env(str(tmp_path / "serve.db"), slack.api_url, sim.url)
        process = subprocess.Popen(
            [*SERVE, "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process)
            body, headers = signed_command_request(
                SECRET, "support 7d", response_url=slack.url_for_response("serve")
            )
            response = httpx.post(f"{url}/slack/events", content=body, headers=headers)
            assert response.status_code == 200
            reply = slack.wait_for_response("serve", timeout=15)
            assert reply.body["text"].startswith("Support Assistant")
            assert httpx.get(f"{url}/healthz").json()["botpress"] == "ok"
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "serving in HTTP mode" in stderr
    assert "botstats stopped" in stderr


def test_serve_names_every_missing_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without configuration, serve exits 2 naming each variable HTTP mode needs."""
    clear_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "BOTPRESS_TOKEN",
        "BOTPRESS_WORKSPACE_ID",
    ):
        assert name in err
    assert "Traceback" not in err


def test_serve_in_socket_mode_needs_no_signing_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With SLACK_APP_TOKEN set, serve asks for the Socket Mode settings only."""
    clear_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0-123-abc")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err
    assert "SLACK_SIGNING_SECRET" not in err


@pytest.mark.slow
def test_serve_on_a_port_in_use_says_so_in_one_sentence(tmp_path: Path) -> None:
    """A taken port exits 1 with one sentence naming it, and no traceback."""
    with FakeSlack() as slack, socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        env = serve_env(str(tmp_path / "serve.db"), slack.api_url, "http://127.0.0.1:9")
        result = subprocess.run(
            [*SERVE, "--port", str(port)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1, result.stderr
    expected = (
        f"botstats: Port {port} is already in use on 127.0.0.1; "
        "stop the other process or pass --port.\n"
    )
    assert result.stderr == expected
    assert result.stdout == ""


@pytest.mark.slow
def test_serve_posts_a_due_digest_once_then_stops_its_scheduler(tmp_path: Path) -> None:
    """The scheduler in `serve` posts a due digest at start, once, and stops with the process."""
    from datetime import UTC, datetime

    from slackbot.store import Store

    db = tmp_path / "digest.db"
    with Store(db) as store:
        store.subscriptions.add(
            "C0SERVE001", "all", "daily", at="00:00", now=datetime(2026, 1, 1, tzinfo=UTC)
        )
    with Simulator(bot_count=2, history_days=30) as sim, FakeSlack() as slack:
        port = free_port()
        env = serve_env(str(db), slack.api_url, sim.url)
        process = subprocess.Popen(
            [*SERVE, "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process)
            assert httpx.get(f"{url}/healthz").json()["scheduler"] == "running"
            slack.wait_for_calls("chat.postMessage", timeout=30)
            time.sleep(0.5)  # a second post would come from the same tick, at once
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        tops = [c for c in slack.posted("C0SERVE001") if not c.body.get("thread_ts")]
    assert process.returncode == 0, stderr
    assert len(tops) == 1
    assert "Daily digest" in tops[0].body["text"]
    assert "scheduler stopped" in stderr
    with Store(db) as store:
        (run,) = [r for r in store.runs.all() if r.kind == "digest"]
        assert run.status == "sent"
        assert run.channel == "C0SERVE001"
