"""The demo's messages, kept as they are shown, and ``--html PATH``: the page of them all.

The page is written whole or not at all: into a temporary file beside PATH, then renamed
over it, so a reader never opens half a page and a failed run leaves no stray file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from slackbot.console.html import Card, page_html
from slackbot.console.render import render_message
from slackbot.core.blocks.kit import Message, block_kit_builder_url
from slackbot.errors import UsageError

DEMO_USAGE = "botstats demo [--seed N] [--db PATH] [--html PATH]"
_PREFIX = ".botstats-page-"


@dataclass
class Showcase:
    """Every message the demo showed, in order, and the files its image blocks point to."""

    cards: list[Card] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    def add(
        self,
        key: str,
        title: str,
        message: Message,
        *,
        builder_url: str | None = None,
        in_thread: bool = False,
    ) -> None:
        """Keep one message under a key unique on the page (a repeat gets ``-2``, ``-3``)."""
        taken = {card.key for card in self.cards}
        unique, n = key, 1
        while unique in taken:
            n += 1
            unique = f"{key}-{n}"
        self.cards.append(Card(unique, title, message, builder_url, in_thread))

    def page(self, *, title: str, intro: str) -> str:
        """The self-contained HTML page of every message kept."""
        return page_html(self.cards, title=title, intro=intro, files=self.files)


@dataclass
class Screen:
    """The terminal, and the showcase every message shown there is also kept in."""

    console: Console
    shown: Showcase = field(default_factory=Showcase)

    def show(self, key: str, title: str, message: Message, *, in_thread: bool = False) -> None:
        """Render ``message`` under ``title``, print its Block Kit Builder link, and keep it."""
        render_message(self.console, message, title=escape(title))
        linked = builder_message(message)
        if linked is not message:
            self.console.print(
                "[dim]Block Kit Builder gets it without the chart: Builder cannot show a file "
                "uploaded to Slack.[/dim]",
                highlight=False,
                soft_wrap=True,
            )
        url = block_kit_builder_url(linked)
        self.console.print(
            f"[dim]Open in Block Kit Builder:[/dim] {url}", soft_wrap=True, highlight=False
        )
        self.shown.add(key, title, message, builder_url=url, in_thread=in_thread)


def builder_message(message: Message) -> Message:
    """``message`` without its images of uploaded files, which only Slack itself can show."""
    kept = [b for b in message.blocks if not (b.get("type") == "image" and "slack_file" in b)]
    return message if len(kept) == len(message.blocks) else Message(message.text, kept)


def check_page_path(text: str) -> Path:
    """``--html PATH`` checked before the demo runs: a file it can write in an existing folder."""
    path = Path(text).expanduser()
    folder = path.parent
    if path.is_dir():
        raise UsageError(
            f"--html {text} is a folder; name the page's file, such as {path / 'demo.html'}.",
            DEMO_USAGE,
        )
    if not folder.is_dir():
        raise UsageError(
            f"--html {text}: the folder {folder} does not exist; create it or name a file "
            "in an existing folder.",
            DEMO_USAGE,
        )
    try:  # the one sure test of writability (root ignores permission bits)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=_PREFIX):
            pass
    except OSError as exc:
        raise UsageError(
            f"--html {text}: cannot write in the folder {folder} ({exc.strerror}); "
            "name a file in a folder you can write to.",
            DEMO_USAGE,
        ) from exc
    return path


def check_db_path(text: str) -> Path:
    """``--db PATH`` checked before the demo runs: its folder must exist."""
    path = Path(text).expanduser()
    if not path.parent.is_dir():
        raise UsageError(
            f"--db {text}: the folder {path.parent} does not exist; create it or name a file "
            "in an existing folder.",
            DEMO_USAGE,
        )
    return path


def write_page(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file beside it, then a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_PREFIX, suffix=".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the page from a browser run by others
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise UsageError(
            f"--html {path}: the page could not be written ({exc.strerror}); nothing was "
            "left there. Name a file in a folder you can write to.",
            DEMO_USAGE,
        ) from exc
