"""The botstats schema as named ``sqlite_utils.Migrations`` steps, and the version check.

Each step is recorded once in ``_sqlite_migrations`` (set ``botstats``); the schema version
is the number of recorded steps. Later issues add columns with new steps appended here,
never by editing an old one. A file holding a step this code does not know was written by
a newer botstats and is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database, Migrations

from slackbot.errors import StoreError

MIGRATIONS = Migrations("botstats")
#: The step names this code knows, in order; ``len(STEPS)`` is its schema version.
STEPS: list[str] = []

Step = Callable[[Database], None]

# Every column of models.Metrics, in field order; daily_metrics stores one row per bot-day.
METRIC_INT_COLUMNS = (
    "days",
    "new_users",
    "returning_users",
    "sessions",
    "user_messages",
    "bot_messages",
    "events",
    "llm_calls",
    "llm_errors",
    "input_tokens",
    "output_tokens",
)
METRIC_REAL_COLUMNS = ("latency_sum", "latency_sumsq", "tps_sum", "cost_sum")
METRIC_NULLABLE_COLUMNS = (
    "latency_min",
    "latency_max",
    "tps_min",
    "tps_max",
    "cost_min",
    "cost_max",
)
METRIC_JSON_COLUMNS = ("event_types", "custom_events")
#: Added by step 0002: the per-call numerators (cost and tokens of buckets with calls).
METRIC_CALL_COLUMNS = ("call_cost_sum", "call_tokens")


def _step(name: str) -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        STEPS.append(name)
        return MIGRATIONS(name=name)(fn)

    return register


def _metric_columns_sql() -> str:
    ints = [f"{c} INTEGER NOT NULL DEFAULT 0" for c in METRIC_INT_COLUMNS]
    reals = [f"{c} REAL NOT NULL DEFAULT 0" for c in METRIC_REAL_COLUMNS]
    nullable = [f"{c} REAL" for c in METRIC_NULLABLE_COLUMNS]
    maps = [f"{c} TEXT NOT NULL DEFAULT '{{}}'" for c in METRIC_JSON_COLUMNS]
    return ",\n    ".join(ints + reals + nullable + maps)


_BOT_FK = "REFERENCES bots(id) ON DELETE CASCADE"
_INITIAL = f"""
CREATE TABLE bots (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    alias TEXT,
    tracked INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT
) STRICT;
CREATE TABLE daily_metrics (
    bot_id TEXT NOT NULL {_BOT_FK},
    day TEXT NOT NULL,
    {_metric_columns_sql()},
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (bot_id, day)
) STRICT, WITHOUT ROWID;
CREATE TABLE coverage (
    bot_id TEXT NOT NULL {_BOT_FK},
    day TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (bot_id, day)
) STRICT, WITHOUT ROWID;
CREATE TABLE baselines (
    bot_id TEXT NOT NULL {_BOT_FK},
    metric TEXT NOT NULL,
    day TEXT NOT NULL,
    expected REAL,
    low REAL,
    high REAL,
    method TEXT NOT NULL,
    history_days INTEGER NOT NULL DEFAULT 0,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (bot_id, metric, day)
) STRICT;
CREATE TABLE alert_state (
    bot_id TEXT NOT NULL {_BOT_FK},
    metric TEXT NOT NULL,
    direction TEXT NOT NULL,
    state TEXT NOT NULL,
    since TEXT,
    last_value REAL,
    last_notified_at TEXT,
    message_channel TEXT,
    message_ts TEXT,
    snoozed_until TEXT,
    acknowledged_by TEXT,
    PRIMARY KEY (bot_id, metric, direction)
) STRICT;
CREATE TABLE runs (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    channel TEXT,
    status TEXT NOT NULL CHECK (status IN ('claimed', 'posting', 'sent', 'failed')),
    claimed_at TEXT NOT NULL,
    finished_at TEXT,
    message_ts TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    error TEXT
) STRICT;
CREATE INDEX runs_status ON runs (status, claimed_at);
CREATE TABLE subscriptions (
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    cadence TEXT NOT NULL CHECK (cadence IN ('daily', 'weekly')),
    created_by TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (channel, target)
) STRICT;
CREATE TABLE alert_routes (
    channel TEXT PRIMARY KEY,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_by TEXT,
    updated_at TEXT NOT NULL
) STRICT;
"""


@_step("0001_initial")
def _initial(db: Database) -> None:
    for statement in _INITIAL.split(";"):
        if statement.strip():
            db.execute(statement)


@_step("0002_per_call_numerators")
def _per_call_numerators(db: Database) -> None:
    db.execute("ALTER TABLE daily_metrics ADD COLUMN call_cost_sum REAL NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE daily_metrics ADD COLUMN call_tokens INTEGER NOT NULL DEFAULT 0")
    # Rows stored before this step: a day with calls put all its cost and tokens behind them.
    db.execute(
        "UPDATE daily_metrics SET call_cost_sum = cost_sum, "
        "call_tokens = input_tokens + output_tokens WHERE llm_calls > 0"
    )


_RUNS_0003 = """
CREATE TABLE runs_new (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    channel TEXT,
    status TEXT NOT NULL
        CHECK (status IN ('claimed', 'posting', 'sent', 'failed', 'skipped')),
    claimed_at TEXT NOT NULL,
    finished_at TEXT,
    message_ts TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    error TEXT,
    target TEXT,
    period TEXT,
    due_at TEXT,
    permalink TEXT,
    retryable INTEGER NOT NULL DEFAULT 1 CHECK (retryable IN (0, 1))
) STRICT
"""


@_step("0003_schedules_and_jobs")
def _schedules_and_jobs(db: Database) -> None:
    # Subscriptions learn their time of day and weekday, and where they came from
    # ('config' = BOTSTATS_DIGEST_CHANNEL); NULL keeps the defaults (09:00, Monday).
    db.execute("ALTER TABLE subscriptions ADD COLUMN at_time TEXT")
    db.execute("ALTER TABLE subscriptions ADD COLUMN weekday TEXT")
    db.execute("ALTER TABLE subscriptions ADD COLUMN source TEXT")
    # SQLite cannot widen a CHECK constraint in place: rebuild runs with 'skipped' (a run
    # missed past its catch-up window) and the columns /botstats subscriptions shows.
    db.execute(_RUNS_0003)
    db.execute(
        "INSERT INTO runs_new (key, kind, channel, status, claimed_at, finished_at, "
        "message_ts, attempts, error) SELECT key, kind, channel, status, claimed_at, "
        "finished_at, message_ts, attempts, error FROM runs"
    )
    db.execute("DROP TABLE runs")
    db.execute("ALTER TABLE runs_new RENAME TO runs")
    db.execute("CREATE INDEX runs_status ON runs (status, claimed_at)")
    db.execute("CREATE INDEX runs_target ON runs (kind, channel, target, due_at)")
    # Scheduled work that is not a Slack delivery (the hourly sync, the alert check): one
    # row per job and slot, claimed insert-if-absent so two processes run it once.
    db.execute(
        "CREATE TABLE jobs (name TEXT NOT NULL, slot TEXT NOT NULL, started_at TEXT NOT NULL, "
        "finished_at TEXT, status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')), "
        "detail TEXT, PRIMARY KEY (name, slot)) STRICT"
    )
    # Workspace-wide facts that outlive a restart (e.g. the app was uninstalled).
    db.execute(
        "CREATE TABLE workspace (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
        "updated_at TEXT NOT NULL) STRICT"
    )


@_step("0004_alert_records")
def _alert_records(db: Database) -> None:
    # alert_state was never written: its bot_id could not be NULL for the workspace-wide
    # budget alerts. Each (bot, metric, direction[, stage]) is now one record, kept as the
    # state machine's JSON, with the columns the queries filter on beside it.
    db.execute("DROP TABLE alert_state")
    db.execute(
        "CREATE TABLE alert_records (alert_id TEXT PRIMARY KEY, bot_id TEXT, "
        "metric TEXT NOT NULL, direction TEXT NOT NULL, status TEXT NOT NULL "
        "CHECK (status IN ('firing', 'resolved')), since TEXT NOT NULL, record TEXT NOT NULL, "
        "updated_at TEXT NOT NULL) STRICT"
    )
    db.execute("CREATE INDEX alert_records_status ON alert_records (status, bot_id)")
    # The Slack message that told a channel about an alert: updated when it resolves.
    db.execute(
        "CREATE TABLE alert_messages (alert_id TEXT NOT NULL, channel TEXT NOT NULL, "
        "ts TEXT NOT NULL, permalink TEXT, run_key TEXT NOT NULL, posted_at TEXT NOT NULL, "
        "PRIMARY KEY (alert_id, channel)) STRICT"
    )
    # Routes gain a target (a bot id or 'all'): `/botstats alerts on BOT #channel`.
    db.execute(
        "CREATE TABLE alert_routes_new (channel TEXT NOT NULL, target TEXT NOT NULL DEFAULT 'all', "
        "enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)), updated_by TEXT, "
        "updated_at TEXT NOT NULL, PRIMARY KEY (channel, target)) STRICT"
    )
    db.execute(
        "INSERT INTO alert_routes_new (channel, target, enabled, updated_by, updated_at) "
        "SELECT channel, 'all', enabled, updated_by, updated_at FROM alert_routes"
    )
    db.execute("DROP TABLE alert_routes")
    db.execute("ALTER TABLE alert_routes_new RENAME TO alert_routes")


def applied_steps(db: Database) -> list[str]:
    """The names of the botstats steps recorded in the file, oldest first."""
    return [m.name for m in MIGRATIONS.applied(db)]


def check_version(db: Database, path: str) -> None:
    """Refuse a file written by a newer botstats, or one that belongs to another program."""
    applied = applied_steps(db)
    if any(name not in STEPS for name in applied):
        raise StoreError(
            f"{path} was written by a newer botstats (schema {len(applied)}, this one knows "
            f"{len(STEPS)}): upgrade botstats or point BOTSTATS_DB elsewhere.",
            path=path,
        )
    if not applied:
        others = [t for t in db.table_names() if not t.startswith(("sqlite_", "_sqlite"))]
        if others:
            raise StoreError(
                f"{path} is a SQLite database of another program (tables: "
                f"{', '.join(sorted(others)[:5])}); point BOTSTATS_DB at a new file.",
                path=path,
            )


def migrate(db: Database, path: str) -> int:
    """Check the version, apply pending steps once (even with racing processes); the version."""
    check_version(db, path)
    if MIGRATIONS.pending(db):
        # One BEGIN IMMEDIATE around every step: a second process starting at the same moment
        # waits, then finds nothing pending. Each step's own atomic() becomes a savepoint.
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            check_version(db, path)
            MIGRATIONS.apply(db)
        except BaseException:
            db.rollback()
            raise
        db.conn.execute("COMMIT")
    return len(applied_steps(db))
