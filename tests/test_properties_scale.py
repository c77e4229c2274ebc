"""Bad input at scale: thousands of generated commands and Botpress answers through the real paths.

Commands go through ``Replies.answer`` (what the slash command, a DM and a mention call) on
a real SQLite file and a Service whose Botpress is the simulator behind
``httpx.MockTransport``. Botpress answers, valid and invalid under the published spec, go
through ``BotpressClient`` and then, whole, through ``/botstats BOT 7d``. Every reply must
be well-formed Block Kit inside Slack's limits, and no exception may escape or be swallowed
as "something went wrong".
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from slackbot.botpress.client import BotpressClient
from slackbot.clock import fixed_clock
from slackbot.config import Settings, load_settings
from slackbot.core.blocks.kit import Message
from slackbot.core.models import Metrics
from slackbot.errors import BotpressResponseError
from slackbot.replies import UNEXPECTED, Replies, Reply
from slackbot.service import Service
from slackbot.simulator.server import Simulator
from slackbot.slack.listeners.messages import command_text
from slackbot.store import Store
from slackbot.sync import fetch_days

TODAY = date(2026, 5, 13)  # a Wednesday
NOW = datetime(2026, 5, 13, 12, 0, tzinfo=UTC)
ADMIN = "U0ADMIN01"
MEMBER = "U0MEMBER1"
BOT_USER = "U0BOTSTATS"
HERE = "C0HERE0001"
WORKSPACE = "ws-props"
SIM_TOKEN = "sim-token"  # the simulator's fake token
#: Mentions that would ping people if a reply carried them live.
LIVE_PINGS = re.compile(r"<!(channel|here|everyone|subteam\^)[^>]*>")
USER_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")

_BLOCK_LIMITS = {"header": 150, "section": 3000}
#: The simulated workspace (seeded: the same bots every run); its names feed the strategies.
SIM = Simulator(today=TODAY, bot_count=3, history_days=60, token=SIM_TOKEN)
ALIASES = tuple(zip(("support", "sales"), (bot.id for bot in SIM.bots), strict=False))
BOT_NAMES = [b.name for b in SIM.bots] + [b.id for b in SIM.bots] + [a for a, _ in ALIASES]


# --- Block Kit, judged as Slack judges it -----------------------------------------------


def _texts(node: Any) -> Iterator[str]:
    """Every ``text`` string in a block tree."""
    if isinstance(node, dict):
        if isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            if isinstance(value, dict | list):
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def _check_element(element: dict[str, Any]) -> None:
    """One interactive element inside Slack's limits."""
    if element.get("type") == "button":
        assert len(element["text"]["text"]) <= 75
        assert len(element.get("value", "")) <= 2000
        assert len(element.get("url", "")) <= 3000
    assert len(element.get("action_id", "")) <= 255


def assert_slack_message(message: Message) -> str:
    """``message`` is valid Block Kit inside Slack's limits; returns every text it shows."""
    assert message.text.strip(), "a message needs a text fallback for notifications"
    assert len(message.text) <= 3000
    assert len(message.blocks) <= 50
    texts = list(_texts(message.blocks))
    assert sum(len(t) for t in texts) <= 12_000
    for raw in message.blocks:
        block = Block.parse(raw)
        assert block is not None, f"Slack does not know this block: {raw}"
        block.to_dict()  # slack_sdk validates its own limits here
        kind = raw["type"]
        assert len(raw.get("block_id", "")) <= 255
        if kind == "header":
            assert raw["text"]["type"] == "plain_text"
            assert len(raw["text"]["text"]) <= _BLOCK_LIMITS["header"]
        elif kind == "section":
            assert len(raw.get("text", {}).get("text", "")) <= _BLOCK_LIMITS["section"]
            fields = raw.get("fields", [])
            assert len(fields) <= 10
            assert all(len(f["text"]) <= 2000 for f in fields)
            if "accessory" in raw:
                _check_element(raw["accessory"])
        elif kind == "context":
            assert 1 <= len(raw["elements"]) <= 10
        elif kind == "actions":
            assert 1 <= len(raw["elements"]) <= 25
            for element in raw["elements"]:
                _check_element(element)
    return "\n".join([message.text, *texts])


def assert_no_live_pings(shown: str, allowed: frozenset[str] = frozenset()) -> None:
    """No @channel/@here/group ping, and only the ``allowed`` people mentioned."""
    assert not LIVE_PINGS.search(shown), shown[:500]
    assert set(USER_MENTION.findall(shown)) <= allowed, shown[:500]


# --- one store and service for every example ------------------------------------------


class Swallowed(logging.Handler):
    """Keeps the records botstats logs at ERROR or with a traceback (a swallowed surprise)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record when it reports a failure."""
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)

    def take(self) -> list[str]:
        """The failures logged since the last call, as text, and forget them."""
        taken = [self.format(r) for r in self.records]
        self.records.clear()
        return taken


@pytest.fixture(scope="module")
def swallowed() -> Iterator[Swallowed]:
    """Catches what ``Replies.answer`` turns into "something went wrong" (it never raises)."""
    handler = Swallowed()
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger = logging.getLogger("slackbot")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def simulator_transport(sim: Simulator) -> httpx.MockTransport:
    """The simulator's answers without its HTTP server (no socket per example)."""

    def handle(request: httpx.Request) -> httpx.Response:
        reply = sim.handle(request.method, request.url.raw_path.decode(), request.headers)
        headers = [("Content-Type", reply.content_type), *reply.headers]
        return httpx.Response(reply.status, content=reply.body, headers=headers)

    return httpx.MockTransport(handle)


@dataclass
class World:
    """The real answer path over one SQLite file and the simulated workspace."""

    replies: Replies
    store: Store
    settings: Settings


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Replies on a Service for replies (one attempt per call), as ``botstats serve`` builds it."""
    aliases = ",".join(f"{alias}={bot_id}" for alias, bot_id in ALIASES)
    db = tmp_path_factory.mktemp("props") / "botstats.db"
    app_settings = load_settings(
        env_file=None,
        botpress_token=SIM_TOKEN,
        botpress_workspace_id="sim-workspace",
        botstats_db=db,
        botstats_admins=ADMIN,
        botstats_timezone="Europe/Paris",
        botstats_bots=aliases,
    )
    store = Store(db, clock=fixed_clock(NOW))
    client = BotpressClient(
        token=SIM_TOKEN,
        workspace_id="sim-workspace",
        base_url="http://botpress.test",
        transport=simulator_transport(SIM),
        sleep=lambda seconds: None,
    )
    service = Service(
        store=store, client=client, aliases=app_settings.bot_aliases, clock=fixed_clock(NOW)
    )
    yield World(Replies(service.for_replies(), app_settings), store, app_settings)
    client.close()
    store.close()


# --- command texts, grammar-aware ---------------------------------------------------------

KEYWORDS = [
    "help", "all", "bots", "digest", "subscribe", "unsubscribe", "subscriptions", "alerts",
    "on", "off", "status", "daily", "weekly", "public", "at", '"all"', '"bots"', "subscibe",
    "alert", "ALL", "Help",
]  # fmt: skip
PEOPLE = [
    "<@U1>", "<@U0123ABCD>", "<@W123|bob>", "<!channel>", "<!here>", "<!everyone>",
    "<!subteam^S0123|@oncall>", "<https://evil.example|click>", "<mailto:a@b.c|mail>",
    "&lt;!channel&gt;", "&lt;@U1&gt;", "&amp;", "&lt;", "&gt;",
]  # fmt: skip
ODD = [
    "\x00", "\x1b[31m", "\u202e", "\u2066", "\u200b", "\ufeff", "🤖", "👩🏽‍💻",
    "\uff48\uff45\uff4c\uff50", "Ω", "ß", "İ", "ﬁ", "\r\n", "\t", "\u00a0", "\u3000", '"',
    "\u201c", "\u201d", "'", "`", "*", "_", "~", ">", "\\", "\ud7ff", "\U0010ffff", "\x7f",
    "\u0085", "\U000e0041",
]  # fmt: skip
RANGE_SEPARATORS = ["..", " .. ", ".. ", "...", "\u2013"]  # the last: an en dash
SEPARATORS = [" ", " ", " ", "  ", "\t", "\n", "\u00a0", ""]


def vocabulary(rng: random.Random) -> dict[str, list[str]]:
    """The words a command is made of, by kind: keywords, bot names, periods, times,
    channels, people and odd characters, hundreds of each drawn once (seeded), so
    hypothesis only picks among them and its examples stay cheap and shrinkable."""
    names = [
        form
        for name in BOT_NAMES
        for form in (name, name.lower(), name.upper(), name[: max(1, len(name) // 2)], f'"{name}"')
    ]
    periods = [
        "today", "yesterday", "7d", "30d", "this-week", "last-week", "this-month", "last-month",
        "0d", "1d", "365d", "366d", "99999999999999999999d", "-3d", "7D", "2026-02-30",
        "2026-13-01", "2026-5-1", "20260501", "2026-05-01..", "..2026-05-01",
    ]  # fmt: skip
    for _ in range(100):
        first = date(2025, 1, 1) + timedelta(days=rng.randint(0, 730))
        last = first + timedelta(days=rng.randint(-30, 400))
        periods += [
            f"{rng.randint(-5, 400)}d",
            (date(1990, 1, 1) + timedelta(days=rng.randint(0, 40_000))).isoformat(),
            f"{first}{rng.choice(RANGE_SEPARATORS)}{last}",
        ]
    times = ["9", "noon", "9am", "09:00", "23:59", "24:00", "-1:00", "9:5"]
    times += [f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}" for _ in range(60)]
    times += [f"{rng.randint(0, 30)}:{rng.randint(0, 70):02d}" for _ in range(20)]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    ids = [
        rng.choice("CGD") + "".join(rng.choices(alphabet, k=rng.randint(8, 10))) for _ in range(60)
    ]
    channels = [f"<#{i}|ops>" for i in ids] + [f"<#{i}>" for i in ids]
    channels += [
        "#ops", "<#C0123ABCD|>", "<#C12", "<#c0123abcd|x>", "C0123ABCD", "<#U0123ABCD|x>",
        "<#C0123ABCD|a b c>", "<#C0123ABCD|<!channel>>",
    ]  # fmt: skip
    return {
        "keyword": KEYWORDS,
        "bot": names,
        "target": [*names, "all", "all", '"all"'],
        "period": periods,
        "time": times,
        "channel": channels,
        "cadence": ["daily", "weekly", "Daily", "hourly"],
        "switch": ["on", "off", "status", "maybe"],
        "people": PEOPLE,
        "odd": ODD,
    }


WORDS = vocabulary(random.Random(20260513))
VOCABULARY = [word for kind in WORDS.values() for word in kind]
FIRST_WORDS = [*KEYWORDS[:8], *BOT_NAMES]
#: The grammar's forms (DESIGN §4), each slot filled from a kind of word or left out.
TEMPLATES = [
    ["subscribe", "target", "cadence", "at", "time", "channel"],
    ["unsubscribe", "target", "channel"],
    ["alerts", "switch", "target", "channel"],
    ["bot", "period", "public"],
    ["all", "period", "public"],
    ["digest", "target"],
    ["period", "public"],
    ["help", "keyword"],
    ["bots"],
    ["subscriptions"],
]


def _word(kind: str, byte: int) -> str:
    """The ``byte``-th word of a kind; a literal word stands for itself."""
    choices = WORDS.get(kind)
    return choices[byte * 7 % len(choices)] if choices else kind


def compose(shape: int, picks: bytes, wild: str) -> str:
    """A command text from hypothesis' choices: ``picks`` choose words (two bytes each) and
    their separators, ``wild`` is free text; shrinking goes towards fewer, earlier words."""
    pairs = [picks[i : i + 2] for i in range(0, len(picks) - 1, 2)]
    words = [
        SEPARATORS[pair[0] % len(SEPARATORS)]
        + VOCABULARY[int.from_bytes(pair, "big") % len(VOCABULARY)]
        for pair in pairs
    ]
    if shape == 0:  # anything at all
        return wild
    if shape == 1:  # very long: far past what Slack would send
        unit = VOCABULARY[int.from_bytes(picks[:2] or b"\0", "big") % len(VOCABULARY)]
        return (unit + " ") * (40 + 2 * (picks[-1] if picks else 0))
    if shape == 2:  # words alone, free text among them
        return "".join(words) + " " + wild[:12]
    if shape <= 6:  # a form of the grammar, each slot filled or left out (odd bytes: out)
        template = TEMPLATES[(picks[0] if picks else shape) % len(TEMPLATES)]
        filled = [
            _word(slot, byte)
            for slot, byte in zip(template, picks[1:] or bytes(len(template)), strict=False)
            if byte % 4 or slot in TEMPLATES_FIRST
        ]
        if shape == 6 and wild:  # one free word among them
            filled.insert(len(wild) % (len(filled) + 1), wild[:12])
        return " ".join(filled)
    first = FIRST_WORDS[(picks[0] if picks else 0) % len(FIRST_WORDS)]
    if shape == 7 and wild:
        words.insert(len(wild) % (len(words) + 1), " " + wild[:12])
    return first + "".join(words)


TEMPLATES_FIRST = frozenset(t[0] for t in TEMPLATES)

#: Grammar forms with their slots filled, words of every kind after a subcommand or a bot,
#: free text, and very long texts; three cheap choices per example, so thousands run in
#: seconds.
COMMAND_TEXTS = st.builds(compose, st.integers(0, 9), st.binary(max_size=20), st.text(max_size=200))


def answer(world: World, text: str, user: str, via: str) -> Reply:
    """What the slash command, a DM or a mention would answer ``user``."""
    if via == "mention":
        text = command_text(f"<@{BOT_USER}> {text}", BOT_USER)
    return world.replies.answer(text, user_id=user, channel_id=HERE, now=NOW)


@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(
    text=COMMAND_TEXTS,
    user=st.sampled_from([ADMIN, MEMBER]),
    via=st.sampled_from(["command", "mention"]),
)
def test_thousands_of_command_texts_get_well_formed_replies(
    world: World, swallowed: Swallowed, text: str, user: str, via: str
) -> None:
    """Any text, from an admin or a member, gets a valid message and never "went wrong"."""
    # Only a member can be refused; what a refusal must leave alone is read for them alone.
    before = (
        (world.store.subscriptions.all(), world.store.alerts.routes()) if user == MEMBER else None
    )
    reply = answer(world, text, user, via)
    assert swallowed.take() == []
    assert reply.outcome in ("ok", "usage", "denied"), reply
    assert UNEXPECTED not in reply.message.text
    shown = assert_slack_message(reply.message)
    # A refusal names the admins; nothing else mentions anyone.
    assert_no_live_pings(shown, frozenset({ADMIN}) if reply.outcome == "denied" else frozenset())
    if reply.outcome == "denied":
        assert user == MEMBER
        assert "Only botstats admins can change" in reply.message.text
        assert (world.store.subscriptions.all(), world.store.alerts.routes()) == before
    if reply.outcome == "usage":  # names what was wrong, with the usage or the candidates
        assert "/botstats" in reply.message.text or "Did you mean" in reply.message.text


def test_the_command_strategy_reaches_every_outcome(world: World) -> None:
    """The answer path gives ok, usage and denied replies, so the property above meets all three."""
    seen = {
        answer(world, text, user, "command").outcome
        for text, user in [
            ("support 7d", MEMBER),
            ("subscribe all daily <#C0ZZZZZZ01|x>", MEMBER),
            ("subscribe all daily <#C0ZZZZZZ01|x>", ADMIN),
            ("support fortnight", ADMIN),
        ]
    }
    assert seen == {"ok", "denied", "usage"}


# --- Botpress analytics answers, valid and invalid under the spec ---------------------------

WINDOW_FIRST = TODAY - timedelta(days=16)
SPEC = Path(__file__).parent / "data" / "getBotAnalytics.openapi.yaml"
#: Required by the spec, yet absent in life (a bot without LLM use, an older answer).
LEFT_OUT_IN_LIFE = frozenset({"llm", "messages", "eventTypes", "customEvents"})
UNKNOWN_KEYS = ["conversationsCreated", "botId", "x-future", "region", "llmProvider"]
EVENT_NAMES = ["conversation_started", "message_sent", "handoff", "", "é", "🤖", "a.b", "x" * 300]


def response_schema() -> dict[str, Any]:
    """The 200 response schema of getBotAnalytics, from the spec kept in tests/data."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    response = spec["components"]["responses"]["getBotAnalyticsResponse"]
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


SCHEMA = response_schema()


def count(rng: random.Random) -> int:
    """An integer the spec allows and a sane Botpress sends: mostly small, sometimes huge."""
    roll = rng.random()
    if roll < 0.2:
        return 0
    if roll < 0.8:
        return rng.randint(0, 60)
    return rng.randint(0, 10**6) if roll < 0.95 else rng.randint(0, 2**53)


def amount(rng: random.Random) -> float | int:
    """A number the spec allows (non-negative and finite, as a sane Botpress sends)."""
    roll = rng.random()
    if roll < 0.15:
        return rng.choice([0, 0.0, 1])
    if roll < 0.7:
        return round(rng.uniform(0, 50), rng.randint(0, 6))
    return rng.uniform(0, 1e4) if roll < 0.97 else rng.uniform(0, 1e12)


def junk(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value: what an unknown field may hold."""
    roll = rng.randint(0, 6 if depth < 2 else 3)
    if roll == 0:
        return None
    if roll == 1:
        return rng.random() < 0.5
    if roll == 2:
        return rng.randint(-(2**31), 2**31)
    if roll == 3:
        return "".join(chr(rng.randint(32, 0x2FFF)) for _ in range(rng.randint(0, 8)))
    if roll <= 5:
        return [junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {str(rng.randint(0, 99)): junk(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def spec_value(node: dict[str, Any], rng: random.Random) -> Any:
    """A value for a schema node: required keys (bar the ones left out in life), optional ones
    most of the time, map entries, and unknown fields where the schema leaves objects open."""
    kind = node.get("type")
    if kind == "object":
        out: dict[str, Any] = {}
        required = set(node.get("required", ()))
        for key, child in node.get("properties", {}).items():
            if (key in required and key not in LEFT_OUT_IN_LIFE) or rng.random() < 0.8:
                out[key] = spec_value(child, rng)
        extra = node.get("additionalProperties", True)
        if isinstance(extra, dict):
            for _ in range(rng.randint(0, 5)):
                out[rng.choice(EVENT_NAMES)] = spec_value(extra, rng)
        elif extra is True and rng.random() < 0.3:
            out[rng.choice(UNKNOWN_KEYS)] = junk(rng)
        return out
    if kind == "array":
        return [spec_value(node["items"], rng) for _ in range(rng.randint(0, 6))]
    if kind == "integer":
        return count(rng)
    if kind == "number":
        return amount(rng)
    return "".join(chr(rng.randint(32, 126)) for _ in range(rng.randint(0, 12)))


def iso(moment: datetime, style: int) -> str:
    """``moment`` in one of the ISO 8601 spellings a server or proxy uses."""
    if style == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if style == 1:
        return moment.isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def valid_body(rng: random.Random) -> dict[str, Any]:
    """An answer the spec allows: every record a bucket of one UTC day in the window."""
    body: dict[str, Any] = spec_value(SCHEMA, rng)
    for record in body["records"]:
        day = WINDOW_FIRST + timedelta(days=rng.randint(0, (TODAY - WINDOW_FIRST).days))
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        if rng.random() < 0.2:
            start += timedelta(hours=rng.randint(0, 23))
        style = rng.randint(0, 2)
        record["startDateTimeUtc"] = iso(start, style)
        record["endDateTimeUtc"] = iso(start + timedelta(days=1, milliseconds=-1), style)
    return body


#: Fields of a record (and of its llm block) that the spec types as numbers.
NUMERIC = re.compile(
    r"^records\[\d+\]\.(returningUsers|newUsers|sessions|messages|userMessages|botMessages|events"
    r"|(eventTypes|customEvents)\..*|llm\.(calls|errors|inputTokens|outputTokens"
    r"|(latency|tokensPerSecond|cost)\.(mean|sd|min|max|sum)))$"
)
#: The counts, which the spec types as integers (a float there is not a count).
INTEGER = re.compile(
    r"^records\[\d+\]\.(returningUsers|newUsers|sessions|messages|userMessages|botMessages|events"
    r"|llm\.(calls|errors|inputTokens|outputTokens))$"
)
#: Everything botstats reads: a bad value there fails the answer (a missing one, too, but
#: for the blocks left out in life).
READ = re.compile(
    r"^records(\[\d+\](\.(startDateTimeUtc|endDateTimeUtc|returningUsers|newUsers|sessions"
    r"|messages|userMessages|botMessages|events|eventTypes|customEvents|llm(\.(calls|errors"
    r"|inputTokens|outputTokens|latency|tokensPerSecond|cost)"
    r"|\.(latency|tokensPerSecond|cost)\.(mean|sd|min|max|sum))?))?)?$"
)


def paths(node: Any, at: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, parent, key) of every value under ``node``."""
    items: Any = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        path = f"{at}[{key}]" if isinstance(key, int) else (f"{at}.{key}" if at else key)
        yield path, node, key
        if isinstance(value, dict | list):
            yield from paths(value, path)


@dataclass(frozen=True)
class Answer:
    """One Botpress answer: its body and whether the spec and DESIGN §5 forbid it."""

    body: bytes
    what: str
    must_fail: bool
    content_type: str = "application/json"


BAD_NUMBERS = [-1, -0.5, -(2**53), float("nan"), float("inf"), float("-inf")]
BAD_VALUES = ["5", "NaN", "Infinity", "-inf", "1e999", "", None, True, [], {"value": 1}]
KINDS = ["valid", "valid", "valid", "value", "value", "number", "drop", "raw", "structure"]
STRUCTURES = [
    [], None, "records", {"records": None}, {"records": {}}, {"records": "[]"},
    {"records": [[]]}, {"records": [None]}, {"data": {"records": []}}, {"records": [1, 2]},
]  # fmt: skip
HTML = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def make_answer(seed: int, kind: str, spot: int, bad: int) -> Answer:
    """A valid answer (from ``seed``), or that answer broken in one way (``kind``), at the
    ``spot``-th value of its tree, with the ``bad``-th bad value or way of breaking it."""
    rng = random.Random(seed)
    body = valid_body(rng)
    text = json.dumps(body)
    if kind == "valid":
        return Answer(text.encode(), "valid", False)
    if kind == "structure":
        shape = STRUCTURES[bad % len(STRUCTURES)]
        return Answer(json.dumps(shape).encode(), f"structure {shape!r}", True)
    if kind == "raw":
        ways: list[tuple[bytes, str, str]] = [
            (text[: 1 + spot % max(1, len(text) - 1)].encode(), "truncated", "application/json"),
            (HTML.encode(), "an HTML page", "text/html"),
            (b"", "an empty body", "application/json"),
            (b"\xff\xfe" + text.encode("utf-16-le"), "UTF-16", "application/json"),
            (text.encode() + bytes([33 + spot % 200]) * 3, "trailing bytes", "application/json"),
            (b'{"records": [', "cut at the start", "application/json"),
            (text.replace("{", "[", 1).encode(), "a bracket for a brace", "application/json"),
        ]
        if body["records"] and '"sessions": ' in text:
            # Past float range: a JSON parser reads it as infinity.
            ways.append(
                (text.replace('"sessions": ', '"sessions": 1e999', 1).encode(), "1e999", "")
            )
        raw, what, content_type = ways[bad % len(ways)]
        return Answer(raw, what, True, content_type or "application/json")
    spots = list(paths(body))
    path, parent, key = spots[spot % len(spots)]
    if kind == "drop" and isinstance(parent, dict):
        del parent[key]
        required = bool(READ.match(path)) and not path.endswith(tuple(LEFT_OUT_IN_LIFE))
        return Answer(json.dumps(body).encode(), f"without {path}", required)
    if kind == "number" and NUMERIC.match(path):
        parent[key] = BAD_NUMBERS[bad % len(BAD_NUMBERS)]
        return Answer(json.dumps(body).encode(), f"{path} = {parent[key]!r}", True)
    values = [*BAD_VALUES, *BAD_NUMBERS, 10**30]
    parent[key] = values[bad % len(values)]
    # A bad value of a field botstats reads fails the answer; unknown fields are ignored;
    # ``llm: null`` reads as "no LLM use", and a huge amount is still a finite number.
    read = bool(READ.match(path) or NUMERIC.match(path))
    excused = (
        (path.endswith(".llm") and parent[key] is None)
        or (path == "records" and parent[key] == [])
        or (path.endswith(("eventTypes", "customEvents")) and parent[key] == {"value": 1})
        or (parent[key] == 10**30 and not INTEGER.match(path))
    )
    return Answer(json.dumps(body).encode(), f"{path} = {parent[key]!r}", read and not excused)


ANSWERS = st.builds(
    make_answer,
    st.integers(0, 2**64),
    st.sampled_from(KINDS),
    st.integers(0, 10**6),
    st.integers(0, 100),
)


@dataclass
class Stage:
    """What the fake Botpress answers now: one bot, and one body for its analytics."""

    bot_id: str = "bot_prop_0"
    reply: Answer = Answer(b'{"records": []}', "valid", False)


def client_answering(stage: Stage) -> BotpressClient:
    """A client whose Botpress lists the staged bot and answers analytics with the staged body."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/admin/bots":
            bots = [{"id": stage.bot_id, "name": "Property Bot"}]
            return httpx.Response(200, json={"bots": bots})
        headers = {"Content-Type": stage.reply.content_type}
        return httpx.Response(200, content=stage.reply.body, headers=headers)

    return BotpressClient(
        token="bp_pat_property0123456789",
        workspace_id=WORKSPACE,
        base_url="http://botpress.test",
        transport=httpx.MockTransport(handle),
        sleep=lambda seconds: None,
        max_attempts=1,
    )


def assert_sane(day: date, metrics: Metrics) -> None:
    """What every stored day must be: non-negative, finite, rates within 0..1."""
    counts = (
        metrics.new_users, metrics.returning_users, metrics.sessions, metrics.user_messages,
        metrics.bot_messages, metrics.events, metrics.llm_calls, metrics.llm_errors,
        metrics.input_tokens, metrics.output_tokens,
    )  # fmt: skip
    assert all(isinstance(c, int) and c >= 0 for c in counts), (day, metrics)
    amounts = [metrics.cost_sum, metrics.latency_sum, metrics.tps_sum, metrics.call_cost_sum]
    amounts += [*metrics.event_types.values(), *metrics.custom_events.values()]
    assert all(math.isfinite(a) and a >= 0 for a in amounts), (day, metrics)
    for derived in (metrics.latency_mean, metrics.cost_per_call, metrics.tokens_per_second):
        assert derived is None or (math.isfinite(derived) and derived >= 0), (day, metrics)
    rate = metrics.error_rate
    assert rate is None or 0 <= rate <= 1
    assert metrics.suspect == (metrics.llm_errors > metrics.llm_calls)


_bot_ids = itertools.count(1)
LAST = TODAY - timedelta(days=1)


@dataclass
class Botpress:
    """One client over a staged answer, and a SQLite file for what it stores."""

    stage: Stage
    client: BotpressClient
    store: Store
    settings: Settings

    def next(self, reply: Answer) -> str:
        """Stage ``reply`` for a bot never seen before; returns its id."""
        self.stage.bot_id = f"bot_prop_{next(_bot_ids)}"
        self.stage.reply = reply
        return self.stage.bot_id


@pytest.fixture(scope="module")
def botpress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Botpress]:
    """The staged Botpress, reused by every example (each gets a bot of its own)."""
    stage = Stage()
    store = Store(tmp_path_factory.mktemp("answers") / "botstats.db", clock=fixed_clock(NOW))
    app_settings = load_settings(env_file=None, botpress_workspace_id=WORKSPACE)
    with client_answering(stage) as client:
        yield Botpress(stage, client, store, app_settings)
    store.close()


def read_or_refuse(botpress: Botpress, bot_id: str, reply: Answer) -> bool:
    """Fetch ``bot_id``'s days through the client: sane days (True) or a kind refusal (False)."""
    try:
        days = fetch_days(botpress.client, bot_id, WINDOW_FIRST, LAST)
    except BotpressResponseError as exc:
        refused = exc
    else:
        refused = None
    if refused is not None:
        assert refused.user_message == BotpressResponseError.user_message
        assert refused.bot_id == bot_id
        assert refused.message.startswith(f"Botpress sent an analytics response for bot {bot_id}")
        assert "Traceback" not in refused.message
        assert "bp_pat_property" not in refused.message
        return False
    assert not reply.must_fail, f"{reply.what} was accepted"
    for day, metrics in days.items():
        assert WINDOW_FIRST <= day <= LAST
        assert_sane(day, metrics)
    return True


@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(reply=ANSWERS)
def test_thousands_of_botpress_answers_parse_sanely_or_fail_kindly(
    botpress: Botpress, reply: Answer
) -> None:
    """Each answer, valid or broken, gives sane days or a BotpressResponseError, nothing else."""
    read_or_refuse(botpress, botpress.next(reply), reply)


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(reply=ANSWERS)
def test_botpress_answers_become_valid_summaries_or_a_kind_sentence(
    botpress: Botpress, swallowed: Swallowed, reply: Answer
) -> None:
    """`/botstats BOT 7d` over any answer is a summary in Slack's limits or the friendly error."""
    bot_id = botpress.next(reply)
    readable = read_or_refuse(botpress, bot_id, reply)
    service = Service(store=botpress.store, client=botpress.client, clock=fixed_clock(NOW))
    replies = Replies(service.for_replies(), botpress.settings)
    answered = replies.answer(f"{bot_id} 7d", user_id=MEMBER, channel_id=HERE, now=NOW)
    assert swallowed.take() == []
    shown = assert_slack_message(answered.message)
    assert_no_live_pings(shown)
    if not readable:
        assert answered.outcome == "botpress_error", answered
        assert answered.message.text == f"{BotpressResponseError.user_message}"
    else:
        assert answered.outcome == "ok", answered
        assert "Property Bot" in answered.message.text
        for day, metrics in botpress.store.days.load(bot_id, WINDOW_FIRST, LAST).items():
            assert_sane(day, metrics)


def test_known_bad_answers_are_refused_with_the_friendly_sentence(botpress: Botpress) -> None:
    """Negative cost, NaN latency, negative or huge counts, an epoch date and HTML are refused."""
    record = {
        "startDateTimeUtc": "2026-05-10T00:00:00.000Z",
        "endDateTimeUtc": "2026-05-10T23:59:59.999Z",
        "returningUsers": 1, "newUsers": 1, "sessions": 2, "messages": 3, "userMessages": 2,
        "botMessages": 1, "events": 0, "eventTypes": {}, "customEvents": {},
        "llm": {
            "calls": 3, "errors": 0, "inputTokens": 10, "outputTokens": 10,
            "latency": {"mean": 1, "sd": 0, "min": 1, "max": 1},
            "tokensPerSecond": {"mean": 1, "sd": 0, "min": 1, "max": 1},
            "cost": {"sum": 1, "mean": 1, "sd": 0, "min": 1, "max": 1},
        },
    }  # fmt: skip
    good = json.dumps({"records": [record]})
    bad = {
        "records[0].llm.cost.sum": good.replace('"sum": 1', '"sum": -1'),
        "records[0].llm.latency.mean": good.replace('"mean": 1', '"mean": NaN', 1),
        "records[0].llm.latency.sd": good.replace('"sd": 0', '"sd": -0.5', 1),
        "records[0].sessions": good.replace('"sessions": 2', '"sessions": -2'),
        "records[0].llm.calls": good.replace('"calls": 3', f'"calls": {10**30}'),
        "records[0].startDateTimeUtc": good.replace('"2026-05-10T00:00:00.000Z"', "1778371200"),
        "": "<html><title>502</title></html>",
    }
    one_day = date(2026, 5, 10)
    botpress.next(Answer(good.encode(), "good", False))
    assert len(fetch_days(botpress.client, botpress.stage.bot_id, one_day, one_day)) == 1
    for field, body in bad.items():
        bot_id = botpress.next(Answer(body.encode(), field, True))
        with pytest.raises(BotpressResponseError) as caught:
            fetch_days(botpress.client, bot_id, one_day, one_day)
        assert caught.value.field == field
        assert caught.value.user_message == (
            "Botpress sent analytics botstats could not read. Try again later; "
            "the details are in botstats' log."
        )
