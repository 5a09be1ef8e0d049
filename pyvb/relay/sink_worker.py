"""One sink's worker thread: reads the event log after the sink's recorded position (batches parsed
once for every sink at the same position), delivers, records progress; backs off on failure."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

import psycopg

from pyvb.logs import one_line
from pyvb.relay.events import BadEvent, Event, parse_log_rows
from pyvb.relay.metrics import RelayMetrics
from pyvb.relay.options import RelayOptions
from pyvb.relay.sinks import SinkUnavailable

log = logging.getLogger("pyvb.relay")


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
        self.down_since: float | None = None  # monotonic time of the outage's first failure
        self.last_error = ""
        self._reported_at = 0.0
        self.caught_up = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"relay-{sink.name}", daemon=True)

    def _run(self) -> None:
        backoff = 0.1
        while not self.stopping.is_set():
            try:
                with psycopg.connect(self.options.conninfo, autocommit=True, connect_timeout=5) as conn:
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
                        self._failed(error)
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

    def _failed(self, error: SinkUnavailable) -> None:
        """One warning per outage, then a reminder every outage_report_every_s; the outage's start
        is what --until-idle's timeout counts from."""
        sink = self.sink
        self.failures += 1
        self.metrics.errors.labels(sink.name).inc()
        self.last_error = str(error)
        now = time.monotonic()
        if self.down_since is None:  # one warning per outage, then a reminder now and then
            self.down_since = self._reported_at = now
            log.warning("sink %s unavailable (%s); retrying", sink.name, error)
        elif now - self._reported_at >= self.options.outage_report_every_s:
            self._reported_at = now
            log.warning(
                "sink %s still unavailable after %.0f s and %d attempts (%s)",
                sink.name, now - self.down_since, self.failures, error,
            )  # fmt: skip
        else:
            log.debug("sink %s: attempt %d failed (%s)", sink.name, self.failures, error)

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
            self._failed(error)
            return False
        self.last_event_id = conn.execute(
            "SELECT vb_ops.relay_record_progress(%s, %s, %s)", (sink.name, events[-1].event_id, len(good))
        ).fetchone()[0]
        if self.failures:
            log.info(
                "sink %s delivering again after %.0f s and %d failed attempt(s)",
                sink.name, time.monotonic() - (self.down_since or time.monotonic()), self.failures,
            )  # fmt: skip
            self.failures = 0
            self.down_since = None
        self.metrics.batch_seconds.labels(sink.name).observe(time.perf_counter() - started)
        acknowledged_s = time.time()
        commit_to_delivery = self.metrics.commit_to_delivery.labels(sink.name)
        for event in good:
            commit_to_delivery.observe(acknowledged_s - event.occurred_s)
        for topic, count in delivered.items():
            self.metrics.delivered.labels(sink.name, topic).inc(count)
        return True
