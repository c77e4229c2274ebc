"""Prometheus metrics of the Slack app: commands, latencies, Botpress calls, Slack deliveries.

Each ``Telemetry`` has its own ``CollectorRegistry`` (not prometheus_client's global one),
so a process, or a test, can build as many apps as it likes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

#: Ack latency buckets: Slack gives 3 s; we aim well under 30 ms.
ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0)
#: Reply latency buckets: one Botpress round trip up to a slow multi-bot fetch.
REPLY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class CountingClient(Protocol):
    """What the Botpress collector reads: the client's thread-safe counters."""

    @property
    def request_count(self) -> int:
        """HTTP requests sent, retries included."""

    @property
    def error_count(self) -> int:
        """Failed attempts."""


class BotpressCollector(Collector):
    """Botpress requests and errors, read from the client at scrape time."""

    def __init__(self, client: CountingClient) -> None:
        self.client = client

    def collect(self) -> Iterable[Metric]:
        """Yield the two counters."""
        yield CounterMetricFamily(
            "botstats_botpress_requests",
            "HTTP requests sent to the Botpress Admin API, retries included.",
            value=self.client.request_count,
        )
        yield CounterMetricFamily(
            "botstats_botpress_errors",
            "Failed Botpress requests: error statuses, network failures, unreadable bodies.",
            value=self.client.error_count,
        )


class Telemetry:
    """The app's metrics, in a registry of its own; ``render()`` is the /metrics body."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, *, botpress: CountingClient | None = None) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "botstats_commands",
            "/botstats commands handled, by subcommand and outcome.",
            ["subcommand", "outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "botstats_slack_ack_seconds",
            "From a Slack request's arrival to its acknowledgement.",
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.reply_seconds = Histogram(
            "botstats_command_reply_seconds",
            "From a /botstats request's arrival to its reply being delivered to response_url.",
            buckets=REPLY_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = Counter(
            "botstats_slack_deliveries",
            "Messages sent to Slack, by kind (respond, post) and outcome (ok, failed, error).",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.work_refused = Counter(
            "botstats_work_refused",
            "Work refused because the reply pool was full, by what (command, home...).",
            ["what"],
            registry=self.registry,
        )
        if botpress is not None:
            self.registry.register(BotpressCollector(botpress))

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
