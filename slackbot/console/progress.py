"""Sync progress for the terminal: a rich progress bar on a TTY, plain lines otherwise."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from slackbot.sync import BotSync, SyncProgress


class BarProgress:
    """A rich progress bar; failures are printed above it as they happen."""

    def __init__(self, console: Console) -> None:
        self._bar = Progress(
            TextColumn("[bold]Syncing[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._task = self._bar.add_task("", total=None)

    def start(self, total: int) -> None:
        """Show the bar for ``total`` bots."""
        self._bar.update(self._task, total=total, completed=0)
        self._bar.start()

    def advance(self, result: BotSync) -> None:
        """Count one bot, by name; print its failure, if any (a refused token is said once,
        by the report, so not here)."""
        if result.error and not result.refused:
            self._bar.console.print(f"[red]✗[/] {escape(result.line())}", highlight=False)
        self._bar.update(self._task, advance=1, description=escape(result.label))

    def finish(self) -> None:
        """Stop the bar (left on screen at 100%)."""
        self._bar.update(self._task, description="")
        self._bar.stop()


class LineProgress:
    """One plain line per bot, for logs and pipes."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._total = 0
        self._done = 0

    def start(self, total: int) -> None:
        """Say how many bots will be synced."""
        self._total, self._done = total, 0
        self._console.print(f"Syncing {total} bot(s)", highlight=False, markup=False)

    def advance(self, result: BotSync) -> None:
        """Print ``[done/total] bot name: outcome``."""
        self._done += 1
        line = f"[{self._done}/{self._total}] {result.line()}"
        self._console.print(line, highlight=False, markup=False, soft_wrap=True)

    def finish(self) -> None:
        """Nothing to tear down for plain lines."""


def make_progress(console: Console) -> SyncProgress:
    """A progress bar when ``console`` is a terminal, plain lines otherwise."""
    return BarProgress(console) if console.is_terminal else LineProgress(console)
