"""Run keys are claimed exactly once across threads and processes; concurrent writers all land."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from slackbot.core.models import Metrics
from slackbot.store import Store

NOW = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
KEYS = [f"digest:C{n % 7}:all:2026-W{n:03d}" for n in range(200)]
ROOT = Path(__file__).resolve().parents[1]

ROUNDS = 10
# Each step starts on a line from stdin, so both processes start it together: first open the
# not yet created database (racing through creation and migration), then ROUNDS rounds of
# 4 threads claiming the same keys (rounds keep the processes in step, so they contend).
CLAIMER = """
import json, sys, threading
from datetime import datetime
from slackbot.store import Store

path, now, keys = sys.argv[1], datetime.fromisoformat(sys.argv[2]), json.loads(sys.argv[3])
rounds = int(sys.argv[4])

def step():
    print("ready", flush=True)
    sys.stdin.readline()

step()
store = Store(path, busy_timeout=30)
won = []

def claim(chunk, start):
    start.wait()
    for key in chunk:
        if store.runs.claim(key, kind="digest", channel="C1", now=now):
            won.append(key)

size = len(keys) // rounds
for n in range(rounds):
    step()
    start = threading.Barrier(4)
    chunk = keys[n * size:(n + 1) * size]
    threads = [threading.Thread(target=claim, args=(chunk, start)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
print(json.dumps(won), flush=True)
"""


def claim_from_threads(store: Store, keys: list[str], threads: int) -> list[str]:
    """Every key won by any of ``threads`` threads that all claim every key at once."""
    start = threading.Barrier(threads)
    won: list[str] = []

    def claim() -> None:
        start.wait(timeout=10)
        won.extend(k for k in keys if store.runs.claim(k, kind="digest", channel="C1", now=NOW))

    workers = [threading.Thread(target=claim) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return won


def test_four_threads_claim_each_key_exactly_once(tmp_path: Path) -> None:
    """Four threads claiming the same 200 keys win each key exactly once between them."""
    with Store(tmp_path / "botstats.db", busy_timeout=30) as store:
        won = claim_from_threads(store, KEYS, 4)
        assert sorted(won) == sorted(KEYS)
        assert {r.attempts for r in store.runs.all()} == {1}


@pytest.mark.slow
def test_two_processes_claim_each_key_exactly_once(tmp_path: Path) -> None:
    """Two processes (4 threads each) racing on a fresh file migrate once and split the keys."""
    path = tmp_path / "botstats.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [
        sys.executable,
        "-c",
        CLAIMER,
        str(path),
        NOW.isoformat(),
        json.dumps(KEYS),
        str(ROUNDS),
    ]
    procs = [
        subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    for _ in range(1 + ROUNDS):
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
    outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0]
    won = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
    assert sorted(won[0] + won[1]) == sorted(KEYS)
    with Store(path) as store:
        assert len(store.runs.all()) == len(KEYS)
        with store.read() as db:
            assert db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone() == (1,)


def test_threads_saving_different_bots_all_land(tmp_path: Path) -> None:
    """Eight threads each saving a bot's year of days concurrently lose nothing."""
    first = date(2025, 1, 1)
    year = {first + timedelta(days=n): Metrics(days=1, sessions=n) for n in range(365)}
    with Store(tmp_path / "botstats.db", busy_timeout=30) as store:
        workers = [
            threading.Thread(
                target=store.days.save,
                args=(f"bot-{n}", first, first + timedelta(days=364), year),
                kwargs={"fetched_at": NOW},
            )
            for n in range(8)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        history = store.days.history([f"bot-{n}" for n in range(8)], first, first + timedelta(364))
        assert history == {f"bot-{n}": year for n in range(8)}
