"""manifest.yml and manifest.socket.yml: Slack's limits, one app in two modes, and agreement
with the listeners, events and Web API calls in the code (no scope that no feature needs)."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_bolt import App
from slack_harness import BOT_TOKEN, ENV, SECRET
from slack_sdk import WebClient

from slackbot.botpress.client import BotpressClient
from slackbot.config import load_settings
from slackbot.service import Service
from slackbot.slack.app import build_app
from slackbot.store import Store
from slackbot.testing.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "slackbot"
#: The app's two manifests: HTTP mode (request URLs) and Socket Mode (none).
MANIFESTS = {"http": ROOT / "manifest.yml", "socket": ROOT / "manifest.socket.yml"}
EVENTS_PATH = "/slack/events"
URL_KEYS = frozenset({"url", "request_url", "message_menu_options_url"})

#: The bot scopes botstats asks for, and the feature that needs each. Nothing else: every
#: extra scope is one more thing a workspace admin has to approve.
REQUIRED_SCOPES = {
    "commands": "the /botstats slash command",
    "chat:write": "digests, alerts, alert updates, thread replies, DM and mention answers",
    "chat:write.public": "digests and alerts in public channels the bot was never invited to",
    "files:write": "chart PNGs uploaded with files_upload_v2 (files.getUploadURLExternal)",
    "channels:join": "joining a public channel first: a file upload needs the bot in it",
    "channels:read": "the Home tab: the user's public channels (users.conversations)",
    "groups:read": "the Home tab: the user's private channels (users.conversations)",
    "im:history": "a DM to the app, answered with the /botstats grammar (message.im)",
    "app_mentions:read": "@botstats BOT 7d in a channel, answered in its thread (app_mention)",
}

#: Scopes no single Web API method or event implies, and what in the code needs each.
FEATURE_SCOPES = {
    "commands": "a slash command listener",
    "chat:write.public": "chat_postMessage to channels the bot may not be in",
}

#: The message.* events the DM listener answers; any other would need a scope for nothing.
MESSAGE_EVENTS = frozenset({"message.im"})

#: Scope each event type needs (None: no scope). An event missing here fails the test.
EVENT_SCOPES: dict[str, str | None] = {
    "app_home_opened": None,
    "app_mention": "app_mentions:read",
    "app_uninstalled": None,
    "tokens_revoked": None,
    "member_joined_channel": "channels:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
}

#: Bot scopes each Web API method used by the code needs (None: no scope; a tuple: all of
#: them, for the conversation types botstats asks for). A WebClient method missing here
#: fails the test until it is added with its scope.
METHOD_SCOPES: dict[str, str | tuple[str, ...] | None] = {
    "auth_test": None,
    "api_test": None,
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "chat_delete": "chat:write",
    "chat_getPermalink": None,
    "chat_scheduleMessage": "chat:write",
    "files_upload_v2": "files:write",
    "files_getUploadURLExternal": "files:write",
    "files_completeUploadExternal": "files:write",
    "conversations_join": "channels:join",
    "conversations_info": "channels:read",
    "conversations_list": "channels:read",
    "conversations_members": "channels:read",
    # types=public_channel,private_channel (slack/home.py)
    "users_conversations": ("channels:read", "groups:read"),
    "users_info": "users:read",
    "users_list": "users:read",
    "reactions_add": "reactions:write",
    "reactions_remove": "reactions:write",
    "team_info": "team:read",
    "views_publish": None,
    "views_open": None,
    "views_update": None,
    "views_push": None,
}

#: Slack Web API methods, as slack_sdk's WebClient names them (chat_postMessage, ...).
WEB_API_METHODS = frozenset(
    name
    for name in dir(WebClient)
    if "_" in name
    and not name.startswith("_")
    and name != "api_call"  # a generic caller; its method string is read below
    and name.split("_")[0]
    in {
        "admin", "api", "apps", "assistant", "auth", "bookmarks", "bots", "calls", "canvases",
        "chat", "conversations", "dialog", "dnd", "emoji", "files", "functions", "migration",
        "oauth", "openid", "pins", "reactions", "reminders", "rtm", "search", "stars", "team",
        "usergroups", "users", "views", "workflows",
    }
)  # fmt: skip

#: Bolt registration methods that need something in the manifest.
LISTENER_KINDS = {"command", "event", "message", "shortcut", "options", "action", "view"}


@dataclass(frozen=True)
class Listener:
    """One Bolt listener registration found in the source: ``app.command("/botstats")``."""

    kind: str
    key: str | None  # the command, event type, callback_id; None when not a plain string
    where: str


@functools.cache
def load(mode: str) -> dict[str, Any]:
    """One manifest (``http`` or ``socket``), parsed the safe way."""
    data = yaml.safe_load(MANIFESTS[mode].read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module", params=sorted(MANIFESTS))
def manifest(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each manifest in turn: every check below holds for both modes."""
    return load(str(request.param))


def method_scopes(method: str) -> set[str]:
    """The bot scopes one Web API method needs (empty for none)."""
    needed = METHOD_SCOPES[method]
    if needed is None:
        return set()
    return {needed} if isinstance(needed, str) else set(needed)


def request_urls(node: object) -> list[str]:
    """Every request URL in a manifest (slash commands, events, interactivity, menus)."""
    if isinstance(node, dict):
        own = [str(v) for k, v in node.items() if k in URL_KEYS]
        return own + [url for k, v in node.items() if k not in URL_KEYS for url in request_urls(v)]
    if isinstance(node, list):
        return [url for item in node for url in request_urls(item)]
    return []


def without_mode(node: object) -> object:
    """A manifest without what differs between the modes: URLs and socket_mode_enabled."""
    if isinstance(node, dict):
        drop = URL_KEYS | {"socket_mode_enabled"}
        return {k: without_mode(v) for k, v in node.items() if k not in drop}
    if isinstance(node, list):
        return [without_mode(item) for item in node]
    return node


@functools.cache
def modules() -> tuple[tuple[Path, ast.Module], ...]:
    """Every module of the package, parsed (once per test run)."""
    paths = sorted(PACKAGE.rglob("*.py"))
    return tuple((path, ast.parse(path.read_text(), filename=str(path))) for path in paths)


def string_constants() -> dict[str, str]:
    """Module-level ``NAME = "text"`` constants, so ``app.command(COMMAND)`` resolves."""
    found: dict[str, str] = {}
    for _path, tree in modules():
        for node in tree.body:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = value.value
    return found


def receiver_name(node: ast.expr) -> str:
    """The last name of a call's receiver: ``app`` for ``app.x``, ``app`` for ``self.app.x``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def listener_key(call: ast.Call, kind: str, constants: dict[str, str]) -> str | None:
    """The string a registration matches on, resolved through module constants."""
    arg: ast.expr | None = call.args[0] if call.args else None
    if arg is None:
        names = {"command": "command", "event": "event", "shortcut": "callback_id"}
        arg = next((k.value for k in call.keywords if k.arg == names.get(kind)), None)
    if isinstance(arg, ast.Dict):  # app.event({"type": "message", "subtype": ...})
        keys = [k.value if isinstance(k, ast.Constant) else None for k in arg.keys]
        wanted = "type" if kind == "event" else "callback_id"
        arg = arg.values[keys.index(wanted)] if wanted in keys else None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.Name):
        return constants.get(arg.id)
    return None


@functools.cache
def registered_listeners() -> tuple[Listener, ...]:
    """Every ``<...app>.command/event/message/...(...)`` registration in the package."""
    constants = string_constants()
    found: list[Listener] = []
    for path, tree in modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            kind = node.func.attr
            if kind not in LISTENER_KINDS or not receiver_name(node.func.value).endswith("app"):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            found.append(Listener(kind, listener_key(node, kind, constants), where))
    return tuple(found)


def web_api_calls() -> dict[str, str]:
    """Slack Web API methods the package calls (``client.chat_postMessage``), with a location."""
    found: dict[str, str] = {}
    for path, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in WEB_API_METHODS:
                found.setdefault(node.attr, f"{path.relative_to(ROOT)}:{node.lineno}")
            # client.api_call("chat.postMessage", ...) names the method as a string.
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "api_call"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                method = node.args[0].value.replace(".", "_")
                found.setdefault(method, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def manifest_scopes(manifest: dict[str, Any]) -> set[str]:
    """The bot scopes the manifest asks for."""
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes)), "a scope is listed twice"
    return set(scopes)


def bot_events(manifest: dict[str, Any]) -> set[str]:
    """The event types the manifest subscribes the bot to."""
    subscriptions = manifest["settings"].get("event_subscriptions") or {}
    return set(subscriptions.get("bot_events") or [])


def code_event_types() -> set[str]:
    """The event types the code listens to (``app.message`` means message events)."""
    types = {ls.key for ls in registered_listeners() if ls.kind == "event" and ls.key}
    if any(ls.kind == "message" for ls in registered_listeners()):
        types.add("message")
    return types


def test_display_information_within_slack_limits(manifest: dict[str, Any]) -> None:
    """Name at most 35 characters, description at most 140, a long description and a colour."""
    info = manifest["display_information"]
    assert info["name"].lower() == "botstats"
    assert len(info["name"]) <= 35
    assert 0 < len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert info["background_color"].startswith("#")
    assert len(info["background_color"]) in {4, 7}


def test_bot_user_is_always_online(manifest: dict[str, Any]) -> None:
    """The bot user has a display name and shows as online."""
    bot_user = manifest["features"]["bot_user"]
    assert bot_user["display_name"]
    assert bot_user["always_online"] is True


def test_slash_command(manifest: dict[str, Any]) -> None:
    """/botstats escapes #channel and @user and has a usage hint and a description."""
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/botstats"]
    command = commands[0]
    assert command["should_escape"] is True
    assert command["usage_hint"]
    assert "PERIOD" in command["usage_hint"]
    assert "public" in command["usage_hint"]
    assert 0 < len(command["description"]) <= 100


def needed_scopes(manifest: dict[str, Any]) -> dict[str, str]:
    """Each scope something in the code needs, with what: a method, an event or a feature."""
    needed: dict[str, str] = {}
    for method, where in web_api_calls().items():
        for scope in method_scopes(method) if method in METHOD_SCOPES else set():
            needed.setdefault(scope, f"{where} ({method})")
    for event in bot_events(manifest):
        if scope := EVENT_SCOPES.get(event):
            needed.setdefault(scope, f"the {event} event")
    if any(ls.kind == "command" for ls in registered_listeners()):
        needed.setdefault("commands", FEATURE_SCOPES["commands"])
    if "chat_postMessage" in web_api_calls():
        needed.setdefault("chat:write.public", FEATURE_SCOPES["chat:write.public"])
    return needed


def test_scopes_are_exactly_the_needed_ones(manifest: dict[str, Any]) -> None:
    """The bot scopes are what the code's methods, events and features need; no more."""
    needed = needed_scopes(manifest)
    extra = manifest_scopes(manifest) - set(needed)
    assert not extra, f"no feature needs {sorted(extra)}: drop them from the manifest"
    missing = set(needed) - manifest_scopes(manifest)
    assert not missing, f"the manifest lacks {sorted(missing)}: {needed}"


def test_every_scope_has_its_reason(manifest: dict[str, Any]) -> None:
    """Each scope the manifest asks for is written down here with the feature that needs it."""
    assert manifest_scopes(manifest) == set(REQUIRED_SCOPES)


def test_every_web_api_call_has_its_scope(manifest: dict[str, Any]) -> None:
    """Each Slack Web API method the code calls is known here and its scopes are asked for."""
    scopes = manifest_scopes(manifest)
    for method, where in web_api_calls().items():
        assert method in METHOD_SCOPES, (
            f"{where} calls {method}: add it to METHOD_SCOPES with its bot scope "
            "(https://api.slack.com/methods) and the scope to both manifests"
        )
        lacking = method_scopes(method) - scopes
        assert not lacking, f"{where} calls {method}, which needs {sorted(lacking)}"


def test_message_events_are_the_dm_ones(manifest: dict[str, Any]) -> None:
    """The code's message listener answers DMs only, so message.im is the one message event."""
    subscribed = {e for e in bot_events(manifest) if e.startswith("message.")}
    listens = "message" in code_event_types()
    assert subscribed == (MESSAGE_EVENTS if listens else set())


def test_settings(manifest: dict[str, Any]) -> None:
    """Interactivity on (alert buttons), no org deploy, no token rotation."""
    settings = manifest["settings"]
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    assert settings["interactivity"]["is_enabled"] is True


def test_the_two_manifests_are_one_app() -> None:
    """Same scopes, events, commands and texts in both; only the URLs and the mode differ."""
    http, socket = load("http"), load("socket")
    assert http["settings"]["socket_mode_enabled"] is False
    assert socket["settings"]["socket_mode_enabled"] is True
    assert manifest_scopes(http) == manifest_scopes(socket)
    assert bot_events(http) == bot_events(socket)
    assert without_mode(http) == without_mode(socket)


def test_http_manifest_has_every_request_url() -> None:
    """HTTP mode: the command, the events and interactivity all go to https://HOST/slack/events."""
    http = load("http")
    assert http["features"]["slash_commands"][0]["url"]
    assert http["settings"]["event_subscriptions"]["request_url"]
    assert http["settings"]["interactivity"]["request_url"]
    urls = request_urls(http)
    assert len(urls) == 3
    for url in urls:
        assert url.startswith("https://YOUR-HOST/"), url
        assert url.endswith(EVENTS_PATH), url


def test_http_manifest_says_when_to_verify_the_url() -> None:
    """Its comments give the order: create the app, start serve with the secret, then Retry."""
    text = MANIFESTS["http"].read_text()
    steps = ["Create New App", "SLACK_SIGNING_SECRET", "start `botstats serve`", "Retry"]
    positions = [text.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "manifest.socket.yml" in text


def test_socket_manifest_has_no_url_and_says_which_token() -> None:
    """Socket Mode: no request URL anywhere, and the app-level token with connections:write."""
    socket = load("socket")
    assert request_urls(socket) == []
    text = MANIFESTS["socket"].read_text()
    assert "connections:write" in text
    assert "SLACK_APP_TOKEN" in text


def test_listener_scan_finds_the_slash_command() -> None:
    """The source scan sees the /botstats registration, so the checks below are not vacuous."""
    listeners = registered_listeners()
    unresolved = [ls.where for ls in listeners if ls.key is None and ls.kind != "action"]
    assert not unresolved, f"listener keys this test cannot read (use a string): {unresolved}"
    assert "/botstats" in {ls.key for ls in listeners if ls.kind == "command"}


def test_every_registered_command_is_in_the_manifest(manifest: dict[str, Any]) -> None:
    """A command the code listens to but Slack does not send would never run."""
    in_manifest = {c["command"] for c in manifest["features"]["slash_commands"]}
    for listener in registered_listeners():
        if listener.kind == "command":
            assert listener.key in in_manifest, f"{listener.where}: {listener.key} not in manifest"


def test_every_manifest_command_has_a_listener(manifest: dict[str, Any]) -> None:
    """A command in the manifest without a listener would fail for users with no answer."""
    registered = {ls.key for ls in registered_listeners() if ls.kind == "command"}
    for command in manifest["features"]["slash_commands"]:
        assert command["command"] in registered


def test_every_listened_event_is_subscribed(manifest: dict[str, Any]) -> None:
    """Each event type the code listens to is in bot_events and known to need its scope."""
    subscribed = bot_events(manifest)
    for event in code_event_types():
        if event == "message":
            assert any(e.startswith("message.") for e in subscribed), "app.message needs message.*"
            continue
        assert event in EVENT_SCOPES, f"add {event} and its scope to EVENT_SCOPES"
        assert event in subscribed, f"the code listens to {event}; add it to bot_events"


def test_every_subscribed_event_has_a_listener(manifest: dict[str, Any]) -> None:
    """Slack would send events nobody handles: Bolt answers them with 404 and logs warnings."""
    listened = code_event_types()
    for event in bot_events(manifest):
        assert event in listened or event.split(".")[0] in listened, f"nobody listens to {event}"


def test_shortcuts_and_interactivity_match_the_code(manifest: dict[str, Any]) -> None:
    """Shortcut callback ids are declared; buttons and views need interactivity on."""
    listeners = registered_listeners()
    declared = {s["callback_id"] for s in manifest["features"].get("shortcuts") or []}
    shortcuts = {ls.key for ls in listeners if ls.kind == "shortcut"}
    assert shortcuts == declared
    if any(ls.kind in {"action", "view", "shortcut", "options"} for ls in listeners):
        assert manifest["settings"]["interactivity"]["is_enabled"] is True
    if any(ls.kind == "options" for ls in listeners):
        assert manifest["settings"]["interactivity"].get("message_menu_options_url")


def test_home_tab_matches_the_code(manifest: dict[str, Any]) -> None:
    """The Home tab is on exactly when the app publishes a Home view on app_home_opened."""
    home = manifest["features"]["app_home"]
    publishes_home = "app_home_opened" in code_event_types()
    assert home["home_tab_enabled"] is publishes_home


def test_messages_tab_matches_the_code(manifest: dict[str, Any]) -> None:
    """People can write in the Messages tab exactly when DMs are subscribed and answered."""
    home = manifest["features"]["app_home"]
    answers_dms = "message.im" in bot_events(manifest) and "message" in code_event_types()
    assert home["messages_tab_enabled"] is answers_dms
    assert home.get("messages_tab_read_only_enabled", False) is False


@pytest.fixture(scope="module")
def bolt_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The real Bolt app, built by ``build_app`` as the Slack tests build it (fake Slack API)."""
    db = tmp_path_factory.mktemp("manifest") / "botstats.db"
    with pytest.MonkeyPatch.context() as monkeypatch, FakeSlack() as slack:
        for name in ENV:
            monkeypatch.delenv(name, raising=False)
        settings = load_settings(
            env_file=None,
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
            botpress_token="unused",
            botpress_workspace_id="unused",
            botstats_db=db,
        )
        store = Store(db)
        # Never called: building the app talks to Slack (auth.test) only.
        client = BotpressClient(
            token="unused", workspace_id="unused", base_url="http://127.0.0.1:9"
        )
        pool = ThreadPoolExecutor(1)
        try:
            yield build_app(
                settings,
                Service(store=store, client=client),
                client=WebClient(token=BOT_TOKEN, base_url=slack.api_url),
                executor=pool,
            )
        finally:
            pool.shutdown(wait=True)
            client.close()
            store.close()


def bolt_matches(app: App) -> set[tuple[str, str]]:
    """(kind, key) of every built-in matcher of the app's listeners, read from Bolt itself.

    Bolt keeps the string a listener matches in the closure of its matcher function
    (``command.<locals>.func`` holds ``command``): private, but pinned by uv.lock.
    """
    found: set[tuple[str, str]] = set()
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            if func is None or func.__closure__ is None:
                continue
            kind = func.__qualname__.split(".")[0]
            cells = dict(
                zip(
                    func.__code__.co_freevars,
                    (c.cell_contents for c in func.__closure__),
                    strict=True,
                )
            )
            if kind == "command":
                found.add(("command", cells["command"]))
            elif kind == "event":
                spec = cells.get("event_type", cells.get("constraints"))
                event_type = spec.get("type") if isinstance(spec, dict) else spec
                found.add(("event", str(event_type)))
            elif kind == "message_event":
                found.add(("event", "message"))
            else:
                found.add((kind, str(cells.get("callback_id") or cells.get("constraints"))))
    return found


def test_bolt_app_commands_are_the_manifest_commands(
    bolt_app: App, manifest: dict[str, Any]
) -> None:
    """The commands the built app answers are exactly the manifest's slash commands."""
    registered = {key for kind, key in bolt_matches(bolt_app) if kind == "command"}
    assert registered == {c["command"] for c in manifest["features"]["slash_commands"]}


def test_bolt_app_events_are_the_manifest_bot_events(
    bolt_app: App, manifest: dict[str, Any]
) -> None:
    """The events the built app listens to are exactly the manifest's bot events."""
    listened = {key for kind, key in bolt_matches(bolt_app) if kind == "event"}
    subscribed = {e.split(".")[0] for e in bot_events(manifest)}
    assert listened == subscribed
    # The source scan the other checks rely on sees the same events.
    assert listened == code_event_types()
