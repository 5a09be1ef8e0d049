"""The relay's Prometheus metrics and their HTTP endpoint."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

log = logging.getLogger("pyvb.relay")


@dataclass
class RelayMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.delivered = Counter(
            "vb_relay_events_delivered", "Events delivered", ["sink", "topic"], registry=r
        )
        self.dead_letters = Counter("vb_relay_dead_letters", "Events set aside", ["sink"], registry=r)
        self.errors = Counter(
            "vb_relay_errors", "Failed delivery attempts and database errors", ["sink"], registry=r
        )
        self.lag_events = Gauge("vb_relay_lag_events", "Events not yet delivered", ["sink"], registry=r)
        self.lag_seconds = Gauge(
            "vb_relay_lag_seconds", "Age of the oldest undelivered event", ["sink"], registry=r
        )
        self.batch_seconds = Histogram(
            "vb_relay_batch_seconds",
            "Time to deliver one batch",
            ["sink"],
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.commit_to_delivery = Histogram(
            "vb_relay_commit_to_delivery_seconds",
            "From an event's outbox write to its sink acknowledging the batch that carried it",
            ["sink"],
            registry=r,
            buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.active = Gauge(
            "vb_relay_active", "1 while this relay is the active one, 0 on standby", registry=r
        )


def serve_metrics(metrics: RelayMetrics, port: int) -> None:
    start_http_server(port, addr="127.0.0.1", registry=metrics.registry)
    log.info("metrics on http://127.0.0.1:%d/metrics", port)
