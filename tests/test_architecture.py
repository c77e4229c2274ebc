"""The layers hold (DESIGN §1): import-linter's contract, plus what it cannot say.

import-linter (``[tool.importlinter]`` in pyproject.toml) keeps the layers in order and the
core free of I/O libraries and adapters. What it cannot see is a *call*: reading the clock
or the environment. Those checks resolve every name through the module's imports
(relative imports and aliases included), so ``from datetime import datetime as D;
D.now()`` is caught as surely as ``datetime.now()``.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "slackbot"
CORE = PACKAGE / "core"
#: The one module allowed to read the wall clock.
CLOCK_MODULE = PACKAGE / "clock.py"

#: Wall-clock reads: nowhere in slackbot/ but clock.py.
WALL_CLOCK = {
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "datetime.datetime.today",
    "datetime.date.today",
    "time.time",
    "time.time_ns",
    "time.localtime",
    "time.gmtime",
    "time.ctime",
    "time.asctime",
}
#: Also forbidden in the core: any timer and the environment.
CORE_ONLY = {
    "time.monotonic",
    "time.monotonic_ns",
    "time.perf_counter",
    "time.perf_counter_ns",
    "time.process_time",
    "os.environ",
    "os.environb",
    "os.getenv",
    "os.getenvb",
    "os.putenv",
}


def module_name(path: Path, root: Path = ROOT) -> str:
    """``slackbot/core/periods.py`` -> ``slackbot.core.periods``."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def aliases(tree: ast.AST, module: str, is_package: bool) -> dict[str, str]:
    """Each local name bound by an import, mapped to the dotted name it stands for."""
    package = module if is_package else module.rpartition(".")[0]
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}"
    return names


def dotted(node: ast.expr) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; None for anything that is not a plain name chain."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return None if head is None else [*head, node.attr]
    return None


def references(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every (line, fully qualified name) the module refers to, imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    bound = aliases(tree, module_name(path, root), path.name == "__init__.py")
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name | ast.Attribute):
            chain = dotted(node)
            if chain and chain[0] in bound:
                found.append((node.lineno, ".".join([bound[chain[0]], *chain[1:]])))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            found.extend((node.lineno, name) for name in bound.values())
    return found


def violations(path: Path, forbidden: set[str], root: Path = ROOT) -> list[str]:
    """The forbidden names ``path`` refers to, as ``file:line name``."""
    return sorted(
        {
            f"{path.relative_to(root)}:{line} {name}"
            for line, name in references(path, root)
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden)
        }
    )


def package_files() -> list[Path]:
    """Every module of the package."""
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", package_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_clock_module_reads_the_wall_clock(path: Path) -> None:
    """No module but slackbot/clock.py calls datetime.now, date.today or time.time."""
    if path == CLOCK_MODULE:
        pytest.skip("the one clock")
    assert violations(path, WALL_CLOCK) == []


@pytest.mark.parametrize(
    "path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_core_module_reads_no_clock_and_no_environment(path: Path) -> None:
    """A core module reads no timer and no environment variable."""
    assert violations(path, WALL_CLOCK | CORE_ONLY) == []


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("from datetime import datetime as D\nx = D.now()\n", "datetime.datetime.now"),
        ("import datetime as dt\nx = dt.date.today()\n", "datetime.date.today"),
        ("from time import time as t\nx = t()\n", "time.time"),
        ("import os\nx = os.environ['A']\n", "os.environ"),
        ("from os import getenv as g\nx = g('A')\n", "os.getenv"),
        ("import time\nclock = time.perf_counter\n", "time.perf_counter"),
    ],
)
def test_the_checks_see_through_aliases(tmp_path: Path, source: str, caught: str) -> None:
    """An aliased import or a bare reference still counts as reading the clock or env."""
    path = tmp_path / "slackbot" / "core" / "probe.py"
    path.parent.mkdir(parents=True)
    path.write_text(source)
    assert any(caught in v for v in violations(path, WALL_CLOCK | CORE_ONLY, tmp_path))


def test_relative_imports_resolve_to_their_package() -> None:
    """``from .. import clock`` inside slackbot.core.blocks names slackbot.clock."""
    tree = ast.parse("from ... import clock\nfrom .kit import build\n")
    bound = aliases(tree, "slackbot.core.blocks.summary", is_package=False)
    assert bound == {"clock": "slackbot.clock", "build": "slackbot.core.blocks.kit.build"}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` on the package found in ``cwd`` (its pyproject.toml's contracts)."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(exe), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package and its pyproject.toml that a test may break."""
    target = tmp_path_factory.mktemp("layers")
    shutil.copytree(PACKAGE, target / "slackbot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


@pytest.mark.slow
def test_lint_imports_keeps_the_contracts_on_the_real_tree() -> None:
    """Every import-linter contract in pyproject.toml holds on the package as it is."""
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("line", "reported"),
    [
        ("import httpx\n", "slackbot.core is not allowed to import httpx"),
        ("import sqlite3\n", "slackbot.core is not allowed to import sqlite3"),
        (
            "from slackbot.store import Store\n",
            "slackbot.core is not allowed to import slackbot.store",
        ),
        ("from slackbot.botpress.client import BotpressClient\n", "slackbot.botpress"),
        ("from slackbot.service import Service\n", "slackbot.service"),
    ],
)
def test_lint_imports_fails_when_a_new_core_module_does_io(
    tree_copy: Path, line: str, reported: str
) -> None:
    """A core module added with no config edit is checked: an I/O or adapter import breaks it."""
    probe = tree_copy / "slackbot" / "core" / "new_detector.py"
    probe.write_text(f'"""A new core module."""\n\n{line}')
    try:
        result = lint_imports(tree_copy)
    finally:
        probe.unlink()
    assert result.returncode != 0
    assert reported in result.stdout
