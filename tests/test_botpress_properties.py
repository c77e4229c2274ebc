"""Property: every sane response the published schema allows parses and sums exactly."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from slackbot.botpress.client import BotpressClient
from slackbot.sync import fetch_days

SPEC_NAME = "getBotAnalytics.openapi.yaml"
# The repo's own copy first, so CI never depends on the sibling ../shared checkout.
SPEC_CANDIDATES = [
    Path(__file__).parent / "data" / SPEC_NAME,
    Path(__file__).resolve().parents[2] / "shared" / "spec" / SPEC_NAME,
]
DATE_FORMAT = "botstats-utc-datetime"
DAY0 = date(2026, 1, 1)
SPAN = 14  # a short window so records share days and some fall outside [first, last]
COUNTS = {
    "sessions": "sessions",
    "newUsers": "new_users",
    "returningUsers": "returning_users",
    "userMessages": "user_messages",
    "botMessages": "bot_messages",
    "events": "events",
}


def load_response_schema() -> dict[str, Any]:
    """The 200 response schema of getBotAnalytics from the first spec file found."""
    path = next((p for p in SPEC_CANDIDATES if p.exists()), None)
    if path is None:
        pytest.fail(f"{SPEC_NAME} not found in {[str(p) for p in SPEC_CANDIDATES]}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    response = spec["components"]["responses"]["getBotAnalyticsResponse"]
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


def sane(schema: dict[str, Any]) -> dict[str, Any]:
    """The spec's schema narrowed to what a sane Botpress sends and our model requires.

    The spec is looser than reality and than our model: it allows negative counts, any
    string as a date and unbounded numbers. Our model rejects negative counts and amounts
    (counts, durations, money), non-datetime dates (we bucket by them) and NaN/Infinity, so
    we generate non-negative integers up to 2**53 (JavaScript's exact range), non-negative
    finite numbers, real ISO datetimes, and non-negative event counts. ``llm`` becomes
    optional because botstats must tolerate its absence. Everything else (empty maps, zero
    calls, zero records) stays as loose as the spec.
    """
    out = copy.deepcopy(schema)
    out["properties"]["records"]["maxItems"] = 6  # keeps each example fast

    def narrow(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "integer":
                node.update(minimum=0, maximum=2**53)
            elif node.get("type") == "number":
                node.update(minimum=0, maximum=1e12)
            elif node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            for child in node.values():
                narrow(child)
        elif isinstance(node, list):
            for child in node:
                narrow(child)

    narrow(out)
    record = out["properties"]["records"]["items"]
    for name in ("startDateTimeUtc", "endDateTimeUtc"):
        record["properties"][name]["format"] = DATE_FORMAT
    for name in ("eventTypes", "customEvents"):
        event_map = record["properties"][name]
        event_map["additionalProperties"]["minimum"] = 0
        # Short event names: unbounded unicode keys only slow generation down.
        event_map.update(propertyNames={"pattern": "^[a-z_]{1,10}$"}, maxProperties=4)
    record["required"] = [name for name in record["required"] if name != "llm"]
    # Records (and llm blocks) are open in the spec; one optional field that a public
    # caller sees stands for "unknown fields": arbitrary extra keys make generation crawl.
    # test_botpress.py covers arbitrary unknown fields.
    record["properties"]["conversationsCreated"] = {"type": "integer", "minimum": 0}
    record["additionalProperties"] = False
    return out


def iso(moment: datetime, style: int) -> str:
    """``moment`` (UTC) in one of the ISO spellings Botpress and its proxies use."""
    if style == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if style == 1:
        return moment.isoformat()  # +00:00 offset
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


UTC_DATETIMES = st.builds(
    iso,
    st.datetimes(
        min_value=datetime(DAY0.year, DAY0.month, DAY0.day),
        max_value=datetime(DAY0.year, DAY0.month, DAY0.day) + timedelta(days=SPAN, hours=23),
        timezones=st.just(UTC),
    ),
    st.integers(0, 2),
)
RESPONSES = from_schema(sane(load_response_schema()), custom_formats={DATE_FORMAT: UTC_DATETIMES})
DAYS = st.dates(min_value=DAY0, max_value=DAY0 + timedelta(days=SPAN))


def start_day(record: dict[str, Any]) -> date:
    """The UTC day a generated record starts on."""
    return datetime.fromisoformat(record["startDateTimeUtc"]).astimezone(UTC).date()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=RESPONSES, ends=st.tuples(DAYS, DAYS))
def test_schema_valid_responses_parse_and_days_sum_to_the_period(
    body: dict[str, Any], ends: tuple[date, date]
) -> None:
    """Any sane schema-valid answer parses, and fetch_days sums equal the in-period records."""
    first, last = sorted(ends)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text=json.dumps(body))

    with BotpressClient(
        token="prop-token-0123456789",
        workspace_id="ws",
        transport=httpx.MockTransport(handler),
        sleep=lambda seconds: None,
        rng=random.Random(0),
    ) as client:
        assert len(client.get_analytics("bot", first, last)) == len(body["records"])
        days = fetch_days(client, "bot", first, last)

    assert seen[-1].url.params["endDate"] == f"{last + timedelta(days=1)}T00:00:00.000Z"
    inside = [r for r in body["records"] if first <= start_day(r) <= last]
    assert set(days) == {start_day(r) for r in inside}
    assert all(first <= day <= last for day in days)
    for key, attr in COUNTS.items():
        assert sum(getattr(m, attr) for m in days.values()) == sum(r[key] for r in inside), key
    llms = [r["llm"] for r in inside if "llm" in r]
    assert sum(m.llm_calls for m in days.values()) == sum(x["calls"] for x in llms)
    assert sum(m.llm_errors for m in days.values()) == sum(x["errors"] for x in llms)
    for key, attr in {"inputTokens": "input_tokens", "outputTokens": "output_tokens"}.items():
        assert sum(getattr(m, attr) for m in days.values()) == sum(x[key] for x in llms), key
    # Cost is money: it is summed even for a record that reports zero calls.
    assert sum(m.cost_sum for m in days.values()) == pytest.approx(
        sum(x["cost"]["sum"] for x in llms), rel=1e-9, abs=1e-3
    )
