# syntax=docker/dockerfile:1
# botstats: the Slack app plus its scheduler (`botstats serve`), HTTP mode on port 3000.
#
#   docker build -t botstats .
#   docker run -d --name botstats -p 3000:3000 -v botstats-data:/data --env-file .env botstats
#
# Socket Mode: set SLACK_APP_TOKEN in the environment; no port needs publishing then.
# The install steps below are replayed outside Docker by scripts/check-docker-steps.

# ---- builder: resolve nothing, install exactly what uv.lock pins -------------------------
FROM python:3.12-slim-trixie AS builder

# uv pinned to the version that wrote uv.lock, copied as a static binary (no pip, no curl).
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/

# Use the image's interpreter (the runtime stage has the same one at the same path),
# compile bytecode once at build time, and copy from the cache mount instead of linking.
ENV UV_PYTHON_DOWNLOADS=0 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when uv.lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --locked --no-dev --no-install-project

# Then the project itself, installed as a regular (non-editable) package so the runtime
# stage needs the virtual environment only, not the source tree.
COPY pyproject.toml uv.lock README.md ./
COPY slackbot ./slackbot
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-editable

# ---- runtime: the same slim Python, the virtual environment, nothing else ----------------
FROM python:3.12-slim-trixie AS runtime

# A fixed, unprivileged uid so volume permissions are predictable across hosts.
# /data is created and chowned before VOLUME: changes after VOLUME would be discarded.
RUN useradd --system --uid 10001 --user-group --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin botstats \
    && mkdir -p /data \
    && chown botstats:botstats /data

# Owned by root and read-only for the app user: the code cannot be altered at run time.
COPY --from=builder /app/.venv /app/.venv

ENV PATH=/app/.venv/bin:$PATH \
    BOTSTATS_DB=/data/botstats.db \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

# A .env file mounted here is read too (DESIGN §3); prefer --env-file or secrets.
WORKDIR /app

VOLUME ["/data"]
EXPOSE 3000

# Slim images have no curl or wget; urlopen raises on a connection error or a non-2xx
# answer (/healthz gives 503 when the database does not answer), so the exit code is 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]

USER botstats

# Exec form: botstats is PID 1 and receives SIGTERM from `docker stop` directly.
CMD ["botstats", "serve"]
