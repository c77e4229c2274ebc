"""Run keys are claimed exactly once across threads and processes; concurrent writers all land.

Every worker (thread or process) runs on an executor and the test calls ``.result()`` on
each of its futures, so an exception in a worker fails the test instead of vanishing.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slackbot.core.models import Metrics
from slackbot.errors import BotstatsError, RunStateError
from slackbot.store import Store
from slackbot.store.runs import Runs
from slackbot.store.schema import STEPS

NOW = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
KEYS = [f"digest:C{n % 7}:all:2026-W{n:03d}" for n in range(200)]
ROOT = Path(__file__).resolve().parents[1]

ROUNDS = 10
# Each step starts on a line from stdin, so both processes start it together: first open the
# not yet created database (racing through creation and migration), then ROUNDS rounds of
# 4 threads claiming the same keys (rounds keep the processes in step, so they contend).
CLAIMER = """
import json, sys, threading
from concurrent.futures import ThreadPoolExecutor
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
    start.wait(timeout=30)
    for key in chunk:
        if store.runs.claim(key, kind="digest", channel="C1", now=now):
            won.append(key)

size = len(keys) // rounds
with ThreadPoolExecutor(4) as pool:
    for n in range(rounds):
        step()
        start = threading.Barrier(4)
        chunk = keys[n * size:(n + 1) * size]
        for future in [pool.submit(claim, chunk, start) for _ in range(4)]:
            future.result()  # a worker's exception ends this process with a traceback, rc 1
print(json.dumps(won), flush=True)
"""


def claim_from_threads(store: Store, keys: list[str], threads: int) -> list[str]:
    """Every key won by any of ``threads`` threads that all claim every key at once."""
    start = threading.Barrier(threads)
    won: list[str] = []

    def claim() -> None:
        start.wait(timeout=10)
        won.extend(k for k in keys if store.runs.claim(k, kind="digest", channel="C1", now=NOW))

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(claim) for _ in range(threads)]:
            future.result()
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
        subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    for _ in range(1 + ROUNDS):
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            # On failure the claimer has died: its traceback is the message.
            assert line.strip() == "ready", proc.communicate(timeout=30)[1]
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
    results = [proc.communicate(timeout=60) for proc in procs]
    outputs = [out for out, _ in results]
    assert [proc.returncode for proc in procs] == [0, 0], [err for _, err in results]
    won = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
    assert sorted(won[0] + won[1]) == sorted(KEYS)
    with Store(path) as store:
        assert len(store.runs.all()) == len(KEYS)
        with store.read() as db:
            # Each schema step recorded exactly once, though both processes migrated.
            recorded = db.execute("SELECT name FROM _sqlite_migrations ORDER BY id").fetchall()
            names = [name for (name,) in recorded]
            assert names == list(STEPS)


def test_threads_saving_different_bots_all_land(tmp_path: Path) -> None:
    """Eight threads each saving a bot's year of days concurrently lose nothing."""
    first = date(2025, 1, 1)
    year = {first + timedelta(days=n): Metrics(days=1, sessions=n) for n in range(365)}
    with Store(tmp_path / "botstats.db", busy_timeout=30) as store:
        with ThreadPoolExecutor(8) as pool:
            saves = [
                pool.submit(
                    store.days.save,
                    f"bot-{n}",
                    first,
                    first + timedelta(days=364),
                    year,
                    fetched_at=NOW,
                )
                for n in range(8)
            ]
            assert [save.result() for save in saves] == [365] * 8
        history = store.days.history([f"bot-{n}" for n in range(8)], first, first + timedelta(364))
        assert history == {f"bot-{n}": year for n in range(8)}


# --- two processes racing on each run transition ------------------------------------------

RACE_KEYS = 12  # keys per race: each one a separate, barrier-synchronised contention round
LATE = NOW + timedelta(hours=1)  # past stale_after: a failed or stale run may be claimed again

#: What each racer may do to a run, and the state it moves the run to when it wins.
ACTIONS: dict[str, tuple[Callable[[Runs, str], object], str]] = {
    "claim": (lambda runs, key: runs.claim(key, kind="digest", channel="C1", now=LATE), "claimed"),
    "mark_posting": (lambda runs, key: runs.mark_posting(key), "posting"),
    "finish-sent": (
        lambda runs, key: runs.finish(key, status="sent", message_ts=str(os.getpid()), now=LATE),
        "sent",
    ),
    "finish-failed": (
        lambda runs, key: runs.finish(key, status="failed", error=str(os.getpid()), now=LATE),
        "failed",
    ),
    "release": (lambda runs, key: runs.release(key, error=str(os.getpid()), now=LATE), "failed"),
    "release-force": (
        lambda runs, key: runs.release(key, error=str(os.getpid()), force=True, now=LATE),
        "failed",
    ),
}

_start: Any = None  # this worker process's share of the pool's Barrier


def _join_race(start: Any) -> None:
    """Pool initializer: keep the Barrier both worker processes wait on."""
    global _start  # noqa: PLW0603
    _start = start


def racer(path: str, action: str, keys: list[str]) -> list[tuple[str, object]]:
    """In a worker process: for each key, wait for the other racer, then both act at once.

    Returns per key ("won", pid), ("lost", None) or ("refused", current state) for a
    RunStateError. Any other error breaks the Barrier (so the other racer stops at once
    instead of timing out) and is raised, botstats' own errors as a RuntimeError (they do
    not unpickle), so ``.result()`` in the test raises it.
    """
    act, _ = ACTIONS[action]
    outcomes: list[tuple[str, object]] = []
    try:
        with Store(path, busy_timeout=10) as store:
            for key in keys:
                _start.wait(timeout=10)
                try:
                    won = act(store.runs, key)
                except RunStateError as exc:
                    outcomes.append(("refused", exc.current))
                    continue
                outcomes.append(("won", os.getpid()) if won else ("lost", None))
    except BotstatsError as exc:
        _start.abort()
        raise RuntimeError(f"{type(exc).__name__} in racer {os.getpid()}: {exc}") from None
    except BaseException:
        _start.abort()
        raise
    return outcomes


def results_of(futures: list[Future[list[tuple[str, object]]]]) -> list[list[tuple[str, object]]]:
    """Every racer's outcomes; if one failed, its own error (not the other's broken Barrier)."""
    errors = [error for future in futures if (error := future.exception(timeout=30))]
    errors.sort(key=lambda error: isinstance(error, threading.BrokenBarrierError))
    if errors:
        raise errors[0]
    return [future.result() for future in futures]


@pytest.fixture(scope="module")
def race_pool() -> Iterator[tuple[ProcessPoolExecutor, Any]]:
    """Two spawned worker processes sharing one Barrier, kept for every race in this module."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    with ProcessPoolExecutor(
        2, mp_context=context, initializer=_join_race, initargs=(start,)
    ) as pool:
        yield pool, start


@pytest.fixture
def racers(race_pool: tuple[ProcessPoolExecutor, Any]) -> ProcessPoolExecutor:
    """The racing pool, its Barrier whole again (a failed race before this one broke it)."""
    pool, start = race_pool
    start.reset()
    return pool


def prepare(runs: Runs, key: str, state: str) -> None:
    """Bring ``key`` into ``state`` (one claim made so far) through the public API."""
    if state == "absent":
        return
    assert runs.claim(key, kind="digest", channel="C1", now=NOW)
    if state in ("claimed", "stale"):
        return  # a claim made at NOW is stale at LATE
    if state == "failed":
        assert runs.release(key, now=NOW)
        return
    assert runs.mark_posting(key)
    assert state == "posting", state


@pytest.mark.parametrize(
    ("start", "first", "second"),
    [
        pytest.param("absent", "claim", "claim", id="claim-new"),
        pytest.param("failed", "claim", "claim", id="claim-failed-retry"),
        pytest.param("stale", "claim", "claim", id="claim-stale-takeover"),
        pytest.param("claimed", "mark_posting", "mark_posting", id="mark_posting"),
        pytest.param("posting", "finish-sent", "finish-sent", id="finish-sent-twice"),
        pytest.param("posting", "finish-sent", "finish-failed", id="finish-sent-vs-failed"),
        pytest.param("claimed", "release", "release", id="release"),
        pytest.param("posting", "release-force", "release-force", id="release-force"),
        pytest.param("claimed", "mark_posting", "release", id="mark_posting-vs-release"),
        pytest.param("posting", "finish-sent", "release-force", id="finish-vs-release-force"),
    ],
)
def test_two_processes_racing_on_a_transition_have_one_winner(
    racers: ProcessPoolExecutor, tmp_path: Path, start: str, first: str, second: str
) -> None:
    """Two processes making a move on the same run at once: exactly one wins, per key."""
    path = tmp_path / "botstats.db"
    keys = [f"race:{start}:{n}" for n in range(RACE_KEYS)]
    with Store(path) as store:
        for key in keys:
            prepare(store.runs, key, start)
        before = {key: store.runs.get(key) for key in keys}
        futures = [racers.submit(racer, str(path), action, keys) for action in (first, second)]
        results = results_of(futures)  # a worker's crash fails the test here
        for n, key in enumerate(keys):
            pair = [
                (action, result[n]) for action, result in zip((first, second), results, strict=True)
            ]
            winners = [(action, pid) for action, (verdict, pid) in pair if verdict == "won"]
            losers = [(action, outcome) for action, outcome in pair if outcome[0] != "won"]
            assert len(winners) == 1, (key, pair)
            assert len(losers) == 1, (key, pair)
            ((winner, pid),), ((loser, (verdict, seen)),) = winners, losers
            # finish refuses with RunStateError; the other moves answer False.
            assert verdict == ("refused" if loser.startswith("finish") else "lost"), (key, pair)
            target = ACTIONS[winner][1]
            if verdict == "refused":
                assert seen == target, (key, pair)  # it saw the winner's result, nothing between
            run = store.runs.get(key)
            assert run is not None
            assert run.status == target, (key, pair)
            old = before[key]
            claims = 0 if old is None else old.attempts
            assert run.attempts == claims + (target == "claimed"), (key, pair)
            if winner == "finish-sent":
                assert run.message_ts == str(pid)
            elif target == "failed":
                assert run.error == str(pid)  # only the winner's write landed
        assert len(store.runs.all()) == len(keys)
