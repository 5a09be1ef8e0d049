"""Helpers for relay tests and benchmarks: run a relay in a thread or a child process, read
back what reached Kafka, write events to the outbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

from pyvb.relay import TOPIC_OF_AGGREGATE, RelayThread  # noqa: F401 - tests import it from here


@dataclass
class Delivered:
    topic: str
    partition: int
    key: str
    headers: dict
    envelope: dict


def read_topics(
    bootstrap: str, prefix: str = "vb.", idle_s: float = 2.0, expect: int | None = None
) -> list[Delivered]:
    """Every message on the relay's topics, from the beginning, in partition order. Stops when
    ``expect`` messages were read or nothing new came for ``idle_s``."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, consumer_timeout_ms=int(idle_s * 1000), max_poll_interval_ms=10_000
    )
    try:
        partitions = []
        for topic in sorted({prefix + t for t in TOPIC_OF_AGGREGATE.values()}):
            for partition in consumer.partitions_for_topic(topic) or ():
                partitions.append(TopicPartition(topic, partition))
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        messages = []
        for message in consumer:
            messages.append(
                Delivered(
                    message.topic,
                    message.partition,
                    message.key.decode(),
                    {k: v.decode() for k, v in message.headers},
                    json.loads(message.value),
                )
            )
            if expect is not None and len(messages) >= expect:
                break
        return messages
    finally:
        consumer.close()


def relay_process(
    database_url: str, kafka: str, redis_url: str, log_path: Path, *extra: str
) -> subprocess.Popen:
    """``pyvb relay`` as a child process, logging to ``log_path``."""
    command = [
        sys.executable, "-m", "pyvb.cli", "relay", "--database-url", database_url,
        "--kafka-bootstrap", kafka, "--redis-url", redis_url, "--poll-interval", "0.2", *extra,
    ]  # fmt: skip
    log = open(log_path, "ab")  # noqa: SIM115 - the child owns it
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))


def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> int:
    process.send_signal(sig)
    return process.wait(timeout=30)


def wait_until(predicate, timeout_s: float = 30.0, interval_s: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"{message} not reached within {timeout_s}s")


def progress(database_url: str, sink: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT last_event_id FROM vb.relay_progress WHERE sink = %s", (sink,)).fetchone()
    return row[0] if row else 0


def count_events(database_url: str) -> int:
    """Every event written, numbered or still waiting in the outbox."""
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM vb.outbox_events").fetchone()[0]


def all_events(database_url: str) -> list[tuple]:
    """(event_id, event_type, aggregate, aggregate_id, payload) of every numbered event."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT event_id, event_type, aggregate, aggregate_id, payload::text FROM vb.outbox_events"
            " WHERE event_id IS NOT NULL ORDER BY event_id"
        ).fetchall()


def write_transfers(database_url: str, count: int, prefix: str = "relay") -> None:
    """``count`` committed single transfers between two fresh accounts (3 events each)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tag = uuid.uuid4().hex[:8]
        user = uuid.uuid4()
        conn.execute("SELECT vb_api.create_user(%s, %s)", (user, f"{prefix}-{tag}"))
        accounts = [uuid.uuid4(), uuid.uuid4()]
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute(
            "SELECT vb_api.open_account(%s, 'VBD', %s, 'customer', 1000000000000)", (accounts[0], user)
        )
        conn.execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (accounts[1], user))
        for _ in range(count):
            conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 1, 'relay-test')",
                (uuid.uuid4(), accounts[0], accounts[1]),
            )


class RedisServer:
    """A private redis-server on a free port, so a test can stop and restart it."""

    def __init__(self):
        from pyvb.services.tansu import free_port

        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        from pyvb.services.tansu import wait_for_port

        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
