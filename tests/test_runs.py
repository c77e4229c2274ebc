"""The delivery run state machine, table by table: every allowed move, every refused one.

    absent --claim--> claimed --mark_posting--> posting --finish("sent")--> sent
                         |  ^                      |  \\--finish("failed")--> failed
                         |  +--claim (stale)       +--release(force=True)--> failed
                         +--release--> failed --claim (attempts < max)--> claimed

Anything not drawn is refused: ``finish`` raises RunStateError, the others return False,
and a refused call leaves the run exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slackbot.clock import fixed_clock
from slackbot.errors import RunStateError
from slackbot.store import Store
from slackbot.store.runs import DEFAULT_MAX_ATTEMPTS, DEFAULT_STALE_AFTER, Runs

KEY = "digest:C1:all:2026-W19"
NOW = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
SOON = NOW + timedelta(minutes=5)  # within stale_after (15 min): a claim is still fresh
STALE = NOW + timedelta(minutes=20)  # past stale_after: an unposted claim may be taken over
MUCH_LATER = NOW + timedelta(days=365)

Action = Callable[[Runs, datetime], object]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store whose clock is stopped at NOW."""
    with Store(tmp_path / "botstats.db", clock=fixed_clock(NOW)) as opened:
        yield opened


def put(runs: Runs, state: str) -> None:
    """Bring KEY into ``state`` through the public API only (one claim made so far)."""
    if state == "absent":
        return
    assert runs.claim(KEY, kind="digest", channel="C1", now=NOW)
    if state == "claimed":
        return
    if state == "failed":
        assert runs.release(KEY, error="not posted", now=NOW)
        return
    assert runs.mark_posting(KEY)
    if state == "sent":
        runs.finish(KEY, status="sent", message_ts="1.2", now=NOW)
    else:
        assert state == "posting", state


def claim(
    runs: Runs,
    now: datetime,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
) -> bool:
    """``runs.claim`` of KEY at ``now``."""
    return runs.claim(
        KEY,
        kind="digest",
        channel="C1",
        now=now,
        max_attempts=max_attempts,
        stale_after=stale_after,
    )


# --- allowed -----------------------------------------------------------------------------

ALLOWED: list[object] = [
    # (start state, action, expected return, end state, attempts after)
    pytest.param("absent", claim, True, "claimed", 1, id="absent-claim"),
    pytest.param(
        "claimed", lambda r, t: r.mark_posting(KEY), True, "posting", 1, id="claimed-mark_posting"
    ),
    pytest.param(
        "posting",
        lambda r, t: r.finish(KEY, status="sent", message_ts="9.9", now=t).status,
        "sent",
        "sent",
        1,
        id="posting-finish_sent",
    ),
    pytest.param(
        "posting",
        lambda r, t: r.finish(KEY, status="failed", error="refused", now=t).status,
        "failed",
        "failed",
        1,
        id="posting-finish_failed",
    ),
    pytest.param(
        "claimed", lambda r, t: r.release(KEY, now=t), True, "failed", 1, id="claimed-release"
    ),
    pytest.param(
        "posting",
        lambda r, t: r.release(KEY, error="checked", force=True, now=t),
        True,
        "failed",
        1,
        id="posting-release_force",
    ),
    pytest.param(
        "failed", lambda r, t: claim(r, t, max_attempts=2), True, "claimed", 2, id="failed-claim"
    ),
    pytest.param("claimed@stale", claim, True, "claimed", 2, id="stale-claim"),
]


@pytest.mark.parametrize(("start", "action", "returned", "end", "attempts"), ALLOWED)
def test_allowed_transition(
    store: Store, start: str, action: Action, returned: object, end: str, attempts: int
) -> None:
    """Each drawn transition succeeds, lands in its target state and counts claims right."""
    state, _, when = start.partition("@")
    put(store.runs, state)
    moment = STALE if when == "stale" else SOON
    assert action(store.runs, moment) == returned
    run = store.runs.get(KEY)
    assert run is not None
    assert (run.status, run.attempts) == (end, attempts)
    if end == "claimed":
        assert run.claimed_at == moment  # a (re)claim restarts the stale clock
        assert run.finished_at is None
    if end in ("sent", "failed"):
        assert run.finished_at == moment


def test_finish_records_the_outcome(store: Store) -> None:
    """finish stores message_ts or error with the finish time and returns the stored run."""
    put(store.runs, "posting")
    run = store.runs.finish(KEY, status="sent", message_ts="1.2", now=SOON)
    assert run == store.runs.get(KEY)
    assert (run.status, run.message_ts, run.error, run.finished_at) == ("sent", "1.2", None, SOON)


# --- refused -----------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["sent", "failed"])
@pytest.mark.parametrize("start", ["absent", "claimed", "sent", "failed"])
def test_finish_outside_posting_raises_naming_key_and_state(
    store: Store, start: str, target: str
) -> None:
    """finish from anything but posting raises RunStateError naming the key and current state."""
    put(store.runs, start)
    before = store.runs.get(KEY)
    with pytest.raises(RunStateError) as caught:
        store.runs.finish(KEY, status=target, message_ts="9.9", now=SOON)  # type: ignore[arg-type]
    message = str(caught.value)
    assert repr(KEY) in message
    if start == "absent":
        assert f"Run {KEY!r} does not exist" in message
        assert caught.value.current is None
    else:
        assert f"Run {KEY!r} is {start!r}" in message
        assert caught.value.current == start
    assert f"cannot become {target!r}" in message
    assert (caught.value.key, caught.value.target) == (KEY, target)
    assert store.runs.get(KEY) == before


@pytest.mark.parametrize("start", ["absent", "posting", "sent", "failed"])
def test_mark_posting_outside_claimed_is_refused(store: Store, start: str) -> None:
    """mark_posting from anything but claimed returns False and changes nothing."""
    put(store.runs, start)
    before = store.runs.get(KEY)
    assert store.runs.mark_posting(KEY) is False
    assert store.runs.get(KEY) == before


@pytest.mark.parametrize(
    ("start", "force"),
    [
        ("sent", False),
        ("sent", True),
        ("posting", False),
        ("failed", False),
        ("failed", True),
        ("absent", False),
        ("absent", True),
    ],
)
def test_release_is_refused(store: Store, start: str, force: bool) -> None:
    """release of sent (even forced), of posting without force, of failed or absent is False."""
    put(store.runs, start)
    before = store.runs.get(KEY)
    assert store.runs.release(KEY, error="x", force=force, now=SOON) is False
    assert store.runs.get(KEY) == before


@pytest.mark.parametrize("when", [SOON, STALE, MUCH_LATER], ids=["soon", "stale", "much-later"])
@pytest.mark.parametrize("start", ["posting", "sent"])
def test_claim_of_posting_or_sent_is_refused_even_much_later(
    store: Store, start: str, when: datetime
) -> None:
    """claim of a posting or sent run is False however late, with a huge attempt budget."""
    put(store.runs, start)
    before = store.runs.get(KEY)
    assert claim(store.runs, when, max_attempts=1_000) is False
    assert store.runs.get(KEY) == before


def test_claim_of_a_fresh_claim_is_refused(store: Store) -> None:
    """A second claim before the first went stale is False and leaves the claim alone."""
    put(store.runs, "claimed")
    before = store.runs.get(KEY)
    assert claim(store.runs, SOON) is False
    assert store.runs.get(KEY) == before


@pytest.mark.parametrize("start", ["failed", "claimed@stale"])
def test_claim_past_max_attempts_is_refused(store: Store, start: str) -> None:
    """A failed or stale run already claimed max_attempts times is not claimed again."""
    put(store.runs, start.partition("@")[0])
    before = store.runs.get(KEY)
    assert claim(store.runs, STALE, max_attempts=1) is False
    assert store.runs.get(KEY) == before


def test_sent_run_can_never_be_claimed_again(store: Store) -> None:
    """No sequence of calls brings a sent run back: it stays sent with its message_ts."""
    put(store.runs, "sent")
    sent = store.runs.get(KEY)
    assert sent is not None
    for moment in (NOW, SOON, STALE, MUCH_LATER, MUCH_LATER + timedelta(days=3650)):
        assert claim(store.runs, moment, max_attempts=10**6, stale_after=timedelta(0)) is False
        assert store.runs.release(KEY, force=True, now=moment) is False
        assert store.runs.mark_posting(KEY) is False
        for target in ("sent", "failed"):
            with pytest.raises(RunStateError, match="is 'sent'"):
                store.runs.finish(KEY, status=target, now=moment)  # type: ignore[arg-type]
    assert store.runs.get(KEY) == sent
    assert sent.message_ts == "1.2"
    assert store.runs.all(status="sent") == [sent]


def test_an_owner_whose_stale_claim_was_taken_over_cannot_post(store: Store) -> None:
    """The attempt number is the owner token: only the newest claimant may start posting."""
    first = store.runs.claim_attempt(KEY, kind="digest", channel="C1", now=NOW)
    later = NOW + timedelta(hours=1)
    second = store.runs.claim_attempt(KEY, kind="digest", channel="C1", now=later)
    assert (first, second) == (1, 2)
    assert store.runs.mark_posting(KEY, attempt=1) is False
    assert store.runs.mark_posting(KEY, attempt=2) is True


def test_a_failed_run_is_retried_only_after_its_wait(store: Store) -> None:
    """``retry_after`` keeps a failed run from being claimed again at once."""
    store.runs.claim_attempt(KEY, kind="digest", channel="C1", now=NOW)
    store.runs.mark_posting(KEY)
    store.runs.finish(KEY, status="failed", error="http_5xx", now=NOW)
    wait = timedelta(minutes=1)
    soon = NOW + timedelta(seconds=30)
    assert (
        store.runs.claim_attempt(KEY, kind="digest", channel="C1", now=soon, retry_after=wait)
        is None
    )
    late = NOW + timedelta(seconds=61)
    assert (
        store.runs.claim_attempt(KEY, kind="digest", channel="C1", now=late, retry_after=wait) == 2
    )


def test_a_failure_no_retry_can_mend_is_never_claimed_again(store: Store) -> None:
    """``retryable=False`` (channel_not_found, is_archived...) keeps the run failed for good."""
    store.runs.claim_attempt(KEY, kind="digest", channel="C1", now=NOW)
    store.runs.mark_posting(KEY)
    store.runs.finish(KEY, status="failed", error="is_archived", retryable=False, now=NOW)
    assert not store.runs.claim(KEY, kind="digest", channel="C1", now=NOW + timedelta(days=1))


def test_a_skipped_run_is_recorded_once_and_never_claimed(store: Store) -> None:
    """``skip`` records a missed run once; it can never be claimed afterwards."""
    assert store.runs.skip(KEY, kind="digest", channel="C1", reason="down", now=NOW)
    assert not store.runs.skip(KEY, kind="digest", channel="C1", reason="down", now=NOW)
    assert not store.runs.claim(KEY, kind="digest", channel="C1", now=NOW + timedelta(hours=1))
    run = store.runs.get(KEY)
    assert run is not None
    assert run.status == "skipped"
