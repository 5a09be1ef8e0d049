"""``pyvb bench relay``: what one relay delivers, how late, and what it costs the writers.

Each round, on a scratch ledger database: pgbench's simple-update (the machine's yardstick),
single transfers with no relay running (which leaves a backlog in the outbox), a relay
started on that backlog (events/s until Kafka and Redis have both caught up), then single
transfers again with the relay running (the ratio to the run without it). Finally a latency
run: transfers at a fixed event rate while a consumer measures commit → Kafka per event.
The relay is the real ``pyvb relay`` in its own process, as in production.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import psycopg

from pyvb.bench.harness import BenchError, Run, p50_p99, settle
from pyvb.bench.ledger import LedgerBench
from pyvb.config import with_database

#: a transfer between two customer accounts writes transfer.created and two balance.changed
EVENTS_PER_TRANSFER = 3


@dataclass
class RelayRound:
    baseline: Run
    without_relay: Run
    with_relay: Run
    drained_events: int
    drain_s: float
    #: with --pin: the same pair with PostgreSQL and pgbench on one core, the relay, the broker
    #: and Redis on the other
    pinned_without_relay: Run | None = None
    pinned_with_relay: Run | None = None

    @property
    def events_per_s(self) -> float:
        return self.drained_events / self.drain_s if self.drain_s else 0.0

    @property
    def ratio(self) -> float:
        return self.with_relay.transactions_per_s / self.without_relay.transactions_per_s

    @property
    def pinned_ratio(self) -> float | None:
        if self.pinned_with_relay is None or self.pinned_without_relay is None:
            return None
        return self.pinned_with_relay.transactions_per_s / self.pinned_without_relay.transactions_per_s


@dataclass
class LatencyRun:
    events_per_s: int
    delivered: int
    #: outbox write → received by a consumer
    p50_ms: float | None
    p99_ms: float | None
    #: outbox write → the broker acknowledged (the relay's histogram; bucket upper bounds)
    ack_p50_ms: float | None = None
    ack_p99_ms: float | None = None


def relay_histogram_quantiles(port: int, sink: str, quantiles: tuple[float, ...]) -> list[float | None]:
    """Upper bounds (ms) of the buckets holding the quantiles of the relay's
    vb_relay_commit_to_delivery_seconds for one sink, read from its metrics endpoint."""
    from urllib.request import urlopen

    from prometheus_client.parser import text_string_to_metric_families

    with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    buckets = []
    for family in text_string_to_metric_families(text):
        if family.name == "vb_relay_commit_to_delivery_seconds":
            buckets = sorted(
                (float(s.labels["le"]), s.value)
                for s in family.samples
                if s.name.endswith("_bucket") and s.labels.get("sink") == sink
            )
    total = buckets[-1][1] if buckets else 0
    bounds: list[float | None] = []
    for quantile in quantiles:
        bound = next((le for le, count in buckets if total and count >= quantile * total), None)
        bounds.append(None if bound is None else bound * 1000)
    return bounds


class RelayBench(LedgerBench):
    def __init__(self, server_url, kafka_bootstrap, redis_url, clients, duration_s, accounts, jobs, console):
        super().__init__(server_url, clients, duration_s, accounts, 100, accounts, jobs, console)
        self.kafka_bootstrap = kafka_bootstrap
        self.redis_url = redis_url
        self.url = with_database(server_url, self.scratch_db)
        self.relay_prefix: list[str] = []  # e.g. taskset's, to pin the relay

    # -- the relay process -------------------------------------------------------------
    def start_relay(self, *extra: str) -> subprocess.Popen:
        log = open(self.workdir / "relay.log", "ab")  # noqa: SIM115 - the child owns it
        command = [*self.relay_prefix, sys.executable, "-m", "pyvb.cli", "relay", "--database-url", self.url]
        command += [
            "--kafka-bootstrap",
            self.kafka_bootstrap,
            "--redis-url",
            self.redis_url,
            "--batch-size",
            "1000",
            *extra,
        ]
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return process

    def stop_relay(self, process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGTERM)
        try:
            if process.wait(timeout=60) != 0:
                raise BenchError(
                    f"the relay exited with {process.returncode}; see {self.workdir / 'relay.log'}"
                )
        except subprocess.TimeoutExpired:
            process.kill()
            raise BenchError("the relay did not stop within 60 s of SIGTERM") from None

    def _undelivered(self, conn) -> int:
        """Events not yet delivered by both sinks (all of them before the relay first ran)."""
        return conn.execute(
            """SELECT CASE WHEN count(*) < 2
                           THEN (SELECT next_event_id - 1 FROM vb.event_sequence)
                                + (SELECT coalesce(sum(json_array_length(events)), 0) FROM vb.outbox)
                           ELSE max(lag_events) END
               FROM vb_ops.relay_status()"""
        ).fetchone()[0]

    def wait_caught_up(self, timeout_s: float = 600) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            deadline = time.monotonic() + timeout_s
            while self._undelivered(conn) > 0:
                if time.monotonic() > deadline:
                    raise BenchError(f"the relay did not catch up within {timeout_s:.0f}s")
                time.sleep(0.02)

    # -- runs --------------------------------------------------------------------------
    def transfers(self, name: str, rate_tx_s: int | None = None, clients: int | None = None) -> Run:
        args = ["-M", "prepared", "-f", self._script("single", self.accounts)]
        if rate_tx_s:
            args += ["-R", str(rate_tx_s)]
        return self._timed_run(name, self.scratch_db, args, clients or self.clients, 1)

    def round(self, pin: bool = False) -> RelayRound:
        baseline = self.baseline()
        without_relay = self.transfers("create_transfer, no relay")
        with psycopg.connect(self.url, autocommit=True) as conn:
            backlog = self._undelivered(conn)
        relay = self.start_relay()
        try:
            started = time.monotonic()
            self.wait_caught_up()
            drain_s = time.monotonic() - started
            with_relay = self.transfers("create_transfer, relay running")
            self.wait_caught_up()
        finally:
            self.stop_relay(relay)
        result = RelayRound(baseline, without_relay, with_relay, backlog, drain_s)
        if pin:
            result.pinned_without_relay, result.pinned_with_relay = self.pinned_pair()
        return result

    def pinned_pair(self) -> tuple[Run, Run]:
        """Single transfers without and with the relay, PostgreSQL (every process of the server,
        new backends included) and pgbench on one core, the relay, the broker (a bundled tansu)
        and Redis on the other: the relay's cost on the database, apart from its own CPU."""
        from urllib.parse import urlsplit

        import redis

        from pyvb.bench.pinning import (
            PinningError,
            pinned,
            postmaster_pid,
            process_and_children,
            processes_named,
            taskset,
            two_cores,
        )

        try:
            database_core, relay_core = two_cores()
            with psycopg.connect(self.url) as conn:
                postmaster = postmaster_pid(conn.execute("SHOW data_directory").fetchone()[0])
            # Redis only when it runs here (its pid means nothing elsewhere); the bundled broker
            local_redis = urlsplit(self.redis_url).hostname in ("127.0.0.1", "localhost", "::1")
            redis_pids = (
                [int(redis.Redis.from_url(self.redis_url).info("server")["process_id"])]
                if local_redis
                else []
            )
            groups = {
                database_core: lambda: process_and_children(postmaster),
                relay_core: lambda: [*redis_pids, *processes_named("tansu")],
            }
            with pinned(groups):
                self.pgbench_prefix, self.relay_prefix = taskset(database_core), taskset(relay_core)
                try:
                    without = self.transfers("create_transfer, pinned, no relay")
                    relay = self.start_relay()
                    try:
                        self.wait_caught_up()
                        with_relay = self.transfers("create_transfer, pinned, relay running")
                        self.wait_caught_up()
                    finally:
                        self.stop_relay(relay)
                finally:
                    self.pgbench_prefix, self.relay_prefix = [], []
        except PinningError as error:
            raise BenchError(str(error)) from None
        return without, with_relay

    def latency(self, events_per_s: int) -> LatencyRun:
        """Transfers at events_per_s while a consumer reads vb.transfers and vb.balances from
        their end. The consumer is librdkafka's: kafka-python's fell behind by tens of
        milliseconds within a few seconds here, which timed the consumer, not the relay. The
        rounds before left dead rows in the outbox and the event log (these machines run without
        autovacuum; a deployment runs it): they are vacuumed first, or the run would time them."""
        from confluent_kafka import OFFSET_END, Consumer, TopicPartition

        from pyvb.services.tansu import free_port

        # what is already committed (the setup's events, minutes old) is delivered first, by a
        # relay of its own: the measured relay's histogram counts only the run's events
        relay = self.start_relay()
        try:
            self.wait_caught_up()
        finally:
            self.stop_relay(relay)
        with psycopg.connect(self.url, autocommit=True) as conn:
            settle(conn)

        metrics_port = free_port()
        relay = self.start_relay("--metrics-port", str(metrics_port))
        try:
            self.wait_caught_up()
            consumer = Consumer(
                {
                    "bootstrap.servers": self.kafka_bootstrap,
                    "group.id": "pyvb-bench-latency",
                    "enable.auto.commit": False,
                    "fetch.wait.max.ms": 5,
                }
            )
            topics = consumer.list_topics(timeout=10).topics
            consumer.assign(
                [
                    TopicPartition(topic, partition, OFFSET_END)
                    for topic in ("vb.transfers", "vb.balances")
                    for partition in topics[topic].partitions
                ]
            )
            latencies: list[float] = []
            load_started_s = float("inf")
            stop = threading.Event()

            def consume() -> None:
                while not stop.is_set():
                    for message in consumer.consume(num_messages=1000, timeout=0.05):
                        if message.error():
                            continue
                        received = time.time()
                        occurred = json.loads(message.value())["occurred_at"].replace("Z", "+00:00")
                        occurred_s = datetime.fromisoformat(occurred).timestamp()
                        if occurred_s >= load_started_s:  # only events of the paced load
                            latencies.append((received - occurred_s) * 1000)

            reader = threading.Thread(target=consume, daemon=True)
            reader.start()
            time.sleep(2.0)  # let the consumer reach the end of every partition
            load_started_s = time.time()
            self.transfers(
                f"create_transfer at {events_per_s} events/s",
                rate_tx_s=max(1, events_per_s // EVENTS_PER_TRANSFER),
                clients=4,
            )
            self.wait_caught_up()
            time.sleep(1.0)
            stop.set()
            reader.join()
            consumer.close()
            acknowledged = relay_histogram_quantiles(metrics_port, "kafka", (0.5, 0.99))
        finally:
            self.stop_relay(relay)
        return LatencyRun(events_per_s, len(latencies), *p50_p99(latencies), *acknowledged)
