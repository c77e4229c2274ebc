"""Charts: the PNG a digest shows, and the worker process that draws it without failing a message.

One module-scoped ChartWorker serves most worker tests, because its first start (the fork
server importing matplotlib) is the slow part; later workers fork from that warm server.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import signal
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from PIL import Image

from slackbot.charts.drawing import SESSIONS_COLOR, draw, render_png, tick_days
from slackbot.charts.worker import ChartRenderer, ChartWorker, InlineRenderer, run_unless_late
from slackbot.core.series import DailySeries

MONDAY = date(2026, 11, 16)
FORTNIGHT = tuple(MONDAY + timedelta(days=i) for i in range(14))
GAP = 2  # Wed 18: no data at all
ZERO = 9  # Wed 25: data, and it is zero
WEEK = DailySeries(
    title="support: week of Mon 23 Nov",
    days=FORTNIGHT,
    sessions=tuple(None if i == GAP else 0.0 if i == ZERO else 100.0 + 10 * i for i in range(14)),
    cost=tuple(None if i == GAP else 0.0 if i == ZERO else 1.5 + i / 4 for i in range(14)),
    highlight=(date(2026, 11, 23), date(2026, 11, 29)),
)
EMPTY = replace(WEEK, sessions=(None,) * 14, cost=(None,) * 14)
#: One cost value short: render_png refuses it, so the worker's "drawing raised" path runs.
BROKEN = replace(WEEK, title="broken", cost=WEEK.cost[:-1])
SLOW = replace(WEEK, title="slow")
LOGGER = "slackbot.charts"


@functools.cache
def week_png() -> bytes:
    """WEEK drawn in this process, once: the reference the renderers' output is compared to."""
    return render_png(WEEK)


def slow_render(series: DailySeries) -> bytes:
    """A target that hangs on the SLOW series and draws any other (module-level: picklable)."""
    if series.title == SLOW.title:
        time.sleep(60)
    return render_png(series)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk (the first one, right after the magic)."""
    length, kind, width, height = struct.unpack(">I4sII", png[8:24])
    assert (length, kind) == (13, b"IHDR")
    return width, height


def panels(figure: Figure) -> tuple[Axes, Axes]:
    """The sessions panel and the cost panel."""
    sessions, cost = figure.axes
    return sessions, cost


def spans(axes: Axes, gid: str) -> list[tuple[float, float]]:
    """The x extent of each axvspan tagged ``gid`` in ``axes``."""
    found = [p for p in axes.patches if p.get_gid() == gid]
    return [(p.get_x(), p.get_x() + p.get_width()) for p in found if isinstance(p, Rectangle)]


@pytest.fixture(scope="module")
def worker() -> Iterator[ChartWorker]:
    """One ChartWorker, started once and shared by the worker tests."""
    with ChartWorker() as shared:
        assert shared.start()
        yield shared


# --- the picture ----------------------------------------------------------------------
def test_render_png_is_a_1200_by_700_png() -> None:
    """The bytes are a PNG of about a phone screen's width, 1200x700 px."""
    png = week_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png_size(png) == (1200, 700)
    assert Image.open(io.BytesIO(png)).size == (1200, 700)


def test_the_same_series_gives_the_same_bytes() -> None:
    """No timestamp or version in the file: equal series, equal bytes; other data, other bytes."""
    assert render_png(replace(WEEK)) == week_png()
    assert render_png(replace(WEEK, title="another title")) != week_png()
    assert b"Software" not in week_png()
    assert b"tIME" not in week_png()


def test_a_day_without_data_is_a_gap_not_a_zero() -> None:
    """A None day gets no bar, a break in the cost line and a hatch; a zero day gets a bar."""
    figure = draw(WEEK)
    sessions, cost = panels(figure)
    bars = [p for p in sessions.patches if p.get_gid() != "gap" and p.get_gid() != "highlight"]
    centres = sorted(round(p.get_x() + p.get_width() / 2) for p in bars)  # type: ignore[attr-defined]
    assert centres == [i for i in range(14) if i != GAP]  # the zero day keeps its (flat) bar
    (line,) = [a for a in cost.lines if a.get_gid() == "cost"]
    assert isinstance(line, Line2D)
    ys = list(line.get_ydata())  # type: ignore[arg-type]
    assert ys[GAP] != ys[GAP]  # NaN: the line breaks there
    assert ys[ZERO] == 0.0  # zero is a point on the line
    for axes in (sessions, cost):
        assert spans(axes, "gap") == [(GAP - 0.5, GAP + 0.5)]
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["no data"]


def test_a_gap_shows_no_bar_colour_in_the_picture() -> None:
    """In the pixels, the gap day's column has no bar colour and a day with data does."""
    figure = draw(WEEK)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    image = Image.open(buffer).convert("RGB")
    sessions, _ = panels(figure)
    bar = tuple(int(SESSIONS_COLOR[i : i + 2], 16) for i in (1, 3, 5))

    def column(day: int) -> set[tuple[int, int, int]]:
        x, y = sessions.transData.transform((day, 50.0))
        return {image.getpixel((round(x), 700 - round(y) - dy)) for dy in range(20)}  # type: ignore[misc]

    assert bar in column(GAP + 1)
    assert bar not in column(GAP)


def test_the_highlight_is_shaded_in_both_panels_and_labelled() -> None:
    """The digest's week (days 7 to 13) is shaded above and below and named over the bars."""
    figure = draw(WEEK)
    sessions, cost = panels(figure)
    for axes in (sessions, cost):
        assert spans(axes, "highlight") == [(6.5, 13.5)]
    labels = [t.get_text() for t in sessions.texts if t.get_gid() == "highlight-label"]
    assert labels == ["Mon 23 \u2013 Sun 29 Nov"]


def test_a_one_day_highlight_names_that_day_and_one_outside_the_window_is_not_drawn() -> None:
    """A day digest shades one day; a highlight the window does not reach draws nothing."""
    day = draw(replace(WEEK, highlight=(date(2026, 11, 24), date(2026, 11, 24))))
    assert spans(panels(day)[0], "highlight") == [(7.5, 8.5)]
    assert [t.get_text() for t in panels(day)[0].texts] == ["Tue 24 Nov"]
    outside = draw(replace(WEEK, highlight=(date(2027, 1, 4), date(2027, 1, 10))))
    assert spans(panels(outside)[0], "highlight") == []
    assert list(panels(outside)[0].texts) == []


def test_days_are_labelled_like_the_messages_and_axes_name_their_units() -> None:
    """Ticks read "Mon 16"; the axes say sessions per day and US dollars, ticks carry $."""
    figure = draw(WEEK)
    sessions, cost = panels(figure)
    figure.canvas.draw()
    ticks = [t.get_text() for t in cost.get_xticklabels()]
    assert ticks[:3] == ["Mon 16", "Tue 17", "Wed 18"]
    assert len(ticks) == 14
    assert sessions.get_ylabel() == "Sessions per day"
    assert "US\\$" in cost.get_ylabel()
    # Escaped so that matplotlib draws a literal "$" rather than starting math.
    assert all(t.get_text().startswith("\\$") for t in cost.get_yticklabels() if t.get_text())
    assert "16 Nov 2026" in cost.get_xlabel()
    assert "UTC" in cost.get_xlabel()


def test_a_long_window_labels_one_weekday_a_week_ending_on_the_last_day() -> None:
    """Six weeks are labelled once a week, always including the most recent day."""
    days = [MONDAY + timedelta(days=i) for i in range(42)]
    ticks = tick_days(days)
    assert len(ticks) == 6
    assert ticks[-1] == 41
    assert {days[i].weekday() for i in ticks} == {days[-1].weekday()}


def test_the_title_is_the_series_title_with_dollars_kept_literal() -> None:
    """The figure's title is series.title; dollar signs are escaped, not read as math."""
    figure = draw(replace(WEEK, title="cost $5 to $6"))
    assert figure.get_suptitle() == "cost \\$5 to \\$6"


def test_an_empty_or_malformed_series_raises_value_error() -> None:
    """No data at all, or values not one per day: ValueError, which callers read as no chart."""
    with pytest.raises(ValueError, match="no day has data"):
        render_png(EMPTY)
    with pytest.raises(ValueError, match="13 cost values"):
        render_png(BROKEN)


# --- the renderers --------------------------------------------------------------------
def test_inline_renderer_draws_here_and_turns_failures_into_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """InlineRenderer returns the PNG, None for no data (no warning), None + WARNING on error."""
    renderer: ChartRenderer = InlineRenderer()
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert renderer.render(WEEK) == week_png()
    assert renderer.render(EMPTY) is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert renderer.render(BROKEN) is None
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "'broken' not drawn: drawing raised ValueError" in warning.getMessage()


def test_worker_draws_the_same_bytes_as_this_process(worker: ChartWorker) -> None:
    """A chart drawn in the worker is byte for byte the one drawn here."""
    renderer: ChartRenderer = worker
    assert renderer.render(WEEK) == week_png()


def test_worker_reuses_one_child_process(worker: ChartWorker) -> None:
    """Two renders run in the same child, and that child is not this process."""
    before = worker.worker_pid()
    assert worker.render(WEEK) is not None
    assert worker.render(replace(WEEK, title="again")) is not None
    assert worker.worker_pid() == before
    assert before is not None
    assert before != os.getpid()


def test_worker_serves_several_threads_at_once(worker: ChartWorker) -> None:
    """Four digests asking at the same time all get their chart, from the one child."""
    before = worker.worker_pid()
    results: list[bytes | None] = [None] * 4

    def ask(i: int) -> None:
        results[i] = worker.render(replace(WEEK, title=f"digest {i}"))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r is not None and r.startswith(b"\x89PNG") for r in results)
    assert len(set(results)) == 4
    assert worker.worker_pid() == before


def test_a_drawing_error_returns_none_logs_why_and_keeps_the_worker(
    worker: ChartWorker, caplog: pytest.LogCaptureFixture
) -> None:
    """The child's ValueError becomes None and a WARNING with its message; the child lives on."""
    before = worker.worker_pid()
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert worker.render(BROKEN) is None
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    message = warning.getMessage()
    assert "'broken' not drawn: drawing raised ValueError" in message
    assert "13 cost values" in message
    assert worker.worker_pid() == before


def test_an_empty_series_is_no_chart_and_no_warning(
    worker: ChartWorker, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing to draw is not a failure: None, logged at INFO only."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert worker.render(EMPTY) is None
    assert [r.levelno for r in caplog.records] == [logging.INFO]


def test_a_killed_worker_is_replaced_and_the_next_render_succeeds(
    worker: ChartWorker, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGKILL on the child: the next render starts a fresh child and still returns the PNG."""
    before = worker.worker_pid()
    assert before is not None
    os.kill(before, signal.SIGKILL)
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert worker.render(WEEK) == week_png()
    after = worker.worker_pid()
    assert after is not None
    assert after != before
    assert "died" in caplog.text


def test_a_render_past_its_timeout_returns_none_and_the_stuck_child_is_replaced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A hung drawing: None within the timeout, a WARNING saying so, and a fresh child next."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    with ChartWorker(target=slow_render) as slow:
        before = slow.worker_pid()
        started = time.monotonic()
        assert slow.render(SLOW, timeout=0.5) is None
        assert time.monotonic() - started < 5
        assert "took longer than 0.5 s (it was stuck, and is replaced)" in caplog.text
        assert slow.render(WEEK) == week_png()
        assert slow.worker_pid() not in (None, before)


def test_a_call_whose_caller_gave_up_is_skipped_not_run() -> None:
    """Past its deadline, a queued call raises in the child instead of drawing for nobody."""
    calls: list[str] = []

    def call() -> int:
        calls.append("ran")
        return 7

    assert run_unless_late(time.monotonic() + 60, call) == 7
    with pytest.raises(Exception, match="stopped waiting"):
        run_unless_late(time.monotonic() - 1, call)
    assert calls == ["ran"]


def test_close_is_idempotent_and_a_closed_worker_renders_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """close() twice is fine; a render afterwards is None with the reason logged."""
    closing = ChartWorker()
    assert closing.render(WEEK) is not None  # started lazily by the first render
    closing.close()
    closing.close()
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert closing.render(WEEK) is None
    assert "the chart worker is closed" in caplog.text
