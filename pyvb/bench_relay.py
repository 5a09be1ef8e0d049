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
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import psycopg

from pyvb.bench import BenchError, LedgerBench, Run
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

    @property
    def events_per_s(self) -> float:
        return self.drained_events / self.drain_s if self.drain_s else 0.0

    @property
    def ratio(self) -> float:
        return self.with_relay.transactions_per_s / self.without_relay.transactions_per_s


@dataclass
class LatencyRun:
    events_per_s: int
    delivered: int
    p50_ms: float | None
    p99_ms: float | None


class RelayBench(LedgerBench):
    def __init__(self, server_url, kafka_bootstrap, redis_url, clients, duration_s, accounts, jobs, console):
        super().__init__(server_url, clients, duration_s, accounts, 100, accounts, jobs, console)
        self.kafka_bootstrap = kafka_bootstrap
        self.redis_url = redis_url
        self.url = with_database(server_url, self.scratch_db)

    # -- the relay process -------------------------------------------------------------
    def start_relay(self) -> subprocess.Popen:
        log = open(self.workdir / "relay.log", "ab")  # noqa: SIM115 - the child owns it
        command = [sys.executable, "-m", "pyvb.cli", "relay", "--database-url", self.url]
        command += [
            "--kafka-bootstrap",
            self.kafka_bootstrap,
            "--redis-url",
            self.redis_url,
            "--batch-size",
            "1000",
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

    def round(self) -> RelayRound:
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
        return RelayRound(baseline, without_relay, with_relay, backlog, drain_s)

    def latency(self, events_per_s: int) -> LatencyRun:
        """Transfers at events_per_s while a consumer reads vb.transfers and vb.balances."""
        from kafka import KafkaConsumer, TopicPartition

        relay = self.start_relay()
        try:
            self.wait_caught_up()
            consumer = KafkaConsumer(
                bootstrap_servers=self.kafka_bootstrap, max_poll_interval_ms=10_000, fetch_max_wait_ms=5
            )
            partitions = [
                TopicPartition(topic, partition)
                for topic in ("vb.transfers", "vb.balances")
                for partition in consumer.partitions_for_topic(topic) or ()
            ]
            consumer.assign(partitions)
            consumer.seek_to_end()
            for partition in partitions:
                consumer.position(partition)
            latencies: list[float] = []
            load_started_s = float("inf")
            stop = threading.Event()

            def consume() -> None:
                while not stop.is_set():
                    for records in consumer.poll(timeout_ms=100).values():
                        received = time.time()
                        for record in records:
                            occurred = json.loads(record.value)["occurred_at"].replace("Z", "+00:00")
                            occurred_s = datetime.fromisoformat(occurred).timestamp()
                            if occurred_s >= load_started_s:  # only events of the paced load
                                latencies.append((received - occurred_s) * 1000)

            reader = threading.Thread(target=consume, daemon=True)
            reader.start()
            time.sleep(2.0)  # the consumer's first fetches are slow; measure the relay, not them
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
        finally:
            self.stop_relay(relay)
        p50 = p99 = None
        if len(latencies) >= 2:
            cuts = statistics.quantiles(latencies, n=100)
            p50, p99 = cuts[49], cuts[98]
        return LatencyRun(events_per_s, len(latencies), p50, p99)
