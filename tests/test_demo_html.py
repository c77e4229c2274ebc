"""`botstats demo --html PATH`: Block Kit rendered to one static page, checked in Chromium."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from slack_harness import ENV

from slackbot.cli import main
from slackbot.console.html import Card, block_html, message_html, page_html
from slackbot.console.mrkdwn import mrkdwn_html
from slackbot.core.blocks.kit import Message

PNG = b"\x89PNG\r\n\x1a\n"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling Google, and the closed network refuses it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass
class Element:
    """One element of a parsed page: its tag, attributes and text (its children's too)."""

    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)


class Page(HTMLParser):
    """Every tag of a page, and each message card with its words and images."""

    VOID = frozenset({"br", "hr", "img", "meta", "link", "input"})
    BREAKS = frozenset({"div", "p", "br", "h2", "li", "hr", "pre", "blockquote"})

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: list[Element] = []
        self.cards: dict[str, Element] = {}
        self.messages: dict[str, Element] = {}  # each card's message as Slack lays it out
        self.headings: dict[str, Element] = {}
        self._open: list[Element] = []
        self._card = ""
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.tags.append(element)
        css = element.attrs.get("class", "").split()
        if "data-message" in element.attrs:
            self._card = element.attrs["data-message"]
            self.cards[self._card] = element
        if "msg" in css and self._card:
            self.messages[self._card] = element
        if tag == "h2" and self._card:
            self.headings[self._card] = element
        if tag in self.BREAKS or "button" in css:  # words of two blocks never run together
            self.handle_data(" ")
        if tag == "img":
            for parent in self._open:
                parent.images.append(element.attrs)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text.append(data)

    def words(self, key: str) -> str:
        """The words a person reads in one card's message, spaces collapsed."""
        return " ".join("".join(self.messages[key].text).split())

    def title(self, key: str) -> str:
        """A card's title."""
        return " ".join("".join(self.headings[key].text).split())


def section(text: str) -> dict[str, object]:
    """A mrkdwn section block."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# --- the renderer ------------------------------------------------------------------------


def test_user_text_never_becomes_a_tag() -> None:
    """A bot named `<script>` shows as text in headers, sections, fields and buttons."""
    evil = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    message = Message(
        f"Notify {evil}",
        [
            {"type": "header", "text": {"type": "plain_text", "text": evil}},
            section(f"*{evil}* and &lt;script&gt;alert(2)&lt;/script&gt;"),
            {"type": "section", "fields": [{"type": "mrkdwn", "text": evil}]},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": evil}, "value": "v"}
                ],
            },
        ],
    )
    markup = page_html([Card("evil", evil, message)], title=evil, intro=evil, files={})
    page = Page(markup)
    assert not [t for t in page.tags if t.tag in ("script", "img")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup  # the header, as typed
    assert "<script>alert(2)</script>" in page.words("evil")  # Slack's escapes, read back
    assert page.title("evil") == evil


def test_mrkdwn_formatting_reads_as_in_slack() -> None:
    """Bold, italics, strike and code show as Slack shows them; code is left literal."""
    out = mrkdwn_html("*Cost* _vs last week_ ~old~ `bot_a_b` `*not bold*`\nnext")
    assert "<b>Cost</b>" in out
    assert "<i>vs last week</i>" in out
    assert "<s>old</s>" in out
    assert "<code>bot_a_b</code>" in out
    assert "<code>*not bold*</code>" in out
    assert "<br>next" in out


def test_links_keep_only_safe_urls_and_their_labels() -> None:
    """An http link opens its URL with its label; a javascript: link is only its label."""
    out = mrkdwn_html(
        "*<https://app.botpress.cloud/w/b?x=1&amp;y=2|Billing Bot>* "
        "<javascript:alert(1)|click me> <https://example.com/a_b_c>"
    )
    assert '<b><a href="https://app.botpress.cloud/w/b?x=1&amp;y=2"' in out
    assert ">Billing Bot</a></b>" in out
    assert "javascript" not in out
    assert "click me" in out
    assert ">https://example.com/a_b_c</a>" in out  # its underscores are no italics


def test_mentions_and_dates_show_as_names() -> None:
    """Channel, user and group mentions read as Slack shows them; a date shows its fallback."""
    out = mrkdwn_html(
        "<#C0123ABC> <#C0999|sales> <@U0DEMO> <!here> <!date^1796196331^{time}|07:25>"
    )
    assert '<span class="mention channel">#C0123ABC</span>' in out
    assert ">#sales</span>" in out
    assert ">@U0DEMO</span>" in out
    assert ">@here</span>" in out
    assert "07:25" in out
    assert "date^" not in out


def test_fields_are_two_columns_of_cells() -> None:
    """A section's fields sit in one two-column grid, one cell each."""
    block = {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"*Metric {i}*\n{i}"} for i in range(4)],
    }
    out = block_html(block, {})
    assert out.count('<div class="fields">') == 1
    assert out.count("<div><b>Metric") == 4
    assert "grid-template-columns:1fr 1fr" in page_html([], title="t", intro="", files={})


def test_buttons_keep_their_style_and_link() -> None:
    """Primary and danger buttons are coloured; a URL button is a link, the others are not."""

    def button(text: str, **extra: str) -> dict[str, object]:
        return {"type": "button", "text": {"type": "plain_text", "text": text}, **extra}

    block = {
        "type": "actions",
        "elements": [
            button("Acknowledge", style="primary"),
            button("Mute", style="danger"),
            button("Open in Botpress", url="https://app.botpress.cloud/x"),
            button("Evil", url="javascript:alert(1)"),
        ],
    }
    out = block_html(block, {})
    assert '<span class="button primary" role="button">Acknowledge</span>' in out
    assert '<span class="button danger" role="button">Mute</span>' in out
    assert '<a class="button" href="https://app.botpress.cloud/x"' in out
    assert '<span class="button" role="button">Evil</span>' in out


def test_an_uploaded_chart_is_embedded_and_a_missing_one_is_named() -> None:
    """An image of an uploaded file is a data: URI; without its bytes, its alt text shows."""
    block = {
        "type": "image",
        "slack_file": {"id": "F1"},
        "alt_text": "Daily sessions",
        "title": {"type": "plain_text", "text": "Sessions by day"},
    }
    embedded = block_html(block, {"F1": PNG})
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in embedded
    assert "Sessions by day" in embedded
    assert "Image: Daily sessions" in block_html(block, {})


def test_a_message_without_blocks_shows_its_text_and_unknown_blocks_are_named() -> None:
    """The text fallback stands in for missing blocks; a block kind not drawn says so."""
    assert "<b>Hello</b>" in message_html(Message("*Hello*"), {})
    assert "[video block, not drawn here]" in block_html({"type": "video"}, {})


def test_the_page_is_self_contained() -> None:
    """The page loads nothing from outside: its policy allows only inline style and data images."""
    markup = page_html(
        [Card("digest-top", "Weekly digest", Message("t", [section("hi")]))],
        title="botstats demo",
        intro="",
        files={},
    )
    assert "default-src 'none'; img-src data:" in markup
    assert 'data-message="digest-top"' in markup
    assert "<h2>Weekly digest</h2>" in markup


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No botstats settings in the environment, and an empty working folder."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("missing/demo.html", "the folder missing does not exist; create it"),
        (".", "is a folder; name the page's file"),
        ("/sys/botstats-demo.html", "cannot write in the folder /sys"),  # not even root can
    ],
)
def test_a_bad_html_path_is_a_usage_error_and_writes_nothing(
    clean: Path, capsys: pytest.CaptureFixture[str], where: str, said: str
) -> None:
    """--html in a missing, unwritable folder or at a folder exits 2 before any work."""
    assert main(["demo", "--html", where]) == 2
    captured = capsys.readouterr()
    assert said in captured.err
    assert "Usage: botstats demo [--seed N] [--db PATH] [--html PATH]" in captured.err
    assert "Sync" not in captured.out
    assert not list(clean.iterdir())


def test_a_db_in_a_missing_folder_is_a_usage_error(
    clean: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--db in a folder that does not exist exits 2 before the simulator starts."""
    assert main(["demo", "--db", "nowhere/demo.db"]) == 2
    assert "--db nowhere/demo.db: the folder nowhere does not exist" in capsys.readouterr().err
    assert not list(clean.iterdir())


# --- end to end: the demo's page in headless Chromium -------------------------------------


@dataclass(frozen=True)
class DemoRun:
    """One run of `botstats demo --html`: its folder, page, exit code and terminal output."""

    folder: Path
    page: Path
    code: int
    out: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The demo run once, in an empty folder, writing its page there (shared by the module)."""
    folder = tmp_path_factory.mktemp("demo-html")
    page = folder / "demo.html"
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV:
            mp.delenv(name, raising=False)
        mp.setenv("COLUMNS", "200")
        mp.chdir(folder)
        with contextlib.redirect_stdout(out):
            code = main(["demo", "--html", str(page)])
    return DemoRun(folder, page, code, out.getvalue())


def chromium() -> str:
    """Debian's Chromium; missing fails the test in CI and skips it elsewhere."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )
    if found:
        return found
    why = "Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


def dump_dom(url: str, profile: Path, *extra: str) -> str:
    """The DOM of ``url`` after it loaded in headless Chromium, serialised."""
    result = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def dom(demo: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> Page:
    """The demo's page as headless Chromium loaded it."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    return Page(dump_dom(demo.page.as_uri(), profile))


def test_the_demo_writes_one_page_and_says_what_it_left(demo: DemoRun) -> None:
    """The demo succeeds, names its page, and leaves that page alone in its folder."""
    assert demo.code == 0
    assert f"Wrote {demo.page}: " in demo.out
    assert "the digest's chart embedded; open it in a browser." in demo.out
    assert f"Left behind: the page {demo.page}." in demo.out
    assert [p.name for p in demo.folder.iterdir()] == ["demo.html"]


def test_every_message_is_on_the_page_in_chromium(demo: DemoRun, dom: Page) -> None:
    """Each reply, the digest, the alerts and the resolve are cards with the words Slack shows."""
    expected = {
        "reply-all-7d": ("/botstats all 7d", "All bots · last 7 days", "LLM calls"),
        "reply-billing": ("/botstats billing", "Billing Bot · last 7 days", "Cost / call"),
        "reply-bots": ("/botstats bots", "Tracked bots (5)", "Support Assistant"),
        "digest-top": ("Weekly digest — top message", "Weekly digest · Mon", "LLM spend in"),
    }
    for key, (title, *words) in expected.items():
        assert dom.title(key) == title
        for said in words:
            assert said in dom.words(key), (key, said)
    alerts = [k for k in dom.cards if k.startswith("alert-")]
    assert len(alerts) >= 3
    cost = dom.words(next(k for k in alerts if "support-assistant" in k and "12-01" in k))
    assert "Cost per call" in cost
    assert "Acknowledge Snooze 1 day Snooze 7 days" in cost
    (resolved,) = [k for k in dom.cards if k.startswith("resolved-") and not k.endswith("reply")]
    assert "Resolved: Billing Bot" in dom.words(resolved)
    assert "Back to normal" in dom.words(resolved + "-reply")
    assert len(dom.cards) == demo.out.count("Open in Block Kit Builder: ")


def test_the_digest_card_holds_its_chart_as_a_png(dom: Page) -> None:
    """The digest's chart is an <img> whose data: URI decodes to a PNG, with its alt text."""
    (image,) = dom.cards["digest-top"].images
    assert image["alt"].startswith("Daily sessions and LLM cost")
    head, _, data = image["src"].partition(",")
    assert head == "data:image/png;base64"
    assert base64.b64decode(data).startswith(PNG)


def test_chromium_decodes_the_chart_to_a_real_size(
    demo: DemoRun, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Chromium draws the digest's chart: its natural size is more than zero pixels."""
    folder = tmp_path_factory.mktemp("probe")
    shutil.copy(demo.page, folder / "demo.html")
    # A probe page reads the sizes the browser decoded: the demo's own page runs no script.
    probe = folder / "probe.html"
    probe.write_text(
        '<!DOCTYPE html><iframe id="f" src="demo.html" onload="'
        "var d=this.contentDocument,o={};"
        "d.querySelectorAll('[data-message] img').forEach(function(i){"
        "o[i.closest('[data-message]').dataset.message]=[i.naturalWidth,i.naturalHeight]});"
        "document.getElementById('r').textContent=JSON.stringify(o)"
        '"></iframe><pre id="r">not loaded</pre>'
    )
    dumped = Page(dump_dom(probe.as_uri(), folder / "profile", "--allow-file-access-from-files"))
    (result,) = [t for t in dumped.tags if t.attrs.get("id") == "r"]
    sizes = json.loads("".join(result.text))
    width, height = sizes["digest-top"]
    assert width > 0
    assert height > 0
