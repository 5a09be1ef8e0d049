"""System metrics for Prometheus (contract audit.md): ``vb_ops.system_metrics`` read on every
scrape, served by prometheus-client; ``vb_ops.collect_system_metrics`` stores a snapshot.

The series, their kinds and help texts are the database's (one place: the SQL function's header
and the README's Metrics table); this module only turns rows into metric families. One series is
ours: ``vb_db_up`` — 1 when the scrape reached the database, 0 when it did not (then no other
``vb_db_*`` sample is served: an old value would read as a live one)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import psycopg
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from pyvb.config import OPS_ROLE, acting_as, redact
from pyvb.logs import one_line, stop_on_signals

log = logging.getLogger("pyvb.metrics")

METRICS_SQL = "SELECT metric, kind, help, labels, metric_value FROM vb_ops.system_metrics()"
COLLECT_SQL = "SELECT metric, labels, metric_value FROM vb_ops.collect_system_metrics()"
DEFAULT_PORT = 9187


def families(rows) -> list[Metric]:
    """Prometheus metric families from vb_ops.system_metrics rows (a row without a value declares
    its family without a sample)."""
    by_name: dict[str, Metric] = {}
    for name, kind, help_text, labels, value in rows:
        family = by_name.get(name)
        if family is None:
            kind_class = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
            family = by_name[name] = kind_class(name, help_text, labels=sorted(labels))
        if value is not None:
            family.add_metric([str(labels[key]) for key in sorted(labels)], value)
    return list(by_name.values())


class SystemMetricsCollector:
    """A prometheus-client collector reading the database on each scrape, over one connection
    acting as vb_ops (opened again after a failure)."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()  # the HTTP server may scrape from several threads

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("vb_db_up", "1 when this scrape reached the database, else 0")
        with self._lock:
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(acting_as(self.database_url, OPS_ROLE), autocommit=True)
                rows = self._conn.execute(METRICS_SQL).fetchall()
            except psycopg.Error as error:
                log.warning("metrics: %s unreachable: %s", redact(self.database_url), one_line(error))
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
                up.add_metric([], 0)
                yield up
                return
        up.add_metric([], 1)
        yield up
        yield from families(rows)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


def serve(database_url: str, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> None:
    """Serve /metrics on ``host:port`` until SIGTERM or SIGINT."""
    registry = CollectorRegistry()
    collector = SystemMetricsCollector(database_url)
    registry.register(collector)
    server, thread = start_http_server(port, addr=host, registry=registry)
    stop = threading.Event()
    stop_on_signals(stop, log, doing="stopping")
    log.info("metrics on http://%s:%d/metrics", host, port)
    try:
        stop.wait()
    finally:
        server.shutdown()
        thread.join(5)
        collector.close()
