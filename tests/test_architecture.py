"""The pure core imports no I/O library and reads no clock (DESIGN §1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "slackbot"
CORE = ["models", "periods", "metrics", "bots", "commands", "formatting", "blocks", "errors"]
FORBIDDEN = {
    "apscheduler",
    "asyncio",
    "http",
    "httpx",
    "os",
    "requests",
    "shutil",
    "slack_bolt",
    "socket",
    "sqlite3",
    "sqlite_utils",
    "starlette",
    "subprocess",
    "threading",
    "time",
    "urllib.request",
    "uvicorn",
}
#: Pure parts of libraries whose other parts do I/O.
ALLOWED_SLACK_SDK = ("slack_sdk.models",)
CLOCK_CALLS = {"now", "today", "utcnow", "time", "monotonic", "perf_counter"}


def core_files() -> list[Path]:
    """Every core module, including split-off parts like blocks_summary.py."""
    files = [p for p in PACKAGE.glob("*.py") if p.stem.split("_")[0] in CORE]
    assert files, "no core modules found"
    return sorted(files)


def imported_modules(tree: ast.AST) -> set[str]:
    """Every module name an AST imports."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", core_files(), ids=lambda p: p.name)
def test_core_module_imports_no_io_library(path: Path) -> None:
    """A core module imports nothing that touches the network, disk, clock or environment."""
    for name in imported_modules(ast.parse(path.read_text())):
        if name.startswith(ALLOWED_SLACK_SDK):
            continue
        top = name.split(".")[0]
        assert top != "slack_sdk", f"{path.name} imports {name}"
        assert name not in FORBIDDEN, f"{path.name} imports {name}"
        assert top not in FORBIDDEN, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", core_files(), ids=lambda p: p.name)
def test_core_module_reads_no_clock(path: Path) -> None:
    """A core module never calls datetime.now(), date.today() or time functions."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in CLOCK_CALLS, f"{path.name}:{node.lineno} reads the clock"


def test_core_does_not_import_adapters() -> None:
    """Imports point adapters -> service -> core, never back."""
    adapters = {"botpress", "store", "sync", "service", "slack_app", "web", "cli", "runtime"}
    for path in core_files():
        for name in imported_modules(ast.parse(path.read_text())):
            parts = name.split(".")
            if parts[0] == "slackbot" and len(parts) > 1:
                assert parts[1] not in adapters, f"{path.name} imports {name}"
