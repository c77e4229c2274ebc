"""The Dockerfile and .dockerignore, read by a real Dockerfile parser (no daemon here)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import dockerfile
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


@pytest.fixture(scope="module")
def commands() -> tuple[dockerfile.Command, ...]:
    """Every instruction of the Dockerfile, in order."""
    return tuple(dockerfile.parse_file(str(DOCKERFILE)))


def instructions(commands: tuple[dockerfile.Command, ...], name: str) -> list[dockerfile.Command]:
    """The instructions called ``name`` (FROM, RUN, ...)."""
    return [c for c in commands if c.cmd.upper() == name]


def stages(commands: tuple[dockerfile.Command, ...]) -> list[list[dockerfile.Command]]:
    """The instructions grouped by build stage, one list per FROM."""
    groups: list[list[dockerfile.Command]] = []
    for command in commands:
        if command.cmd.upper() == "FROM":
            groups.append([])
        if groups:
            groups[-1].append(command)
    return groups


def env_pairs(command: dockerfile.Command) -> dict[str, str]:
    """The variables an ENV instruction sets (``ENV A=1 B=2`` parses to a flat tuple)."""
    values = command.value
    return dict(zip(values[::2], values[1::2], strict=True))


def final_stage(commands: tuple[dockerfile.Command, ...]) -> list[dockerfile.Command]:
    """The instructions of the last stage: the image that runs."""
    return stages(commands)[-1]


def test_has_a_builder_and_a_runtime_stage_on_a_slim_python(
    commands: tuple[dockerfile.Command, ...],
) -> None:
    """At least two stages, every base a slim Python image and the runtime on the builder's base."""
    froms = instructions(commands, "FROM")
    assert len(froms) >= 2
    bases = [f.value[0] for f in froms]
    for base in bases:
        assert base.startswith("python:3.1"), base
        assert "slim" in base, base
    # The venv's interpreter symlink only resolves on the same base image.
    assert bases[0] == bases[-1]


def test_uv_is_pinned_and_copied_from_its_image(commands: tuple[dockerfile.Command, ...]) -> None:
    """uv comes from ghcr.io/astral-sh/uv at an exact version, not latest."""
    sources = [
        flag.split("=", 1)[1]
        for c in instructions(commands, "COPY")
        for flag in c.flags
        if flag.startswith("--from=")
    ]
    uv_images = [s for s in sources if s.startswith("ghcr.io/astral-sh/uv:")]
    assert len(uv_images) == 1, sources
    version = uv_images[0].split(":", 1)[1]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version


def test_dependencies_install_from_the_lock_without_dev(
    commands: tuple[dockerfile.Command, ...],
) -> None:
    """Every uv sync is --locked --no-dev: deps first (cached), then the project, non-editable."""
    syncs = [c for c in instructions(commands, "RUN") if "uv sync" in " ".join(c.value)]
    assert len(syncs) >= 2
    for sync in syncs:
        words = shlex.split(" ".join(sync.value))
        assert "--locked" in words, sync.original
        assert "--no-dev" in words, sync.original
    first, last = shlex.split(" ".join(syncs[0].value)), shlex.split(" ".join(syncs[-1].value))
    assert "--no-install-project" in first
    assert any(f.startswith("--mount=type=cache") for f in syncs[0].flags)
    assert "--no-editable" in last


def test_runtime_stage_copies_only_the_virtual_environment(
    commands: tuple[dockerfile.Command, ...],
) -> None:
    """The runtime image gets /app/.venv from the builder and no uv, no source tree."""
    copies = instructions(final_stage(commands), "COPY")
    assert [c.value for c in copies] == [("/app/.venv", "/app/.venv")]
    assert copies[0].flags == ("--from=builder",)


def test_runs_as_a_non_root_user(commands: tuple[dockerfile.Command, ...]) -> None:
    """The last USER is neither root nor uid 0, and the runtime stage creates it with uid 10001."""
    users = instructions(final_stage(commands), "USER")
    assert users, "the runtime stage sets no USER"
    user = users[-1].value[0].split(":")[0]
    assert user not in {"root", "0"}
    created = " ".join(" ".join(c.value) for c in instructions(final_stage(commands), "RUN"))
    assert "useradd" in created
    assert "--uid 10001" in created
    assert user in created


def test_data_volume_and_database_path(commands: tuple[dockerfile.Command, ...]) -> None:
    """/data is a volume owned by the app user and BOTSTATS_DB points into it."""
    runtime = final_stage(commands)
    volumes = [v for c in instructions(runtime, "VOLUME") for v in c.value]
    assert "/data" in volumes
    env: dict[str, str] = {}
    for command in instructions(runtime, "ENV"):
        env.update(env_pairs(command))
    assert env["BOTSTATS_DB"] == "/data/botstats.db"
    assert env["PATH"].startswith("/app/.venv/bin:")
    assert env["PYTHONUNBUFFERED"] == "1"
    user = instructions(runtime, "USER")[-1].value[0]
    run_text = " ".join(" ".join(c.value) for c in instructions(runtime, "RUN"))
    assert f"chown {user}:{user} /data" in run_text
    # Changes to a path after VOLUME declares it are discarded by Docker.
    volume_line = instructions(runtime, "VOLUME")[0].start_line
    assert all(c.start_line < volume_line for c in instructions(runtime, "RUN"))


def test_exposes_port_3000(commands: tuple[dockerfile.Command, ...]) -> None:
    """The HTTP mode port of `botstats serve` is exposed."""
    ports = [p for c in instructions(final_stage(commands), "EXPOSE") for p in c.value]
    assert "3000" in ports or "3000/tcp" in ports


def test_healthcheck_uses_python_urllib_on_healthz(
    commands: tuple[dockerfile.Command, ...],
) -> None:
    """The HEALTHCHECK calls /healthz with Python's urllib: slim images have no curl or wget."""
    checks = instructions(final_stage(commands), "HEALTHCHECK")
    assert len(checks) == 1
    check = checks[0]
    assert check.value[0].upper() == "CMD"
    text = " ".join(check.value[1:])
    assert check.value[1] in {"python", "python3", "/app/.venv/bin/python"}
    assert "urllib.request" in text
    assert "http://127.0.0.1:3000/healthz" in text
    assert "curl" not in text
    assert "wget" not in text
    assert any(f.startswith("--timeout=") for f in check.flags)


def test_cmd_is_botstats_serve_in_exec_form(commands: tuple[dockerfile.Command, ...]) -> None:
    """CMD is the JSON (exec) form, so botstats is PID 1 and gets SIGTERM."""
    cmds = instructions(commands, "CMD")
    assert cmds[-1].json
    assert cmds[-1].value == ("botstats", "serve")
    assert not instructions(final_stage(commands), "ENTRYPOINT")


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex: root-anchored, ``*`` within one path segment."""
    out, i = "", 0
    body = pattern.strip("/")
    while i < len(body):
        if body.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif body.startswith("**", i):
            out, i = out + ".*", i + 2
        elif body[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif body[i] == "?":
            out, i = out + "[^/]", i + 1
        elif body[i] == "[":
            end = body.index("]", i)
            out, i = out + body[i : end + 1], end + 1
        else:
            out, i = out + re.escape(body[i]), i + 1
    return re.compile(out)


def ignored(patterns: list[str], path: str) -> bool:
    """Whether Docker leaves ``path`` out of the build context (a dir takes its contents along)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = pattern_regex(pattern.removeprefix("!"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            excluded = not negate
    return excluded


@pytest.fixture(scope="module")
def ignore_patterns() -> list[str]:
    """The non-comment lines of .dockerignore."""
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/HEAD",
        ".env",
        ".env.local",
        "botstats.db",
        "slackbot/__pycache__/cli.cpython-312.pyc",
        "tests/test_x.py",
    ],
)
def test_dockerignore_keeps_secrets_and_local_state_out(
    ignore_patterns: list[str], path: str
) -> None:
    """Environments, VCS data, secrets and databases never reach the build context."""
    assert ignored(ignore_patterns, path)


@pytest.mark.parametrize(
    "path", ["pyproject.toml", "uv.lock", "README.md", "slackbot/__init__.py", "slackbot/cli.py"]
)
def test_dockerignore_keeps_what_the_build_copies(ignore_patterns: list[str], path: str) -> None:
    """Every file the Dockerfile COPYs stays in the build context."""
    assert not ignored(ignore_patterns, path)


def test_every_copied_path_exists(commands: tuple[dockerfile.Command, ...]) -> None:
    """The builder's COPY sources (and bind-mounted files) exist in the repository."""
    sources: list[str] = []
    for copy in instructions(commands, "COPY"):
        if not any(f.startswith("--from=") for f in copy.flags):
            sources.extend(copy.value[:-1])
    for run in instructions(commands, "RUN"):
        for flag in run.flags:
            if flag.startswith("--mount=type=bind"):
                options = dict(kv.split("=", 1) for kv in flag.removeprefix("--mount=").split(","))
                sources.append(options["source"])
    assert {"pyproject.toml", "uv.lock", "README.md", "slackbot"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), source
