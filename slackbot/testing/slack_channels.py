"""The workspace behind ``testing.FakeSlack``: channels, scopes, messages and files.

It judges a Web API call the way Slack does and keeps what the calls did (messages posted
and edited, files uploaded and shared). Not thread-safe alone: FakeSlack holds its lock.

- A method whose scope (``METHOD_SCOPES``) the token lacks answers ``missing_scope``.
- A channel never declared accepts everything; a removed one answers
  ``channel_not_found`` to every call naming it.
- In a declared channel, chat.postMessage answers ``is_archived`` when archived and
  ``not_in_channel`` when the bot is not a member, unless the channel is public and
  ``chat:write.public`` is granted; files.completeUploadExternal needs membership whatever
  the scopes; chat.update answers ``message_not_found`` for a ts never posted there;
  conversations.join answers ``method_not_supported_for_channel_type`` for a private
  channel, ``is_archived`` for an archived one, and otherwise makes the bot a member.
- users.conversations lists the declared channels whose ``users`` include ``user``, a
  page of ``limit`` at a time (``next_cursor``), and needs ``channels:read`` for public
  and ``groups:read`` for private channels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

JsonDict = dict[str, Any]

#: The bot scopes of botstats' manifest.
DEFAULT_SCOPES = frozenset(
    {"commands", "chat:write", "chat:write.public", "files:write", "channels:join"}
    | {"channels:read", "groups:read"}  # users.conversations: the Home tab's "your channels"
)
#: The scope users.conversations needs per type listed (``im``: ``im:read``, and so on).
TYPE_SCOPES = {"public_channel": "channels:read", "private_channel": "groups:read"}

PERMALINK_BASE = "https://botstats-test.slack.com/archives"
AUTH_TEST: JsonDict = {
    "ok": True,
    "url": "https://botstats-test.slack.com/",
    "team": "botstats test",
    "user": "botstats",
    "team_id": "T0TEST",
    "user_id": "U0BOTSTATS",
    "bot_id": "B0BOTSTATS",
    "is_enterprise_install": False,
}

#: The scope each modelled method needs; Slack answers ``missing_scope`` without it.
METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "conversations.join": "channels:join",
}


@dataclass
class Channel:
    """One declared channel and the bot's standing in it."""

    id: str
    name: str
    member: bool = True
    private: bool = False
    archived: bool = False
    users: set[str] = field(default_factory=set)  # the people in it (users.conversations)


@dataclass(frozen=True)
class SlackMessage:
    """A message chat.postMessage posted: its ts and the call's body, as chat.update left it."""

    channel: str
    ts: str
    body: JsonDict = field(default_factory=dict)
    edits: int = 0

    @property
    def text(self) -> str:
        """The message's ``text``."""
        return str(self.body.get("text", ""))

    @property
    def blocks(self) -> list[JsonDict]:
        """The message's blocks (decoded when a form body carried them as JSON)."""
        return json_list(self.body.get("blocks"))

    @property
    def thread_ts(self) -> str | None:
        """The ts of the message it replies to, or None for a top-level message."""
        value = self.body.get("thread_ts")
        return str(value) if value else None


@dataclass(frozen=True)
class UploadedFile:
    """A file: its bytes as POSTed to its upload URL, and where completeUploadExternal shared it."""

    id: str
    filename: str = ""
    alt_text: str = ""
    data: bytes = b""
    title: str = ""
    channel: str | None = None
    thread_ts: str | None = None
    completed: bool = False


def error(code: str, **extra: Any) -> JsonDict:
    """Slack's answer for a refused call."""
    return {"ok": False, "error": code, **extra}


def channels_named(body: JsonDict) -> list[str]:
    """The channel ids a call names: ``channel``, ``channel_id``, comma-separated ``channels``."""
    found = [str(body[key]) for key in ("channel", "channel_id") if body.get(key)]
    listed = body.get("channels")
    if isinstance(listed, str):
        found.extend(c for c in listed.split(",") if c)
    elif isinstance(listed, list):
        found.extend(str(c) for c in listed)
    return found


def json_list(value: Any) -> list[Any]:
    """A list sent as JSON (``blocks``, ``files``) in a JSON or form body."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value else []
        except json.JSONDecodeError:
            return []
    return list(value) if isinstance(value, list) else []


class Workspace:
    """Channels, scopes, messages and files of the fake workspace."""

    def __init__(self) -> None:
        self.scopes: set[str] = set(DEFAULT_SCOPES)
        self.channels: dict[str, Channel] = {}
        self.removed: set[str] = set()
        self.messages: list[SlackMessage] = []
        self.files: dict[str, UploadedFile] = {}

    def add_channel(self, channel: Channel) -> None:
        """Declare (or redeclare) a channel."""
        self.channels[channel.id] = channel
        self.removed.discard(channel.id)

    def remove_channel(self, channel_id: str) -> None:
        """Forget a channel: every call naming it answers ``channel_not_found``."""
        self.channels.pop(channel_id, None)
        self.removed.add(channel_id)

    # --- answering ----------------------------------------------------------------------
    def answer(self, method: str, body: JsonDict, ts: str, *, upload_base: str) -> JsonDict:
        """Slack's answer to one call (``ts`` names what it creates), after taking effect."""
        refused = self.refusal(method, body)
        if refused is not None:
            return refused
        channel = str(body.get("channel") or body.get("channel_id") or "C0FAKE")
        if method == "auth.test":
            return dict(AUTH_TEST)
        if method == "chat.postMessage":
            self.post(channel, ts, body)
        if method == "chat.update":
            self.update(channel, body)
        if method in ("chat.postMessage", "chat.update"):
            message = {"text": body.get("text", ""), "ts": ts, "type": "message"}
            return {"ok": True, "channel": channel, "ts": body.get("ts", ts), "message": message}
        if method == "chat.getPermalink":
            stamp = str(body.get("message_ts", "")).replace(".", "")
            return {
                "ok": True,
                "channel": channel,
                "permalink": f"{PERMALINK_BASE}/{channel}/p{stamp}",
            }
        if method == "files.getUploadURLExternal":
            file_id = f"F{ts.replace('.', '')[-10:]}"
            self.start_upload(file_id, body)
            return {"ok": True, "upload_url": f"{upload_base}/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": self.complete(body)}
        if method == "conversations.join":
            return self.join(channel)
        if method == "users.conversations":
            return self.user_conversations(body)
        return {"ok": True}

    def refusal(self, method: str, body: JsonDict) -> JsonDict | None:
        """Slack's error answer to this call, or None when Slack would accept it."""
        needed = METHOD_SCOPES.get(method)
        if method == "users.conversations":
            types = str(body.get("types") or "public_channel").split(",")
            lacking = sorted({TYPE_SCOPES.get(t, f"{t}:read") for t in types} - self.scopes)
            needed = ",".join(lacking) or None
        if needed and needed not in self.scopes:
            return error("missing_scope", needed=needed, provided=",".join(sorted(self.scopes)))
        for channel_id in channels_named(body):
            if channel_id in self.removed:
                return error("channel_not_found")
            channel = self.channels.get(channel_id)
            code = self._judge(method, channel, body) if channel else None
            if code:
                return error(code)
        return None

    def _judge(self, method: str, channel: Channel, body: JsonDict) -> str | None:
        if method == "conversations.join":
            if channel.private:
                return "method_not_supported_for_channel_type"
            return "is_archived" if channel.archived else None
        if method not in ("chat.postMessage", "chat.update", "files.completeUploadExternal"):
            return None
        if channel.archived:
            return "is_archived"
        if method == "chat.update":
            found = self._find(channel.id, str(body.get("ts"))) is not None
            return None if found else "message_not_found"
        if channel.member:
            return None
        # chat:write.public lets a bot post in public channels, never upload to them.
        public_ok = "chat:write.public" in self.scopes and not channel.private
        return None if method == "chat.postMessage" and public_ok else "not_in_channel"

    def _find(self, channel: str, ts: str) -> int | None:
        for index, message in enumerate(self.messages):
            if message.channel == channel and message.ts == ts:
                return index
        return None

    # --- effects of accepted calls ----------------------------------------------------
    def post(self, channel: str, ts: str, body: JsonDict) -> None:
        """Record a message chat.postMessage posted."""
        self.messages.append(SlackMessage(channel, ts, dict(body)))

    def update(self, channel: str, body: JsonDict) -> None:
        """Apply chat.update to the recorded message (if botstats posted it here)."""
        index = self._find(channel, str(body.get("ts")))
        if index is not None:
            old = self.messages[index]
            edited: JsonDict = dict(old.body)
            edited.update((k, body[k]) for k in ("text", "blocks") if k in body)
            self.messages[index] = replace(old, body=edited, edits=old.edits + 1)

    def join(self, channel_id: str) -> JsonDict:
        """Make the bot a member; conversations.join's answer (with Slack's warning if it was)."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return {"ok": True, "channel": {"id": channel_id}}
        answer: JsonDict = {"ok": True, "channel": {"id": channel.id, "name": channel.name}}
        if channel.member:
            answer["warning"] = "already_in_channel"
        channel.member = True
        answer["channel"]["is_member"] = True
        return answer

    def user_conversations(self, body: JsonDict) -> JsonDict:
        """users.conversations: the declared channels ``user`` is in, a page at a time."""
        user = str(body.get("user") or "")
        types = set(str(body.get("types") or "public_channel").split(","))
        archived_too = str(body.get("exclude_archived", "0")).lower() not in {"1", "true"}
        found = [
            c
            for c in self.channels.values()
            if user in c.users
            and ("private_channel" if c.private else "public_channel") in types
            and (archived_too or not c.archived)
        ]
        start = int(str(body.get("cursor") or "0").removeprefix("page:") or 0)
        limit = max(1, min(int(body.get("limit") or 100), 1000))
        page = [{"id": c.id, "name": c.name, "is_private": c.private} for c in found]
        more = f"page:{start + limit}" if start + limit < len(found) else ""
        return {
            "ok": True,
            "channels": page[start : start + limit],
            "response_metadata": {"next_cursor": more},
        }

    def start_upload(self, file_id: str, body: JsonDict) -> None:
        """Record files.getUploadURLExternal: the file's name and alt text."""
        self.files[file_id] = UploadedFile(
            file_id, str(body.get("filename", "")), str(body.get("alt_txt", ""))
        )

    def receive(self, file_id: str, data: bytes) -> bool:
        """Record the bytes POSTed to a file's upload URL; False for an unknown file."""
        known = self.files.get(file_id)
        if known is not None:
            self.files[file_id] = replace(known, data=data)
        return known is not None

    def complete(self, body: JsonDict) -> list[JsonDict]:
        """Record files.completeUploadExternal; the ``files`` it answers."""
        channels = channels_named(body)
        thread_ts = body.get("thread_ts")
        answered = []
        for item in json_list(body.get("files")):
            file_id = str(item.get("id"))
            known = self.files.get(file_id) or UploadedFile(file_id)
            self.files[file_id] = replace(
                known,
                title=str(item.get("title") or known.filename),
                channel=channels[0] if channels else None,
                thread_ts=str(thread_ts) if thread_ts else None,
                completed=True,
            )
            answered.append({"id": file_id, "title": item.get("title")})
        return answered
