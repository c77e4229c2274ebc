"""The Botpress simulator over real HTTP: API shape, seeded data, planted anomalies, faults."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from slackbot.core.models import AnalyticsResponse, Metrics
from slackbot.simulator.server import FAULTS, Simulator
from slackbot.simulator.workspace import PlantedAnomaly, Workspace, generate_record
from slackbot.sync import fetch_days

TODAY = date(2026, 5, 13)  # a Wednesday
NOW = datetime(2026, 5, 13, 15, 0, tzinfo=UTC)
AUTH = {"Authorization": "Bearer sim-token", "x-workspace-id": "sim-workspace"}
# The repository's own copy (tests/data), so the schema test never depends on ../shared.
SPEC = Path(__file__).parent / "data" / "getBotAnalytics.openapi.yaml"
ANALYTICS = "/v1/admin/bots/{}/analytics"


def fixed(moment: datetime) -> Callable[[], datetime]:
    """A clock stopped at ``moment``."""
    return lambda: moment


def midnight(day: date) -> str:
    """The API's midnight timestamp for a day."""
    return f"{day.isoformat()}T00:00:00.000Z"


def started(record: dict[str, Any]) -> datetime:
    """When a record's bucket starts."""
    return datetime.fromisoformat(record["startDateTimeUtc"])


def by_day(records: list[dict[str, Any]]) -> dict[date, list[dict[str, Any]]]:
    """Records grouped by the UTC date their bucket starts on."""
    days: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        days[started(record).date()].append(record)
    return dict(days)


def get_analytics(client: httpx.Client, bot_id: str, start: str, end: str) -> httpx.Response:
    """One getBotAnalytics call."""
    params = {"startDate": start, "endDate": end}
    return client.get(ANALYTICS.format(bot_id), params=params)


def history(client: httpx.Client, bot_id: str) -> list[dict[str, Any]]:
    """Every record of a bot, from well before its creation to after today."""
    response = get_analytics(client, bot_id, "2025-01-01", midnight(TODAY + timedelta(days=5)))
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def merged(records: list[dict[str, Any]]) -> Metrics:
    """The records of one day merged the way the client merges them."""
    parsed = AnalyticsResponse.model_validate({"records": records})
    items = [Metrics.from_record(r) for r in parsed.records]
    out = items[0]
    for item in items[1:]:
        out = out.merge_same_day(item)
    return out


def cost_per_call(record: dict[str, Any]) -> float:
    """A record's LLM cost per call in USD."""
    return float(record["llm"]["cost"]["sum"] / record["llm"]["calls"])


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A shared simulator pinned at TODAY 15:00 UTC."""
    with Simulator(today=TODAY, clock=lambda: NOW) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def client(sim: Simulator) -> Iterator[httpx.Client]:
    """An authenticated httpx client for the shared simulator."""
    with httpx.Client(base_url=sim.url, headers=AUTH, timeout=5) as http:
        yield http


@pytest.fixture(scope="module")
def histories(sim: Simulator, client: httpx.Client) -> dict[str, list[dict[str, Any]]]:
    """Every served record of every bot, by bot id."""
    return {bot.id: history(client, bot.id) for bot in sim.bots}


@pytest.fixture(scope="module")
def web() -> Iterator[httpx.Client]:
    """A plain httpx client shared by the tests (building one per request is slow)."""
    with httpx.Client(timeout=5) as http:
        yield http


@pytest.fixture
def fresh() -> Iterator[Simulator]:
    """A simulator of its own, for tests that set faults or count requests."""
    with Simulator(today=TODAY, slow_seconds=20) as simulator:
        yield simulator


def anomaly(sim: Simulator, metric: str) -> PlantedAnomaly:
    """The planted anomaly on ``metric``."""
    (found,) = [a for a in sim.anomalies if a.metric == metric]
    return found


def test_every_response_validates_against_the_models(sim: Simulator, client: httpx.Client) -> None:
    """Each bot's whole history parses with AnalyticsResponse.model_validate_json."""
    for bot in sim.bots:
        response = get_analytics(client, bot.id, "2025-01-01", midnight(TODAY))
        parsed = AnalyticsResponse.model_validate_json(response.content)
        assert parsed.records, bot.name
        assert all(r.llm is not None for r in parsed.records)


def test_every_response_matches_the_openapi_schema(
    histories: dict[str, list[dict[str, Any]]],
) -> None:
    """Bodies satisfy the published JSON schema, every required field included."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    schema = spec["components"]["responses"]["getBotAnalyticsResponse"]["content"]
    validator = jsonschema.Draft7Validator(schema["application/json"]["schema"])
    for records in histories.values():
        errors = list(validator.iter_errors({"records": records}))
        assert not errors, errors[0].message


def test_records_are_internally_consistent(histories: dict[str, list[dict[str, Any]]]) -> None:
    """messages == userMessages, events == sum(eventTypes), min <= mean <= max, sum = mean x n."""
    for records in histories.values():
        for r in records:
            llm = r["llm"]
            assert r["messages"] == r["userMessages"]
            assert r["events"] == sum(r["eventTypes"].values())
            assert r["newUsers"] + r["returningUsers"] <= r["sessions"]
            assert llm["errors"] <= llm["calls"]
            for key in ("latency", "tokensPerSecond", "cost"):
                dist = llm[key]
                assert dist["min"] <= dist["mean"] <= dist["max"], (key, r)
                assert dist["sd"] >= 0
            if llm["calls"]:
                assert llm["cost"]["sum"] == pytest.approx(llm["cost"]["mean"] * llm["calls"])
            assert started(r) < datetime.fromisoformat(r["endDateTimeUtc"])


def test_llm_numbers_are_realistic(sim: Simulator) -> None:
    """On ordinary days, calls, errors, latency, speed, tokens and cost sit in real ranges."""
    planted = {(a.bot_id, a.day) for a in sim.anomalies}
    for bot in sim.workspace.bots:
        for offset in range(1, 60):
            day = TODAY - timedelta(days=offset)
            record = sim.record_for(bot.id, day)
            if record is None or (bot.id, day) in planted or record["llm"]["calls"] < 50:
                continue
            llm, calls = record["llm"], record["llm"]["calls"]
            assert 0.8 <= calls / record["userMessages"] <= 3.2
            assert 600 * 0.7 <= llm["latency"]["mean"] <= 2500 * 1.3
            assert 30 * 0.8 <= llm["tokensPerSecond"]["mean"] <= 120 * 1.2
            assert 800 * 0.8 <= llm["inputTokens"] / calls <= 2500 * 1.2
            assert 100 * 0.8 <= llm["outputTokens"] / calls <= 400 * 1.2
            assert 0.0005 * 0.8 <= cost_per_call(record) <= 0.02
            if calls >= 2000:
                assert 0.004 <= llm["errors"] / calls <= 0.03


def test_same_request_gives_the_same_body(sim: Simulator, client: httpx.Client) -> None:
    """Asking twice for the same range returns byte-identical bodies."""
    bot_id = sim.bots[0].id
    first = get_analytics(client, bot_id, "2026-03-01", "2026-04-01")
    second = get_analytics(client, bot_id, "2026-03-01", "2026-04-01")
    assert first.status_code == 200
    assert first.content == second.content


def test_same_seed_same_data_other_seed_other_data() -> None:
    """Two simulators with one seed serve the same bots and records; another seed differs."""
    bodies = []
    for seed in (7, 7, 8):
        with (
            Simulator(seed=seed, today=TODAY) as simulator,
            httpx.Client(base_url=simulator.url, headers=AUTH) as http,
        ):
            bots = http.get("/v1/admin/bots").json()["bots"]
            records = get_analytics(http, bots[0]["id"], "2026-04-01", "2026-05-01").content
            bodies.append((bots, records))
    assert bodies[0] == bodies[1]
    assert bodies[0][0][0]["id"] != bodies[2][0][0]["id"]


def test_weekdays_are_busier_than_weekends(
    sim: Simulator, histories: dict[str, list[dict[str, Any]]]
) -> None:
    """A high-volume bot averages clearly more sessions on weekdays than at weekends."""
    high = next(b for b in sim.workspace.bots if b.volume == "high")
    days = by_day(histories[high.id])
    sessions = {day: sum(r["sessions"] for r in recs) for day, recs in days.items() if day < TODAY}
    weekday = statistics.mean(v for d, v in sessions.items() if d.weekday() < 5)
    weekend = statistics.mean(v for d, v in sessions.items() if d.weekday() >= 5)
    assert weekday > 1.3 * weekend


def test_volumes_differ_between_bots(sim: Simulator) -> None:
    """The workspace has low, medium and high volume bots, and their traffic shows it."""
    week = [TODAY - timedelta(days=k) for k in range(1, 15)]
    medians = {}
    for bot in sim.workspace.bots:
        records = [sim.record_for(bot.id, day) for day in week]
        medians[bot.volume] = statistics.median(r["sessions"] if r else 0 for r in records)
    assert medians["low"] < 30 < medians["medium"] < 600 < medians["high"]


def test_list_bots_paginates_with_opaque_tokens() -> None:
    """page_size=2 over five bots gives pages of 2, 2, 1; nextToken is absent on the last."""
    with (
        Simulator(today=TODAY, page_size=2) as simulator,
        httpx.Client(base_url=simulator.url, headers=AUTH) as http,
    ):
        pages: list[list[dict[str, Any]]] = []
        params: dict[str, str] = {}
        while True:
            body = http.get("/v1/admin/bots", params=params).json()
            pages.append(body["bots"])
            if "nextToken" not in body["meta"]:
                break
            params = {"nextToken": body["meta"]["nextToken"]}
        bad = http.get("/v1/admin/bots", params={"nextToken": "not-a-token"})
        dev = http.get("/v1/admin/bots", params={"dev": "true"}).json()
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [b["id"] for p in pages for b in p] == [b.id for b in simulator.bots]
    assert bad.status_code == 400
    assert bad.json()["type"] == "InvalidQuery"
    assert dev == {"bots": [], "meta": {}}


def test_bots_look_like_botpress_bots(web: httpx.Client) -> None:
    """Ids are 28-36 characters, names are unique and readable, tags empty, dates ISO."""
    with Simulator(today=TODAY, bot_count=12) as simulator:
        response = web.get(f"{simulator.url}/v1/admin/bots", headers=AUTH)
    bots = response.json()["bots"]
    assert len(bots) == 12
    assert bots[0]["name"] == "Support Assistant"
    assert len({b["name"] for b in bots}) == len({b["id"] for b in bots}) == 12
    for bot in bots:
        assert bot["id"].startswith("bot_")
        assert 28 <= len(bot["id"]) <= 36
        assert bot["tags"] == {}
        assert datetime.fromisoformat(bot["createdAt"]) <= datetime.fromisoformat(bot["deployedAt"])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-workspace-id": "sim-workspace"},
        {"Authorization": "Bearer wrong", "x-workspace-id": "sim-workspace"},
        {"Authorization": "Bearer sim-token"},
        {"Authorization": "Bearer sim-token", "x-workspace-id": "other"},
        {"Authorization": "sim-token", "x-workspace-id": "sim-workspace"},
    ],
    ids=["none", "no-token", "wrong-token", "no-workspace", "wrong-workspace", "no-bearer"],
)
def test_bad_credentials_get_401(
    sim: Simulator, headers: dict[str, str], web: httpx.Client
) -> None:
    """Missing or wrong token or workspace id: 401 with Botpress's error body."""
    for path in ("/v1/admin/bots", ANALYTICS.format(sim.bots[0].id) + "?startDate=2026-05-01"):
        response = web.get(sim.url + path, headers=headers)
        body = response.json()
        assert response.status_code == 401
        assert body["code"] == 401
        assert body["type"] == "Unauthorized"
        assert body["id"].startswith("err_")
        assert body["message"]
        assert "sim-token" not in response.text


def test_unknown_bot_and_unknown_path_get_404(client: httpx.Client) -> None:
    """An unknown bot id is ResourceNotFound; so is a path the API does not have."""
    bot = get_analytics(client, "bot_doesnotexist0000000000000000", "2026-05-01", "2026-05-02")
    path = client.get("/v1/admin/nothing")
    post = client.post("/v1/admin/bots")
    for response in (bot, path, post):
        assert response.status_code == 404
        assert response.json()["type"] == "ResourceNotFound"
        assert response.json()["code"] == 404
    assert "bot_doesnotexist" in bot.json()["message"]


@pytest.mark.parametrize(
    "params",
    [
        {"endDate": "2026-05-02"},
        {"startDate": "2026-05-01"},
        {"startDate": "yesterday", "endDate": "2026-05-02"},
        {"startDate": "2026-05-01", "endDate": "2026-13-01"},
        {"startDate": "2026-05-10", "endDate": "2026-05-01"},
        {"startDate": "1990-01-01", "endDate": "2026-05-01"},
    ],
    ids=["no-start", "no-end", "words", "month-13", "reversed", "too-long"],
)
def test_bad_dates_get_400(sim: Simulator, client: httpx.Client, params: dict[str, str]) -> None:
    """A missing, unparsable, reversed or absurd date range is a 400 InvalidQuery."""
    response = client.get(ANALYTICS.format(sim.bots[0].id), params=params)
    body = response.json()
    assert response.status_code == 400
    assert (body["code"], body["type"]) == (400, "InvalidQuery")
    assert body["id"].startswith("err_")
    assert "Date" in body["message"]


def test_date_only_and_datetime_forms_agree(sim: Simulator, client: httpx.Client) -> None:
    """YYYY-MM-DD means midnight UTC, like the full ISO datetime."""
    bot_id = sim.bots[1].id
    short = get_analytics(client, bot_id, "2026-04-01", "2026-04-10")
    full = get_analytics(client, bot_id, midnight(date(2026, 4, 1)), "2026-04-10T00:00:00Z")
    assert short.json()["records"]
    assert short.content == full.content


def test_bucket_starting_at_end_date_is_returned(sim: Simulator, client: httpx.Client) -> None:
    """Asking for D1..D2 as [D1 00:00, D2+1 00:00] also returns the D2+1 bucket (inclusive end)."""
    bot_id = sim.bots[0].id
    first, last = date(2026, 4, 6), date(2026, 4, 12)
    assert sim.record_for(bot_id, last + timedelta(days=1)) is not None
    response = get_analytics(client, bot_id, midnight(first), midnight(last + timedelta(days=1)))
    days = sorted(by_day(response.json()["records"]))
    assert days[0] == first
    assert days[-1] == last + timedelta(days=1)
    later = get_analytics(client, bot_id, midnight(first), "2026-04-13T00:00:00.001Z")
    assert sorted(by_day(later.json()["records"])) == days


def test_planted_anomalies_are_listed(sim: Simulator) -> None:
    """Five frozen anomalies, one per kind, in the three weeks before today, on known bots."""
    anomalies = sim.anomalies
    assert {(a.metric, a.kind) for a in anomalies} == {
        ("cost", "spike"),
        ("error_rate", "jump"),
        ("latency", "jump"),
        ("sessions", "drop"),
        ("data", "missing"),
    }
    ids = {b.id for b in sim.bots}
    for a in anomalies:
        assert a.bot_id in ids
        assert TODAY - timedelta(days=22) <= a.day < TODAY
        assert a.description
    assert anomaly(sim, "cost").day == TODAY - timedelta(days=1)
    assert anomaly(sim, "sessions").direction == "down"
    with pytest.raises(FrozenInstanceError):
        anomalies[0].day = TODAY  # type: ignore[misc]


def other_days(sim: Simulator, bot_id: str, day: date) -> list[dict[str, Any]]:
    """The bot's records of the four weeks before an anomaly day, planted days excluded."""
    planted = {a.day for a in sim.anomalies if a.bot_id == bot_id}
    days = [day - timedelta(days=k) for k in range(1, 29)]
    records = [sim.record_for(bot_id, d) for d in days if d not in planted]
    return [r for r in records if r is not None]


def test_cost_spike_is_visible(sim: Simulator) -> None:
    """The cost-spike day costs more than 4x the median cost per call of other days."""
    spike = anomaly(sim, "cost")
    record = sim.record_for(spike.bot_id, spike.day)
    assert record is not None
    baseline = statistics.median(cost_per_call(r) for r in other_days(sim, spike.bot_id, spike.day))
    assert cost_per_call(record) > 4 * baseline


def test_error_jump_is_visible(sim: Simulator) -> None:
    """The error-jump day has about 15% errors against 1-2% on other days."""
    jump = anomaly(sim, "error_rate")
    record = sim.record_for(jump.bot_id, jump.day)
    assert record is not None
    rates = [r["llm"]["errors"] / r["llm"]["calls"] for r in other_days(sim, jump.bot_id, jump.day)]
    assert record["llm"]["errors"] / record["llm"]["calls"] > 0.12
    assert statistics.median(rates) < 0.03


def test_latency_jump_is_visible(sim: Simulator) -> None:
    """The latency-jump day's mean latency is more than twice the usual."""
    jump = anomaly(sim, "latency")
    record = sim.record_for(jump.bot_id, jump.day)
    assert record is not None
    usual = [r["llm"]["latency"]["mean"] for r in other_days(sim, jump.bot_id, jump.day)]
    assert record["llm"]["latency"]["mean"] > 2 * statistics.median(usual)


def test_traffic_drop_is_visible(sim: Simulator) -> None:
    """The traffic-drop day has under 40% of the sessions of the same weekday before it."""
    drop = anomaly(sim, "sessions")
    record = sim.record_for(drop.bot_id, drop.day)
    assert record is not None
    same_weekday = [sim.record_for(drop.bot_id, drop.day - timedelta(weeks=k)) for k in (1, 2, 3)]
    usual = statistics.median(r["sessions"] for r in same_weekday if r)
    assert record["sessions"] < 0.4 * usual


def test_missing_data_day_has_no_record(sim: Simulator, client: httpx.Client) -> None:
    """The planted missing day is absent from the API while its neighbours are there."""
    gap = anomaly(sim, "data")
    around = get_analytics(
        client, gap.bot_id, midnight(gap.day - timedelta(days=1)), midnight(gap.day)
    )
    days = set(by_day(around.json()["records"]))
    assert gap.day - timedelta(days=1) in days
    assert gap.day not in days
    assert sim.record_for(gap.bot_id, gap.day) is None


def test_low_volume_bot_has_missing_days(
    sim: Simulator, histories: dict[str, list[dict[str, Any]]]
) -> None:
    """The low-volume bot skips some days; the others cover every day of their history."""
    for bot in sim.workspace.bots:
        present = set(by_day(histories[bot.id]))
        span = {bot.first_day + timedelta(days=k) for k in range((TODAY - bot.first_day).days + 1)}
        missing = span - present
        planted = {a.day for a in sim.anomalies if a.bot_id == bot.id and a.metric == "data"}
        if bot.volume == "low":
            assert 3 <= len(missing) < len(span) // 2
        else:
            assert missing == planted


def test_recent_bot_has_short_history(
    sim: Simulator, histories: dict[str, list[dict[str, Any]]]
) -> None:
    """A recently created bot has data only from its creation day, well inside history_days."""
    recent = [b for b in sim.workspace.bots if b.first_day > TODAY - timedelta(days=60)]
    assert recent
    for bot in recent:
        first = min(by_day(histories[bot.id]))
        assert first == bot.first_day
        created = next(b.createdAt for b in sim.bots if b.id == bot.id)
        assert created is not None
        assert created.startswith(first.isoformat())
    oldest = min(min(by_day(h)) for h in histories.values())
    assert oldest == TODAY - timedelta(days=120)


def test_split_day_serves_two_records_that_merge_to_the_day(
    sim: Simulator, histories: dict[str, list[dict[str, Any]]]
) -> None:
    """Some days come as two records starting that day; merged, they equal the whole day."""
    splits = [
        (bot_id, day, recs)
        for bot_id, records in histories.items()
        for day, recs in by_day(records).items()
        if len(recs) == 2
    ]
    assert splits
    for bot_id, day, recs in splits:
        assert recs[0]["startDateTimeUtc"] == midnight(day)
        assert started(recs[1]) > started(recs[0])
        assert started(recs[1]).date() == day
        whole = sim.record_for(bot_id, day)
        assert whole is not None
        parts, total = merged(recs), merged([whole])
        assert parts.days == 1
        for name in ("sessions", "user_messages", "events", "llm_calls", "llm_errors"):
            assert getattr(parts, name) == getattr(total, name), name
        assert parts.input_tokens == total.input_tokens
        assert parts.event_types == total.event_types
        assert parts.cost_sum == pytest.approx(total.cost_sum, abs=2e-6)
        assert parts.latency_mean == pytest.approx(total.latency_mean)
        assert (parts.latency_min, parts.latency_max) == (total.latency_min, total.latency_max)


def test_today_is_partial_and_the_future_empty() -> None:
    """Today's bucket grows with the time of day and ends at now; tomorrow has no bucket."""
    results: dict[int, dict[str, Any]] = {}
    for hour in (3, 21):
        now = datetime(2026, 5, 13, hour, tzinfo=UTC)
        with (
            Simulator(today=TODAY, clock=fixed(now)) as simulator,
            httpx.Client(base_url=simulator.url, headers=AUTH) as http,
        ):
            bot_id = simulator.bots[0].id
            response = get_analytics(http, bot_id, midnight(TODAY), midnight(TODAY + timedelta(3)))
            (record,) = response.json()["records"]
            results[hour] = record
            assert record["endDateTimeUtc"] == f"2026-05-13T{hour:02d}:00:00.000Z"
            yesterday = simulator.record_for(bot_id, TODAY - timedelta(days=1))
            assert yesterday is not None
    assert results[3]["sessions"] < 0.5 * results[21]["sessions"]
    assert results[3]["llm"]["cost"]["sum"] < results[21]["llm"]["cost"]["sum"]


def test_today_defaults_to_the_clock() -> None:
    """Without ``today``, the simulator's today is the clock's UTC date."""
    simulator = Simulator(clock=lambda: datetime(2026, 2, 3, 23, 30, tzinfo=UTC))
    assert simulator.today == date(2026, 2, 3)
    assert simulator.record_for(simulator.bots[0].id, date(2026, 2, 4)) is None


def test_generator_is_pure_and_matches_the_server(sim: Simulator) -> None:
    """generate_record and Workspace give, without HTTP, the records the server serves."""
    workspace = Workspace.build(seed=7, bot_count=5, today=TODAY)
    bot = workspace.bots[0]
    day = TODAY - timedelta(days=9)
    record = generate_record(7, bot, day, NOW, workspace.anomalies)
    assert record == sim.record_for(bot.id, day)
    assert record == generate_record(7, bot, day, NOW, workspace.anomalies)
    assert generate_record(7, bot, TODAY + timedelta(days=1), NOW) is None
    with pytest.raises(KeyError):
        workspace.bot("bot_unknown")


def test_fault_unauthorized(fresh: Simulator, web: httpx.Client) -> None:
    """fault='unauthorized' turns even good credentials into 401 Unauthorized."""
    fresh.fault = "unauthorized"
    response = web.get(f"{fresh.url}/v1/admin/bots", headers=AUTH)
    assert response.status_code == 401
    assert response.json()["type"] == "Unauthorized"
    fresh.fault = None
    assert web.get(f"{fresh.url}/v1/admin/bots", headers=AUTH).status_code == 200


@pytest.mark.parametrize(("fault", "status"), [("down", 503), ("garbage", 200)])
def test_fault_html_bodies(fresh: Simulator, fault: str, status: int, web: httpx.Client) -> None:
    """'down' is a 503 and 'garbage' a 200, both with an HTML body instead of JSON."""
    fresh.fault = fault
    response = web.get(f"{fresh.url}/v1/admin/bots", headers=AUTH)
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html"
    assert response.text.lstrip().startswith(("<html", "<!DOCTYPE"))


def test_fault_ratelimited(fresh: Simulator, web: httpx.Client) -> None:
    """'ratelimited' answers 429 RateLimited with Retry-After and the RateLimit headers."""
    fresh.fault = "ratelimited"
    response = web.get(f"{fresh.url}/v1/admin/bots", headers=AUTH)
    assert response.status_code == 429
    assert response.json()["type"] == "RateLimited"
    assert response.headers["retry-after"] == "1"
    assert response.headers["ratelimit-remaining"] == "0"
    assert response.headers["ratelimit-limit"] == "100"


def test_fault_slow_outlasts_the_client_timeout(fresh: Simulator, web: httpx.Client) -> None:
    """'slow' holds the answer longer than a short client timeout."""
    fresh.fault = "slow"
    with pytest.raises(httpx.ReadTimeout):
        web.get(f"{fresh.url}/v1/admin/bots", headers=AUTH, timeout=0.2)


def test_stop_interrupts_a_slow_request(fresh: Simulator, web: httpx.Client) -> None:
    """stop() does not wait out slow_seconds: it wakes the waiting handler and returns."""
    fresh.fault = "slow"
    statuses: list[int] = []

    def call() -> None:
        statuses.append(web.get(f"{fresh.url}/v1/admin/bots", headers=AUTH, timeout=30).status_code)

    with ThreadPoolExecutor(1) as pool:
        caller = pool.submit(call)
        deadline = time.monotonic() + 5
        while not fresh.requests and time.monotonic() < deadline:
            time.sleep(0.005)
        began = time.monotonic()
        fresh.stop()
        caller.result(timeout=5)  # re-raises what the caller raised; TimeoutError if it hangs
        assert time.monotonic() - began < 2
    assert statuses == [503]


def test_unknown_fault_is_refused(fresh: Simulator) -> None:
    """Setting a fault that does not exist raises, naming the valid ones."""
    with pytest.raises(ValueError, match="ratelimited"):
        fresh.fault = "flaky"
    assert {"unauthorized", "down", "slow", "garbage", "ratelimited"} <= set(FAULTS)


def test_normal_responses_carry_rate_limit_headers(fresh: Simulator) -> None:
    """Every JSON answer has RateLimit-Limit/Remaining/Reset, Remaining counting down."""
    with httpx.Client(base_url=fresh.url, headers=AUTH) as http:
        first = http.get("/v1/admin/bots")
        second = http.get("/v1/admin/nope")
    assert first.headers["ratelimit-limit"] == "100"
    assert first.headers["ratelimit-reset"] == "1"
    remaining = int(first.headers["ratelimit-remaining"])
    assert 0 <= int(second.headers["ratelimit-remaining"]) <= remaining <= 99


def test_requests_are_recorded(fresh: Simulator) -> None:
    """Every request is recorded with path, query and headers; analytics_calls counts them."""
    bot_id = fresh.bots[0].id
    with httpx.Client(base_url=fresh.url, headers=AUTH) as http:
        http.get("/v1/admin/bots")
        get_analytics(http, bot_id, "2026-05-01", "2026-05-02")
        fresh.fault = "down"
        get_analytics(http, bot_id, "2026-05-01", "2026-05-02")
    recorded = fresh.requests
    assert [r.path for r in recorded] == [
        "/v1/admin/bots",
        ANALYTICS.format(bot_id),
        ANALYTICS.format(bot_id),
    ]
    assert recorded[1].method == "GET"
    assert recorded[1].query == {"startDate": "2026-05-01", "endDate": "2026-05-02"}
    assert recorded[1].headers["x-workspace-id"] == "sim-workspace"
    assert fresh.analytics_calls == 2
    fresh.clear_requests()
    assert fresh.requests == []
    assert fresh.analytics_calls == 0


def test_concurrent_requests_are_all_recorded(fresh: Simulator) -> None:
    """Parallel clients get answers and every request is recorded once."""
    bot_id = fresh.bots[0].id

    def call(k: int) -> None:
        with httpx.Client(base_url=fresh.url, headers=AUTH) as http:
            day = date(2026, 4, 1) + timedelta(days=k)
            assert get_analytics(http, bot_id, day.isoformat(), day.isoformat()).status_code == 200

    with ThreadPoolExecutor(16) as pool:
        for future in [pool.submit(call, k) for k in range(16)]:
            future.result()  # a failed assertion in a worker fails the test
    assert fresh.analytics_calls == 16


def test_start_and_stop_many_times(web: httpx.Client) -> None:
    """A simulator can start and stop repeatedly; stop is idempotent; url needs it running."""
    simulator = Simulator(today=TODAY)
    with pytest.raises(RuntimeError, match="not running"):
        _ = simulator.url
    for _ in range(5):
        with simulator:
            assert simulator.start() is simulator
            assert web.get(f"{simulator.url}/v1/admin/bots", headers=AUTH).status_code == 200
        simulator.stop()
    with pytest.raises(RuntimeError):
        _ = simulator.url
    assert len(simulator.requests) == 5


def test_latency_delays_every_answer(web: httpx.Client) -> None:
    """With latency set, an answer takes at least that long."""
    with Simulator(today=TODAY, latency=0.05) as simulator:
        began = time.perf_counter()
        response = web.get(f"{simulator.url}/v1/admin/bots", headers=AUTH)
        elapsed = time.perf_counter() - began
    assert response.status_code == 200
    assert elapsed >= 0.05


def test_serving_writes_nothing_to_stderr(
    fresh: Simulator, capfd: pytest.CaptureFixture[str], web: httpx.Client
) -> None:
    """http.server's access log goes to logging, not stderr."""
    web.get(f"{fresh.url}/v1/admin/bots", headers=AUTH)
    web.get(f"{fresh.url}/nowhere")
    assert capfd.readouterr().err == ""


def test_the_botpress_client_reads_the_simulator() -> None:
    """The real client pages through bots, drops the endDate bucket and merges split days."""
    botpress = pytest.importorskip("slackbot.botpress.client")
    with (
        Simulator(today=TODAY, page_size=2) as simulator,
        botpress.BotpressClient(
            token="sim-token", workspace_id="sim-workspace", base_url=simulator.url
        ) as api,
    ):
        assert [b.id for b in api.list_bots()] == [b.id for b in simulator.bots]
        bot_id = simulator.bots[4].id
        first, last = TODAY - timedelta(days=60), TODAY - timedelta(days=1)
        days = fetch_days(api, bot_id, first, last)
        assert max(days) == last
        assert min(days) == first
        for day, metrics in days.items():
            whole = simulator.record_for(bot_id, day)
            assert whole is not None
            assert metrics.sessions == whole["sessions"]
            assert metrics.days == 1
