"""The ``botstats`` command line (DESIGN §2); also ``python -m slackbot``."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.markup import escape

from slackbot import __version__
from slackbot.config import Settings, load_settings
from slackbot.core.periods import PERIOD_USAGE, parse_period
from slackbot.errors import BotstatsError, ConfigError, UsageError
from slackbot.logs import configure_logging
from slackbot.runtime import build_service

BOTPRESS = ("BOTPRESS_TOKEN", "BOTPRESS_WORKSPACE_ID")
Handler = Callable[[argparse.Namespace, Console], int]


def warn(message: str) -> None:
    """A warning on stderr: the answer stands (exit 0), but a person must act."""
    Console(stderr=True, soft_wrap=True).print(
        f"[bold yellow]botstats:[/] {escape(message)}", highlight=False
    )


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    """``botstats report BOT [PERIOD] [--json]``."""
    from slackbot.console.render import render_summary

    settings = load_settings(*BOTPRESS)
    service = build_service(settings)
    now = service.clock()
    period = parse_period(args.period, now=now)
    summary = service.summary(service.resolve_bot(args.bot), period, now=now)
    if args.json:
        print(json.dumps(summary.to_json(), indent=2))
    else:
        render_summary(console, summary, tz=settings.timezone, now=now)
    for note in summary.notes:  # e.g. stored numbers served while Botpress refuses the token
        warn(note)
    return 0


def cmd_bots(args: argparse.Namespace, console: Console) -> int:
    """``botstats bots [--json]``: the tracked bots with the days stored of each."""
    from slackbot.console.render import render_bots

    service = build_service(load_settings(*BOTPRESS))
    bots = service.bots()
    stored = service.days_stored(bots)
    rows = [
        {"alias": bot.alias, "id": bot.id, "name": bot.name, "daysStored": stored[bot.id]}
        for bot in bots
    ]
    if args.json:
        print(json.dumps({"bots": rows}, indent=2))
    else:
        render_bots(console, rows)
    for warning in service.warnings():
        warn(warning)
    return 0


def cmd_sync(args: argparse.Namespace, console: Console) -> int:
    """``botstats sync [--days N] [--bot B]``."""
    from slackbot.console.progress import make_progress
    from slackbot.sync import sync_bots

    service = build_service(load_settings(*BOTPRESS))
    bots = [service.resolve_bot(args.bot)] if args.bot else service.bots()
    report = sync_bots(
        service.client,
        service.store,
        bots,
        today=service.clock().date(),
        clock=service.clock,
        days=args.days,
        progress=make_progress(console),
    )
    head, *problems = report.lines()
    console.print(head, highlight=False, markup=False)
    errors = Console(stderr=True, soft_wrap=True)
    for line in problems:
        errors.print(line, highlight=False, markup=False)
    if report.refused is None:  # a refusal was said above, once
        for warning in service.warnings():
            warn(warning)
    return 0 if report.ok else 1


def cmd_digest(args: argparse.Namespace, console: Console) -> int:
    """``botstats digest [--dry-run] [--channel C] [--bot B]``: build (and post) it now."""
    from slackbot.console.digest import post_digest, show_digest
    from slackbot.slack.app import build_web_client
    from slackbot.slack.poster import SlackPoster

    settings = load_settings(*BOTPRESS)
    channel: str | None = args.channel or settings.botstats_digest_channel
    if not args.dry_run:
        if not channel:
            raise UsageError(
                "Say where to post: --channel C0123ABCD (a channel ID), or set "
                "BOTSTATS_DIGEST_CHANNEL; --dry-run prints the digest instead.",
                "botstats digest [--dry-run] [--channel C] [--bot B]",
            )
        settings.require("SLACK_BOT_TOKEN")
    service = build_service(settings)
    target = service.resolve_bot(args.bot).id if args.bot else "all"
    if args.dry_run or channel is None:
        return show_digest(console, settings, service, target)
    poster = SlackPoster(build_web_client(settings))
    return post_digest(
        console, settings=settings, service=service, target=target, channel=channel, poster=poster
    )


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    """``botstats check [--dry-run] [--json]``: the anomaly check now."""
    from slackbot.console.alerts import show_check
    from slackbot.runtime import build_alert_check
    from slackbot.slack.app import build_web_client
    from slackbot.slack.poster import SlackPoster

    settings = load_settings(*BOTPRESS)
    poster = None
    if not args.dry_run:
        settings.require("SLACK_BOT_TOKEN")
        poster = SlackPoster(build_web_client(settings))
    service = build_service(settings)
    routed = any(r.enabled for r in service.store.alerts.route_table())
    if poster is not None and not (settings.botstats_alert_channel or routed):
        # Checked alerts are recorded as told: with nowhere to post, they would be lost.
        raise UsageError(
            "Say where alerts go: set BOTSTATS_ALERT_CHANNEL (a channel ID) or run "
            "`/botstats alerts on` in a channel; --dry-run shows them instead.",
            "botstats check [--dry-run] [--json]",
        )
    now = service.clock()
    result, posted = build_alert_check(settings, service, poster).run(now, post=not args.dry_run)
    names = {bot.id: bot.name for bot in service.bots()}
    show_check(
        console,
        result,
        posted,
        now=now,
        as_json=args.json,
        dry_run=args.dry_run,
        names=names,
    )
    failed = [p for p in posted if p.outcome in ("failed", "stuck")]
    return 1 if failed else 0


def cmd_backtest(args: argparse.Namespace, console: Console) -> int:
    """``botstats backtest [--days N] [--bot B] [--json]``: what the alerts would have sent."""
    from slackbot.alerts.backtest import backtest
    from slackbot.console.alerts import show_backtest

    settings = load_settings(*BOTPRESS)
    service = build_service(settings)
    bots = [service.resolve_bot(args.bot)] if args.bot else service.bots()
    today = service.clock().date()
    results = backtest(
        service.store, bots, days=args.days, today=today, thresholds=settings.thresholds
    )
    show_backtest(console, results, as_json=args.json)
    return 0


def cmd_demo(args: argparse.Namespace, console: Console) -> int:
    """``botstats demo``: the whole product against the built-in simulator."""
    from slackbot.demo import run_demo

    return run_demo(console, seed=args.seed, keep_db=args.db, html=args.html)


def cmd_serve(args: argparse.Namespace, console: Console) -> int:
    """``botstats serve [--host H] [--port P]``: the Slack app (HTTP or Socket Mode)."""
    from slackbot.slack.web import required_settings, select_mode, serve

    settings = load_settings()  # main() set the log level: a server logs what it does
    settings.require(*required_settings(select_mode(settings)))
    return serve(settings, host=args.host, port=args.port)


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 0 and 65535")
    return value


def _days(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 365:
        raise argparse.ArgumentTypeError("must be between 1 and 365")
    return value


def _channel(text: str) -> str:
    value = text.strip().lstrip("#")
    if not re.fullmatch(r"[CGD][A-Z0-9]{6,}", value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a channel ID (like C0123ABCD; in Slack: channel details, bottom)"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="botstats", description="Botpress analytics in Slack: summaries, digests, alerts."
    )
    parser.add_argument("--version", action="version", version=f"botstats {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    report = sub.add_parser("report", help="a bot's summary in the terminal")
    report.add_argument("bot", metavar="BOT", help="alias, bot id, or unique name prefix")
    report.add_argument("period", metavar="PERIOD", nargs="?", default="7d", help=PERIOD_USAGE)
    report.add_argument("--json", action="store_true", help="one JSON document on stdout")
    report.set_defaults(handler=cmd_report)

    bots = sub.add_parser("bots", help="the tracked bots: alias, id, name, days stored")
    bots.add_argument("--json", action="store_true", help="one JSON document on stdout")
    bots.set_defaults(handler=cmd_bots)

    sync = sub.add_parser("sync", help="fetch closed days into SQLite (incremental)")
    sync.add_argument("--days", type=_days, default=90, help="days of history (default 90)")
    sync.add_argument("--bot", metavar="BOT", help="only this bot")
    sync.set_defaults(handler=cmd_sync)

    digest = sub.add_parser("digest", help="build the weekly digest now and post it")
    digest.add_argument("--dry-run", action="store_true", help="print it; post nothing")
    digest.add_argument("--channel", type=_channel, metavar="C", help="channel ID to post to")
    digest.add_argument("--bot", metavar="BOT", help="only this bot (default: all)")
    digest.set_defaults(handler=cmd_digest)

    check = sub.add_parser("check", help="run the anomaly check now")
    check.add_argument("--dry-run", action="store_true", help="post and save nothing")
    check.add_argument("--json", action="store_true", help="one JSON document on stdout")
    check.set_defaults(handler=cmd_check)

    back = sub.add_parser("backtest", help="replay the alert engine over stored history")
    back.add_argument("--days", type=_days, default=90, help="days to replay (default 90)")
    back.add_argument("--bot", metavar="BOT", help="only this bot")
    back.add_argument("--json", action="store_true", help="one JSON document on stdout")
    back.set_defaults(handler=cmd_backtest)

    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode with SLACK_APP_TOKEN)")
    serve.add_argument("--host", default="0.0.0.0", help="interface to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=_port, default=3000, help="port (default 3000)")
    serve.set_defaults(handler=cmd_serve)

    demo = sub.add_parser("demo", help="run everything against a simulated workspace")
    demo.add_argument("--seed", type=int, default=7, help="seed of the simulated workspace")
    demo.add_argument("--db", metavar="PATH", help="keep the demo database at PATH")
    demo.add_argument(
        "--html", metavar="PATH", help="also write every message to one HTML page at PATH"
    )
    demo.set_defaults(handler=cmd_demo)
    return parser


def setup_logging(args: argparse.Namespace) -> None:
    """Logs in BOTSTATS_LOG_FORMAT; serve from BOTSTATS_LOG_LEVEL, other commands WARNING."""
    try:
        settings = load_settings()
    except (ConfigError, OSError):
        # The defaults (text, INFO); the command itself names the bad variable.
        settings = Settings.model_construct()
    level = settings.botstats_log_level if args.command == "serve" else "WARNING"
    tokens = (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token)
    # Pattern redaction cannot recognise a signing secret; its configured value it can.
    secrets = [t.get_secret_value() for t in (*tokens, settings.botpress_token) if t is not None]
    configure_logging(
        settings.botstats_log_format, "DEBUG" if args.verbose else level, secrets=secrets
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    setup_logging(args)
    console = Console()
    errors = Console(stderr=True, soft_wrap=True)
    handler: Handler = args.handler
    try:
        return handler(args, console)
    except BotstatsError as exc:
        errors.print(f"[bold red]botstats:[/] {escape(str(exc))}", highlight=False)
        # DESIGN §2: 2 for configuration or usage (bad PERIOD, unknown BOT), 1 for failed work.
        return 2 if isinstance(exc, ConfigError | UsageError) else 1
    except KeyboardInterrupt:
        return 130
