"""``pyvb relay``: deliver committed outbox events to Kafka and Redis.

The main connection holds the advisory lock that makes this relay the active one, listens for
wake-ups and numbers events; each sink has a worker thread with its own connection:

1. ``vb_ops.relay_sequence_events`` moves committed outbox rows into the numbered event log
   (event ids increase in commit-visibility order; a late committer is numbered late, never
   skipped).
2. Each sink worker reads the log after its own recorded position, delivers, and records its
   new position. Sinks advance independently; a sink that fails backs off and retries from its
   position (at least once), the others go on.
3. With nothing to number the main loop lingers briefly, then sets the wake-up flag and sleeps
   on LISTEN (writers NOTIFY only while the flag is set) with a bounded fallback poll.

An event that cannot be serialised (or that a sink refuses for good, e.g. too large) is
recorded in ``vb.relay_dead_letters`` for that sink and the stream goes on. The relay only
calls ``vb_ops`` functions, so the ``vb_ops`` role is enough to run it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import orjson
import psycopg
import redis
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from pyvb.cache import QUOTE_KEY, CacheScripts
from pyvb.logs import one_line, stop_on_signals

log = logging.getLogger("pyvb.relay")

#: pg_try_advisory_lock key of the active relay (any constant; 'vbrelay' in ASCII).
RELAY_LOCK_KEY = 0x7662_7265_6C61_79
NOTIFY_CHANNEL = "vb_relay"
#: Kafka topic (after the prefix) of each aggregate, per the events contract.
TOPIC_OF_AGGREGATE = {
    "transfer": "transfers",
    "balance": "balances",
    "order": "orders",
    "trade": "trades",
    "risk": "risk",
    "account": "accounts",
    "quote": "quotes",
}
SCHEMA_VERSION = 1


class SinkUnavailable(Exception):
    """The sink cannot take events now (connection refused, broker down, timeout)."""


@dataclass(frozen=True)
class Event:
    event_id: int
    outbox_id: int
    type: str
    aggregate: str
    key: str
    payload: dict
    occurred_at: str
    #: the serialised envelope (UTF-8 JSON)
    envelope: bytes
    #: occurred_at as seconds since the epoch (for the commit-to-delivery histogram)
    occurred_s: float = 0.0


@dataclass(frozen=True)
class BadEvent:
    event_id: int
    outbox_id: int
    reason: str
    text: str


def _envelope(
    event_id: int, raw: Any, occurred_at: str, outbox_id: int, occurred_s: float
) -> Event | BadEvent:
    if not isinstance(raw, dict):
        return BadEvent(event_id, outbox_id, "not a json object", json.dumps(raw)[:10_000])
    fields = {name: raw.get(name) for name in ("type", "aggregate", "key")}
    missing = [name for name, value in fields.items() if not isinstance(value, str) or not value]
    if missing or not isinstance(raw.get("payload"), dict):
        reason = f"missing or invalid {', '.join(missing) or 'payload'}"
        return BadEvent(event_id, outbox_id, reason, json.dumps(raw)[:10_000])
    envelope = {
        "event_id": event_id,
        "type": fields["type"],
        "aggregate": fields["aggregate"],
        "key": fields["key"],
        "occurred_at": occurred_at,
        "schema_version": SCHEMA_VERSION,
        "payload": raw["payload"],
    }
    try:
        data = orjson.dumps(envelope)
        fields["key"].encode("utf-8")
    except (orjson.JSONEncodeError, UnicodeEncodeError) as error:
        return BadEvent(event_id, outbox_id, f"cannot be serialised: {error}", json.dumps(raw)[:10_000])
    return Event(
        event_id,
        outbox_id,
        fields["type"],
        fields["aggregate"],
        fields["key"],
        raw["payload"],
        occurred_at,
        data,
        occurred_s,
    )


def parse_log_rows(rows: Iterable[tuple]) -> list[Event | BadEvent]:
    """Explode vb_ops.relay_read_events rows into events, numbering each from its row.

    orjson parses and serialises (several times faster than the standard library, which
    matters at tens of thousands of events a second); a row orjson refuses (a lone surrogate
    escape, say) is parsed by the standard library so that only its bad events are set aside.
    """
    events: list[Event | BadEvent] = []
    for first_event_id, event_count, outbox_id, occurred_at, text in rows:
        try:
            elements = orjson.loads(text)
        except orjson.JSONDecodeError:
            try:
                elements = json.loads(text)
            except ValueError as error:
                elements = f"row is not json: {error}"
        if not isinstance(elements, list) or len(elements) != event_count:
            reason = elements if isinstance(elements, str) else "row is not an array of the expected length"
            events.extend(
                BadEvent(first_event_id + i, outbox_id, reason, text[:10_000]) for i in range(event_count)
            )
            continue
        occurred = occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        occurred_s = occurred_at.timestamp()
        events.extend(
            _envelope(first_event_id + i, element, occurred, outbox_id, occurred_s)
            for i, element in enumerate(elements)
        )
    return events


class KafkaSink:
    """Kafka: key = aggregate id, headers event_id and type, topics created when missing.

    The producer is librdkafka's (confluent-kafka): kafka-python's pure-Python producer tops out
    near 10,000 messages/s on this class of machine, half the relay's target. It is idempotent
    with acks=all, so its own retries neither duplicate nor reorder a partition; a batch that
    fails is redelivered whole from the recorded position (at least once).
    """

    name = "kafka"

    def __init__(
        self,
        bootstrap: str,
        topic_prefix: str = "vb.",
        partitions: int = 3,
        replication_factor: int = 1,
        timeout_s: float = 10.0,
    ):
        self.bootstrap = bootstrap
        self.topic_prefix = topic_prefix
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.timeout_s = timeout_s
        self.producer = None

    def topic_for(self, aggregate: str) -> str | None:
        topic = TOPIC_OF_AGGREGATE.get(aggregate)
        return self.topic_prefix + topic if topic else None

    def open(self) -> None:
        """Create missing topics and the producer (and its producer id) once."""
        if self.producer is not None:
            return
        from confluent_kafka import KafkaException, Producer

        try:
            self.ensure_topics()
        except KafkaException as error:
            raise SinkUnavailable(f"kafka at {self.bootstrap}: {error}") from error
        self.producer = Producer(
            {
                "bootstrap.servers": self.bootstrap,
                "client.id": "pyvb-relay",
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 2,
                "message.timeout.ms": int(self.timeout_s * 1000),
                "socket.timeout.ms": int(self.timeout_s * 1000),
                "logger": logging.getLogger("pyvb.relay.librdkafka"),
            }
        )
        # connect now: the first delivery would otherwise pay for the connection
        try:
            self.producer.list_topics(timeout=self.timeout_s)
        except KafkaException as error:
            self.producer = None
            raise SinkUnavailable(f"kafka at {self.bootstrap}: {error}") from error

    def ensure_topics(self) -> None:
        from confluent_kafka import KafkaError
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient(
            {"bootstrap.servers": self.bootstrap, "socket.timeout.ms": int(self.timeout_s * 1000)}
        )
        existing = set(admin.list_topics(timeout=self.timeout_s).topics)
        missing = [
            NewTopic(self.topic_prefix + topic, self.partitions, self.replication_factor)
            for topic in sorted(set(TOPIC_OF_AGGREGATE.values()))
            if self.topic_prefix + topic not in existing
        ]
        if not missing:
            return
        for topic, future in admin.create_topics(missing, request_timeout=self.timeout_s).items():
            try:
                future.result(timeout=self.timeout_s)
            except Exception as error:  # a KafkaException wrapping the broker's answer
                if (
                    error.args
                    and getattr(error.args[0], "code", lambda: None)() == KafkaError.TOPIC_ALREADY_EXISTS
                ):
                    continue
                raise
            log.info("kafka: created topic %s", topic)

    def deliver(
        self, events: list[Event], dead_letter: Callable[[Event | BadEvent, str], None]
    ) -> dict[str, int]:
        from confluent_kafka import KafkaError, KafkaException

        self.open()
        failures: list[tuple[Event, KafkaError]] = []
        delivered: dict[str, int] = {}

        def on_delivery(event: Event, topic: str):
            def report(error, _message):
                if error is None:
                    delivered[topic] = delivered.get(topic, 0) + 1
                else:
                    failures.append((event, error))

            return report

        try:
            for event in events:
                topic = self.topic_for(event.aggregate)
                if topic is None:
                    dead_letter(event, f"no Kafka topic for aggregate {event.aggregate!r}")
                    continue
                headers = [("event_id", str(event.event_id).encode()), ("type", event.type.encode())]
                while True:
                    try:
                        self.producer.produce(
                            topic,
                            event.envelope,
                            event.key.encode(),
                            headers=headers,
                            on_delivery=on_delivery(event, topic),
                        )
                        break
                    except BufferError:  # the local queue is full: let it drain
                        self.producer.poll(0.05)
                    except KafkaException as error:
                        if error.args[0].code() != KafkaError.MSG_SIZE_TOO_LARGE:
                            raise
                        dead_letter(event, f"kafka refused it: {error.args[0].str()}")
                        break
                self.producer.poll(0)
            remaining = self.producer.flush(self.timeout_s + 5)
        except KafkaException as error:
            self.close()
            raise SinkUnavailable(f"kafka: {error}") from error
        if remaining:
            self.close()
            raise SinkUnavailable(f"kafka: {remaining} message(s) not acknowledged in time")
        for event, error in failures:
            if error.code() == KafkaError.MSG_SIZE_TOO_LARGE:
                dead_letter(event, f"kafka refused it: {error.str()}")
            else:
                self.close()
                raise SinkUnavailable(f"kafka: {error.str()}")
        return delivered

    def close(self) -> None:
        # librdkafka frees the producer with the object; undelivered messages are simply dropped,
        # the batch is redelivered from the recorded position
        self.producer = None


class RedisSink:
    """Redis: PUBLISH every event on vb:events:{aggregate}; keep the caches honest —
    balances refreshed by version (compare-and-set), positions invalidated by generation,
    quote and book keys deleted."""

    name = "redis"
    #: events per script call: bounds how long one call keeps Redis busy (about a millisecond)
    OPERATIONS_PER_CALL = 500

    def __init__(self, url: str, cache_ttl_s: float = 300.0):
        self.url = url
        self.cache_ttl_s = cache_ttl_s
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.scripts = CacheScripts(self.client)

    def open(self) -> None:
        try:
            self.client.ping()
        except redis.RedisError as error:
            raise SinkUnavailable(f"redis: {error!r}") from error

    def deliver(
        self, events: list[Event], dead_letter: Callable[[Event | BadEvent, str], None]
    ) -> dict[str, int]:
        operations = []
        delivered: dict[str, int] = {}
        for event in events:
            channel = f"vb:events:{event.aggregate}"
            payload = event.payload
            try:
                if event.type == "balance.changed":
                    operation = self.scripts.balance_operation(
                        payload, orjson.dumps(payload), channel, event.envelope
                    )
                elif event.aggregate in ("order", "trade"):
                    fill = event.type in ("order.filled", "order.partially_filled")
                    owner = str(payload["owner_id"]) if fill and payload.get("owner_id") else None
                    operation = self.scripts.positions_operation(
                        str(payload.get("symbol", event.key)), owner, channel, event.envelope
                    )
                elif event.type == "quote.updated":
                    operation = (channel, event.envelope, "d", QUOTE_KEY.format(event.key), "", "")
                else:
                    operation = (channel, event.envelope, "", "", "", "")
            except (KeyError, TypeError, ValueError) as error:
                dead_letter(event, f"cache update impossible: {error!r}")
                operation = (channel, event.envelope, "", "", "", "")
            operations.append(operation)
            delivered[channel] = delivered.get(channel, 0) + 1
        try:
            for start in range(0, len(operations), self.OPERATIONS_PER_CALL):
                self.scripts.apply(operations[start : start + self.OPERATIONS_PER_CALL], self.cache_ttl_s)
        except redis.RedisError as error:
            raise SinkUnavailable(f"redis: {error!r}") from error
        return delivered

    def close(self) -> None:
        self.client.close()


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


@dataclass
class RelayOptions:
    database_url: str
    batch_size: int = 500
    poll_interval_s: float = 1.0
    linger_s: float = 0.05
    standby_retry_s: float = 1.0
    retention: str = "7 days"
    prune_every_s: float = 60.0
    #: how often the lag metrics are refreshed (vb_ops.relay_status scans the outbox)
    status_every_s: float = 5.0
    max_backoff_s: float = 5.0
    stop_when_idle: bool = False


class BatchCache:
    """The last few parsed batches, keyed by the position they were read after: sinks that
    stand at the same position (the usual case) read and parse each batch once."""

    def __init__(self, keep: int = 8):
        self.keep = keep
        self.lock = threading.Lock()
        self.batches: OrderedDict[tuple[int, int], list[Event | BadEvent]] = OrderedDict()

    def read(self, conn: psycopg.Connection, after_event_id: int, max_rows: int) -> list[Event | BadEvent]:
        with self.lock:
            cached = self.batches.get((after_event_id, max_rows))
            if cached:
                return cached
            rows = conn.execute(
                "SELECT * FROM vb_ops.relay_read_events(%s, %s)", (after_event_id, max_rows)
            ).fetchall()
            events = parse_log_rows(rows)
            if events:
                self.batches[(after_event_id, max_rows)] = events
                while len(self.batches) > self.keep:
                    self.batches.popitem(last=False)
            return events


class SinkWorker:
    """Delivers the event log to one sink from its recorded position, on its own thread and
    database connection, so a sink that hangs or fails never holds back another."""

    def __init__(
        self,
        sink,
        options: RelayOptions,
        metrics: RelayMetrics,
        stopping: threading.Event,
        batches: BatchCache,
    ):
        self.sink = sink
        self.batches = batches
        self.options = options
        self.metrics = metrics
        self.stopping = stopping
        self.new_events = threading.Event()
        self.last_event_id = 0
        self.failures = 0
        self.caught_up = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"relay-{sink.name}", daemon=True)

    def _run(self) -> None:
        backoff = 0.1
        while not self.stopping.is_set():
            try:
                with psycopg.connect(self.options.database_url, autocommit=True, connect_timeout=5) as conn:
                    # progress lost in a database crash only means redelivery (at least once),
                    # so these commits need not wait for the WAL flush
                    conn.execute("SET synchronous_commit = off")
                    self.last_event_id = conn.execute(
                        "SELECT vb_ops.relay_record_progress(%s, 0, 0)", (self.sink.name,)
                    ).fetchone()[0]
                    log.info("sink %s resumes after event %d", self.sink.name, self.last_event_id)
                    try:
                        self.sink.open()
                    except SinkUnavailable as error:
                        log.warning("sink %s unavailable at start (%s); will retry", self.sink.name, error)
                    backoff = 0.1
                    self._deliver_until_stopped(conn)
            except psycopg.OperationalError as error:
                self.metrics.errors.labels("database").inc()
                log.warning("sink %s: database unavailable (%s)", self.sink.name, one_line(error))
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, self.options.max_backoff_s)
            except Exception:  # a daemon thread must not die silently: say it, back off, go on
                self.metrics.errors.labels(self.sink.name).inc()
                log.exception("sink %s: unexpected error; retrying in %.1fs", self.sink.name, backoff)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, self.options.max_backoff_s)

    def _deliver_until_stopped(self, conn: psycopg.Connection) -> None:
        while not self.stopping.is_set():
            self.new_events.clear()
            events = self.batches.read(conn, self.last_event_id, self.options.batch_size)
            if not events:
                self.caught_up.set()
                self.new_events.wait(self.options.poll_interval_s)
                continue
            self.caught_up.clear()
            if not self._deliver(conn, events):
                delay = min(0.1 * 2 ** (self.failures - 1), self.options.max_backoff_s)
                self.stopping.wait(delay)

    def _deliver(self, conn: psycopg.Connection, events: list[Event | BadEvent]) -> bool:
        sink = self.sink

        def dead_letter(event: Event | BadEvent, reason: str) -> None:
            text = event.text if isinstance(event, BadEvent) else event.envelope.decode("utf-8")
            recorded = conn.execute(
                "SELECT vb_ops.relay_dead_letter(%s, %s, %s, %s, %s)",
                (sink.name, event.event_id, event.outbox_id, reason, text),
            ).fetchone()[0]
            if recorded:
                self.metrics.dead_letters.labels(sink.name).inc()
                log.warning("sink %s: event %d set aside: %s", sink.name, event.event_id, reason)

        started = time.perf_counter()
        good = [event for event in events if isinstance(event, Event)]
        for event in events:
            if isinstance(event, BadEvent):
                dead_letter(event, event.reason)
        try:
            delivered = sink.deliver(good, dead_letter)
        except SinkUnavailable as error:
            self.failures += 1
            self.metrics.errors.labels(sink.name).inc()
            log.warning("sink %s unavailable (%s); attempt %d failed", sink.name, error, self.failures)
            return False
        self.last_event_id = conn.execute(
            "SELECT vb_ops.relay_record_progress(%s, %s, %s)", (sink.name, events[-1].event_id, len(good))
        ).fetchone()[0]
        if self.failures:
            log.info("sink %s delivering again after %d failed attempt(s)", sink.name, self.failures)
            self.failures = 0
        self.metrics.batch_seconds.labels(sink.name).observe(time.perf_counter() - started)
        acknowledged_s = time.time()
        commit_to_delivery = self.metrics.commit_to_delivery.labels(sink.name)
        for event in good:
            commit_to_delivery.observe(acknowledged_s - event.occurred_s)
        for topic, count in delivered.items():
            self.metrics.delivered.labels(sink.name, topic).inc(count)
        return True


class Relay:
    def __init__(self, options: RelayOptions, sinks: list, metrics: RelayMetrics | None = None):
        if not sinks:
            raise ValueError("the relay needs at least one sink")
        self.options = options
        self.sinks = sinks
        self.metrics = metrics or RelayMetrics()
        self.stopping = threading.Event()
        self._last_status = 0.0
        self._last_prune = 0.0

    # -- lifecycle ---------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        stop_on_signals(self.stopping, log)

    def run(self) -> int:
        """Run until stopped (SIGTERM/SIGINT, or everything delivered with stop_when_idle)."""
        backoff = 0.2
        while not self.stopping.is_set():
            try:
                with psycopg.connect(self.options.database_url, autocommit=True, connect_timeout=5) as conn:
                    backoff = 0.2
                    if self._session(conn):
                        break
            except psycopg.OperationalError as error:
                self.metrics.active.set(0)
                self.metrics.errors.labels("database").inc()
                log.warning("database unavailable (%s); reconnecting in %.1fs", one_line(error), backoff)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, self.options.max_backoff_s)
        self.metrics.active.set(0)
        for sink in self.sinks:
            sink.close()
        log.info("relay stopped")
        return 0

    def _session(self, conn: psycopg.Connection) -> bool:
        """One connection's life: LISTEN, become active, number events while the sink workers
        deliver them. True when the relay is done, False to reconnect."""
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        if not self._become_active(conn):
            return True
        # the workers stop with the session: a relay that lost its lock delivers nothing more
        session_over = threading.Event()
        batches = BatchCache()
        workers = [SinkWorker(sink, self.options, self.metrics, session_over, batches) for sink in self.sinks]
        for worker in workers:
            worker.thread.start()
        idle_since = None
        try:
            while not self.stopping.is_set():
                numbered = self._number(conn)
                if numbered:
                    for worker in workers:
                        worker.new_events.set()
                self._housekeeping(conn)
                if numbered:
                    idle_since = None
                    continue
                if self.options.stop_when_idle:
                    if self._all_delivered(conn, workers):
                        return True
                    self.stopping.wait(0.01)
                    continue
                now = time.monotonic()
                idle_since = idle_since or now
                if now - idle_since < self.options.linger_s:
                    self.stopping.wait(0.005)
                    continue
                self._sleep(conn, workers)
                idle_since = None
            return True
        finally:
            session_over.set()
            for worker in workers:
                worker.new_events.set()
                worker.thread.join()
            self.metrics.active.set(0)
            if not conn.closed:
                try:
                    conn.execute("SELECT vb_ops.relay_set_listening(0)")
                except psycopg.Error:
                    log.debug("could not clear the wake-up flag", exc_info=True)

    def _become_active(self, conn: psycopg.Connection) -> bool:
        announced = False
        while not self.stopping.is_set():
            if conn.execute("SELECT pg_try_advisory_lock(%s)", (RELAY_LOCK_KEY,)).fetchone()[0]:
                self.metrics.active.set(1)
                log.info("active: this relay holds the relay lock")
                return True
            self.metrics.active.set(0)
            if not announced:
                log.info(
                    "standby: another relay is active; retrying every %.1fs", self.options.standby_retry_s
                )
                announced = True
            self.stopping.wait(self.options.standby_retry_s)
        return False

    def _number(self, conn: psycopg.Connection) -> int:
        return conn.execute("SELECT vb_ops.relay_sequence_events(%s)", (self.options.batch_size,)).fetchone()[
            0
        ]

    def _all_delivered(self, conn: psycopg.Connection, workers: list[SinkWorker]) -> bool:
        lags = dict(conn.execute("SELECT sink, lag_events FROM vb_ops.relay_status()").fetchall())
        return all(lags.get(w.sink.name) == 0 and w.caught_up.is_set() for w in workers)

    def _sleep(self, conn: psycopg.Connection, workers: list[SinkWorker]) -> None:
        """Set the wake-up flag, look once more (a writer that checked the flag just before
        it was set did not notify), then wait for a NOTIFY or the fallback poll."""
        poll_s = self.options.poll_interval_s
        conn.execute("SELECT vb_ops.relay_set_listening(%s)", (poll_s + 5.0,))
        if self._number(conn):
            for worker in workers:
                worker.new_events.set()
            conn.execute("SELECT vb_ops.relay_set_listening(0)")
            return
        woken = False
        deadline = time.monotonic() + poll_s
        while not woken and not self.stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            # short slices so SIGTERM is noticed; a NOTIFY that came while a query ran waits in
            # psycopg's backlog and is yielded at once
            for _ in conn.notifies(timeout=min(remaining, 0.25), stop_after=1):
                woken = True
        conn.execute("SELECT vb_ops.relay_set_listening(0)")

    def _housekeeping(self, conn: psycopg.Connection) -> None:
        now = time.monotonic()
        if now - self._last_status >= self.options.status_every_s:
            self._last_status = now
            for sink, _last, lag_events, lag_s, *_ in conn.execute("SELECT * FROM vb_ops.relay_status()"):
                self.metrics.lag_events.labels(sink).set(lag_events)
                self.metrics.lag_seconds.labels(sink).set(lag_s)
        if now - self._last_prune >= self.options.prune_every_s:
            self._last_prune = now
            pruned = conn.execute(
                "SELECT vb_ops.relay_prune(%s::interval)", (self.options.retention,)
            ).fetchone()[0]
            if pruned:
                log.info("pruned %d delivered event-log rows older than %s", pruned, self.options.retention)


class RelayThread:
    """A relay in a thread of the calling process (demo, tests; no signal handlers):
    ``stop`` takes SIGTERM's path, ``finish`` lets it deliver everything first. Both raise
    RelayThreadError when the relay is still running after the timeout, raised an exception or
    exited non-zero: a caller never mistakes a dead or hung relay for a finished one."""

    def __init__(self, database_url: str, kafka: str | None, redis_url: str | None, **options):
        sinks: list = []
        if kafka:
            sinks.append(KafkaSink(kafka, timeout_s=options.pop("kafka_timeout_s", 5.0)))
        if redis_url:
            sinks.append(RedisSink(redis_url))
        self.relay = Relay(RelayOptions(database_url, **options), sinks)
        self.exit_code: int | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="relay", daemon=True)

    def _run(self) -> None:
        try:
            self.exit_code = self.relay.run()
        except BaseException as error:  # reported by finish / stop in the caller's thread
            self.error = error
            log.exception("the relay thread failed")

    def __enter__(self) -> RelayThread:
        self.thread.start()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.relay.stopping.set()
        self.thread.join(timeout=30)
        if exc_type is None:
            self._check("stop", 30)

    def finish(self, timeout_s: float = 120) -> None:
        """Deliver everything, then stop."""
        self.relay.options.stop_when_idle = True
        self.thread.join(timeout=timeout_s)
        self._check("finish", timeout_s)

    def stop(self) -> None:
        self.relay.stopping.set()
        self.thread.join(timeout=30)
        self._check("stop", 30)

    def _check(self, what: str, timeout_s: float) -> None:
        if self.thread.is_alive():
            raise RelayThreadError(f"the relay did not {what} within {timeout_s:.0f} s")
        if self.error is not None:
            raise RelayThreadError(f"the relay failed: {self.error!r}") from self.error
        if self.thread.ident is not None and self.exit_code != 0:
            raise RelayThreadError(f"the relay exited with {self.exit_code}")


class RelayThreadError(RuntimeError):
    """A relay thread that hung, failed or exited non-zero."""


def serve_metrics(metrics: RelayMetrics, port: int) -> None:
    start_http_server(port, addr="127.0.0.1", registry=metrics.registry)
    log.info("metrics on http://127.0.0.1:%d/metrics", port)
