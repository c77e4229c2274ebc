"""scripts/check-docker-steps: the Dockerfile's install steps, replayed without Docker."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "check-docker-steps"


def test_script_is_executable() -> None:
    """The script can be run directly, as the README and CI call it."""
    assert SCRIPT.is_file()
    assert os.access(SCRIPT, os.X_OK)
    assert SCRIPT.read_text().startswith("#!/usr/bin/env bash\n")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH")
def test_install_steps_work_from_the_lock(tmp_path: Path) -> None:
    """The locked, non-dev, non-editable install runs `botstats --help` and holds no pytest."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["TMPDIR"] = str(tmp_path)
    result = subprocess.run(
        [str(SCRIPT)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "check-docker-steps: OK" in result.stdout
    assert "usage: botstats" in result.stdout
    # The script cleans up its temporary directory.
    assert not list(tmp_path.glob("check-docker-steps.*"))
